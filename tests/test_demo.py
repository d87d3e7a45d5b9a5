"""flask seed-demo: what a first visitor of the demo sees."""

import threading
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hrdebate.certificates.services import certificate_state
from hrdebate.dbtypes import frozen_clock
from hrdebate.discussions.services import matches_watched_word, watched_words
from hrdebate.events.services import tally
from hrdebate.extensions import db
from hrdebate.models import (
    Club,
    ClubFollow,
    Comment,
    CommentStatus,
    Event,
    Flag,
    ModerationAction,
    Notification,
    Registration,
    User,
    WatchedWord,
    utcnow,
)
from hrdebate.models.codes import CODE_ALPHABET
from hrdebate.notifications.services import notify
from hrdebate.participation.services import (
    seat_counts,
    waitlist_position,
)
from hrdebate.search import matches

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
        assert event.description_html and event.search_key, event.title
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
        select(Event).where(*matches(Event.search_key, "свобода слова"))).all()
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

    # Codes are issued at check-in, to account holders; a code is a
    # certificate once the event has ended.
    coded = [r for r in rows if r.certificate_code]
    assert {r.id for r in coded} == {r.id for r in rows if r.attended and r.user_id}
    codes = [r.certificate_code for r in coded]
    assert len(set(codes)) == len(codes)
    assert all(set(code) <= set(CODE_ALPHABET) for code in codes)
    certified = [r for r in coded if certificate_state(r, now) is not None]
    assert len({r.event_id for r in certified}) >= 2
    assert all(r.event.has_ended(now) for r in certified)
    assert any(not r.event.has_ended(now) for r in coded)
    revoked = [r for r in coded if r.certificate_revoked_at]
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


def _comments():
    return db.session.scalars(select(Comment).options(
        selectinload(Comment.event), selectinload(Comment.author))).all()


def test_demo_discussions_in_four_languages_with_deep_threads(demo):
    now = utcnow()
    comments = _comments()
    assert {c.status for c in comments} == set(CommentStatus)
    published = [c for c in comments if c.status == "published"]
    assert len(published) > len(comments) / 2
    for c in comments:
        assert c.created_at < now and c.event.is_published
        assert c.stance is None or c.event.kind == "debate"
        if c.parent is not None:
            assert c.parent.event_id == c.event_id and c.depth == c.parent.depth + 1
            assert c.parent.created_at < c.created_at
        if c.status != "deleted":
            assert c.body and c.body_html

    # A conversation three levels deep, under a published reply and top-level comment.
    deepest = [c for c in published if c.depth == 3]
    assert deepest and any(c.parent.parent.depth == 1 for c in deepest)
    debates = {c.event_id for c in published if c.event.kind == "debate"}
    for stance in ("for", "against", "neutral"):
        assert any(c.stance == stance for c in published), stance
    # Both sides speak under one debate at least.
    assert any({c.stance for c in published if c.event_id == e} >= {"for", "against"}
               for e in debates)

    by_language = defaultdict(list)
    for c in published:
        by_language[c.event.language].append(c.body)
    assert set(by_language) == {"ky", "ru", "uz", "en"}
    assert all(len(bodies) >= 3 for bodies in by_language.values())
    for language, marks in SCRIPT_MARKS.items():
        marked = [b for b in by_language[language] if any(m in b for m in marks)]
        assert len(marked) >= len(by_language[language]) / 2, language
    assert any(any(letter in body for letter in "ыэё") for body in by_language["ru"])

    deleted = [c for c in comments if c.status == "deleted"]
    assert deleted and all(c.body == "" and c.body_html == "" for c in deleted)
    replies = [c for c in published if c.parent in deleted]
    assert replies, "a deleted comment keeps its replies in place"


def test_demo_queue_has_held_flagged_and_appealed_comments(demo):
    comments = _comments()
    moderator = db.session.scalar(select(User).where(User.username == "moderator"))

    pending = [c for c in comments if c.status == "pending"]
    assert {c.held_for for c in pending} == {"pre_moderation", "watched_word"}
    words = watched_words()
    assert "идиот" in words and "акмак" in words
    held = [c for c in pending if c.held_for == "watched_word"]
    assert all(matches_watched_word(c.body) for c in held)
    assert {c.event.language for c in held} >= {"ru", "ky"}
    assert not any(matches_watched_word(c.body) for c in comments if c.status == "published")
    for c in pending:
        if c.held_for == "pre_moderation":
            assert c.event.club.moderation_mode == "pre" and c.author.approved_comment_count < 3

    rejected = [c for c in comments if c.status == "rejected"]
    assert all(c.decision_reason and c.decided_by_id for c in rejected)
    appeals = [c for c in rejected if c.appeal_pending]
    assert len(appeals) == 1 and appeals[0].appeal_message
    appeal = appeals[0]
    assert appeal.decided_by_id == moderator.id != appeal.author_id
    assert appeal.decided_at < appeal.appealed_at < utcnow()
    assert db.session.scalar(select(ModerationAction).where(
        ModerationAction.action == "reject", ModerationAction.comment_id == appeal.id,
        ModerationAction.actor_id == moderator.id)) is not None

    hidden = [c for c in comments if c.status == "hidden"]
    by_flags = [c for c in hidden if c.held_for == "flags"]
    assert len(by_flags) == 1
    flags = db.session.scalars(select(Flag).where(Flag.comment_id == by_flags[0].id)).all()
    assert len(flags) == 3 == by_flags[0].open_flags
    assert len({f.reporter_id for f in flags}) == 3
    assert by_flags[0].author_id not in {f.reporter_id for f in flags}
    assert not any(f.resolved_at for f in flags) and any(f.note for f in flags)
    auto = db.session.scalar(select(ModerationAction).where(
        ModerationAction.action == "auto_hide", ModerationAction.comment_id == by_flags[0].id))
    assert auto is not None and auto.actor_id is None
    by_moderator = [c for c in hidden if c.held_for is None]
    assert by_moderator and all(c.decision_reason and c.decided_by_id for c in by_moderator)

    all_flags = db.session.scalars(select(Flag)).all()
    assert any(f.resolved_at and f.resolution for f in all_flags)
    assert len({f.reason for f in all_flags}) >= 4
    # A handful of items for a tester in the queue.
    assert 4 <= len(pending) + len(by_flags) + len(appeals) <= 10


