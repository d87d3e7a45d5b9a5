"""Calendar and Atom feeds of events (DESIGN §6). The list filters apply;
on /events.ics and /events.atom ``lang`` is the events' language."""

from dataclasses import replace
from urllib.parse import urlencode

from flask import Response, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..access import get_club_or_404, get_event_or_404
from ..events.filters import EventFilters
from ..models import Event, utcnow
from ..pagecache import public_page
from ..timeutil import day_time
from ..urls import absolute_url_for
from . import bp
from .responses import event_page_url, feed_response
from .services import announced_events, build_atom, build_calendar, calendar_events


def _feed_name(path: str, filters: EventFilters) -> str:
    """The feed's identity, for its stable id: its path and its filters."""
    args = filters.as_args()
    return path + ("?" + urlencode(sorted(args.items())) if args else "")


def _calendar(filters: EventFilters, *, name: str, feed: str, filename: str) -> Response:
    body = build_calendar(calendar_events(filters), name=name, feed=feed, event_url=event_page_url)
    return feed_response(body, "text/calendar", filename)


@bp.get("/events.ics")
@public_page
def events_ics():
    filters = EventFilters.from_args(request.args)
    return _calendar(
        filters,
        name=_("hrdebate events"),
        feed=_feed_name("events.ics", filters),
        filename="events.ics",
    )


@bp.get("/clubs/<slug>/events.ics")
@public_page
def club_ics(slug):
    club = get_club_or_404(slug)
    # Here ?lang= chooses the interface language, not the events' language.
    filters = replace(EventFilters.from_args(request.args), club=club.slug, lang="")
    return _calendar(
        filters,
        name=_("%(club)s: events", club=club.name),
        feed=_feed_name(f"club-{club.id}.ics", replace(filters, club="")),
        filename=f"{club.slug}-events.ics",
    )


@bp.get("/events/<int:event_id>.ics")
@public_page
def event_ics(event_id):
    event = get_event_or_404(event_id)
    body = build_calendar([event], name=event.title, feed=f"event-{event.id}.ics",
                          event_url=event_page_url)
    return feed_response(body, "text/calendar", f"event-{event.id}.ics")


@bp.get("/events.atom")
@public_page
def events_atom():
    # The same filters as the list page whose link leads here.
    filters = EventFilters.from_args(request.args)
    args = filters.as_args()

    def describe(event: Event) -> str:
        when = day_time(event.starts_at)  # as every page writes it
        return f"{when} · {event.venue}" if event.venue else when

    body = build_atom(
        announced_events(filters),
        feed=_feed_name("events.atom", filters),
        title=_("hrdebate events"),
        language=str(get_locale()),
        self_url=absolute_url_for("feeds.events_atom", **args),
        alternate_url=absolute_url_for("events.index", **args),
        event_url=event_page_url,
        describe=describe,
        now=utcnow(),
    )
    return feed_response(body, "application/atom+xml")
