"""Human-rights themes: the list with its counts, and each theme's events."""

from flask import abort

from ..bounds import page_arg
from ..htmx import render_page
from ..models import utcnow
from ..pagecache import public_page
from . import bp, services


@bp.get("/topics/")
@public_page
def index():
    return render_page("topics/index.html", "themes", rows=services.topics_with_counts())


@bp.get("/topics/<slug>")
@public_page
def show(slug):
    topic = services.topic_by_slug(slug)
    if topic is None:
        abort(404)
    now = utcnow()
    upcoming, more_upcoming = services.upcoming_events(topic, now)
    past = services.past_events_page(topic, page_arg(), now)
    return render_page(
        "topics/show.html", "past_events", topic=topic,
        upcoming=upcoming, more_upcoming=more_upcoming, past=past,
    )
