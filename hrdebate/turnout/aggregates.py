"""The turnout aggregates (``models.turnout``), kept in step with the
registrations in the writing transaction, and rebuilt from them.

One rule, one place: :func:`refresh` brings the aggregates of some events and
some people up to date with the registrations as they are now, and it is
called from one place: when the ORM session flushes (:func:`_collect`, a
listener on every session). Whatever wrote a registration (registering,
cancelling, a waitlist promotion, a check-in and its undoing, a walk-in), an
event (its status, club or dates) or a person's answers, and deleting an
account, is seen there. The bulk UPDATEs on registrations elsewhere change
no count (``periodic.retention`` moves a check-in time to the event's start,
and erases walk-in names; ``account.erasure`` clears certificate codes; the
reminders mark ``reminded_at``): any future one that does must call
:func:`refresh` with the events and people it changed.

How a count stays right when two requests write at once: nothing is added
to or taken from an event's counts; each event's row is **recomputed** from
its registrations, after taking a lock on the event (an advisory lock on
PostgreSQL, held to the commit; SQLite has one writer at a time), so the
last writer counts what the first committed. People's groups are recomputed
the same way (a lock per person), and the difference between a person's
old and new groups is added to the groups' counters in one UPDATE each
(``unique = unique + d``), so two people changing the same group at once
both count. Locks are taken in order (events, then people, each sorted), and
only while flushing, after every lock a service takes itself.

``rebuild`` computes everything again from the registrations (the migration
and ``flask turnout rebuild`` use it): what ``refresh`` keeps is exactly what
``rebuild`` computes (``tests/test_turnout_aggregates.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import Event, Registration, RegistrationStatus, Source, User
from ..models.event import EventStatus
from ..models.turnout import (
    ALL_CLUBS,
    ALL_TIME,
    TurnoutCell,
    TurnoutEvent,
    TurnoutGroup,
    TurnoutPerson,
    TurnoutVisit,
)
from ..timeutil import local_to_utc, utc_to_local

R = Registration
EVENT_LOCKS, PERSON_LOCKS = 14_001, 14_002  # advisory lock namespaces (PostgreSQL)
CHUNK = 500  # ids per IN (...)
DEMOGRAPHIC = ("age_band", "gender", "affiliation")
TOTAL = "total"

# What an event's row counts, as ``queries`` always has.
REGISTERED_ONLINE = and_(R.status == RegistrationStatus.REGISTERED, R.source == Source.ONLINE)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


EVENT_COUNTS = {
    "registered": _count_if(REGISTERED_ONLINE),
    "waitlisted": _count_if(R.status == RegistrationStatus.WAITLISTED),
    "attended_online": _count_if(and_(R.attended, R.source == Source.ONLINE)),
    "walk_ins": _count_if(and_(R.attended, R.source == Source.WALK_IN)),
}


def person_of(user_id: int | None, registration_id: int) -> int:
    """A person: their account, or the registration itself (walk-ins, deleted accounts)."""
    return user_id if user_id is not None else -registration_id


def is_quarter(period: str) -> bool:
    return "Q" in period


def month_of(starts_at: datetime) -> str:
    local = utc_to_local(starts_at)
    return f"{local.year:04d}-{local.month:02d}"


def quarter_of(starts_at: datetime, ends_at: datetime) -> str | None:
    """The quarter an event counts in for the demographic tables: that of its
    start, if it is over by the quarter's end (as the dashboard counts a
    closed quarter: ``services.demographics``); else None."""
    local = utc_to_local(starts_at)
    number = (local.month - 1) // 3 + 1
    year, first_month = (local.year + 1, 1) if number == 4 else (local.year, 3 * number + 1)
    if ends_at > local_to_utc(datetime.combine(date(year, first_month, 1), time())):
        return None
    return f"{local.year:04d}-Q{number}"


def groups_of(club_id: int, starts_at: datetime, ends_at: datetime) -> list[tuple[int, str]]:
    """The groups an attendance at this event counts in."""
    month = month_of(starts_at)
    groups = [(ALL_CLUBS, ALL_TIME), (ALL_CLUBS, month), (club_id, ALL_TIME), (club_id, month)]
    quarter = quarter_of(starts_at, ends_at)
    if quarter:
        groups += [(ALL_CLUBS, quarter), (club_id, quarter)]
    return groups


def _chunks(values: list, size: int = CHUNK):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _lock(connection, namespace: int, ids: list[int]) -> None:
    """PostgreSQL: an advisory lock per id, in order, to the commit."""
    if connection.dialect.name != "postgresql" or not ids:
        return
    connection.execute(
        text("SELECT count(pg_advisory_xact_lock(:ns, i)) FROM "
             "(SELECT i FROM unnest(CAST(:ids AS integer[])) AS i ORDER BY i OFFSET 0) AS s"),
        {"ns": namespace, "ids": sorted(set(ids))})


def _upsert(connection, table, rows: list[dict], keys: tuple[str, ...], add: bool) -> None:
    """Insert ``rows``, or on a key already there: set (``add`` False) or
    add to (``add`` True) its other columns, in one statement."""
    if not rows:
        return
    make = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = make(table)
    values = [name for name in rows[0] if name not in keys]
    set_ = {name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name]
            for name in values}
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=set_),
                       rows)


# -- refresh ------------------------------------------------------------------------------

def refresh(connection, event_ids: Iterable[int] = (), persons: Iterable[int] = ()) -> None:
    """Bring the aggregates of ``event_ids`` and ``persons`` up to date with
    the registrations as this transaction sees them."""
    refresh_events(connection, sorted(set(event_ids)))
    refresh_people(connection, sorted(set(persons)))


EVENT_COPY = ("status", "club_id", "kind", "region", "starts_at", "ends_at")


def _event_rows(connection, event_condition) -> list[dict]:
    """The rows of ``TurnoutEvent`` for the events ``event_condition`` chooses."""
    counts = (select(R.event_id, *(value.label(name) for name, value in EVENT_COUNTS.items()))
              .where(R.event_id.in_(select(Event.id).where(event_condition)))
              .group_by(R.event_id).subquery("counts"))
    rows = []
    for row in connection.execute(
            select(Event.id, *(getattr(Event, name) for name in EVENT_COPY),
                   *(counts.c[name] for name in EVENT_COUNTS))
            .outerjoin(counts, counts.c.event_id == Event.id).where(event_condition)):
        values = row._mapping
        rows.append({"event_id": values["id"], **{name: values[name] for name in EVENT_COPY},
                     "month": month_of(values["starts_at"]),
                     **{name: int(values[name] or 0) for name in EVENT_COUNTS}})
    return rows


def refresh_events(connection, event_ids: list[int]) -> None:
    """Recompute each event's row: its columns and its counts."""
    if not event_ids:
        return
    _lock(connection, EVENT_LOCKS, event_ids)
    for ids in _chunks(event_ids):
        _upsert(connection, TurnoutEvent.__table__, _event_rows(connection, Event.id.in_(ids)),
                ("event_id",), add=False)


