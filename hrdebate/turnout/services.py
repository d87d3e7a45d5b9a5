"""The turnout dashboard and its CSV export, for organisers (their own clubs)
and admins (the whole programme): who may read which clubs, and the figures
from :mod:`.queries` shaped for the page, with every demographic table
passed through the small-group rule of :mod:`.suppression` (DESIGN §8)
before anyone sees it. Reads only: nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import abort
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from ..access import get_club_or_404, managed_clubs
from ..models import TOPICS, utcnow
from ..timeutil import utc_to_local
from . import queries
from .dimensions import NOT_STATED, TurnoutDimension
from .queries import Scope
from .suppression import Cell, Hidden, Suppressed, suppress_together

PER_PAGE = 25


# -- who reads which clubs -------------------------------------------------------------

@dataclass(frozen=True)
class Reach:
    """The clubs whose turnout a person may read: (id, slug, name) rows, by
    name; ``every_club`` for an admin, who reads the whole programme."""

    clubs: list
    every_club: bool

    def club_ids(self, slug: str = "") -> tuple[int, ...] | None:
        """The clubs a dashboard counts: the one named by ``slug``, or every
        club within reach (None: every club there is). A club out of reach
        goes through the one door: 404 if there is none, 403 if it is someone
        else's."""
        if not slug:
            return None if self.every_club else tuple(club.id for club in self.clubs)
        chosen = next((club for club in self.clubs if club.slug == slug), None)
        if chosen is None:
            chosen = get_club_or_404(slug, manage=True)
        return (chosen.id,)


def reach(user) -> Reach:
    """The clubs ``user`` may read the turnout of; 403 for someone who
    organises none."""
    clubs = managed_clubs(user)
    if not user.is_admin and not clubs:
        abort(403)
    return Reach(clubs=clubs, every_club=user.is_admin)


# -- the figures -----------------------------------------------------------------------

def _rate(attended: int, registered: int) -> float | None:
    return attended / registered if registered else None


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

    @classmethod
    def of(cls, row) -> Figures:
        # int(): PostgreSQL sums bigints into numerics.
        values = {name: int(value) if isinstance(value, Decimal) else value
                  for name, value in row._asdict().items()}
        return cls(**values | {"month": _month(values.get("month"))})

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


def summary(scope: Scope, now: datetime | None = None) -> Figures:
    """The whole filtered programme."""
    return Figures.of(queries.summary(scope, now or utcnow()))


def by_month(scope: Scope, now: datetime | None = None) -> list[Figures]:
    return [Figures.of(row) for row in queries.by_month(scope, now or utcnow())]


def by_club_month(scope: Scope, now: datetime | None = None, page: int = 1,
                  per_page: int | None = None) -> Pagination:
    """Figures per club and month: one page of them, or all without ``per_page``."""
    pagination = queries.by_club_month(scope, now or utcnow(), page, per_page)
    pagination.items = [Figures.of(row) for row in pagination.items]
    return pagination


def per_event(scope: Scope, now: datetime | None = None, page: int = 1,
              per_page: int | None = None, total: int | None = None) -> Pagination:
    """Each event's figures, newest first: one page (``total`` is the number
    of events, known from the summary), or every event without ``per_page``."""
    now = now or utcnow()
    pagination = queries.events(scope, page, per_page, total)
    pagination.items = [EventLine(**row._asdict(), ended=row.ends_at <= now)
                        for row in pagination.items]
    return pagination


def breakdowns(scope: Scope) -> dict[str, dict[str, int]]:
    """Attendances by kind (every kind listed), region and theme (those with
    attendances, the largest first; themes in their display order when equal).
    An event with two themes counts under both."""
    kind, region, theme = TurnoutDimension.KIND, TurnoutDimension.REGION, TurnoutDimension.THEME
    result: dict[str, dict[str, int]] = {
        kind: dict.fromkeys(kind.names, 0), region: {}, theme: {}}
    for dimension, key, n in queries.breakdowns(scope):
        result[dimension][key] = n
    result[region] = dict(sorted(result[region].items(), key=lambda kv: (-kv[1], kv[0])))
    order = list(TOPICS)
    result[theme] = dict(sorted(
        result[theme].items(),
        key=lambda kv: (-kv[1], order.index(kv[0]) if kv[0] in order else len(order))))
    return result