def test_demo_moderation_log_sanctions_and_trust(demo):
    now = utcnow()
    log = db.session.scalars(select(ModerationAction)).all()
    assert {"approve", "reject", "hide", "restore", "auto_hide", "warn", "mute"} <= {
        a.action for a in log}
    assert all(a.created_at < now for a in log)
    moderator = db.session.scalar(select(User).where(User.username == "moderator"))
    mine = {a.action for a in log if a.actor_id == moderator.id}
    assert {"approve", "reject", "hide", "warn", "mute"} <= mine
    for a in log:
        if a.action in ("approve", "reject", "hide", "restore"):
            assert a.comment_id and a.event_id and a.target_user_id and a.actor_id

    # Approved comments counted as the moderators approved them.
    approvals = Counter(a.target_user_id for a in log
                        if a.action in ("approve", "appeal_upheld"))
    for user in db.session.scalars(select(User)):
        assert user.approved_comment_count == approvals[user.id], user.username
    citizen = db.session.scalar(select(User).where(User.username == "citizen"))
    assert citizen.approved_comment_count >= 3

    muted = db.session.scalars(select(User).where(User.muted_until.is_not(None))).all()
    assert len(muted) == 1 and muted[0].muted_until > now
    mute = next(a for a in log if a.action == "mute")
    assert mute.target_user_id == muted[0].id and mute.until == muted[0].muted_until
    warn = next(a for a in log if a.action == "warn")
    for action, kind in ((mute, "muted"), (warn, "warned")):
        assert action.reason and action.actor_id == moderator.id
        note = db.session.scalar(select(Notification).where(
            Notification.user_id == action.target_user_id, Notification.kind == kind))
        assert note is not None and note.detail == action.reason

    # Every decision on a comment was told to its author, with its reason.
    notes = db.session.scalars(select(Notification).where(
        Notification.comment_id.is_not(None))).all()
    told = {(n.comment_id, n.kind, n.detail) for n in notes}
    kinds = {"approve": "comment_approved", "reject": "comment_rejected",
             "hide": "comment_hidden", "restore": "comment_restored"}
    for a in log:
        if a.action in kinds:
            assert (a.comment_id, kinds[a.action], a.reason) in told, a.action
    assert any(n.kind == "reply" for n in notes)


def test_frozen_clock_sets_now_for_this_thread_only():
    moment = datetime(2024, 3, 8, 9, 30, tzinfo=timezone.utc)
    before = utcnow()
    with frozen_clock(moment):
        assert utcnow() == moment
        with frozen_clock(moment - timedelta(days=1)):
            assert utcnow() == moment - timedelta(days=1)
        assert utcnow() == moment
        seen = []
        thread = threading.Thread(target=lambda: seen.append(utcnow()))
        thread.start()
        thread.join()
        assert seen[0] >= before  # another thread keeps the real time
    assert before <= utcnow() <= datetime.now(timezone.utc)
    with pytest.raises(ValueError):
        with frozen_clock(datetime(2024, 3, 8)):
            pass


def test_frozen_clock_dates_what_services_and_defaults_write(app, make_user):
    moment = datetime(2024, 3, 8, 9, 30, tzinfo=timezone.utc)
    user = make_user("clocked")
    with app.app_context(), frozen_clock(moment):
        notify([user.id], "warned", detail="on time")
        db.session.add(WatchedWord(word="clocked"))
        db.session.commit()
        note = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
        word = db.session.scalar(select(WatchedWord).where(WatchedWord.word == "clocked"))
        assert note.created_at == moment == word.created_at


def test_demo_clubs_keep_their_own_slugs(demo, client):
    """The demo's short slugs (README, the browser tests' page kinds) survive
    verification, which reads a club again under its lock."""
    from hrdebate.demo.data.clubs import CLUBS

    slugs = set(db.session.scalars(select(Club.slug)))
    assert slugs == {spec["slug"] for spec in CLUBS}
    assert client.get("/clubs/auca-human-rights-club").status_code == 200
