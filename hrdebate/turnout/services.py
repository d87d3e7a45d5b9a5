"""Turnout figures for organisers and admins, and the small-group rule.

Which events count: **published** events only. Drafts never happened, and a
cancelled event did not take place, so its registrations would only drag the
attendance rate down. Attendance rates and no-shows use events that have
ended; registrations and the waitlist count for every event in the period.

Who is a participant: a registration with status ``registered`` and a
check-in time (DESIGN §3). A person is their account; a walk-in, or a
registration whose account was deleted, counts as one person of its own.

Every figure is computed in SQL with GROUP BY over the filtered events, so
the dashboard runs the same number of statements whatever the number of
registrations, on SQLite and PostgreSQL alike. Months are calendar months in
Bishkek time (the event's start).

Demographics come only from people who consented (an account with
``demographics_consent_at``, a walk-in with ``walk_in_consent``) and pass
through :func:`suppress` before anyone sees them (DESIGN §8).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Hashable, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    String,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..access import MANAGER_ROLES
from ..choices import AFFILIATIONS, AGE_BANDS, GENDERS, REGIONS
from ..events.forms import KIND_NAMES
from ..extensions import db
from ..models import (
    KINDS,
    TOPICS,
    Club,
    Event,
    Membership,
    Registration,
    Topic,
    User,
    event_topics,
    utcnow,
)
from ..timeutil import LOCAL_TZ, local_to_utc

THRESHOLD = 5  # DESIGN §8: any group smaller than 5 people shows as "fewer than 5"
DEMOGRAPHIC_DIMENSIONS = {"age_band": AGE_BANDS, "gender": GENDERS, "affiliation": AFFILIATIONS}
NOT_STATED = ""  # the key of the "not stated" cell in every demographic table
LABELS = {
    "kind": KIND_NAMES,
    "region": REGIONS,
    "theme": {slug: name for slug, (name, _articles) in TOPICS.items()},
    **DEMOGRAPHIC_DIMENSIONS,
}


def label(dimension: str, key: str) -> str:
    """The translated name of a kind, region, theme or demographic answer."""
    if key == NOT_STATED:
        return str(_l("Not stated"))
    return str(LABELS[dimension].get(key, key))


# -- the small-group rule ----------------------------------------------------

class Hidden(str, enum.Enum):
    """Why a cell shows no number."""

    SMALL = "small"            # 1 to 4 people: shown as "fewer than 5"
    COMPLEMENT = "complement"  # hidden so that a small cell cannot be worked out


K = TypeVar("K", bound=Hashable)
Cell = int | Hidden


@dataclass(frozen=True)
class Suppressed:
    cells: dict  # key -> int | Hidden, in the order of the input
    total: Cell


def _pinned(small: int, complements: int, hidden_sum: int, cap: float, threshold: int) -> bool:
    """Can the value of a small hidden cell be worked out?

    A reader who knows the rule and the total knows: each of the ``small``
    cells holds 1..threshold-1 people, each of the ``complements`` holds
    threshold..cap (they were the smallest cells shown, so none is above the
    smallest cell still shown), and together they hold ``hidden_sum``. A small
    cell is pinned when only one value fits.
    """
    if small == 0:
        return False
    highest = min(threshold - 1, hidden_sum - (small - 1) - complements * threshold)
    complements_at_most = complements * cap if complements else 0  # never 0 * inf
    lowest = max(1, hidden_sum - (small - 1) * (threshold - 1) - complements_at_most)
    return highest <= lowest


def suppress(counts: Mapping[K, int], threshold: int = THRESHOLD,
             hide_total: bool = False) -> Suppressed:
    """Hide what could identify a small group, in one breakdown whose cells
    add up to its total. Pure: counts in, the cells and total to show out.

    - A cell of 1 to ``threshold - 1`` people is ``Hidden.SMALL``; 0 stays 0.
    - A total under ``threshold`` is ``Hidden.SMALL``, and so is every cell,
      zeros included (each is truly "fewer than 5"), so nothing can be
      worked out from which cells are empty.
    - Secondary suppression: while a small cell could be worked out from the
      total by subtraction (a single small cell; or, say, 1 + 5 = 6), the
      next-smallest cell shown is hidden too (``Hidden.COMPLEMENT``). If no
      cell is left to hide, the total is hidden.
    - ``hide_total``: the total is hidden, and at least one cell with it, so
      the total cannot be added up from the cells either.
    """
    cells: dict = {key: int(n) for key, n in counts.items()}
    total = sum(cells.values())
    if 0 < total < threshold:
        return Suppressed({key: Hidden.SMALL for key in cells}, Hidden.SMALL)
    shown = {key: n for key, n in cells.items() if n >= threshold}
    small = [key for key, n in cells.items() if 0 < n < threshold]
    out: dict = {key: (Hidden.SMALL if key in small else n) for key, n in cells.items()}
    order = {key: i for i, key in enumerate(cells)}

    def take_smallest_shown():
        key = min(shown, key=lambda k: (shown[k], order[k]))
        del shown[key]
        out[key] = Hidden.COMPLEMENT
        return key

    total_out: Cell = total
    if hide_total:
        if total and not small:
            take_smallest_shown()
        return Suppressed(out, Hidden.COMPLEMENT if total else 0)

    complements = 0
    hidden_sum = sum(cells[key] for key in small)
    while _pinned(len(small), complements, hidden_sum,
                  min(shown.values(), default=math.inf), threshold):
        if not shown:
            total_out = Hidden.COMPLEMENT
            break
        hidden_sum += cells[take_smallest_shown()]
        complements += 1
    return Suppressed(out, total_out)


def suppress_together(tables: Mapping[str, Mapping[K, int]],
                      threshold: int = THRESHOLD) -> dict[str, Suppressed]:
    """Several breakdowns of the same people (age, gender, affiliation) share
    one total: if any of them must hide it, all of them do, or the others
    would give it away."""
    results = {name: suppress(counts, threshold) for name, counts in tables.items()}
    if any(r.total is Hidden.COMPLEMENT for r in results.values()):
        results = {name: suppress(counts, threshold, hide_total=True)
                   for name, counts in tables.items()}
    return results


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


def visible_clubs(user) -> list:
    """(id, slug, name) of the clubs whose turnout ``user`` may read: every
    club for an admin, the clubs they own or organise for anyone else."""
    stmt = select(Club.id, Club.slug, Club.name).order_by(Club.name, Club.id)
    if not user.is_admin:
        stmt = stmt.join(Membership, Membership.club_id == Club.id).where(
            Membership.user_id == user.id, Membership.role.in_(MANAGER_ROLES))
    return list(db.session.execute(stmt))


def _conditions(scope: Scope) -> list:
    conditions = [Event.status == "published"]
    if scope.club_ids is not None:
        conditions.append(Event.club_id.in_(scope.club_ids))
    if scope.kind:
        conditions.append(Event.kind == scope.kind)
    if scope.region:
        conditions.append(Event.region == scope.region)
    if scope.start:
        conditions.append(Event.starts_at >= local_to_utc(datetime.combine(scope.start, time())))
    if scope.end:
        next_day = datetime.combine(scope.end + timedelta(days=1), time())
        conditions.append(Event.starts_at < local_to_utc(next_day))
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
ATTENDED = and_(R.status == "registered", R.checked_in_at.is_not(None))
REGISTERED_ONLINE = and_(R.status == "registered", R.source == "online")
# A person: their account, or the registration itself (walk-ins, deleted accounts).
PERSON = case((R.user_id.is_(None), -R.id), else_=R.user_id)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _registration_counts(event_ids, name: str):
    """Registered, waitlisted, attended online and walk-ins per event, for the
    events that ``event_ids`` (a one-column select) yields: one GROUP BY."""
    return (
        select(R.event_id,
               _count_if(REGISTERED_ONLINE).label("registered"),
               _count_if(R.status == "waitlisted").label("waitlisted"),
               _count_if(and_(ATTENDED, R.source == "online")).label("attended_online"),
               _count_if(and_(ATTENDED, R.source == "walk_in")).label("walk_ins"))
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
        .where(*_conditions(scope), ATTENDED)
        .cte("attendances")
    )


def _rate(attended: int, registered: int) -> float | None:
    return attended / registered if registered else None


# -- the figures ------------------------------------------------------------------

COUNTS = ("registered", "waitlisted", "attended_online", "walk_ins", "registered_ended",
          "attended_ended")


@dataclass(frozen=True)
class Figures:
    """One line of turnout: the whole programme, a month, or a club in a month."""

    events: int = 0
    ended_events: int = 0
    registered: int = 0        # online, status registered
    waitlisted: int = 0
    attended_online: int = 0
    walk_ins: int = 0
    registered_ended: int = 0  # the same two, for events that have ended
    attended_ended: int = 0
    unique: int = 0            # people with at least one attendance
    repeat: int = 0            # people with two or more
    month: date | None = None
    club_id: int | None = None
    club_name: str = ""
    club_slug: str = ""

    @property
    def attendances(self) -> int:
        """Participants: every attendance, online registrations and walk-ins."""
        return self.attended_online + self.walk_ins

    @property
    def no_shows(self) -> int:
        return self.registered_ended - self.attended_ended

    @property
    def rate(self) -> float | None:
        """Attended online / registered online, over events that have ended."""
        return _rate(self.attended_ended, self.registered_ended)


def _month(value: str | None) -> date | None:
    if not value:
        return None
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def _rolled_up(scope: Scope, now: datetime, keys: tuple[str, ...]):
    """The statement for :class:`Figures` per ``keys`` (none: one line for
    everything; ``month``; ``club_id`` and ``month``), and the statement that
    counts its lines.

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
    per_event = _registration_counts(select(events.c.event_id), "per_event")

    def total(column, only_ended=False):
        value = func.coalesce(column, 0)
        return func.coalesce(func.sum(case((ended, value), else_=0) if only_ended else value), 0)

    groups = (
        select(*key_columns(events), func.count().label("events"),
               _count_if(ended).label("ended_events"),
               *(total(per_event.c[name]).label(name)
                 for name in ("registered", "waitlisted", "attended_online", "walk_ins")),
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
        .where(ATTENDED)
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
    stmt = (
        select(*key_columns(groups), groups.c.events, groups.c.ended_events,
               *(groups.c[name] for name in COUNTS),
               func.coalesce(people.c.unique, 0).label("unique"),
               func.coalesce(people.c.repeat, 0).label("repeat"))
        .select_from(groups)
        .outerjoin(people, on)
    )
    if "club_id" in keys:
        stmt = (stmt.add_columns(Club.name.label("club_name"), Club.slug.label("club_slug"))
                .join(Club, Club.id == groups.c.club_id)
                .order_by(Club.name, Club.id, *key_columns(groups)))
    else:
        stmt = stmt.order_by(*key_columns(groups))
    # The number of groups, without counting any registration.
    group_count = select(func.count()).select_from(
        select(*key_columns(events)).distinct().subquery("group_keys"))
    return stmt, group_count


def _figures(rows) -> list[Figures]:
    # int(): PostgreSQL sums bigints into numerics.
    return [Figures(**{name: int(value) if isinstance(value, Decimal) else value
                       for name, value in row._asdict().items()} | {
                           "month": _month(getattr(row, "month", None))})
            for row in rows]


def summary(scope: Scope, now: datetime | None = None) -> Figures:
    """The whole filtered programme, in one statement."""
    stmt, _ = _rolled_up(scope, now or utcnow(), ())
    return _figures(db.session.execute(stmt))[0]


def by_month(scope: Scope, now: datetime | None = None) -> list[Figures]:
    stmt, _ = _rolled_up(scope, now or utcnow(), ("month",))
    return _figures(db.session.execute(stmt))


@dataclass
class Page:
    """Enough of Flask-SQLAlchemy's Pagination for the pager macro."""

    items: list
    page: int
    per_page: int | None
    total: int

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def by_club_month(scope: Scope, now: datetime | None = None, page: int = 1,
                  per_page: int | None = None) -> Page:
    """Figures per club and month; one page of them, or all without ``per_page``."""
    stmt, group_count = _rolled_up(scope, now or utcnow(), ("club_id", "month"))
    if per_page is None:
        items = _figures(db.session.execute(stmt))
        return Page(items, 1, None, len(items))
    total = db.session.scalar(group_count)
    items = _figures(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def breakdowns(scope: Scope) -> dict[str, dict[str, int]]:
    """Attendances by kind, region (of the event) and theme, in one statement.
    An event with two themes counts in both."""
    att = _attendances(scope, R.event_id, Event.kind, Event.region)
    themes = (
        select(literal_column("'theme'").label("dimension"), Topic.slug.label("key"),
               func.count().label("n"))
        .select_from(att)
        .join(event_topics, event_topics.c.event_id == att.c.event_id)
        .join(Topic, Topic.id == event_topics.c.topic_id)
        .group_by(Topic.slug)
    )
    parts = [
        select(literal_column(f"'{name}'").label("dimension"), att.c[name].label("key"),
               func.count().label("n")).group_by(att.c[name])
        for name in ("kind", "region")
    ]
    result: dict[str, dict[str, int]] = {
        "kind": dict.fromkeys(KINDS, 0), "region": {}, "theme": {},
    }
    for dimension, key, n in db.session.execute(union_all(*parts, themes)):
        result[dimension][key] = n
    result["region"] = dict(sorted(result["region"].items(), key=lambda kv: (-kv[1], kv[0])))
    order = list(TOPICS)
    result["theme"] = dict(sorted(
        result["theme"].items(),
        key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else len(order))))
    return result


def demographics(scope: Scope) -> dict[str, dict[str, int]]:
    """Unique consenting attendees by age band, gender and affiliation, raw
    (not yet suppressed), in one statement. Every category is listed, with
    "not stated" (key ``NOT_STATED``) last."""
    from_account = R.user_id.is_not(None)

    def answer(name):
        return case((from_account, getattr(User, name)), else_=getattr(R, name)).label(name)

    consented = or_(
        and_(from_account, User.demographics_consent_at.is_not(None)),
        and_(R.user_id.is_(None), R.source == "walk_in", R.walk_in_consent.is_(True)),
    )
    people = (
        select(PERSON.label("person"), *(answer(name) for name in DEMOGRAPHIC_DIMENSIONS))
        .select_from(R)
        .join(Event, Event.id == R.event_id)
        .outerjoin(User, User.id == R.user_id)
        .where(*_conditions(scope), ATTENDED, consented)
        .distinct()
        .cte("consenting_people")
    )
    parts = [
        select(literal_column(f"'{name}'").label("dimension"), people.c[name].label("key"),
               func.count().label("n")).group_by(people.c[name])
        for name in DEMOGRAPHIC_DIMENSIONS
    ]
    result = {name: {**dict.fromkeys(choices, 0), NOT_STATED: 0}
              for name, choices in DEMOGRAPHIC_DIMENSIONS.items()}
    for dimension, key, n in db.session.execute(union_all(*parts)):
        cells = result[dimension]
        cells[key if key in cells else NOT_STATED] += n  # unknown codes: not stated
    return result


@dataclass(frozen=True)
class EventLine:
    id: int
    title: str
    language: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    club_name: str
    registered: int
    waitlisted: int
    attended_online: int
    walk_ins: int
    ended: bool

    @property
    def attendances(self) -> int:
        return self.attended_online + self.walk_ins

    @property
    def no_shows(self) -> int | None:
        return self.registered - self.attended_online if self.ended else None

    @property
    def rate(self) -> float | None:
        return _rate(self.attended_online, self.registered) if self.ended else None


def per_event(scope: Scope, now: datetime | None = None, page: int = 1,
              per_page: int | None = None, total: int | None = None) -> Page:
    """Each event's figures, newest first: one page (``total`` is the number
    of events, known from the summary), or every event without ``per_page``."""
    now = now or utcnow()
    chosen = (
        select(Event.id, Event.title, Event.language, Event.kind, Event.starts_at,
               Event.ends_at, Event.club_id)
        .where(*_conditions(scope))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    if per_page is not None:
        chosen = chosen.limit(per_page).offset((page - 1) * per_page)
    chosen = chosen.cte("chosen_events")
    counts = _registration_counts(select(chosen.c.id), "counts")
    stmt = (
        select(chosen.c.id, chosen.c.title, chosen.c.language, chosen.c.kind,
               chosen.c.starts_at, chosen.c.ends_at, Club.name.label("club_name"),
               *(func.coalesce(counts.c[name], 0).label(name)
                 for name in ("registered", "waitlisted", "attended_online", "walk_ins")))
        .select_from(chosen)
        .join(Club, Club.id == chosen.c.club_id)
        .outerjoin(counts, counts.c.event_id == chosen.c.id)
        .order_by(chosen.c.starts_at.desc(), chosen.c.id.desc())
    )
    items = [EventLine(**row._asdict(), ended=row.ends_at <= now)
             for row in db.session.execute(stmt)]
    return Page(items, page, per_page, len(items) if total is None else total)


# -- the dashboard ----------------------------------------------------------------

@dataclass
class Dashboard:
    summary: Figures
    months: list[Figures]
    club_months: Page | None
    breakdowns: dict[str, dict[str, int]]
    demographics: dict[str, Suppressed]
    demographics_total: Cell
    events: Page


def dashboard(scope: Scope, now: datetime | None = None, event_page: int = 1,
              club_month_page: int = 1, per_page: int | None = 25) -> Dashboard:
    """Everything the page (``per_page`` rows of the long tables) or the export
    (``per_page=None``: every row) shows, in a fixed number of statements."""
    now = now or utcnow()
    totals = summary(scope, now)
    club_months = None
    if not scope.single_club:
        club_months = by_club_month(scope, now, club_month_page, per_page)
    demo = suppress_together(demographics(scope))
    return Dashboard(
        summary=totals,
        months=by_month(scope, now),
        club_months=club_months,
        breakdowns=breakdowns(scope),
        demographics=demo,
        demographics_total=next(iter(demo.values())).total,
        events=per_event(scope, now, event_page, per_page, total=totals.events),
    )
