"""The turnout figures counted live from the registrations: the reference
that the aggregates (:mod:`.aggregates`, read by :mod:`.queries`) must always
equal, and what :mod:`.queries` falls back to for the unique people and the
demographic tables of a selection no kept group describes (it is then
narrower: a few clubs, a kind, a region). Aggregate statements over the
events a :class:`Scope` chooses, returning plain rows. No rule about what may be
shown lives here (that is :mod:`.suppression`), and no shaping for the page
(that is :mod:`.services`).

Which events count: **published** events only. Drafts never happened, and a
cancelled event did not take place, so its registrations would only drag the
attendance rate down. Attendance rates and no-shows use events that have
ended; registrations and the waitlist count for every event in the period.

Who is a participant: a registration with status ``registered`` and a
check-in time (DESIGN §3). A person is their account; a walk-in, or a
registration whose account was deleted, counts as one person of its own.
The demographic counts take only events whose attendance is final
(``participation.services.final_before``), and add up each cell's record
keys for the cell-key noise (:mod:`.perturbation`).

Every figure is computed with GROUP BY over the filtered events, so the
dashboard runs the same number of statements whatever the number of
registrations, on SQLite and PostgreSQL alike. Months are calendar months in
Bishkek time (the event's start), as ``'YYYY-MM'``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    String,
    and_,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Bundle
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from ..models import (
    Club,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Source,
    Topic,
    User,
    event_topics,
)
from ..timeutil import LOCAL_TZ, local_to_utc
from .dimensions import TurnoutDimension

# -- which events --------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The events a dashboard counts: the clubs a person may see, narrowed by
    the filters. ``club_ids`` None means every club (an admin)."""

    club_ids: tuple[int, ...] | None
    start: date | None = None  # Bishkek dates, both included
    end: date | None = None
    kind: str = ""
    region: str = ""

    @property
    def single_club(self) -> bool:
        return self.club_ids is not None and len(self.club_ids) == 1


def _conditions(scope: Scope, events=Event) -> list:
    """The scope's conditions on ``events``: the events table, or the
    aggregate's copy of its columns (``TurnoutEvent``)."""
    conditions = [events.status == EventStatus.PUBLISHED]
    if scope.club_ids is not None:
        conditions.append(events.club_id.in_(scope.club_ids))
    if scope.kind:
        conditions.append(events.kind == scope.kind)
    if scope.region:
        conditions.append(events.region == scope.region)
    if scope.start:
        conditions.append(events.starts_at >= local_to_utc(datetime.combine(scope.start, time())))
    if scope.end:
        next_day = datetime.combine(scope.end + timedelta(days=1), time())
        conditions.append(events.starts_at < local_to_utc(next_day))
    return conditions


class local_month(FunctionElement):
    """'YYYY-MM' of a UTC timestamp, in Bishkek time, on either database."""

    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    zone = literal_column(f"'{LOCAL_TZ.key}'")
    return compiler.process(
        func.to_char(func.timezone(zone, column), literal_column("'YYYY-MM'")), **kw)


