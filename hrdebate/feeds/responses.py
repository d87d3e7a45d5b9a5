"""What every feed shares (the site's and a person's own): the HTTP answer,
the document with its caching headers, and the link to an event's page. Used
by ``feeds.routes`` and ``me.routes``, so that no route module imports
another area's routes."""

from flask import Response, request
from flask_login import current_user

from ..models import Event
from ..urls import absolute_url_for


def event_page_url(event: Event) -> str:
    """The event's page, on the site's base URL (never the request's host)."""
    return absolute_url_for("events.show", event_id=event.id)


def feed_response(body: bytes, mimetype: str, filename: str | None = None) -> Response:
    response = Response(body, content_type=f"{mimetype}; charset=utf-8")
    if filename:
        response.headers.set("Content-Disposition", "inline", filename=filename)
    # Names are translated into the reader's language; drafts are for
    # organisers only. Clients revalidate cheaply with the (weak, so
    # compression keeps it) ETag.
    response.vary.update(("Accept-Language", "Cookie"))
    response.cache_control.no_cache = True
    if current_user.is_authenticated:
        response.cache_control.private = True
    response.add_etag(weak=True)
    return response.make_conditional(request)