def _answers(connection, persons: list[int]) -> dict[int, tuple]:
    """(consented, record_key, age_band, gender, affiliation) of each person,
    as the demographic tables count them (``queries.demographics``)."""
    answers = {}
    users = [p for p in persons if p > 0]
    walk_ins = [-p for p in persons if p < 0]
    for ids in _chunks(users):
        for row in connection.execute(
                select(User.id, User.demographics_consent_at.is_not(None), User.record_key,
                       User.age_band, User.gender, User.affiliation).where(User.id.in_(ids))):
            answers[row[0]] = (bool(row[1]), *row[2:])
    for ids in _chunks(walk_ins):
        for row in connection.execute(
                select(R.id, and_(R.source == Source.WALK_IN, R.walk_in_consent.is_(True)),
                       R.record_key, R.age_band, R.gender, R.affiliation)
                .where(R.id.in_(ids), R.user_id.is_(None))):
            answers[-row[0]] = (bool(row[1]), *row[2:])
    return answers


def _cells(answers: tuple) -> list[tuple[str, str]]:
    """The (dimension, key) cells a consenting person counts in."""
    _consented, _key, *values = answers
    return [(TOTAL, ""), *((name, value or "") for name, value in zip(DEMOGRAPHIC, values))]


def refresh_people(connection, persons: list[int]) -> None:
    """Recompute the groups of ``persons`` from their attendances, and move
    the groups' counters by the difference."""
    if not persons:
        return
    _lock(connection, PERSON_LOCKS, persons)
    for chunk in _chunks(persons):
        _refresh_people(connection, chunk)


