"""The event list's filters (DESIGN §6), shared by the list and the feeds."""

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType
from sqlalchemy.orm import contains_eager, selectinload

from ..bounds import as_id, sane_day
from ..choices import Region
from ..models import EVENT_LANGUAGES, Club, Event, Topic, event_topics, utcnow
from ..models.event import EventKind, EventStatus
from ..search import matches
from ..text import clean_query

WHEN = ("upcoming", "past", "all")


@dataclass(frozen=True)
class EventFilters:
    q: str = ""
    kind: str = ""
    region: str = ""
    topic: str = ""
    lang: str = ""
    club: str = ""
    when: str = "upcoming"

    @classmethod
    def from_args(cls, args) -> "EventFilters":
        """Read the query string; values we do not know are ignored."""
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            q=clean_query(args.get("q", ""), 100),
            kind=pick("kind", EventKind.values()),
            region=pick("region", Region.values()),
            topic=args.get("topic", "")[:40],
            lang=pick("lang", EVENT_LANGUAGES),
            club=args.get("club", "")[:80],
            when=pick("when", WHEN) or "upcoming",
        )

    def as_args(self) -> dict:
        """The non-default filters, for links that keep them."""
        return {k: v for k, v in asdict(self).items() if v and not (k == "when" and v == "upcoming")}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    @property
    def ascending(self) -> bool:
        """Upcoming events come soonest first; past ones and all dates,
        newest first."""
        return self.when == "upcoming"

    def conditions(self, now: datetime | None = None,
                   statuses=(EventStatus.PUBLISHED, EventStatus.CANCELLED)) -> list:
        """The filters as conditions on ``Event`` alone (no join: the list's
        count and its page keys use them as they are)."""
        now = now or utcnow()
        where = [status_among(statuses), *matches(Event.search_key, self.q)]
        if self.kind:
            where.append(Event.kind == self.kind)
        if self.region:
            where.append(Event.region == self.region)
        if self.lang:
            where.append(Event.language == self.lang)
        if self.topic:
            # The theme's events, from its side (``ix_event_topics_topic_id``):
            # a few hundred of ten thousand, rather than a probe per event.
            where.append(Event.id.in_(
                select(event_topics.c.event_id)
                .join(Topic, Topic.id == event_topics.c.topic_id)
                .where(Topic.slug == self.topic)))
        if self.club:
            where.append(Event.club_id == select(Club.id).where(Club.slug == self.club)
                         .scalar_subquery())
        if self.when == "upcoming":
            where.append(Likelihood(Event.ends_at >= now, UPCOMING_SHARE))
            where.append(Event.starts_at >= _first_start_not_over(now))
        elif self.when == "past":
            where.append(Likelihood(Event.ends_at < now, PAST_SHARE))
        return where

    def order(self, reverse: bool = False) -> tuple:
        """The list's order, by (start, id), which ``ix_events_starts_at_id_status``
        serves; ``reverse`` walks it backwards (a "previous" page)."""
        if self.ascending != reverse:
            return (Event.starts_at, Event.id)
        return (Event.starts_at.desc(), Event.id.desc())

    def query(self, now: datetime | None = None, statuses=(EventStatus.PUBLISHED, EventStatus.CANCELLED),
              with_topics: bool = False) -> Select:
        """Public events matching the filters, their club loaded (and their
        themes, in one more query, if asked), in list order."""
        stmt = (
            select(Event)
            # An outer join (every event has its club): the events lead, in
            # list order, and each club is read by its key, whatever the
            # planner makes of the tables' sizes.
            .outerjoin(Event.club)
            .options(contains_eager(Event.club))
            .where(*self.conditions(now, statuses))
            .order_by(*self.order())
        )
        if with_topics:
            stmt = stmt.options(selectinload(Event.topics))
        return stmt


def _first_start_not_over(now):
    """The earliest start among the events not yet over: a bound the
    upcoming events all meet (implied), that turns their list into a range
    of the order index starting there rather than a walk from the
    programme's first event (PostgreSQL, expecting the upcoming ones to be
    spread evenly, walked past nine thousand). The events not over are read
    from ``ix_events_ends_at``; ``OFFSET 0`` keeps the planners from
    turning the min() into that same walk."""
    not_over = select(Event.starts_at).where(Event.ends_at >= now).offset(0).subquery()
    return select(func.min(not_over.c.starts_at)).scalar_subquery()


def status_among(statuses):
    """``status IN statuses``, written as NOT IN the other statuses: the
    same rows, but a condition no index ranges over, so the planner reads
    the list's order index (``ix_events_starts_at_id_status``) rather than
    the status index with a sort of every event of those statuses (SQLite
    took that plan, with statistics or without)."""
    others = [status for status in EventStatus.values() if status not in statuses]
    return Event.status.not_in(others) if others else true()


class Likelihood(ColumnElement):
    """A condition with the share of events it holds for, told to SQLite's
    planner with ``likelihood()``: it keeps no histogram of dates, so it
    took "not yet over" for a quarter of all events (and walked every past
    event in list order to find the upcoming ones) and "over" for a quarter
    too (and read nine events in ten through the index on ``ends_at``).
    Other databases get the condition as it is."""

    inherit_cache = True
    type = NullType()  # as it is in WHERE, not "= 1"
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement),
                           ("share", InternalTraversal.dp_plain_obj)]

    def __init__(self, condition, share: float):
        self.condition = condition
        self.share = share

    def get_children(self, **kw):
        return [self.condition]


@compiles(Likelihood)
def _likelihood(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(Likelihood, "sqlite")
def _likelihood_sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, {float(element.share)})"


# Of a programme's events, those not yet over are few; those over, most.
UPCOMING_SHARE, PAST_SHARE = 0.05, 0.9


@dataclass(frozen=True)
class Cursor:
    """A place in the event list: the (start, id) of the event a page ends
    or begins with. In URLs: ``2026-05-01T12:00:00Z,123`` (``?after=`` the
    next page, ``?before=`` the previous one)."""

    starts_at: datetime
    id: int

    @classmethod
    def of(cls, event: Event) -> "Cursor":
        return cls(event.starts_at, event.id)

    @classmethod
    def parse(cls, value: str | None) -> "Cursor | None":
        """The cursor written in ``value``, or None for anything else (a bad
        cursor shows the first page, never an error)."""
        moment, _sep, number = (value or "").strip().partition(",")
        event_id = as_id(number)
        if event_id is None or not _MOMENT.fullmatch(moment):
            return None
        try:
            starts_at = datetime.fromisoformat(moment.removesuffix("Z"))
            starts_at = starts_at.replace(tzinfo=timezone.utc)
        except ValueError:
            return None
        return cls(starts_at, event_id) if sane_day(starts_at) else None

    def __str__(self) -> str:
        moment = self.starts_at.astimezone(timezone.utc).replace(tzinfo=None)
        precision = "microseconds" if moment.microsecond else "seconds"
        return f"{moment.isoformat(timespec=precision)}Z,{self.id}"

    def beyond(self, ascending: bool) -> list:
        """Conditions for the events after this place in a list of that
        direction. The plain bound on ``starts_at`` comes first, for the
        index; the pair then settles ties."""
        if ascending:
            return [Event.starts_at >= self.starts_at,
                    or_(Event.starts_at > self.starts_at, Event.id > self.id)]
        return [Event.starts_at <= self.starts_at,
                or_(Event.starts_at < self.starts_at, Event.id < self.id)]


_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z?", re.ASCII)
