"""Differencing attacks on the demographic tables (issue 9, item 1; DESIGN §8:
"no sequence of reports, scopes and attendance edits reveals a group smaller
than 5").

Each attack is played as the attacker would: through the site (exports, the
attendance page) where it can be, and through the turnout service where it
must be repeated many times over fresh random record keys. Against the code
before the redesign, (a) un-checking one named attendee lowered exactly that
person's cells by one, and (b) two date ranges differing by one small event
differed by exactly that event's people, every time."""

import csv
import io
import random
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import bindparam, select

from hrdebate.dbtypes import frozen_clock
from hrdebate.extensions import db
from hrdebate.models import Club, Registration, User, utcnow
from hrdebate.timeutil import local_to_utc, utc_to_local
from hrdebate.turnout.aggregates import rebuild
from tests.helpers import fetch, page_text, quarter_closed

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **EN}
DEMOGRAPHIC_SECTIONS = ("age_band", "gender", "affiliation", "demographics")
# 24 consenting people in three groups of 8, the issue's victim's group among them.
GROUPS = (("18_24", "woman", "student"), ("25_34", "man", "ngo"), ("35_49", "woman", "teacher"))


def _crowd(make_user, n_per_group=8, groups=GROUPS):
    return [make_user(demographics_consent_at=utcnow(), age_band=age, gender=gender,
                      affiliation=affiliation)
            for age, gender, affiliation in groups for _ in range(n_per_group)]


def _attend(make_registration, event, people):
    return [make_registration(event, person, checked_in=True) for person in people]


def _noon(days_ago: int):
    """Noon in Bishkek ``days_ago`` days ago: an event then starts and ends on
    that day, whatever the hour the test runs (one starting 20 days ago at
    the current time could end after midnight, outside a one-day scope)."""
    today = utc_to_local(utcnow()).date()
    return local_to_utc(datetime.combine(today - timedelta(days=days_ago), time(12)))


def _day(event):
    return utc_to_local(event.starts_at).date().isoformat()


def _csv(response):
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _demographic_rows(rows):
    return [row for row in rows if row["section"] in DEMOGRAPHIC_SECTIONS]


def _summary(rows):
    return {row["measure"]: row["value"] for row in rows if row["section"] == "summary"}


def _reseed_record_keys(app, rng):
    """Draw every person's and registration's record key afresh, as another
    database with the same people would hold them."""
    with app.app_context():
        for model in (User, Registration):
            table = model.__table__
            ids = db.session.scalars(select(table.c.id)).all()
            db.session.execute(
                table.update().where(table.c.id == bindparam("row_id"))
                .values(record_key=bindparam("new_key")),
                [{"row_id": i, "new_key": rng.randrange(256)} for i in ids])
        rebuild(db.session.connection())  # a bulk UPDATE: the aggregates are computed again
        db.session.commit()


@pytest.fixture
def club_day(app, make_user, make_club, make_event, make_registration):
    """The issue's setting: one club, one debate in the latest closed quarter
    (its attendance final), 24 consenting attendees and the victim, "Target
    Tolkun" (25-34, a man, NGO), checked in by name."""
    from hrdebate.turnout.services import latest_closed_quarter

    organiser = make_user("organiser")
    make_user("admin", site_role="admin", display_name="Admin Aida")
    club = make_club(owner=organiser, slug="auca")
    with app.app_context():
        quarter = latest_closed_quarter()
    event = make_event(club, starts_at=quarter.ends_at - timedelta(days=40),
                       title="Debate of the day")
    _attend(make_registration, event, _crowd(make_user))
    target = make_user("tolkun", display_name="Target Tolkun", demographics_consent_at=utcnow(),
                       age_band="25_34", gender="man", affiliation="ngo")
    (registration,) = _attend(make_registration, event, [target])
    return {"event": event, "registration": registration,
            "export": f"/turnout/export.csv?club=auca&start={_day(event)}&end={_day(event)}"}