def _refresh_people(connection, persons: list[int]) -> None:
    users = [p for p in persons if p > 0]
    walk_ins = [-p for p in persons if p < 0]
    new: Counter = Counter()
    attended = (
        select(R.user_id, R.id, Event.club_id, Event.starts_at, Event.ends_at)
        .join(Event, Event.id == R.event_id)
        .where(Event.status == EventStatus.PUBLISHED, R.attended,
               or_(R.user_id.in_(users), and_(R.user_id.is_(None), R.id.in_(walk_ins))))
    )
    for user_id, registration_id, club_id, starts_at, ends_at in connection.execute(attended):
        person = person_of(user_id, registration_id)
        for club, period in groups_of(club_id, starts_at, ends_at):
            new[(club, period, person)] += 1
    visits, people = TurnoutVisit.__table__, TurnoutPerson.__table__
    old = {(row.club_id, row.period, row.person): row.n for row in connection.execute(
        select(visits).where(visits.c.person.in_(persons)))}
    old_answers = {row.person: (row.consented, row.record_key, row.age_band, row.gender,
                                row.affiliation)
                   for row in connection.execute(select(people).where(
                       people.c.person.in_(persons)))}
    counted = {person for _club, _period, person in new}
    new_answers = _answers(connection, sorted(counted))
    if old == new and old_answers == new_answers:
        return

    groups: defaultdict = defaultdict(lambda: [0, 0])
    for key in old.keys() | new.keys():
        before, after = old.get(key, 0), new.get(key, 0)
        delta = groups[key[:2]]
        delta[0] += (after >= 1) - (before >= 1)
        delta[1] += (after >= 2) - (before >= 2)
    cells: defaultdict = defaultdict(lambda: [0, 0])
    for table, answers, sign in ((old, old_answers, -1), (new, new_answers, +1)):
        for (club, period, person), n in table.items():
            mine = answers.get(person)
            if n < 1 or not is_quarter(period) or mine is None or not mine[0]:
                continue
            for dimension, key in _cells(mine):
                cell = cells[(club, period, dimension, key)]
                cell[0] += sign
                cell[1] += sign * mine[1]

    connection.execute(delete(visits).where(visits.c.person.in_(persons)))
    if new:
        connection.execute(insert(visits), [
            {"club_id": club, "period": period, "person": person, "n": n}
            for (club, period, person), n in sorted(new.items())])
    connection.execute(delete(people).where(people.c.person.in_(persons)))
    if counted:
        connection.execute(insert(people), [
            {"person": person, "consented": answers[0], "record_key": answers[1],
             "age_band": answers[2], "gender": answers[3], "affiliation": answers[4]}
            for person, answers in sorted(new_answers.items())])
    _upsert(connection, TurnoutGroup.__table__, [
        {"club_id": club, "period": period, "unique": d[0], "repeat": d[1]}
        for (club, period), d in sorted(groups.items()) if d != [0, 0]],
        ("club_id", "period"), add=True)
    _upsert(connection, TurnoutCell.__table__, [
        {"club_id": club, "period": period, "dimension": dimension, "key": key,
         "n": d[0], "key_sum": d[1]}
        for (club, period, dimension, key), d in sorted(cells.items()) if d != [0, 0]],
        ("club_id", "period", "dimension", "key"), add=True)


