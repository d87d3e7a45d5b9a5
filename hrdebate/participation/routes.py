"""Registering and cancelling, the organiser's attendance page (check-in,
walk-ins, the CSV), the check-in code's QR screen and self check-in. Each
route loads through ``access``, calls a service and answers; refusals go to
the one handler in ``errors``."""

import io

import segno
from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from .. import ratelimits
from ..bounds import page_arg
from ..access import get_event_or_404, get_registration_or_404, get_waitlisted_or_404
from ..csvfile import csv_response
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import User
from ..models.attendance import REASON_LENGTH
from ..models.codes import grouped
from ..models.registration import RegistrationStatus
from ..text import clean_query
from ..urls import absolute_url_for
from . import bp, services
from .forms import CheckInForm, CorrectionForm, WalkInForm

# -- registering ----------------------------------------------------------------

def _registration_url(event):
    return url_for("events.show", event_id=event.id, _anchor="registration")


def _registration_response(event):
    if wants_fragment():
        return render_block("events/show.html", "registration", event=event,
                            **services.registration_context(event, current_user))
    return redirect(_registration_url(event))


@bp.post("/events/<int:event_id>/register")
@login_required
@ratelimits.for_account("RATELIMIT_REGISTER")
def register(event_id):
    event = get_event_or_404(event_id)
    refusal_goes_to(_registration_url(event))
    registration = services.register(event, current_user)
    if registration.status == RegistrationStatus.REGISTERED:
        flash(_("You are registered. See you there!"), "success")
    else:
        flash(_("The event is full: you are on the waitlist. We will tell you if a seat "
                "frees up."), "info")
    return _registration_response(event)