def demographics(scope: Scope) -> dict[str, dict[str, int]]:
    """Unique consenting attendees by age band, gender and affiliation, raw
    (not yet suppressed). Every answer is listed, with "not stated" (key
    ``NOT_STATED``) last; an unknown code counts as not stated."""
    result = {dimension: {**dict.fromkeys(dimension.names, 0), NOT_STATED: 0}
              for dimension in TurnoutDimension.demographic()}
    for dimension, key, n in queries.demographics(scope):
        cells = result[dimension]
        cells[key if key in cells else NOT_STATED] += n
    return result


# -- the dashboard ------------------------------------------------------------------------

@dataclass
class Dashboard:
    summary: Figures
    months: list[Figures]
    club_months: Pagination | None  # None for a single club
    breakdowns: dict[str, dict[str, int]]
    demographics: dict[str, Suppressed]
    demographics_total: Cell
    events: Pagination


def dashboard(scope: Scope, now: datetime | None = None, event_page: int = 1,
              club_month_page: int = 1, per_page: int | None = PER_PAGE) -> Dashboard:
    """Everything the page (``per_page`` rows of the long tables) or the export
    (``per_page=None``: every row, on one page) shows, in a fixed number of
    statements."""
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


def hidden_text(value: Hidden) -> str:
    """What a cell hidden by the small-group rule says instead of a number."""
    if value is Hidden.SMALL:
        return _("fewer than 5")
    return pgettext("a figure hidden to protect a small group", "hidden")


# -- the export ---------------------------------------------------------------------------

EXPORT_HEADER = ("section", "key", "label", "measure", "value")


def export_rows(scope: Scope, filters: Iterable[tuple[str, str, str]],
                now: datetime | None = None) -> Iterator[tuple]:
    """The dashboard's figures, every row, for the CSV (``csvfile``) in a long
    format under ``EXPORT_HEADER``: section, key, label, measure, value; led
    by the ``filters`` in use (name, label, value). Aggregates only: no
    person appears."""
    data = dashboard(scope, now, per_page=None)
    for name, label, value in filters:
        yield "filter", name, label, "value", value
    yield from _csv_rows(data)


def _csv_cell(value: Cell) -> str | int:
    return hidden_text(value) if isinstance(value, Hidden) else value


def _csv_rate(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _csv_month(value: date) -> str:
    return format_date(value, "LLLL y")


def _figure_rows(section: str, key: str, label: str, figures: Figures) -> Iterator[tuple]:
    yield section, key, label, "events", figures.events
    yield section, key, label, "participants", figures.attendances
    yield section, key, label, "unique_participants", figures.unique
    yield section, key, label, "repeat_participants", figures.repeat
    yield section, key, label, "attendance_rate", _csv_rate(figures.rate)


def _csv_rows(data: Dashboard) -> Iterator[tuple]:
    s = data.summary
    for measure, value in (
        ("events", s.events), ("ended_events", s.ended_events), ("registered", s.registered),
        ("waitlisted", s.waitlisted), ("attended_online", s.attended_online),
        ("walk_ins", s.walk_ins), ("participants", s.attendances), ("no_shows", s.no_shows),
        ("attendance_rate", _csv_rate(s.rate)), ("unique_participants", s.unique),
        ("repeat_participants", s.repeat),
    ):
        yield "summary", "", "", measure, value

    for figures in data.months:
        yield from _figure_rows("month", figures.month.strftime("%Y-%m"),
                                _csv_month(figures.month), figures)
    if data.club_months is not None:
        for figures in data.club_months.items:
            yield from _figure_rows(
                "club_month", f"{figures.club_slug}/{figures.month.strftime('%Y-%m')}",
                f"{figures.club_name} · {_csv_month(figures.month)}", figures)

    for dimension, counts in data.breakdowns.items():
        for key, n in counts.items():
            yield dimension, key, dimension.name_of(key), "participants", n

    for dimension, table in data.demographics.items():
        for key, value in table.cells.items():
            yield (dimension, key or "not_stated", dimension.name_of(key), "people",
                   _csv_cell(value))
        yield dimension, "total", _("Total"), "people", _csv_cell(table.total)

    for event in data.events.items:
        for measure, value in (
            ("date", utc_to_local(event.starts_at).date().isoformat()), ("club", event.club_name),
            ("kind", event.kind), ("registered", event.registered),
            ("waitlisted", event.waitlisted), ("attended_online", event.attended_online),
            ("walk_ins", event.walk_ins),
            ("no_shows", "" if event.no_shows is None else event.no_shows),
            ("attendance_rate", _csv_rate(event.rate)),
        ):
            yield "event", event.id, event.title, measure, value
