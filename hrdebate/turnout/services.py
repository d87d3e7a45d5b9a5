"""The turnout dashboard and its CSV export, for organisers (their own clubs)
and admins (the whole programme): who may read which clubs, and the figures
from :mod:`.queries` shaped for the page. The demographic tables (DESIGN §8)
count only events whose attendance is final, show nothing for a selection
of fewer than ``TURNOUT_DEMOGRAPHICS_MIN_PEOPLE`` people, and pass every
cell through the noise of :mod:`.perturbation` and then the small-group rule
of :mod:`.suppression` before anyone sees it: no two reports differ by
exactly one person's answers. Reads only: nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import abort, current_app
from flask_babel import pgettext
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_sqlalchemy.pagination import Pagination

from ..access import get_club_or_404, managed_clubs
from ..models import TOPICS, utcnow
from ..participation.services import final_before
from ..timeutil import local_to_utc, utc_to_local
from ..timeutil import month as month_name
from . import queries
from .dimensions import NOT_STATED, TurnoutDimension
from .perturbation import perturb
from .queries import Scope
from .suppression import THRESHOLD, Cell, Hidden, Suppressed, suppress_together

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


# -- the period of the demographic tables --------------------------------------------

MAX_QUARTERS = 40  # ten years back is plenty for a choice


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in Bishkek time: the only periods the demographic
    tables describe (README, "Small groups"), so a person is in one fixed
    selection per club and quarter and one for all clubs, and there is
    nothing to average."""

    year: int
    number: int  # 1-4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, code: str) -> Quarter | None:
        """``'2026-Q3'``, or None."""
        year, _, number = (code or "").partition("-Q")
        if not (year.isdigit() and number in ("1", "2", "3", "4")):
            return None
        return cls(int(year), int(number))

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """"3rd quarter of 2026" in the reader's language."""
        return _("Quarter %(number)d of %(year)d", number=self.number, year=self.year)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def ends_at(self) -> datetime:
        """The moment its last day ends (Bishkek midnight), in UTC."""
        return local_to_utc(datetime.combine(self.next().start, time()))

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def scope(self, club_ids: tuple[int, ...] | None) -> Scope:
        """The one selection the demographic tables of this quarter use: the
        clubs, the quarter's days, no other filter."""
        return Scope(club_ids=club_ids, start=self.start, end=self.end)


def latest_closed_quarter(now: datetime | None = None) -> Quarter:
    """The newest quarter whose last day ended at least ``ATTENDANCE_LOCK_DAYS``
    ago: every event in it is final, and no organiser can add one (an event
    cannot be dated into the past, ``events.services.start_refusal``)."""
    final = final_before(now)
    quarter = Quarter.of(utc_to_local(final).date())
    while quarter.ends_at > final:
        quarter = quarter.previous()
    return quarter


def closed_quarters(club_ids: tuple[int, ...] | None, now: datetime | None = None) -> list[Quarter]:
    """The closed quarters the demographic section offers, newest first: from
    the latest closed one back to that of the first event of the clubs."""
    latest = latest_closed_quarter(now)
    first = queries.first_event_start(club_ids)
    oldest = Quarter.of(utc_to_local(first).date()) if first else latest
    quarters = [latest]
    while quarters[-1] > oldest and len(quarters) < MAX_QUARTERS:
        quarters.append(quarters[-1].previous())
    return quarters


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
        row = row if isinstance(row, dict) else row._asdict()
        values = {name: int(value) if isinstance(value, Decimal) else value
                  for name, value in row.items()}
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
    pagination.items = [_event_line(row, now) for row in pagination.items]
    return pagination


def _event_line(row, now: datetime) -> EventLine:
    return EventLine(**row._asdict(), ended=row.ends_at <= now)


def each_event(scope: Scope, now: datetime | None = None) -> Iterator[EventLine]:
    """Every event's figures, newest first, read a batch at a time (the export)."""
    now = now or utcnow()
    return (_event_line(row, now) for row in queries.each_event(scope))


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