# -- (a) export, un-check one named attendee, export ---------------------------------------

def test_the_issues_attack_is_refused_once_attendance_is_final(app, client, auth, club_day):
    auth.login("organiser")
    before = _csv(client.get(club_day["export"], headers=EN))
    assert any(row["section"] == "age_band" and row["value"].isdigit() for row in before)
    url = f"/events/{club_day['event'].id}/attendance/{club_day['registration'].id}"

    refused = client.post_form(url, {"checked_in": "0"}, headers=HTMX)
    assert refused.status_code == 422
    assert "attendance of this event is final" in refused.text
    plain = client.post_form(url, {"checked_in": "0"}, headers=EN)
    assert plain.status_code == 302
    assert "attendance of this event is final" in client.get(plain.location, headers=EN).text
    assert fetch(app, Registration, id=club_day["registration"].id).checked_in_at is not None
    # Nor can the organiser add a walk-in to make a cell move.
    walk_in = client.post_form(f"/events/{club_day['event'].id}/walk-ins",
                               {"name": "Extra", "consent": "y", "gender": "man"}, headers=HTMX)
    assert walk_in.status_code == 422
    assert fetch(app, Registration, walk_in_name="Extra") is None

    after = _csv(client.get(club_day["export"], headers=EN))
    assert after == before


def test_the_attendance_page_says_it_is_final_and_offers_no_change(client, auth, club_day):
    auth.login("organiser")
    page = client.get(f"/events/{club_day['event'].id}/attendance", headers=EN)
    text = page_text(page.text)
    assert "The attendance of this event is final" in text
    assert "Undo check-in of Target Tolkun" not in text and "Add a walk-in" not in text


def test_before_the_lock_the_event_is_not_in_the_demographics(app, client, auth, club_day,
                                                               make_event, make_registration):
    """An event that ended yesterday can still be corrected by its organisers,
    but its attendance is not final, so no demographic cell counts it: the
    two exports around the change have the same demographic tables. The live
    figures (participants) do change: organisers see the list anyway."""
    club = fetch(app, Club, slug="auca")
    recent = make_event(club, starts_in=timedelta(days=-1), title="Yesterday")
    with app.app_context():
        target = db.session.get(User, club_day["registration"].user_id)
        db.session.expunge(target)
    (registration,) = _attend(make_registration, recent, [target])
    auth.login("organiser")
    before = _csv(client.get("/turnout/export.csv?club=auca", headers=EN))
    changed = client.post_form(f"/events/{recent.id}/attendance/{registration.id}",
                               {"checked_in": "0"}, headers=HTMX)
    assert changed.status_code == 200
    after = _csv(client.get("/turnout/export.csv?club=auca", headers=EN))
    assert _demographic_rows(after) == _demographic_rows(before)
    assert int(_summary(after)["participants"]) == int(_summary(before)["participants"]) - 1
    # Made after the event ended, the change is in the event's log.
    page = page_text(client.get(f"/events/{recent.id}/attendance", headers=EN).text)
    assert "Changes after the event" in page and "check-in undone" in page


