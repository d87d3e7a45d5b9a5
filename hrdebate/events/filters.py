"""The event list's filters (DESIGN §6), shared by the list and the feeds."""

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, selectinload

from ..choices import Region
from ..models import EVENT_LANGUAGES, Club, Event, Topic, utcnow
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

    def query(self, now: datetime | None = None, statuses=(EventStatus.PUBLISHED, EventStatus.CANCELLED),
              with_topics: bool = False) -> Select:
        """Public events matching the filters, their club loaded (and their
        themes, in one more query, if asked), in list order."""
        now = now or utcnow()
        stmt = (
            select(Event)
            .join(Event.club)
            .options(contains_eager(Event.club))
            .where(Event.status.in_(statuses))
        )
        if with_topics:
            stmt = stmt.options(selectinload(Event.topics))
        stmt = stmt.where(*matches(Event.search_key, self.q))
        if self.kind:
            stmt = stmt.where(Event.kind == self.kind)
        if self.region:
            stmt = stmt.where(Event.region == self.region)
        if self.lang:
            stmt = stmt.where(Event.language == self.lang)
        if self.topic:
            stmt = stmt.where(Event.topics.any(Topic.slug == self.topic))
        if self.club:
            stmt = stmt.where(Club.slug == self.club)
        if self.when == "upcoming":
            stmt = stmt.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
        elif self.when == "past":
            stmt = stmt.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
        else:
            stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
        return stmt