@dataclass(frozen=True)
class Counted:
    """A demographic cell before anything is hidden: how many people, and
    the sum of their record keys (the cell key, before the modulo)."""

    n: int = 0
    key_sum: int = 0

    def __add__(self, other: Counted) -> Counted:
        return Counted(self.n + other.n, self.key_sum + other.key_sum)

    @property
    def perturbed(self) -> int:
        """The count with its noise (:mod:`.perturbation`): the same people
        always give the same number."""
        return perturb(self.n, self.key_sum)


@dataclass(frozen=True)
class PeopleCounts:
    """Consenting people at events whose attendance is final, raw: by age
    band, gender and affiliation (every answer listed, "not stated",
    ``NOT_STATED``, last), and all of them."""

    tables: dict[TurnoutDimension, dict[str, Counted]]
    total: Counted


def demographics(scope: Scope, now: datetime | None = None) -> PeopleCounts:
    """Unique consenting attendees of the events in ``scope`` whose
    attendance is final by ``now``, raw (not yet perturbed nor suppressed).
    An unknown code counts as not stated."""
    tables = {dimension: {key: Counted() for key in (*dimension.names, NOT_STATED)}
              for dimension in TurnoutDimension.demographic()}
    total = Counted()
    cutoff = final_before(now)
    if scope.end:  # only events over by the end of the period: a closed period stays fixed
        cutoff = min(cutoff, local_to_utc(datetime.combine(scope.end + timedelta(days=1), time())))
    for dimension, key, n, key_sum in queries.demographics(scope, cutoff):
        counted = Counted(int(n), int(key_sum or 0))
        if dimension == queries.TOTAL:
            total = counted
            continue
        cells = tables[TurnoutDimension(dimension)]
        key = key if key in cells else NOT_STATED
        cells[key] = cells[key] + counted
    return PeopleCounts(tables, total)


@dataclass(frozen=True)
class Demographics:
    """What the page and the export show of the people who took part: the
    tables (None when the selection is too small to show any), and their
    number, each perturbed, then passed through the small-group rule."""

    tables: dict[TurnoutDimension, Suppressed] | None
    total: Cell | None
    min_people: int


def demographic_tables(scope: Scope, now: datetime | None = None) -> Demographics:
    """The demographic tables of ``scope`` (README, "Small groups"): only
    final attendance counts; every cell is perturbed by its key; a selection
    with fewer than ``TURNOUT_DEMOGRAPHICS_MIN_PEOPLE`` people (as perturbed)
    shows none; the small-group rule then hides small cells and whatever
    would give them away."""
    counts = demographics(scope, now)
    minimum = current_app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"]
    total = counts.total.perturbed
    if total < max(minimum, 1):
        return Demographics(None, None, minimum)
    tables = suppress_together({
        dimension: {key: cell.perturbed for key, cell in cells.items()}
        for dimension, cells in counts.tables.items()})
    if any(table.total is Hidden.COMPLEMENT for table in tables.values()):
        shown: Cell = Hidden.COMPLEMENT  # close to the tables' totals: hidden with them
    else:
        shown = Hidden.SMALL if total < THRESHOLD else total
    return Demographics(tables, shown, minimum)


# -- the dashboard ------------------------------------------------------------------------

@dataclass
class _Streamed:
    """Every event, read as it is used: the export's ``events``."""

    items: Iterator[EventLine]


@dataclass
class Dashboard:
    summary: Figures
    months: list[Figures]
    club_months: Pagination | None  # None for a single club
    breakdowns: dict[str, dict[str, int]]
    demographics: dict[TurnoutDimension, Suppressed] | None  # None: too few people
    demographics_total: Cell | None
    demographics_min_people: int
    events: Pagination | _Streamed
    quarter: Quarter | None = None  # the period of the demographic tables