def test_only_an_admin_corrects_final_attendance_and_only_with_a_logged_reason(
        app, client, auth, club_day):
    event, registration = club_day["event"], club_day["registration"]
    url = f"/events/{event.id}/attendance/{registration.id}"
    auth.login("admin")
    page = page_text(client.get(f"/events/{event.id}/attendance", headers=EN).text)
    assert "Undo check-in of Target Tolkun" in page and "Reason for the correction" in page

    no_reason = client.post_form(url, {"checked_in": "0", "reason": "  "}, headers=HTMX)
    assert no_reason.status_code == 422 and "Give a reason" in no_reason.text
    plain = client.post_form(url, {"checked_in": "0"}, headers=EN)
    assert "Give a reason" in client.get(plain.location, headers=EN).text
    assert fetch(app, Registration, id=registration.id).checked_in_at is not None

    done = client.post_form(url, {"checked_in": "0", "reason": "Checked in by mistake"},
                            headers=HTMX)
    assert done.status_code == 200
    assert fetch(app, Registration, id=registration.id).checked_in_at is None
    walk_in = client.post_form(f"/events/{event.id}/walk-ins", {"name": "Late Lena"})
    assert fetch(app, Registration, walk_in_name="Late Lena") is None  # no reason given
    assert walk_in.status_code == 302
    client.post_form(f"/events/{event.id}/walk-ins",
                     {"name": "Late Lena", "reason": "Signed the paper list"})
    assert fetch(app, Registration, walk_in_name="Late Lena") is not None

    # The organiser sees who changed what, when and why.
    auth.login("organiser")
    log = page_text(client.get(f"/events/{event.id}/attendance", headers=EN).text)
    assert "Changes after the event" in log
    assert "Admin Aida" in log and "Checked in by mistake" in log and "Target Tolkun" in log
    assert "Signed the paper list" in log and "walk-in added" in log


def test_changes_after_the_event_are_logged_and_before_it_are_not(app, make_user, make_club,
                                                                  make_event, make_registration):
    from hrdebate.models import AttendanceChange, Event
    from hrdebate.participation import services

    organiser = make_user()
    club = make_club(owner=organiser)
    today = make_event(club, starts_in=timedelta(minutes=-30))
    ended = make_event(club, starts_in=timedelta(days=-1))
    person = make_user()
    early = make_registration(today, person)
    late = make_registration(ended, person)
    with app.app_context():
        by = db.session.get(User, organiser.id)
        services.set_checked_in(db.session.get(Registration, early.id), by, True)
        services.set_checked_in(db.session.get(Registration, late.id), by, True)
        services.set_checked_in(db.session.get(Registration, late.id), by, True)  # no change
        services.add_walk_in(db.session.get(Event, ended.id), by, "Guest")
        db.session.commit()
        changes = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id)).all()
        assert [(c.event_id, c.registration_id, c.actor_id, c.action) for c in changes] == [
            (ended.id, late.id, organiser.id, "check_in"),
            (ended.id, changes[1].registration_id, organiser.id, "walk_in")]
        assert all(c.reason is None and c.at for c in changes)


def test_self_check_in_after_the_end_is_logged(app, make_user, make_club, make_event,
                                               make_registration):
    from hrdebate.models import AttendanceChange, Event
    from hrdebate.participation import services

    club = make_club(owner=make_user())
    event = make_event(club, starts_in=timedelta(hours=-2, minutes=-30))  # ended 30 min ago
    person = make_user()
    make_registration(event, person)
    with app.app_context():
        loaded = db.session.get(Event, event.id)
        services.self_check_in(loaded, db.session.get(User, person.id), loaded.checkin_code)
        db.session.commit()
        change = db.session.scalars(select(AttendanceChange)).one()
        assert (change.actor_id, change.action) == (person.id, "check_in")


def test_a_final_event_cannot_be_moved_to_reopen_its_attendance(app, club_day):
    """Moving the end of a final event into the future would unlock it for
    the organiser; fixing a date within the past stays possible for an
    admin (an organiser cannot date an event into the past at all)."""
    from hrdebate.events.services import update_event
    from hrdebate.models import Event
    from hrdebate.rules import RuleError

    with app.app_context():
        admin = db.session.scalars(select(User).filter_by(username="admin")).one()
        event = db.session.get(Event, club_day["event"].id)
        with pytest.raises(RuleError, match="final_event_dates"):
            update_event(event, {"ends_at": utcnow() + timedelta(days=1)}, [], by=admin)
        db.session.rollback()
        admin = db.session.scalars(select(User).filter_by(username="admin")).one()
        event = db.session.get(Event, club_day["event"].id)
        update_event(event, {"starts_at": event.starts_at - timedelta(days=1),
                             "ends_at": event.ends_at - timedelta(days=1)}, [], by=admin)
        update_event(event, {"title": "A corrected title"}, [], by=admin)
        db.session.commit()