# -- the one place that calls refresh: the session's flush ---------------------------------

REGISTRATION_FIELDS = ("status", "checked_in_at", "user_id", "event_id", "source",
                       "walk_in_consent", "age_band", "gender", "affiliation", "record_key")
EVENT_FIELDS = ("status", "club_id", "starts_at", "ends_at")  # what moves its people
EVENT_COPIED = (*EVENT_FIELDS, "kind", "region")  # what its row copies
USER_FIELDS = ("demographics_consent_at", "age_band", "gender", "affiliation", "record_key")
PENDING = "turnout.pending"


def _changed(obj, fields) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def _old(obj, name):
    """The value ``name`` had before this flush (or has, if unchanged)."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, name)


def _attendees(connection, event_ids: list[int]) -> set[int]:
    persons = set()
    for ids in _chunks(event_ids):
        persons.update(person_of(user_id, registration_id)
                       for user_id, registration_id in connection.execute(
                           select(R.user_id, R.id).where(R.event_id.in_(ids), R.attended)))
    return persons


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances):
    """What the database forgets in the flush: the people of an account or
    an event about to be deleted (their registrations go with them, or lose
    their account, in the database itself)."""
    users = [obj.id for obj in session.deleted if isinstance(obj, User)]
    events = [obj.id for obj in session.deleted if isinstance(obj, Event)]
    if not users and not events:
        return
    connection = session.connection()
    pending = session.info.setdefault(PENDING, set())
    pending.update(users)
    for ids in _chunks(users):
        pending.update(-registration_id for registration_id in connection.scalars(
            select(R.id).where(R.user_id.in_(ids))))
    pending.update(_attendees(connection, events))


@event.listens_for(Session, "after_flush")
def _collect(session, _context):
    """Refresh what this flush changed (the session still shows it as new,
    dirty and deleted)."""
    event_ids: set[int] = set()
    persons: set[int] = session.info.pop(PENDING, set())
    moved_events: list[int] = []
    dirty, deleted = session.dirty, session.deleted
    for obj in (*session.new, *dirty, *deleted):
        if isinstance(obj, Registration):
            if obj in dirty and not _changed(obj, REGISTRATION_FIELDS):
                continue
            event_ids.update((obj.event_id, _old(obj, "event_id")))
            persons.update((person_of(obj.user_id, obj.id),
                            person_of(_old(obj, "user_id"), obj.id)))
        elif isinstance(obj, Event) and obj not in deleted and (
                obj not in dirty or _changed(obj, EVENT_COPIED)):
            event_ids.add(obj.id)
            if obj in dirty and _changed(obj, EVENT_FIELDS):
                moved_events.append(obj.id)
        elif isinstance(obj, User) and obj in dirty and _changed(obj, USER_FIELDS):
            persons.add(obj.id)
    if not (event_ids or persons or moved_events):
        return
    connection = session.connection()
    if moved_events:
        # Its attendees read under the event's lock: a check-in flushed by
        # another request (which holds that lock to its commit) is waited
        # for and then seen, so its person is moved with the event too.
        _lock(connection, EVENT_LOCKS, sorted(moved_events))
        persons.update(_attendees(connection, moved_events))
    event_ids.discard(None)
    refresh(connection, event_ids, persons)


# -- rebuild ------------------------------------------------------------------------------

def rebuild(connection) -> dict[str, int]:
    """Compute every aggregate again from the registrations (the migration,
    ``flask turnout rebuild``). Returns the number of rows of each table."""
    tables = [TurnoutCell.__table__, TurnoutGroup.__table__, TurnoutPerson.__table__,
              TurnoutVisit.__table__, TurnoutEvent.__table__]
    for table in tables:
        connection.execute(delete(table))
    for chunk in _chunks(_event_rows(connection, Event.id.is_not(None)), 5000):
        connection.execute(insert(TurnoutEvent.__table__), chunk)

    # Each published event's groups, computed here as refresh does, in a
    # temporary table joined to the attendances.
    scratch = Table("turnout_event_groups", MetaData(),
                    Column("event_id", Integer, index=True), Column("club_id", Integer),
                    Column("period", String(7)), prefixes=["TEMPORARY"])
    scratch.drop(connection, checkfirst=True)
    scratch.create(connection)
    rows = [{"event_id": event_id, "club_id": club, "period": period}
            for event_id, club_id, starts_at, ends_at in connection.execute(
                select(Event.id, Event.club_id, Event.starts_at, Event.ends_at)
                .where(Event.status == EventStatus.PUBLISHED))
            for club, period in groups_of(club_id, starts_at, ends_at)]
    for chunk in _chunks(rows, 5000):
        connection.execute(insert(scratch), chunk)
    person = case((R.user_id.is_(None), -R.id), else_=R.user_id)
    visits = TurnoutVisit.__table__
    connection.execute(insert(visits).from_select(
        ["club_id", "period", "person", "n"],
        select(scratch.c.club_id, scratch.c.period, person, func.count())
        .select_from(R).join(scratch, scratch.c.event_id == R.event_id)
        .where(R.attended)
        .group_by(scratch.c.club_id, scratch.c.period, person)))
    scratch.drop(connection)

    groups = TurnoutGroup.__table__
    connection.execute(insert(groups).from_select(
        ["club_id", "period", "unique", "repeat"],
        select(visits.c.club_id, visits.c.period, func.count(),
               func.coalesce(func.sum(case((visits.c.n >= 2, 1), else_=0)), 0))
        .group_by(visits.c.club_id, visits.c.period)))

    people = TurnoutPerson.__table__
    everyone = select(visits.c.person).where(visits.c.club_id == ALL_CLUBS,
                                             visits.c.period == ALL_TIME)
    connection.execute(insert(people).from_select(
        ["person", "consented", "record_key", *DEMOGRAPHIC],
        select(User.id, User.demographics_consent_at.is_not(None), User.record_key,
               User.age_band, User.gender, User.affiliation)
        .where(User.id.in_(everyone))))
    connection.execute(insert(people).from_select(
        ["person", "consented", "record_key", *DEMOGRAPHIC],
        select(-R.id, and_(R.source == Source.WALK_IN, R.walk_in_consent.is_(True)),
               R.record_key, R.age_band, R.gender, R.affiliation)
        .where(R.user_id.is_(None), (-R.id).in_(everyone))))

    consenting = (
        select(visits.c.club_id, visits.c.period, people.c.record_key,
               *(people.c[name] for name in DEMOGRAPHIC))
        .join(people, people.c.person == visits.c.person)
        .where(visits.c.period.like("%Q%"), people.c.consented.is_(True))
        .subquery("consenting")
    )
    def cells(dimension, key, *grouped):
        return (select(consenting.c.club_id, consenting.c.period,
                       literal(dimension).label("dimension"), key.label("key"),
                       func.count().label("n"), func.sum(consenting.c.record_key).label("key_sum"))
                .group_by(consenting.c.club_id, consenting.c.period, *grouped))

    parts = [cells(TOTAL, literal(""))]
    for name in DEMOGRAPHIC:
        key = func.coalesce(consenting.c[name], "")
        parts.append(cells(name, key, key))
    connection.execute(insert(TurnoutCell.__table__).from_select(
        ["club_id", "period", "dimension", "key", "n", "key_sum"], union_all(*parts)))
    return {table.name: connection.scalar(select(func.count()).select_from(table))
            for table in tables}