def dashboard(scope: Scope, now: datetime | None = None, event_page: int = 1,
              club_month_page: int = 1, per_page: int | None = PER_PAGE,
              quarter: Quarter | None = None, stream_events: bool = False) -> Dashboard:
    """Everything the page (``per_page`` rows of the long tables) or the export
    (``per_page=None``: every row, on one page; with ``stream_events``, the
    events are read as they are written out) shows, in a fixed number of
    statements. With ``quarter`` (the page and the export always give one),
    the demographic tables describe that quarter in the scope's clubs,
    whatever the other filters; without it, the scope itself."""
    now = now or utcnow()
    totals = summary(scope, now)
    club_months = None
    if not scope.single_club:
        club_months = by_club_month(scope, now, club_month_page, per_page)
    demo = demographic_tables(quarter.scope(scope.club_ids) if quarter else scope, now)
    return Dashboard(
        summary=totals,
        months=by_month(scope, now),
        club_months=club_months,
        breakdowns=breakdowns(scope),
        demographics=demo.tables,
        demographics_total=demo.total,
        demographics_min_people=demo.min_people,
        events=(_Streamed(each_event(scope, now)) if stream_events else
                per_event(scope, now, event_page, per_page, total=totals.events)),
        quarter=quarter,
    )


def withheld_text(min_people: int) -> str:
    """Why a selection shows no demographic tables (the page and the export)."""
    return ngettext(
        "Who took part is shown only for a selection with at least %(num)d person "
        "whose attendance is final and who agreed to share their answers. Choose another "
        "quarter or all clubs.",
        "Who took part is shown only for a selection with at least %(num)d people "
        "whose attendance is final and who agreed to share their answers. Choose another "
        "quarter or all clubs.", min_people)


def perturbation_note() -> str:
    """The note under the demographic tables (README, "Small groups")."""
    return _("Figures are slightly perturbed and only include events whose attendance is "
             "final, so the tables may not add up exactly to one another.")


def hidden_text(value: Hidden) -> str:
    """What a cell hidden by the small-group rule says instead of a number."""
    if value is Hidden.SMALL:
        return _("fewer than 5")
    return pgettext("a figure hidden to protect a small group", "hidden")


# -- the export ---------------------------------------------------------------------------

EXPORT_HEADER = ("section", "key", "label", "measure", "value")


def export_rows(scope: Scope, filters: Iterable[tuple[str, str, str]],
                now: datetime | None = None, quarter: Quarter | None = None) -> Iterator[tuple]:
    """The dashboard's figures, every row, for the CSV (``csvfile``) in a long
    format under ``EXPORT_HEADER``: section, key, label, measure, value; led
    by the ``filters`` in use (name, label, value). Aggregates only: no
    person appears."""
    data = dashboard(scope, now, per_page=None, quarter=quarter, stream_events=True)
    for name, label, value in filters:
        yield "filter", name, label, "value", value
    yield from _csv_rows(data)


def _csv_cell(value: Cell) -> str | int:
    return hidden_text(value) if isinstance(value, Hidden) else value


def _csv_rate(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


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
                                month_name(figures.month), figures)
    if data.club_months is not None:
        for figures in data.club_months.items:
            yield from _figure_rows(
                "club_month", f"{figures.club_slug}/{figures.month.strftime('%Y-%m')}",
                f"{figures.club_name} · {month_name(figures.month)}", figures)

    for dimension, counts in data.breakdowns.items():
        for key, n in counts.items():
            yield dimension, key, dimension.name_of(key), "participants", n

    if data.quarter is not None:
        yield "demographics", "quarter", data.quarter.label, "period", data.quarter.code
    if data.demographics is None:
        yield ("demographics", "", withheld_text(data.demographics_min_people), "withheld",
               data.demographics_min_people)
    else:
        yield ("demographics", "total", _("Number of people"), "people",
               _csv_cell(data.demographics_total))
        yield "demographics", "note", perturbation_note(), "method", "cell_key_perturbation"
        for dimension, table in data.demographics.items():
            for key, value in table.cells.items():
                yield (dimension, key or "not_stated", dimension.name_of(key), "people",
                       _csv_cell(value))
            yield dimension, "total", _("Total"), "people", _csv_cell(table.total)

    for event in data.events.items:
        for measure, value in (
            ("date", utc_to_local(event.starts_at).date()), ("club", event.club_name),
            ("kind", event.kind), ("registered", event.registered),
            ("waitlisted", event.waitlisted), ("attended_online", event.attended_online),
            ("walk_ins", event.walk_ins),
            ("no_shows", "" if event.no_shows is None else event.no_shows),
            ("attendance_rate", _csv_rate(event.rate)),
        ):
            yield "event", event.id, event.title, measure, value