@compiles(local_month)
def _local_month_default(element, compiler, **kw):
    # SQLite stores naive UTC. Bishkek keeps UTC+6 all year (no DST since 2005).
    (column,) = element.clauses
    minutes = int(datetime(2020, 1, 1, tzinfo=LOCAL_TZ).utcoffset().total_seconds() // 60)
    return compiler.process(
        func.strftime(literal_column("'%Y-%m'"), column,
                      literal_column(f"'{minutes:+d} minutes'")), **kw)


# -- SQL building blocks -------------------------------------------------------

R = Registration
REGISTERED_ONLINE = and_(R.status == RegistrationStatus.REGISTERED, R.source == Source.ONLINE)
# A person: their account, or the registration itself (walk-ins, deleted accounts).
PERSON = case((R.user_id.is_(None), -R.id), else_=R.user_id)
# What each event counts, in the order the figures list them.
EVENT_COUNTS = ("registered", "waitlisted", "attended_online", "walk_ins")
# And what each line of figures adds: the first two again, for ended events.
COUNTS = (*EVENT_COUNTS, "registered_ended", "attended_ended")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts_per_event(event_ids, name: str):
    """Registered, waitlisted, attended online and walk-ins per event, for the
    events ``event_ids`` names (a one-column select, or a list): one GROUP BY."""
    return (
        select(R.event_id,
               _count_if(REGISTERED_ONLINE).label("registered"),
               _count_if(R.status == RegistrationStatus.WAITLISTED).label("waitlisted"),
               _count_if(and_(R.attended, R.source == Source.ONLINE)).label("attended_online"),
               _count_if(and_(R.attended, R.source == Source.WALK_IN)).label("walk_ins"))
        .where(R.event_id.in_(event_ids))
        .group_by(R.event_id)
        .subquery(name)
    )


def _attendances(scope: Scope, *columns):
    """A CTE with one row per attendance in scope: ``person`` and ``columns``."""
    return (
        select(R.id.label("registration_id"), PERSON.label("person"), *columns)
        .select_from(R)
        .join(Event, Event.id == R.event_id)
        .where(*_conditions(scope), R.attended)
        .cte("attendances")
    )


ALL = 2**31 - 1  # "every row": the page size of an export


def _paginate(stmt, page: int, per_page: int | None, total: int | None) -> Pagination:
    """Flask-SQLAlchemy's pagination of a statement that selects one Bundle.
    Its ``total`` comes from the caller, so no count runs; without
    ``per_page``, every row comes on one page."""
    if per_page is None:
        pagination = db.paginate(stmt, page=1, per_page=ALL, max_per_page=None,
                                 error_out=False, count=False)
        pagination.total = len(pagination.items)
        return pagination
    pagination = db.paginate(stmt, page=page, per_page=per_page, max_per_page=None,
                             error_out=False, count=False)
    pagination.total = total
    return pagination


# -- figures per group: the programme, a month, a club in a month --------------------

def _rolled_up(scope: Scope, now: datetime, keys: tuple[str, ...]):
    """The columns of the figures per ``keys`` (none: one line for
    everything; ``month``; ``club_id`` and ``month``), a statement selecting
    them, and the statement that counts its lines.

    Registrations are counted per event (the index's order, no sort), then
    added up per group; attendances are grouped by group and person for the
    unique and repeat participants."""
    events = (
        select(Event.id.label("event_id"), Event.club_id, Event.ends_at,
               local_month(Event.starts_at).label("month"))
        .where(*_conditions(scope))
        .cte("scoped_events")
        # Compute each event's month once, not once per registration.
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )

    def key_columns(table):
        return [table.c[name] for name in keys]

    ended = events.c.ends_at <= now
    per_event = _counts_per_event(select(events.c.event_id), "per_event")

    def total(column, only_ended=False):
        value = func.coalesce(column, 0)
        return func.coalesce(func.sum(case((ended, value), else_=0) if only_ended else value), 0)

    groups = (
        select(*key_columns(events), func.count().label("events"),
               _count_if(ended).label("ended_events"),
               *(total(per_event.c[name]).label(name) for name in EVENT_COUNTS),
               total(per_event.c.registered, only_ended=True).label("registered_ended"),
               total(per_event.c.attended_online, only_ended=True).label("attended_ended"))
        .select_from(events)
        .outerjoin(per_event, per_event.c.event_id == events.c.event_id)
        .group_by(*key_columns(events))
        .subquery("groups")
    )
    visits = (
        select(*key_columns(events), PERSON.label("person"), func.count().label("n"))
        .select_from(events.join(R, R.event_id == events.c.event_id))
        .where(R.attended)
        .group_by(*key_columns(events), PERSON)
        .subquery("visits")
    )
    people = (
        select(*key_columns(visits), func.count().label("unique"),
               _count_if(visits.c.n >= 2).label("repeat"))
        .group_by(*key_columns(visits))
        .subquery("people")
    )
    on = and_(true(), *(a == b for a, b in zip(key_columns(groups), key_columns(people))))
    columns = [*key_columns(groups), groups.c.events, groups.c.ended_events,
               *(groups.c[name] for name in COUNTS),
               func.coalesce(people.c.unique, 0).label("unique"),
               func.coalesce(people.c.repeat, 0).label("repeat")]
    order = key_columns(groups)
    if "club_id" in keys:
        columns += [Club.name.label("club_name"), Club.slug.label("club_slug")]
        order = [Club.name, Club.id, *order]

    def statement(*selected):
        stmt = select(*selected).select_from(groups).outerjoin(people, on)
        if "club_id" in keys:
            stmt = stmt.join(Club, Club.id == groups.c.club_id)
        return stmt.order_by(*order)

    # The number of groups, without counting any registration.
    group_count = select(func.count()).select_from(
        select(*key_columns(events)).distinct().subquery("group_keys"))
    return columns, statement, group_count


def people(scope: Scope, keys: tuple[str, ...]) -> list[Row]:
    """(``keys``..., unique, repeat): the people with one attendance or more,
    and with two or more, per ``keys`` (none, ``month``, or ``club_id`` and
    ``month``), in one statement."""
    events = (
        select(Event.id.label("event_id"), Event.club_id,
               local_month(Event.starts_at).label("month"))
        .where(*_conditions(scope))
        .cte("scoped_events")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    visits = (
        select(*(events.c[name] for name in keys), PERSON.label("person"),
               func.count().label("n"))
        .select_from(events.join(R, R.event_id == events.c.event_id))
        .where(R.attended)
        .group_by(*(events.c[name] for name in keys), PERSON)
        .subquery("visits")
    )
    key_columns = [visits.c[name] for name in keys]
    stmt = select(*key_columns, func.count().label("unique"),
                  _count_if(visits.c.n >= 2).label("repeat"))
    if keys:
        stmt = stmt.group_by(*key_columns)
    return list(db.session.execute(stmt))


def summary(scope: Scope, now: datetime) -> Row:
    """The whole filtered programme, in one statement: one row of counts."""
    columns, statement, _ = _rolled_up(scope, now, ())
    return db.session.execute(statement(*columns)).one()


def by_month(scope: Scope, now: datetime) -> list[Row]:
    """One row of counts per month that has events, oldest first."""
    columns, statement, _ = _rolled_up(scope, now, ("month",))
    return list(db.session.execute(statement(*columns)))


def by_club_month(scope: Scope, now: datetime, page: int = 1,
                  per_page: int | None = None) -> Pagination:
    """One row of counts per club and month, by club name then month: one page
    of them (two statements: the lines and their number), or all of them on
    one page without ``per_page`` (one statement)."""
    columns, statement, group_count = _rolled_up(scope, now, ("club_id", "month"))
    total = db.session.scalar(group_count) if per_page else None
    return _paginate(statement(Bundle("figures", *columns)), page, per_page, total)


# -- participants by kind, region and theme; people by their answers -----------------

def breakdowns(scope: Scope) -> list[Row]:
    """(dimension, key, n): attendances by kind, region (of the event) and
    theme, in one statement. An event with two themes counts under both."""
    att = _attendances(scope, R.event_id, Event.kind, Event.region)
    themes = (
        select(literal_column(f"'{TurnoutDimension.THEME}'").label("dimension"),
               Topic.slug.label("key"), func.count().label("n"))
        .select_from(att)
        .join(event_topics, event_topics.c.event_id == att.c.event_id)
        .join(Topic, Topic.id == event_topics.c.topic_id)
        .group_by(Topic.slug)
    )
    parts = [
        select(literal_column(f"'{name}'").label("dimension"), att.c[name].label("key"),
               func.count().label("n")).group_by(att.c[name])
        for name in (TurnoutDimension.KIND, TurnoutDimension.REGION)
    ]
    return list(db.session.execute(union_all(*parts, themes)))


TOTAL = "total"  # the ``dimension`` of the row that counts everyone in the demographic tables


def demographics(scope: Scope, final_before: datetime) -> list[Row]:
    """(dimension, key, n, key_sum): unique consenting attendees by age band,
    gender and affiliation, and (dimension ``TOTAL``) all of them, with the
    sum of their record keys (the cell-key method, :mod:`.perturbation`),
    raw (not yet perturbed nor suppressed), in one statement. Only events
    whose attendance is final (ended at or before ``final_before``) count.
    ``key`` is None for no answer.

    A person's record key is their account's; a walk-in's is their
    registration's, so the same people add up to the same key in any scope."""
    from_account = R.user_id.is_not(None)

    def answer(name):
        return case((from_account, getattr(User, name)), else_=getattr(R, name)).label(name)

    consented = or_(
        and_(from_account, User.demographics_consent_at.is_not(None)),
        and_(R.user_id.is_(None), R.source == Source.WALK_IN, R.walk_in_consent.is_(True)),
    )
    dimensions = [str(d) for d in TurnoutDimension.demographic()]
    record_key = case((from_account, User.record_key), else_=R.record_key)
    people = (
        select(PERSON.label("person"), record_key.label("record_key"),
               *(answer(name) for name in dimensions))
        .select_from(R)
        .join(Event, Event.id == R.event_id)
        .outerjoin(User, User.id == R.user_id)
        .where(*_conditions(scope), Event.ends_at <= final_before, R.attended, consented)
        .distinct()
        .cte("consenting_people")
    )

    def counted(dimension: str, key):
        return (literal_column(f"'{dimension}'").label("dimension"), key.label("key"),
                func.count().label("n"), func.sum(people.c.record_key).label("key_sum"))

    parts = [select(*counted(name, people.c[name])).group_by(people.c[name])
             for name in dimensions]
    parts.append(select(*counted(TOTAL, null().cast(String))))
    return list(db.session.execute(union_all(*parts)))


def first_event_start(club_ids: tuple[int, ...] | None) -> datetime | None:
    """When the first published event of these clubs (None: of every club) starts."""
    return db.session.scalar(select(func.min(Event.starts_at))
                             .where(*_conditions(Scope(club_ids=club_ids))))


# -- each event -----------------------------------------------------------------------

def events(scope: Scope, page: int = 1, per_page: int | None = None,
           total: int | None = None) -> Pagination:
    """The events, newest first, with their club's name and their
    registrations (``EVENT_COUNTS``): one page of them (``total`` is their
    number, known from the summary), or all of them on one page without
    ``per_page``. One statement either way.

    The registrations are counted only for the page's events: the counting
    subquery chooses them with the same order, limit and offset as the page
    db.paginate takes, so a page costs the same on a long programme."""
    order = (Event.starts_at.desc(), Event.id.desc())  # unique: the same events both times
    chosen = select(Event.id).where(*_conditions(scope)).order_by(*order)
    if per_page is not None:
        chosen = chosen.limit(per_page).offset((page - 1) * per_page)
    counts = _counts_per_event(chosen, "counts")
    stmt = (
        select(Bundle("event", Event.id, Event.title, Event.language, Event.kind,
                      Event.starts_at, Event.ends_at, Club.name.label("club_name"),
                      *(func.coalesce(counts.c[name], 0).label(name) for name in EVENT_COUNTS)))
        .select_from(Event)
        .join(Club, Club.id == Event.club_id)
        .outerjoin(counts, counts.c.event_id == Event.id)
        .where(*_conditions(scope))
        .order_by(*order)
    )
    return _paginate(stmt, page, per_page, total)
