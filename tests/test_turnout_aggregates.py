"""The turnout aggregates (issue 14, item 3) stay exactly what the live
count of the registrations gives (``turnout.live``, the reference), after
every kind of write: registering, cancelling, the waitlist's promotion,
check-in and its undoing, a walk-in, self check-in, answers given and
withdrawn, an account deleted, an event cancelled, moved to another club,
month or quarter, a draft deleted, the retention job. After each write:

- every figure of the dashboard's queries (the programme, months, club
  months, kinds, regions, themes, each event, the demographic cells of every
  closed quarter, for every club, one club, several clubs, with filters)
  equals the live computation;
- the dashboard's export, as an admin and as an organiser downloads it,
  is the same file as with the live queries;
- what the write path kept is what ``flask turnout rebuild`` computes.

And two requests at once lose no count (threads, one connection each)."""

import csv
import io
import threading
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.models import (
    Club,
    Event,
    Registration,
    TurnoutCell,
    TurnoutEvent,
    TurnoutGroup,
    TurnoutPerson,
    TurnoutVisit,
    User,
    utcnow,
)
from hrdebate.timeutil import local_to_utc, utc_to_local
from tests.helpers import count_queries

EN = {"Accept-Language": "en"}


# -- the comparison ----------------------------------------------------------------------

def _scopes(clubs):
    from hrdebate.turnout.queries import Scope

    today = utc_to_local(utcnow()).date()
    month_start = today.replace(day=1)
    previous = (month_start - timedelta(days=1)).replace(day=1)
    ids = tuple(club.id for club in clubs)
    return [
        Scope(club_ids=None),
        Scope(club_ids=ids[:1]),
        Scope(club_ids=ids[1:2]),
        Scope(club_ids=ids[:2]),
        Scope(club_ids=None, kind="debate"),
        Scope(club_ids=None, region="osh"),
        Scope(club_ids=None, start=previous, end=month_start - timedelta(days=1)),
        Scope(club_ids=ids[:1], start=previous),
        Scope(club_ids=None, start=today - timedelta(days=40), end=today),
    ]


def _quarter_scopes(clubs, now):
    from hrdebate.turnout.services import Quarter, latest_closed_quarter

    quarter = latest_closed_quarter(now)
    scopes = []
    for _ in range(4):
        for club_ids in (None, (clubs[0].id,), (clubs[1].id,), (clubs[0].id, clubs[1].id)):
            scopes.append(quarter.scope(club_ids))
        quarter = quarter.previous()
    assert isinstance(quarter, Quarter)
    return scopes


