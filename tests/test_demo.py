"""flask seed-demo: what a first visitor of the demo sees."""

from collections import Counter, defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hrdebate.events.services import tally
from hrdebate.extensions import db
from hrdebate.models import Club, ClubFollow, Event, Registration, User, utcnow
from hrdebate.participation.services import (
    CODE_ALPHABET,
    seat_counts,
    waitlist_position,
)

# Letters only the language's own script has: Kyrgyz Cyrillic and Uzbek Latin.
SCRIPT_MARKS = {"ky": "ңөү", "uz": "\u02bb"}


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["seed-demo", "--password", "demo password 1"])
    assert result.exit_code == 0, result.output
    assert "events" in result.output
    with app.app_context():
        yield db.session.scalars(select(Event).options(
            selectinload(Event.topics), selectinload(Event.milestones),
            selectinload(Event.updates))).all()


def test_demo_has_every_kind_of_event_past_and_future_in_four_languages(demo):
    now = utcnow()
    assert len(demo) >= 12
    for kind in ("debate", "moot_court", "civic_project"):
        of_kind = [e for e in demo if e.kind == kind]
        assert any(e.ends_at < now for e in of_kind), kind
        assert any(e.starts_at > now for e in of_kind), kind
    assert {e.status for e in demo} == {"draft", "published", "cancelled"}
    assert {e.language for e in demo} == {"ky", "ru", "uz", "en"}
    for event in demo:
        assert 1 <= len(event.topics) <= 3, event.title
        assert event.description_html and event.search_text, event.title
        marks = SCRIPT_MARKS.get(event.language)
        if marks:
            text = event.title + event.summary + event.description
            assert any(mark in text for mark in marks), event.title
    clubs = {e.club_id for e in demo}
    assert len(clubs) == 4

    online = next(e for e in demo if e.title == "Свобода слова в интернете: где граница?")
    assert (online.kind, online.language, online.status) == ("debate", "ru", "published")
    assert online.starts_at > now and "expression" in {t.slug for t in online.topics}
    found = db.session.scalars(
        select(Event).where(Event.search_text.contains("свобода слова"))).all()
    assert online in found


def test_demo_debates_judgement_and_project_show_results(demo):
    now = utcnow()
    closed = [e for e in demo if e.kind == "debate" and e.voting_state == "closed"]
    assert closed and all(e.ends_at < now for e in closed)
    for debate in closed:
        result = tally(debate.id)
        assert result.winner in ("for", "against")
        # A clear swing, not a rounding accident.
        assert max(abs(result.swing_for), abs(result.swing_against)) >= 15

    upcoming = [e for e in demo if e.kind == "debate" and e.voting_state == "before_open"
                and e.is_published and e.starts_at > now]
    assert any(tally(e.id).before.total >= 10 and e.vote_open("before") for e in upcoming)

    judged = [e for e in demo if e.kind == "moot_court" and e.judgement_published_at]
    assert judged
    for moot in judged:
        assert moot.starts_at < moot.judgement_published_at < now
        assert moot.judgement_outcome
        reasoning = moot.judgement_reasoning_html
        assert "ICCPR" in reasoning and "Universal Declaration" in reasoning
        assert "Constitution" in reasoning and "<strong>" in reasoning

    statuses = {m.status for e in demo if e.kind == "civic_project" for m in e.milestones}
    assert statuses == {"planned", "in_progress", "done"}
    project = next(e for e in demo if e.kind == "civic_project"
                   and {m.status for m in e.milestones} == statuses)
    assert 2 <= len(project.updates) <= 3
    assert all(u.posted_on <= now.date() and u.body_html for u in project.updates)

    follow = db.session.scalar(
        select(Club.slug).join(ClubFollow, ClubFollow.club_id == Club.id)
        .join(User, User.id == ClubFollow.user_id).where(User.username == "organiser"))
    assert follow is not None


def _registrations(demo):
    rows = db.session.scalars(select(Registration).options(
        selectinload(Registration.user))).all()
    by_event = defaultdict(list)
    for row in rows:
        by_event[row.event_id].append(row)
    return rows, by_event


