"""Human-rights themes: the list with its counts, and each theme's events."""

from datetime import datetime

from flask import request
from sqlalchemy import case, func, select

from ..events.filters import EventFilters
from ..extensions import db
from ..htmx import render_page
from ..models import Event, Topic, event_topics, utcnow
from . import bp

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
        .outerjoin(Event, (Event.id == event_topics.c.event_id) & (Event.status == "published"))
        .group_by(Topic.id)
        .order_by(Topic.position, Topic.id)
    )
    return list(db.session.execute(stmt))


@bp.get("/topics/")
def index():
    return render_page("topics/index.html", "themes", rows=topics_with_counts())


@bp.get("/topics/<slug>")
def show(slug):
    topic = db.first_or_404(select(Topic).where(Topic.slug == slug))
    now = utcnow()
    filters = EventFilters(topic=topic.slug, when="upcoming")
    # One more than we show, to know whether to point to the full list.
    upcoming = list(db.session.scalars(
        filters.query(now, statuses=("published",)).limit(UPCOMING_LIMIT + 1)
    ))
    page = max(request.args.get("page", 1, type=int), 1)
    past = db.paginate(
        EventFilters(topic=topic.slug, when="past").query(now, statuses=("published",)),
        page=page, per_page=PAST_PER_PAGE, error_out=False,
    )
    return render_page(
        "topics/show.html", "past_events", topic=topic,
        upcoming=upcoming[:UPCOMING_LIMIT], more_upcoming=len(upcoming) > UPCOMING_LIMIT,
        past=past,
    )
