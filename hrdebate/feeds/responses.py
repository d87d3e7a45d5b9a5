"""What every feed shares (the site's and a person's own): the HTTP answer,
the document with its caching headers, and the link to an event's page. Used
by ``feeds.routes`` and ``me.routes``, so that no route module imports
another area's routes."""

import hashlib
from collections.abc import Callable

from flask import Response, request
from flask_babel import get_locale
from flask_login import current_user

from ..models import Event
from ..urls import absolute_url_for


def event_page_url(event: Event) -> str:
    """The event's page, on the site's base URL (never the request's host)."""
    return absolute_url_for("events.show", event_id=event.id)


def feed_response(body: bytes | Callable[[], bytes], mimetype: str, filename: str | None = None,
                  version: str | None = None) -> Response:
    """The feed's answer. With a ``version`` (what the content depends on,
    read cheaply: ``feeds.services.feed_version``), the ETag comes from it
    and the language, and a client that holds that ETag is answered 304
    before ``body`` (then a function) is called to build the feed; without
    one, the ETag is the body's hash."""
    etag = None
    if version is not None:
        key = f"{FEED_FORMAT}|{version}|{get_locale()}|{request.full_path}"
        etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if etag is not None and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body() if callable(body) else body,
                            content_type=f"{mimetype}; charset=utf-8")
    if filename:
        response.headers.set("Content-Disposition", "inline", filename=filename)
    # Names are translated into the reader's language; drafts are for
    # organisers only. Clients revalidate cheaply with the (weak, so
    # compression keeps it) ETag.
    response.vary.update(("Accept-Language", "Cookie"))
    response.cache_control.no_cache = True
    if current_user.is_authenticated:
        response.cache_control.private = True
    if etag is not None:
        response.set_etag(etag, weak=True)
    else:
        response.add_etag(weak=True)
    return response.make_conditional(request)


# Changed when what a feed writes changes (its builders, its fields), so that
# no client keeps a feed built by older code under a version-based ETag.
FEED_FORMAT = "2"