# -- (b) two scopes that differ by one small event ---------------------------------------------

def _cells(app, club, start, end, now=None):
    """The demographic cells (as shown: numbers or hidden) of one scope."""
    from hrdebate.turnout import services
    scope = services.Scope(club_ids=(club.id,), start=start, end=end)
    with app.test_request_context(headers=EN):
        data = services.dashboard(scope, now=now, per_page=None)
        assert data.demographics is not None, "the scope is large enough"
        return {(str(dimension), key): value for dimension, table in data.demographics.items()
                for key, value in [*table.cells.items(), ("total", table.total)]}


def test_two_scopes_differing_by_one_small_event_do_not_give_its_people_away(
        app, make_user, make_club, make_event, make_registration):
    """A date range with and without a small event (two people, both 18-24,
    women, students). Before the redesign, the difference of the two tables
    was exactly 2 in each of their cells, every time. Now each cell's noise
    depends on who is in it, so the difference is the truth only by chance,
    over many draws of the record keys."""
    club = make_club(owner=make_user())
    big = make_event(club, starts_at=_noon(20))
    small = make_event(club, starts_at=_noon(12))
    _attend(make_registration, big, _crowd(make_user))
    _attend(make_registration, small, _crowd(make_user, 2, groups=GROUPS[:1]))
    day = utc_to_local(big.starts_at).date()
    with_small, without = (day, day + timedelta(days=8)), (day, day)
    victims = [("age_band", "18_24"), ("gender", "woman"), ("affiliation", "student")]

    rng = random.Random(9)
    differences = {cell: Counter() for cell in victims}
    for _ in range(40):
        _reseed_record_keys(app, rng)
        a, b = _cells(app, club, *with_small), _cells(app, club, *without)
        assert _cells(app, club, *with_small) == a  # the same scope twice: the same table
        for cell in victims:
            differences[cell][a[cell] - b[cell]] += 1
    for cell, seen in differences.items():
        assert seen[2] <= 20, (cell, seen)  # the truth in about a fifth of the draws
        assert len(seen) >= 3, (cell, seen)


def test_the_same_scope_exported_twice_is_the_same(client, auth, club_day):
    auth.login("organiser")
    first = client.get(club_day["export"], headers=EN).get_data()
    assert client.get(club_day["export"], headers=EN).get_data() == first


# -- (c) the same people in two scopes give the same cells ------------------------------------

def test_the_same_people_give_the_same_cells_in_every_scope(app, make_user, make_club,
                                                            make_event, make_registration):
    """An earlier event attended only by people who also came to the later
    one adds nobody: every demographic cell of the wider scope is the same,
    whatever the draw, so repeating scopes averages nothing away."""
    club = make_club(owner=make_user())
    later = make_event(club, starts_at=_noon(10))
    earlier = make_event(club, starts_at=_noon(30))
    crowd = _crowd(make_user)
    _attend(make_registration, later, crowd)
    _attend(make_registration, earlier, crowd[::3])
    day = utc_to_local(later.starts_at).date()
    rng = random.Random(3)
    for _ in range(5):
        _reseed_record_keys(app, rng)
        assert _cells(app, club, day, day) == _cells(app, club, day - timedelta(days=20), day)


# -- only final attendance, only large enough scopes -------------------------------------------