def _rows(rows):
    out = []
    for row in rows:
        values = row if isinstance(row, dict) else row._asdict()
        out.append({k: int(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                    else v for k, v in sorted(values.items())})
    return out


def _demographics(rows):
    """(dimension, key) -> (n, key_sum), without empty cells, no answer as ''."""
    return {(dimension, key or ""): (int(n), int(key_sum or 0))
            for dimension, key, n, key_sum in rows if int(n)}


def _assert_queries_in_step(app, clubs):
    from hrdebate.participation.services import final_before
    from hrdebate.turnout import live, queries

    now = utcnow()
    with app.test_request_context(headers=EN):
        for scope in _scopes(clubs):
            assert _rows([queries.summary(scope, now)]) == _rows([live.summary(scope, now)]), scope
            assert _rows(queries.by_month(scope, now)) == _rows(live.by_month(scope, now)), scope
            assert (_rows(queries.by_club_month(scope, now).items)
                    == _rows(live.by_club_month(scope, now).items)), scope
            page = queries.by_club_month(scope, now, page=2, per_page=2)
            expected = live.by_club_month(scope, now, page=2, per_page=2)
            assert _rows(page.items) == _rows(expected.items) and page.total == expected.total
            assert (sorted(queries.breakdowns(scope))
                    == sorted((str(d), k, int(n)) for d, k, n in live.breakdowns(scope))), scope
            assert (_rows(queries.events(scope).items)
                    == _rows(live.events(scope).items)), scope
            assert (_rows(queries.each_event(scope))
                    == _rows(live.events(scope).items)), scope
        cutoff = final_before(now)
        for scope in _quarter_scopes(clubs, now):
            assert (_demographics(queries.demographics(scope, cutoff))
                    == _demographics(live.demographics(scope, cutoff))), scope


@contextmanager
def _live_queries(monkeypatch):
    """The dashboard's service reading the live queries instead of the aggregates."""
    from hrdebate.turnout import live, queries

    with monkeypatch.context() as patch:
        for name in ("summary", "by_month", "by_club_month", "breakdowns", "demographics",
                     "events"):
            patch.setattr(queries, name, getattr(live, name))
        patch.setattr(queries, "each_event", lambda scope: iter(live.events(scope).items))
        yield


def _export(client, url):
    response = client.get(url, headers=EN)
    assert response.status_code == 200, (url, response.status_code)
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _assert_exports_in_step(app, clients, monkeypatch):
    quarter_urls = ["/turnout/export.csv", "/turnout/export.csv?kind=debate&start=2020-01-01"]
    for client, urls in clients:
        for url in [*quarter_urls, *urls]:
            kept = _export(client, url)
            with _live_queries(monkeypatch):
                assert _export(client, url) == kept, url
        page = client.get("/turnout/", headers=EN)
        assert page.status_code == 200


def _tables():
    tables = {}
    for model in (TurnoutEvent, TurnoutVisit, TurnoutPerson):
        tables[model.__tablename__] = sorted(
            tuple(row) for row in db.session.execute(select(model.__table__)))
    # Counters of groups and cells that went back to 0 may stay as rows of 0.
    tables["turnout_groups"] = sorted(
        tuple(row) for row in db.session.execute(select(TurnoutGroup.__table__))
        if row.unique or row.repeat)
    tables["turnout_cells"] = sorted(
        tuple(row) for row in db.session.execute(select(TurnoutCell.__table__)) if row.n)
    return tables


def _assert_rebuild_agrees(app):
    from hrdebate.turnout import aggregates

    with app.app_context():
        kept = _tables()
        aggregates.rebuild(db.session.connection())
        rebuilt = _tables()
        db.session.rollback()
    for name in kept:
        assert kept[name] == rebuilt[name], name


def _assert_in_step(app, clubs, clients, monkeypatch):
    _assert_queries_in_step(app, clubs)
    _assert_rebuild_agrees(app)
    _assert_exports_in_step(app, clients, monkeypatch)


# -- the writes ----------------------------------------------------------------------------

def _at(days_ago: float, hour: int = 12):
    """Noon (or ``hour``) in Bishkek, ``days_ago`` days ago, in UTC."""
    day = utc_to_local(utcnow()).date() - timedelta(days=days_ago)
    return local_to_utc(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def _quarter_days_ago(app, quarters_back: int) -> int:
    """Days ago of the 10th of the closed quarter ``quarters_back`` before the latest."""
    from hrdebate.turnout.services import latest_closed_quarter

    with app.app_context():
        quarter = latest_closed_quarter()
    for _ in range(quarters_back):
        quarter = quarter.previous()
    day = date(quarter.start.year, quarter.start.month, 10)
    return (utc_to_local(utcnow()).date() - day).days


@pytest.fixture
def world(app, make_user, make_club, make_event, make_registration, client):
    admin = make_user("admin", site_role="admin")
    organiser = make_user("organiser")
    other = make_user("other_organiser")
    clubs = [make_club(owner=organiser, slug="auca", region="bishkek"),
             make_club(owner=other, slug="osh", region="osh"),
             make_club(owner=organiser, slug="naryn", region="naryn")]
    people = [make_user(f"p{i}", demographics_consent_at=utcnow() if i % 3 else None,
                        age_band=("18_24", "25_34", None)[i % 3],
                        gender=("woman", "man")[i % 2], affiliation="student")
              for i in range(14)]
    q1, q2 = _quarter_days_ago(app, 0), _quarter_days_ago(app, 1)
    today = make_event(clubs[0], starts_at=utcnow() - timedelta(minutes=30), capacity=4,
                       topics=["women"])
    past = make_event(clubs[0], kind="moot_court", starts_at=_at(q1), topics=["women", "lgbt"])
    older = make_event(clubs[1], kind="civic_project", starts_at=_at(q2), topics=["lgbt"])
    recent = make_event(clubs[2], starts_at=_at(3))
    upcoming = make_event(clubs[1], starts_in=timedelta(days=5), capacity=2)
    draft = make_event(clubs[0], status="draft", starts_in=timedelta(days=9))
    for event in (past, older):
        for i, person in enumerate(people):
            make_registration(event, person, checked_in=_at(q1 if event is past else q2)
                              if i % 4 else False)
        make_registration(event, source="walk_in", walk_in_name="Guest", checked_in=True,
                          walk_in_consent=True, age_band="35_49", gender="woman")
    for person in people[:6]:
        make_registration(recent, person, checked_in=bool(people.index(person) % 2))
    return {"admin": admin, "organiser": organiser, "other": other, "clubs": clubs,
            "people": people, "today": today, "past": past, "older": older,
            "recent": recent, "upcoming": upcoming, "draft": draft}


def _login(app, username):
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(client).login(username)
    return client


def test_every_write_keeps_the_aggregates_equal_to_the_live_count(app, world, monkeypatch):
    from hrdebate.account.erasure import delete_account
    from hrdebate.events.services import cancel_event, delete_draft
    from hrdebate.participation import services
    from hrdebate.periodic.retention import apply_retention

    w = world
    clubs = w["clubs"]
    admin_client, organiser_client = _login(app, "admin"), _login(app, "organiser")
    clients = [(admin_client, ["/turnout/export.csv?club=osh"]),
               (organiser_client, ["/turnout/export.csv?club=auca"])]

    def check():
        _assert_in_step(app, clubs, clients, monkeypatch)

    def write(action):
        with app.test_request_context(headers=EN):
            action()
            db.session.commit()
        check()

    def get(model, id_):
        return db.session.get(model, id_)

    check()
    people = [p.id for p in w["people"]]
    today, upcoming = w["today"].id, w["upcoming"].id

    # Register: seats, then the waitlist (capacity 4 today, 2 upcoming).
    for pid in people[:6]:
        write(lambda pid=pid: services.register(get(Event, today), get(User, pid)))
    for pid in people[:3]:
        write(lambda pid=pid: services.register(get(Event, upcoming), get(User, pid)))
    # Check in by hand, undo it, check in again.
    admin_id, organiser_id = w["admin"].id, w["organiser"].id

    def reg(event_id, user_id):
        return services.registration_of(event_id, user_id)

    for pid in people[:3]:
        write(lambda pid=pid: services.set_checked_in(reg(today, pid), get(User, organiser_id),
                                                      True))
    write(lambda: services.set_checked_in(reg(today, people[1]), get(User, organiser_id),
                                          False))
    # Cancel: the oldest waitlisted person is promoted.
    write(lambda: services.unregister(get(Event, today), get(User, people[0])))
    write(lambda: services.unregister(get(Event, upcoming), get(User, people[1])))
    # A promotion by hand, checked in at once.
    write(lambda: services.unregister(get(Event, today), get(User, people[2])))
    with app.app_context():
        waiting = [r for r in services.registrants(get(Event, today))
                   if r.status == "waitlisted"]
    if waiting:
        write(lambda: services.promote(get(Registration, waiting[0].id), get(User, organiser_id),
                                       check_in=True))
    # Self check-in with the code.
    with app.app_context():
        code = db.session.get(Event, today).checkin_code
    if code:
        write(lambda: services.self_check_in(get(Event, today), get(User, people[3]), code))
    # A walk-in with answers, one without.
    write(lambda: services.add_walk_in(get(Event, today), get(User, organiser_id), "Aigerim",
                                       consent=True, age_band="18_24", gender="woman",
                                       affiliation="ngo"))
    write(lambda: services.add_walk_in(get(Event, today), get(User, organiser_id), "Bakyt"))
    # An admin corrects final attendance, with a reason.
    write(lambda: services.set_checked_in(
        reg(w["past"].id, people[4]),
        get(User, admin_id), True, reason="Signed the paper list"))
    write(lambda: services.set_checked_in(
        reg(w["past"].id, people[5]),
        get(User, admin_id), False, reason="Was not there"))
    write(lambda: services.add_walk_in(get(Event, w["past"].id), get(User, admin_id), "Late",
                                       consent=True, gender="man", reason="Paper list"))
    # Answers given, changed and withdrawn.
    write(lambda: get(User, people[0]).give_demographics(age_band="50_64", gender="man"))
    write(lambda: get(User, people[4]).withdraw_demographics())
    write(lambda: get(User, people[3]).give_demographics(affiliation="teacher"))
    # An event moved to another club, to another month, to another quarter.
    write(lambda: setattr(get(Event, w["recent"].id), "club_id", clubs[1].id))

    def move(event_id, days):
        event = get(Event, event_id)
        event.starts_at += timedelta(days=days)
        event.ends_at += timedelta(days=days)

    write(lambda: move(w["recent"].id, -40))
    write(lambda: move(w["older"].id, -95))
    write(lambda: setattr(get(Event, w["past"].id), "club_id", clubs[2].id))
    # Cancelled, and a draft deleted.
    write(lambda: cancel_event(get(Event, w["recent"].id), "Rain", by=get(User, admin_id)))
    write(lambda: delete_draft(get(Event, w["draft"].id)))
    # An account deleted: its attendances stay, each a person of its own.
    write(lambda: delete_account(get(User, people[2])))
    write(lambda: delete_account(get(User, people[7])))
    # The retention job (check-in details and walk-in names erased).
    write(lambda: apply_retention(utcnow() + timedelta(days=3650)))


def test_rebuild_command_fills_the_aggregates(app, world, runner):
    with app.app_context():
        kept = _tables()
        for model in (TurnoutCell, TurnoutGroup, TurnoutPerson, TurnoutVisit, TurnoutEvent):
            db.session.execute(model.__table__.delete())
        db.session.commit()
        assert not any(_tables().values())
    result = runner.invoke(args=["turnout", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "turnout_events" in result.output
    with app.app_context():
        assert _tables() == kept


def test_a_write_costs_a_bounded_number_of_statements(app, world, auth, client):
    """Registering runs a fixed number of statements for the aggregates,
    whatever the number of registrations."""
    counts = []
    for person in world["people"][1:3]:  # both came to two events before
        auth.login(person.username)
        with count_queries(app) as statements:
            assert client.post_form(f"/events/{world['upcoming'].id}/register").status_code == 302
        counts.append(len(statements))
        auth.logout()
    assert counts[0] == counts[1], counts


# -- two at once ----------------------------------------------------------------------------

def test_registrations_at_once_lose_no_count(app, make_user, make_club, make_event,
                                             make_registration):
    """Eight people register at once for two events, and eight check-ins of the
    same people happen at once at a third: every count is right."""
    from hrdebate.participation import services

    club = make_club(slug="auca")
    organiser = make_user("organiser", site_role="admin")
    events = [make_event(club, capacity=5, starts_in=timedelta(days=2)) for _ in range(2)]
    now_event = make_event(club, starts_at=utcnow() - timedelta(minutes=30))
    people = [make_user(f"p{i}") for i in range(8)]
    seats = [make_registration(now_event, person) for person in people]
    barrier = threading.Barrier(len(people))
    errors = []

    def run(action):
        try:
            with app.test_request_context():
                barrier.wait(timeout=30)
                action()
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    for event in events:
        barrier.reset()
        threads = [threading.Thread(target=run, args=(
            lambda p=p.id, e=event.id: services.register(db.session.get(Event, e),
                                                         db.session.get(User, p)),))
            for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    barrier.reset()
    threads = [threading.Thread(target=run, args=(
        lambda r=seat.id: services.set_checked_in(db.session.get(Registration, r),
                                                  db.session.get(User, organiser.id), True),))
        for seat in seats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with app.app_context():
        rows = {row.event_id: row for row in db.session.scalars(select(TurnoutEvent))}
        for event in events:
            assert (rows[event.id].registered, rows[event.id].waitlisted) == (5, 3)
        assert rows[now_event.id].attended_online == 8
        group = db.session.get(TurnoutGroup, (club.id, ""))
        assert (group.unique, group.repeat) == (8, 0)
    _assert_rebuild_agrees(app)