@bp.route("/events/<int:event_id>/unregister", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_REGISTER", methods=["POST"])
def unregister(event_id):
    """GET asks "are you sure?" (the plain form's way; htmx asks with
    ``hx-confirm`` and posts at once); POST cancels."""
    event = get_event_or_404(event_id)
    refusal_goes_to(_registration_url(event))
    if request.method == "GET":
        mine = services.registration_of(event.id, current_user.id)
        refusal = services.unregister_refusal(event, mine)
        if refusal is not None:
            flash(refusal.message, "info")
            return redirect(_registration_url(event))
        return render_template("participation/unregister.html", event=event,
                               registration=mine)
    services.unregister(event, current_user)
    flash(_("Your registration is cancelled."), "success")
    return _registration_response(event)


# -- the organiser's attendance page --------------------------------------------------

def _final_state(event) -> dict:
    """What the page says and offers about final attendance, check-in by
    hand (from the event's day) and free seats for a promotion."""
    final = services.attendance_is_final(event)
    seats = services.seat_counts(event.id)
    return {"final": final, "final_at": services.attendance_final_at(event),
            "may_change": not final or current_user.is_admin, "reason_length": REASON_LENGTH,
            "by_hand_open": services.by_hand_checkin_open(event),
            "by_hand_opens_at": services.by_hand_opens_at(event),
            "seat_free": not event.is_cancelled and not event.is_full(seats["registered"]),
            "may_promote": not event.has_ended() and not event.is_cancelled,
            "seats": seats}


def _attendance_page(event, status=200, walk_in_form=None):
    q = clean_query(request.args.get("q", ""), 60)
    registrants = services.registrants_page(event, q, page_arg())
    context = {
        "event": event,
        "registrants": registrants.items,
        "pagination": registrants,
        "q": q,
        "walk_in_form": walk_in_form or WalkInForm(formdata=None),
        "checkin_code": event.checkin_code,
        "changes": services.attendance_changes(event),
        **_final_state(event),
    }
    return render_page("participation/attendance.html", "registrants", **context), status


@bp.get("/events/<int:event_id>/attendance")
@login_required
def attendance(event_id):
    return _attendance_page(get_event_or_404(event_id, manage=True))


def _back(event, registration=None):
    """The list the organiser came from: the same search and page, at the
    row they changed (on a phone without JavaScript, not the page's top)."""
    page = page_arg()
    return url_for(".attendance", event_id=event.id, q=request.args.get("q") or None,
                   page=page if page > 1 else None,
                   _anchor=f"registration-{registration.id}" if registration else None)


@bp.post("/events/<int:event_id>/attendance/<int:registration_id>")
@login_required
def toggle_checkin(event_id, registration_id):
    event = get_event_or_404(event_id, manage=True)
    registration = get_registration_or_404(event, registration_id)
    back = _back(event, registration)
    refusal_goes_to(back)
    # The token is checked for every POST (CSRFProtect); htmx sends it as a header.
    correction = CorrectionForm(request.form, meta={"csrf": False})
    reason = correction.reason.data if correction.validate() else None  # unclean: no reason
    services.set_checked_in(registration, current_user, request.form.get("checked_in") == "1",
                            reason=reason)
    if wants_fragment():
        return _row(event, registration)
    return redirect(back)


def _row(event, registration):
    """The row the organiser's button changed, with the counts (out of band)."""
    return render_block("participation/attendance.html", "row", event=event,
                        registration=registration, oob_counts=True, **_final_state(event))


@bp.post("/events/<int:event_id>/attendance/<int:registration_id>/promote")
@login_required
def promote(event_id, registration_id):
    """Give a waitlisted person a free seat by hand (and with ``check_in=1``
    check them in: they turned up). Never over capacity."""
    event = get_event_or_404(event_id, manage=True)
    registration = get_waitlisted_or_404(event, registration_id)
    back = _back(event, registration)
    refusal_goes_to(back)
    correction = CorrectionForm(request.form, meta={"csrf": False})
    reason = correction.reason.data if correction.validate() else None
    check_in = request.form.get("check_in") == "1"
    if services.promote(registration, current_user, check_in=check_in, reason=reason):
        message = (_("%(name)s has a seat and is checked in. They have been told.",
                     name=registration.display_name) if check_in else
                   _("%(name)s has a seat now. They have been told.",
                     name=registration.display_name))
        flash(message, "success")
    if wants_fragment():
        return _row(event, registration)
    return redirect(back)


@bp.post("/events/<int:event_id>/walk-ins")
@login_required
def add_walk_in(event_id):
    event = get_event_or_404(event_id, manage=True)
    refusal_goes_to(url_for(".attendance", event_id=event.id))
    form = WalkInForm()
    if not form.validate():
        return _attendance_page(event, 422, walk_in_form=form)
    walk_in = services.add_walk_in(
        event, current_user, form.name.data, consent=form.consent.data, reason=form.reason.data,
        **{f: form[f].data for f in User.DEMOGRAPHIC_FIELDS},
    )
    if walk_in.claim_code and not walk_in.certificate_code:
        flash(_("%(name)s is checked in. Their certificate claim code is %(code)s: write it "
                "down for them. Signed in, they claim the certificate at %(url)s (the code "
                "stays on the certificates page).", name=form.name.data,
                code=grouped(walk_in.claim_code), url=absolute_url_for("certificates.claim")),
              "success")
    else:
        flash(_("%(name)s is checked in.", name=form.name.data), "success")
    return redirect(url_for(".attendance", event_id=event.id))


@bp.get("/events/<int:event_id>/attendance.csv")
@login_required
def attendance_csv(event_id):
    event = get_event_or_404(event_id, manage=True)
    rows = ((r.display_name, r.status, r.checked_in_at, r.source)
            for r in services.registrants(event))
    return csv_response(f"attendance-{event.id}.csv",
                        ("display_name", "status", "checked_in_at", "source"), rows)


@bp.get("/events/<int:event_id>/checkin/qr")
@login_required
def checkin_qr(event_id):
    """The code and its QR code, big, for the organiser to show at the venue."""
    event = get_event_or_404(event_id, manage=True)
    return render_template("participation/qr.html", event=event,
                           code=event.checkin_code)


@bp.get("/events/<int:event_id>/checkin.svg")
@login_required
def checkin_svg(event_id):
    event = get_event_or_404(event_id, manage=True)
    url = absolute_url_for("participation.checkin", event_id=event.id, code=event.checkin_code)
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False)
    response = Response(svg.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- self check-in ---------------------------------------------------------------------

def _checkin_context(event) -> dict:
    return {"event": event, "state": services.checkin_state(event),
            "opens_at": services.checkin_opens_at(event)}


def _checkin_page(_message):
    """The check-in page again, with the code as it was typed."""
    event = get_event_or_404(request.view_args["event_id"])
    return render_template("participation/checkin.html", form=CheckInForm(),
                           **_checkin_context(event))


@bp.route("/events/<int:event_id>/checkin", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_CHECKIN", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_checkin_page))
def checkin(event_id):
    event = get_event_or_404(event_id)
    form = CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if form.validate_on_submit():
        refusal = services.self_checkin_refusal(event, current_user, form.code.data)
        if refusal is None:
            services.self_check_in(event, current_user, form.code.data)
            flash(_("You are checked in. Welcome!"), "success")
            return redirect(url_for("events.show", event_id=event.id))
        # The form comes back with the code as typed, to compare with the screen.
        form.code.errors.append(refusal.message)
    return render_form("participation/checkin.html", form, **_checkin_context(event))