def test_demographics_count_only_closed_quarters(app, client, auth, make_user, make_club,
                                                make_event, make_registration):
    """An event two days before the end of a quarter: two days after that
    end its attendance is final, but the quarter is not closed (its last day
    ended less than ATTENDANCE_LOCK_DAYS ago), so it is not offered; a day
    later it is, and its tables show."""
    from hrdebate.turnout.services import latest_closed_quarter

    club = make_club(owner=make_user("owner"), slug="auca")
    with app.app_context():
        quarter = latest_closed_quarter().next()  # still open today
    event = make_event(club, starts_at=quarter.ends_at - timedelta(days=2))
    _attend(make_registration, event, _crowd(make_user))
    with frozen_clock(quarter.ends_at + timedelta(days=2)):
        auth.login("owner")
        page = page_text(client.get("/turnout/", headers=EN).text)
        assert "only for a selection with at least 20 people" in page
        assert quarter.label not in page  # not a choice yet
        assert client.get(f"/turnout/?quarter={quarter.code}").status_code == 422
        rows = _csv(client.get("/turnout/export.csv", headers=EN))
        assert not [row for row in rows if row["section"] in ("age_band", "gender", "affiliation")]
        assert [row["measure"] for row in rows if row["section"] == "demographics"] == [
            "period", "withheld"]
        assert _summary(rows)["participants"] == "24"  # the live figures count it already
        app.config["ATTENDANCE_LOCK_DAYS"] = 1
        page = page_text(client.get("/turnout/", headers=EN).text)
        assert "only for a selection" not in page and f"Who took part · {quarter.label}" in page
        app.config["ATTENDANCE_LOCK_DAYS"] = 3
    with frozen_clock(quarter_closed(app, event)):
        auth.login("owner")  # the session has ended meanwhile
        page = page_text(client.get("/turnout/", headers=EN).text)
    assert "only for a selection" not in page and "Figures are slightly perturbed" in page
    assert f"Who took part · {quarter.label}" in page


def test_a_small_scope_shows_no_demographics(app, client, auth, make_user, make_club, make_event,
                                            make_registration):
    club = make_club(owner=make_user("owner"), slug="auca")
    event = make_event(club, starts_in=timedelta(days=-10))
    _attend(make_registration, event, _crowd(make_user, 4))  # 12 people
    with frozen_clock(quarter_closed(app, event)):
        auth.login("owner")
        page = page_text(client.get("/turnout/", headers=EN).text)
        assert "only for a selection with at least 20 people" in page
        assert "25–34" not in page  # no table
        app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
        assert "only for a selection" not in page_text(client.get("/turnout/", headers=EN).text)


# -- the method --------------------------------------------------------------------------------

def test_record_keys_are_drawn_for_every_person_and_registration(make_user, make_club,
                                                                 make_event, make_registration):
    club = make_club(owner=make_user())
    event = make_event(club)
    people = [make_user() for _ in range(40)]
    keys = [p.record_key for p in people]
    keys += [make_registration(event, p).record_key for p in people]
    assert all(0 <= key < 256 for key in keys)
    assert len(set(keys)) > 20  # drawn, not a constant


def test_the_perturbation_table():
    from hrdebate.models.attendance import RECORD_KEYS
    from hrdebate.turnout.perturbation import KEYS, NOISE, perturb

    assert len(NOISE) == KEYS == RECORD_KEYS == 256
    assert sum(NOISE) == 0 and set(NOISE) == {-2, -1, 0, 1, 2}
    assert NOISE.count(0) == 64 and NOISE.count(2) == NOISE.count(-2) == 32
    for key in range(256):
        assert perturb(0, key) == 0  # zero stays zero
        for n in range(1, 5):
            assert perturb(n, key) == n  # a small group is shown as "fewer than 5" anyway
        for n in range(5, 40):
            assert n - 2 <= perturb(n, key) <= n + 2 and perturb(n, key) > 0
    for n in range(5, 40):  # every count: zero-mean, the same spread
        noise = Counter(perturb(n, key) - n for key in range(256))
        assert noise == Counter(NOISE)
    # The same cell key does not give the same noise to every count.
    assert len({perturb(n, 7) - n for n in range(5, 40)}) == 5
    assert perturb(17, 200) == perturb(17, 200 + 256)  # keys are taken modulo 256


