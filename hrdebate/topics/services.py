"""Human-rights themes: the list with its counts, and each theme's events.
No Flask request objects here."""

from datetime import datetime

from sqlalchemy import case, func, select

from ..events.filters import EventFilters
from ..extensions import db
from ..models import Event, Topic, event_topics, utcnow

UPCOMING_LIMIT = 10
PAST_PER_PAGE = 10


def topics_with_counts(now: datetime | None = None) -> list:
    """Every theme in display order with its numbers of upcoming and past
    published events, in one aggregate query. "Upcoming" means not yet over,
    as in the event list's ``when=upcoming``, so the numbers match its links."""
    now = now or utcnow()
    upcoming = func.count(case((Event.ends_at >= now, Event.id)))
    past = func.count(case((Event.ends_at < now, Event.id)))
    stmt = (
        select(Topic, upcoming.label("upcoming"), past.label("past"))
        .outerjoin(event_topics, event_topics.c.topic_id == Topic.id)
        .outerjoin(Event, (Event.id == event_topics.c.event_id) & Event.is_published)
        .group_by(Topic.id)
        .order_by(Topic.position, Topic.id)
    )
    return list(db.session.execute(stmt))


def topic_by_slug(slug: str) -> Topic | None:
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def upcoming_events(topic: Topic, now: datetime | None = None) -> tuple[list[Event], bool]:
    """The theme's next published events, soonest first, and whether there
    are more than ``UPCOMING_LIMIT`` (to point to the full list)."""
    filters = EventFilters(topic=topic.slug, when="upcoming")
    # One more than we show, to know whether there are more.
    events = list(db.session.scalars(
        filters.query(now or utcnow(), statuses=("published",)).limit(UPCOMING_LIMIT + 1)
    ))
    return events[:UPCOMING_LIMIT], len(events) > UPCOMING_LIMIT


def past_events_page(topic: Topic, page: int, now: datetime | None = None):
    """One page of the theme's past published events, newest first; a page
    past the end is empty, not an error."""
    filters = EventFilters(topic=topic.slug, when="past")
    return db.paginate(filters.query(now or utcnow(), statuses=("published",)),
                       page=max(page, 1), per_page=PAST_PER_PAGE, error_out=False)
