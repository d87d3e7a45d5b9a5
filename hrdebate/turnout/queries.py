"""The turnout figures, read from the aggregates (``models.turnout``,
``aggregates``) instead of the million registrations: plain rows, the same
as :mod:`.live` computes from the registrations (the reference: the tests
compare the two after every kind of write). No rule about what may be shown
lives here (that is :mod:`.suppression`), and no shaping for the page (that
is :mod:`.services`).

- Registrations, the waitlist and attendances (also by kind, region and
  theme) are sums of each event's row (``TurnoutEvent``) over the events the
  scope chooses: exact for any filter, about 10,000 rows at programme scale.
- Unique and repeat participants cannot be added up: they come from the
  groups' counters (``TurnoutGroup``) when the figures ask for a group that
  is kept (the programme or one club; all of it or calendar months; no kind
  or region filter; dates, if any, on month boundaries), and from
  :func:`live.people` otherwise (a narrower scope: a few clubs, a kind, a
  region, a part of a month).
- The demographic tables of a closed quarter, in one club or every club,
  come from ``TurnoutCell``; any other selection from :func:`live.demographics`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Bundle

from ..extensions import db
from ..models import Club, Event, Topic, event_topics
from ..models.turnout import ALL_CLUBS, ALL_TIME, TurnoutCell, TurnoutEvent, TurnoutGroup
from ..timeutil import local_to_utc
from . import live
from .dimensions import TurnoutDimension
from .live import TOTAL, Scope, _conditions, _paginate, first_event_start

__all__ = ["Scope", "TOTAL", "first_event_start", "summary", "by_month", "by_club_month",
           "breakdowns", "demographics", "events", "each_event"]

T = TurnoutEvent
EVENT_COUNTS = live.EVENT_COUNTS
PEOPLE = ("unique", "repeat")


# -- when the kept groups answer ------------------------------------------------------

def _month_aligned(scope: Scope) -> bool:
    """The scope takes whole calendar months (or no dates at all)."""
    if scope.start and scope.start.day != 1:
        return False
    return not scope.end or (scope.end + timedelta(days=1)).day == 1


def _group_club(scope: Scope) -> int | None:
    """The club of the kept groups that count this scope's people (every
    club: ``ALL_CLUBS``), or None when no kept group does."""
    if scope.kind or scope.region or not _month_aligned(scope):
        return None
    if scope.club_ids is None:
        return ALL_CLUBS
    return scope.club_ids[0] if scope.single_club else None


# -- figures per group: the programme, a month, a club in a month --------------------

G = TurnoutGroup
LINE_CLUB = object()  # ``_figures``: the groups of each line's own club


def _figures(scope: Scope, now: datetime, keys: tuple[str, ...], kept_club=None):
    """A statement of the summed columns per ``keys`` over the scope's events
    (their ``TurnoutEvent`` rows alone: one covering index), and the lines'
    subquery's columns. With ``kept_club`` (a club id, or ``LINE_CLUB``),
    the people come from the kept groups of that club and the line's period,
    joined to the lines once they are added up."""
    events = T.__table__
    ended = events.c.ends_at <= now

    def total(column, only_ended=False):
        return func.coalesce(func.sum(case((ended, column), else_=0) if only_ended else column), 0)

    key_columns = [events.c[name] for name in keys]
    lines = (
        select(*key_columns, func.count().label("events"),
               func.coalesce(func.sum(case((ended, 1), else_=0)), 0).label("ended_events"),
               *(total(events.c[name]).label(name) for name in EVENT_COUNTS),
               total(events.c.registered, only_ended=True).label("registered_ended"),
               total(events.c.attended_online, only_ended=True).label("attended_ended"))
        .where(*_conditions(scope, T))
    )
    if keys:
        lines = lines.group_by(*key_columns)
    lines = lines.subquery("lines")
    columns = list(lines.c)
    stmt = select(*columns).select_from(lines)
    if kept_club is not None:
        club = lines.c.club_id if kept_club is LINE_CLUB else kept_club
        period = lines.c.month if "month" in keys else literal(ALL_TIME)
        stmt = (stmt.add_columns(func.coalesce(G.unique, 0).label("unique"),
                                 func.coalesce(G.repeat, 0).label("repeat"))
                .outerjoin(G, and_(G.club_id == club, G.period == period)))
    return stmt, lines


class _Page(Pagination):
    """A page of lines read by our own statement (Flask-SQLAlchemy's pager,
    without its queries)."""

    def __init__(self, page: int, per_page: int, items: list, total: int):
        self.page, self.per_page, self.max_per_page = page, per_page, None
        self.error_out, self._query_args = False, {}
        self.items, self.total = items, total


def _count_lines(lines) -> int:
    """The number of lines, for a page past the last (which has none to say it)."""
    return db.session.scalar(select(func.count()).select_from(lines))


def _with_people(row: dict, people: dict, key) -> dict:
    unique, repeat = people.get(key, (0, 0))
    return {**row, "unique": int(unique), "repeat": int(repeat)}


def summary(scope: Scope, now: datetime) -> dict:
    """The whole filtered programme: one row of counts (one statement, and a
    second counting the people when no kept group does)."""
    club = _group_club(scope) if not scope.start and not scope.end else None
    stmt, _lines = _figures(scope, now, (), kept_club=club)
    row = dict(db.session.execute(stmt).one()._mapping)
    if club is not None:
        return row
    people = {(): tuple(r) for r in live.people(scope, ())}
    return _with_people(row, people, ())


def by_month(scope: Scope, now: datetime) -> list[dict]:
    """One row of counts per month that has events, oldest first."""
    club = _group_club(scope)
    stmt, lines = _figures(scope, now, ("month",), kept_club=club)
    rows = [dict(r._mapping) for r in db.session.execute(stmt.order_by(lines.c.month))]
    if club is not None:
        return rows
    people = {r.month: (r.unique, r.repeat) for r in live.people(scope, ("month",))}
    return [_with_people(r, people, r["month"]) for r in rows]


def by_club_month(scope: Scope, now: datetime, page: int = 1,
                  per_page: int | None = None) -> Pagination:
    """One row of counts per club and month, by club name then month: one page
    of them, with their number, or all of them on one page without
    ``per_page``: one statement. Every club's own groups are kept, so
    any set of clubs reads them (unless a kind, a region or a part of a month
    is chosen: then a statement more counts the people)."""
    kept = not scope.kind and not scope.region and _month_aligned(scope)
    stmt, lines = _figures(scope, now, ("club_id", "month"))
    # The page first (with the number of lines, a window over them), then
    # the people of its lines only: one statement.
    page = max(page, 1)
    chosen = (stmt.add_columns(Club.name.label("club_name"), Club.slug.label("club_slug"),
                               func.count().over().label("lines"))
              .join(Club, Club.id == lines.c.club_id)
              .order_by(Club.name, lines.c.club_id, lines.c.month))
    if per_page is not None:
        chosen = chosen.limit(per_page).offset((page - 1) * per_page)
    chosen = chosen.subquery("page")
    columns = [c for c in chosen.c if c.name != "lines"] + [chosen.c.lines]
    stmt = select(*columns).order_by(chosen.c.club_name, chosen.c.club_id, chosen.c.month)
    if kept:
        stmt = (stmt.add_columns(func.coalesce(G.unique, 0).label("unique"),
                                 func.coalesce(G.repeat, 0).label("repeat"))
                .outerjoin(G, and_(G.club_id == chosen.c.club_id, G.period == chosen.c.month)))
    found = list(db.session.execute(stmt))
    total = found[0].lines if found else (0 if page <= 1 or per_page is None
                                          else _count_lines(lines))
    pagination = _Page(page, per_page or max(total, 1), found, total)
    rows = [{k: v for k, v in row._mapping.items() if k != "lines"} for row in pagination.items]
    if not kept:
        people = {(r.club_id, r.month): (r.unique, r.repeat)
                  for r in live.people(scope, ("club_id", "month"))}
        rows = [_with_people(r, people, (r["club_id"], r["month"])) for r in rows]
    pagination.items = rows
    return pagination


# -- participants by kind, region and theme; people by their answers -----------------

def breakdowns(scope: Scope) -> list[tuple[str, str, int]]:
    """(dimension, key, n): attendances by kind, region (of the event) and
    theme, those with attendances, in one statement (kinds and regions from
    one pass by both). An event with two themes counts under both."""
    attended = func.sum(T.attended_online + T.walk_ins)
    by_kind_and_region = (
        select(literal("kind_region").label("part"), T.kind.label("key"),
               T.region.label("second"), attended.label("n"))
        .where(*_conditions(scope, T))
        .group_by(T.kind, T.region)
    )
    themes = (
        select(literal(str(TurnoutDimension.THEME)).label("part"), Topic.slug.label("key"),
               literal("").label("second"), attended.label("n"))
        .select_from(T)
        .join(event_topics, event_topics.c.event_id == T.event_id)
        .join(Topic, Topic.id == event_topics.c.topic_id)
        .where(*_conditions(scope, T))
        .group_by(Topic.slug)
    )
    kinds, regions, result = {}, {}, []
    for part, key, second, n in db.session.execute(union_all(by_kind_and_region, themes)):
        if part == "kind_region":
            kinds[key] = kinds.get(key, 0) + int(n or 0)
            regions[second] = regions.get(second, 0) + int(n or 0)
        elif n:
            result.append((str(TurnoutDimension.THEME), key, int(n)))
    for dimension, sums in ((TurnoutDimension.KIND, kinds), (TurnoutDimension.REGION, regions)):
        result += [(str(dimension), key, n) for key, n in sums.items() if n > 0]
    return result


def _closed_quarter(scope: Scope, final_before: datetime) -> str | None:
    """The quarter code, when ``scope`` is exactly one calendar quarter of one
    club or every club, with no other filter, whose events are all final."""
    start, end = scope.start, scope.end
    if (scope.kind or scope.region or not start or not end or start.day != 1
            or start.month % 3 != 1):
        return None
    if scope.club_ids is not None and not scope.single_club:
        return None
    next_start = date(start.year + 1, 1, 1) if start.month == 10 \
        else date(start.year, start.month + 3, 1)
    if end != next_start - timedelta(days=1):
        return None
    if local_to_utc(datetime.combine(next_start, time())) > final_before:
        return None
    return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"


def demographics(scope: Scope, final_before: datetime) -> list[tuple]:
    """(dimension, key, n, key_sum), as :func:`live.demographics`: from the
    kept cells for a closed quarter, else counted live."""
    quarter = _closed_quarter(scope, final_before)
    if quarter is None:
        return list(live.demographics(scope, final_before))
    club = ALL_CLUBS if scope.club_ids is None else scope.club_ids[0]
    c = TurnoutCell
    return [tuple(row) for row in db.session.execute(
        select(c.dimension, c.key, c.n, c.key_sum)
        .where(c.club_id == club, c.period == quarter, c.n > 0))]


# -- each event -----------------------------------------------------------------------

def _events_statement(scope: Scope):
    order = (Event.starts_at.desc(), Event.id.desc())
    return (
        select(Bundle("event", Event.id, Event.title, Event.language, Event.kind,
                      Event.starts_at, Event.ends_at, Club.name.label("club_name"),
                      *(func.coalesce(T.__table__.c[name], 0).label(name)
                        for name in EVENT_COUNTS)))
        .select_from(Event)
        .join(Club, Club.id == Event.club_id)
        .outerjoin(T, T.event_id == Event.id)
        .where(*_conditions(scope))
        .order_by(*order)
    )


def events(scope: Scope, page: int = 1, per_page: int | None = None,
           total: int | None = None) -> Pagination:
    """The events, newest first, with their club's name and their
    registrations (``EVENT_COUNTS``): one page of them (``total`` is their
    number, known from the summary), or all of them on one page without
    ``per_page``. One statement either way."""
    return _paginate(_events_statement(scope), page, per_page, total)


EXPORT_BATCH = 500


def each_event(scope: Scope) -> Iterator:
    """Every event, as :func:`events`, read a batch at a time (the export).
    Which events, in which order, is read first, at one moment (an event
    edited during the download is listed once, where it was); then each
    batch in a transaction of its own, ended before its rows are sent, so a
    client that stops reading holds no transaction (nor a pooled
    connection) open on the server."""
    statement = _events_statement(scope)
    ids = list(db.session.scalars(statement.with_only_columns(Event.id)))
    db.session.rollback()  # a GET: nothing to keep, only the transaction to end
    for start in range(0, len(ids), EXPORT_BATCH):
        chosen = ids[start:start + EXPORT_BATCH]
        rows = {row.id: row for (row,) in db.session.execute(
            statement.where(Event.id.in_(chosen)))}
        db.session.rollback()
        for event_id in chosen:
            if event_id in rows:  # else deleted meanwhile
                yield rows[event_id]