def test_the_perturbation_needs_no_app_nor_database():
    """perturbation.py is pure, like suppression.py: loaded on its own it
    imports neither Flask nor SQLAlchemy."""
    import subprocess
    import sys
    from pathlib import Path

    import hrdebate.turnout.perturbation as module
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('perturbation', {str(Path(module.__file__))!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "assert m.perturb(0, 99) == 0 and m.perturb(3, 99) == 3\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'sqlalchemy', 'hrdebate')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- (d) averaging over many selections that all hold the target ---------------------------------

def _event_form(starts_at, **overrides):
    """The new-event form of tests/test_events.py, starting at ``starts_at`` (UTC)."""
    start = utc_to_local(starts_at)
    return {"kind": "debate", "title": "Made-up debate", "summary": "Made up.",
            "description": "Made up.", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "venue": "Nowhere", "region": "bishkek", "language": "ru", "capacity": "40",
            "topics": ["participation"], "motion": "This house would average",
            "debate_format": "oxford", **overrides}


def test_averaging_many_selections_that_hold_the_target_gains_nothing(
        app, client, auth, club_day, make_event):
    """The reviewer's attack (issue 9, item 1): the noise is fixed per set of
    people but fresh for every other set, so the organiser (1) creates N
    events dated in the past, (2) fills them with made-up consenting walk-ins
    of known answers, (3) exports start=day of E..end=day of F_k for each k:
    N independent noisy samples of the target's cell, averaged. Before the
    fix each export was a different selection (20 of them: the target's gender
    right 88% of the time). Now (1) is refused, and whatever the day range,
    kind or region, the demographic rows of the target's quarter are one
    fixed table: N samples are the same sample."""
    from hrdebate.models import Event

    event = club_day["event"]
    auth.login("organiser")
    # (1) Past events are refused, the form kept; nothing is created.
    for k in range(1, 6):
        refused = client.post_form("/events/new?club=auca",
                                   _event_form(event.starts_at + timedelta(days=k)), headers=EN)
        assert refused.status_code == 422
        assert "An event cannot start in the past" in refused.text
        assert 'value="Nowhere"' in refused.text
    assert fetch(app, Event, title="Made-up debate") is None
    # Nor can an upcoming event be moved into the past.
    upcoming = make_event(fetch(app, Club, slug="auca"), title="Next week")
    moved = client.post_form(f"/events/{upcoming.id}/edit",
                             _event_form(event.starts_at + timedelta(days=1), title="Next week"),
                             headers=EN)
    assert moved.status_code == 422 and "An event cannot start in the past" in moved.text
    assert fetch(app, Event, id=upcoming.id).starts_at == upcoming.starts_at

    # (3) Every selection the organiser can make holds the same demographic rows.
    day = utc_to_local(event.starts_at).date()
    selections = [f"start={day}&end={day + timedelta(days=k)}" for k in range(0, 30, 3)]
    selections += [f"start={day - timedelta(days=k)}&end={day}" for k in range(1, 30, 7)]
    selections += ["", "club=auca", "kind=debate", "kind=moot_court", "region=bishkek",
                   "region=osh", f"start={day}&end={day}&kind=debate&region=bishkek"]
    samples = []
    for query in selections:
        rows = _csv(client.get(f"/turnout/export.csv?{query}", headers=EN))
        samples.append(_demographic_rows(rows))
    first = samples[0]
    assert any(row["section"] == "gender" and row["value"].isdigit() for row in first)
    assert ("quarter", "period") in {(row["key"], row["measure"]) for row in first}
    assert all(sample == first for sample in samples), "one fixed table per club and quarter"
    # The page shows the same quarter and the same figures.
    page = page_text(client.get(f"/turnout/?start={day}&end={day}&kind=debate", headers=EN).text)
    quarter = next(row["label"] for row in first if row["key"] == "quarter")
    assert f"Who took part · {quarter}" in page


def test_an_admin_may_record_a_past_event_and_an_organiser_may_edit_a_started_one(
        app, client, auth, club_day, make_event):
    """Dating an event into the past is the admin's privileged act; an
    organiser still edits an event already under way, its start unchanged."""
    from hrdebate.models import Event

    auth.login("admin")
    past = utcnow() - timedelta(days=2)
    done = client.post_form("/events/new?club=auca", _event_form(past, title="Recorded late"),
                            headers=EN)
    assert done.status_code == 302 and fetch(app, Event, title="Recorded late") is not None

    started = make_event(fetch(app, Club, slug="auca"), starts_in=timedelta(minutes=-30),
                         title="Under way")
    auth.login("organiser")
    edited = client.post_form(f"/events/{started.id}/edit",
                              _event_form(started.starts_at, title="Under way, renamed"),
                              headers=EN)
    assert edited.status_code == 302, edited.text
    assert fetch(app, Event, id=started.id).title == "Under way, renamed"


def test_the_reason_of_a_correction_is_cleaned_like_every_line(app, client, auth, club_day):
    """The admin's reason for un-checking someone goes through the shared
    single-line cleaning (hrdebate/forms.py::Form): spaces and line breaks
    collapsed; invisible characters refused (no reason, so no correction)."""
    from hrdebate.models import AttendanceChange

    event, registration = club_day["event"], club_day["registration"]
    url = f"/events/{event.id}/attendance/{registration.id}"
    auth.login("admin")
    hidden = client.post_form(url, {"checked_in": "0", "reason": "Mis\u200btake"}, headers=HTMX)
    assert hidden.status_code == 422 and "Give a reason" in hidden.text
    assert fetch(app, Registration, id=registration.id).checked_in_at is not None
    done = client.post_form(url, {"checked_in": "0", "reason": "Checked  in\nby mistake "},
                            headers=HTMX)
    assert done.status_code == 200
    assert fetch(app, AttendanceChange, registration_id=registration.id).reason == \
        "Checked in by mistake"


def test_a_running_event_cannot_be_ended_in_the_past_to_join_a_reported_quarter(
        app, client, auth, club_day, make_event):
    """Second review: an event that started on a closed quarter's last day
    and runs on could be given an end inside that quarter, bringing the
    walk-ins added while it ran into a quarter already reported (a new set
    of people, fresh noise, again and again). Ending an event in the past is
    now refused to organisers, like starting one there."""
    from hrdebate.models import Event

    club = fetch(app, Club, slug="auca")
    running = make_event(club, title="Long project", starts_in=timedelta(days=-3),
                         duration=timedelta(days=30))
    start = utc_to_local(running.starts_at)
    auth.login("organiser")
    form = _event_form(running.starts_at, title="Long project",
                       ends_at=(start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    moved = client.post_form(f"/events/{running.id}/edit", form, headers=EN)
    assert moved.status_code == 422
    assert "An event cannot be made to end in the past" in moved.text
    assert fetch(app, Event, id=running.id).ends_at == running.ends_at
    # Its end may still move within the future.
    later = (utc_to_local(running.ends_at) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    kept = client.post_form(f"/events/{running.id}/edit",
                            _event_form(running.starts_at, title="Long project", ends_at=later),
                            headers=EN)
    assert kept.status_code == 302


def test_an_event_that_took_place_is_cancelled_only_by_an_admin(app, client, auth, club_day):
    """Second review: cancelling the events of a closed quarter one by one
    gave the organiser as many different sets of people as events. An event
    that has ended stays in the records; only an admin may cancel it."""
    from hrdebate.models import Event

    event = club_day["event"]
    auth.login("organiser")
    refused = client.post_form(f"/events/{event.id}/cancel", {"reason": "The hall is closed."},
                               headers=EN, follow_redirects=True)
    assert "This event has already taken place" in page_text(refused.text)
    assert fetch(app, Event, id=event.id).status == "published"
    auth.logout()
    auth.login("admin")
    done = client.post_form(f"/events/{event.id}/cancel", {"reason": "Recorded twice."},
                            headers=EN)
    assert done.status_code == 302, done.text
    assert fetch(app, Event, id=event.id).status == "cancelled"