def test_demo_registrations_respect_the_seat_rules(demo):
    now = utcnow()
    rows, by_event = _registrations(demo)
    assert len(rows) >= 200
    published = [e for e in demo if e.is_published]
    for event in published:
        code = event.checkin_code
        assert code and len(code) == 6 and set(code) <= set(CODE_ALPHABET), event.title
    assert sum(1 for e in published if by_event[e.id]) >= len(published) - 1
    assert not any(by_event[e.id] for e in demo if e.is_draft)

    for event in demo:
        regs = by_event[event.id]
        accounts = [r.user_id for r in regs if r.user_id is not None]
        assert len(accounts) == len(set(accounts)), event.title
        seats = seat_counts(event.id)
        if event.capacity is not None:
            assert seats["registered"] <= event.capacity, event.title
        if seats["waitlisted"]:
            assert seats["registered"] == event.capacity, event.title
        if event.starts_at > now:
            assert not any(r.checked_in_at for r in regs), event.title
        for r in regs:
            assert r.registered_at < now
            assert (r.status == "cancelled") == (r.cancelled_at is not None)
            assert r.checked_in_at is None or r.status == "registered"

    # One upcoming event is full, with people waiting in order.
    full = [e for e in published if e.starts_at > now and e.capacity
            and seat_counts(e.id)["registered"] == e.capacity]
    assert len(full) == 1
    waiting = sorted((r for r in by_event[full[0].id] if r.status == "waitlisted"),
                     key=lambda r: r.registered_at)
    assert 3 <= len(waiting) <= 5
    assert [waitlist_position(r) for r in waiting] == list(range(1, len(waiting) + 1))
    last_seat = max(r.registered_at for r in by_event[full[0].id] if r.status == "registered")
    assert last_seat < waiting[0].registered_at
    assert any(r.status == "cancelled" for r in rows)


def test_demo_past_events_have_check_ins_walk_ins_and_certificates(demo):
    now = utcnow()
    rows, by_event = _registrations(demo)
    ended = [e for e in demo if e.is_published and e.has_ended(now) and by_event[e.id]]
    assert len(ended) >= 4
    assert len({e.club_id for e in ended}) == 4
    for event in ended:
        online = [r for r in by_event[event.id]
                  if r.source == "online" and r.status == "registered"]
        came = [r for r in online if r.checked_in_at]
        # Most came, some did not: a believable attendance rate.
        assert 0.7 * len(online) <= len(came) < len(online), event.title
        assert all(r.checked_in_by_id for r in came)

    walk_ins = [r for r in rows if r.source == "walk_in"]
    assert all(r.user_id is None and r.walk_in_name and r.checked_in_at for r in walk_ins)
    consenting = [r for r in walk_ins if r.walk_in_consent]
    assert consenting and all(r.age_band and r.gender for r in consenting)
    silent = [r for r in walk_ins if not r.walk_in_consent]
    assert silent and not any(r.age_band or r.gender or r.affiliation or r.region
                              for r in silent)

    certified = [r for r in rows if r.certificate_code]
    assert len({r.event_id for r in certified}) >= 2
    codes = [r.certificate_code for r in certified]
    assert len(set(codes)) == len(codes)
    for r in certified:
        assert set(r.certificate_code) <= set(CODE_ALPHABET)
        assert r.user_id and r.attended and r.event.has_ended(now)
    revoked = [r for r in certified if r.certificate_revoked_at]
    assert len(revoked) == 1
    assert revoked[0].event.ends_at < revoked[0].certificate_revoked_at < now

    # Enough consenting attendees that the big groups show real numbers.
    people = {r.user for r in rows if r.attended and r.user
              and r.user.has_demographics_consent}
    assert Counter(u.gender for u in people)["woman"] >= 5
    assert Counter(u.gender for u in people)["man"] >= 5
    ages = Counter(u.age_band for u in people)
    assert sum(1 for n in ages.values() if n >= 5) >= 3 and ages["under_18"] >= 5
    affiliations = Counter(u.affiliation for u in people)
    assert all(affiliations[a] >= 5 for a in ("student", "pupil", "ngo", "teacher"))


def test_demo_citizen_sees_every_registration_state(demo):
    now = utcnow()
    citizen = db.session.scalar(select(User).where(User.username == "citizen"))
    mine = db.session.scalars(select(Registration).where(
        Registration.user_id == citizen.id)).all()
    upcoming = [r for r in mine if r.event.starts_at > now]
    assert any(r.status == "registered" for r in upcoming)
    waiting = [r for r in upcoming if r.status == "waitlisted"]
    assert len(waiting) == 1 and waitlist_position(waiting[0]) >= 2
    attended = [r for r in mine if r.attended and r.event.has_ended(now)]
    assert any(r.certificate_code and r.certificate_revoked_at is None for r in attended)
