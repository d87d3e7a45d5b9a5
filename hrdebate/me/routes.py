"""A person's own events: registrations with their waitlist positions, past
attendance with certificates, and a personal calendar feed (DESIGN §6).

The feed's address carries a secret token instead of a login, because
calendar apps cannot log in. The person can replace or turn off the token;
the old address then answers 404.
"""

from contextlib import nullcontext

from flask import abort, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from ..bounds import page_arg
from ..config import LANGUAGES
from ..feeds.responses import event_page_url, feed_response
from ..feeds.services import build_calendar
from ..htmx import render_page, wants_fragment
from ..models import RegistrationStatus, User
from ..security import personal
from ..urls import absolute_url_for
from . import bp, services

# -- the page ---------------------------------------------------------------------

def _feed_url(user: User) -> str | None:
    if not user.calendar_token:
        return None
    return absolute_url_for("me.calendar", token=user.calendar_token)


@bp.get("/me/events")
@login_required
def events():
    upcoming = services.upcoming_registrations(current_user.id)
    page = page_arg()
    past = services.past_attendance_page(current_user.id, page)
    return render_page(
        "me/events.html", "past",
        upcoming=[(r, p) for r, p in upcoming if r.is_active],
        cancelled=[r for r, _p in upcoming if not r.is_active],
        past=past,
        feed_url=_feed_url(current_user),
    )


def _calendar_feed_response():
    """Plain forms go back to the page; htmx gets the feed's panel."""
    if wants_fragment():
        return render_block("me/events.html", "calendar_feed", feed_url=_feed_url(current_user))
    return redirect(url_for(".events", _anchor="calendar-feed"))


@bp.post("/me/calendar/token")
@login_required
def new_calendar_token():
    replaced = current_user.calendar_token is not None
    services.issue_calendar_token(current_user, request.form.get("replaces"))
    if not wants_fragment():
        flash(_("Your calendar has a new address. The old one no longer works.") if replaced
              else _("Your calendar address is ready."), "success")
    return _calendar_feed_response()


@bp.post("/me/calendar/token/revoke")
@login_required
def revoke_calendar_token():
    services.clear_calendar_token(current_user)
    if not wants_fragment():
        flash(_("Your calendar address is turned off."), "success")
    return _calendar_feed_response()


# -- the feed ----------------------------------------------------------------------

@bp.get("/me/calendar/<token>.ics")
@personal
def calendar(token):
    user = services.user_by_calendar_token(token)
    if user is None:
        abort(404)
    rows = services.calendar_events(user.id)
    # Calendar apps send no cookie, and their Accept-Language is the
    # device's: the whole calendar, its name and the events' topics, is in
    # the person's stored language (without one, in the request's).
    locale = user.locale if user.locale in LANGUAGES else None
    with force_locale(locale) if locale else nullcontext():
        body = build_calendar(
            [event for event, _status in rows], name=_("My hrdebate events"),
            feed=f"me-{user.id}.ics", event_url=event_page_url,
            tentative=frozenset(event.id for event, status in rows
                                if status == RegistrationStatus.WAITLISTED),
            # The online link for a seat only (``access.can_see_online_link``):
            # a waitlisted person gets it once promoted.
            online=frozenset(event.id for event, status in rows
                             if status == RegistrationStatus.REGISTERED),
        )
    response = feed_response(body, "text/calendar", "my-events.ics")
    response.headers["X-Robots-Tag"] = "noindex"
    return response
