import csv
import io

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import get_event_or_404
from ..extensions import db, limiter
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import Registration, User
from ..rules import RuleError
from ..rules import message as rule_message
from . import bp, services
from .forms import CheckInForm, WalkInForm

# -- registering ----------------------------------------------------------------

def _registration_response(event, error=None):
    if wants_fragment():
        html = render_block("events/show.html", "registration", event=event,
                            registration_error=error,
                            **services.registration_context(event, current_user))
        return html, 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for("events.show", event_id=event.id, _anchor="registration"))


@bp.post("/events/<int:event_id>/register")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
def register(event_id):
    event = get_event_or_404(event_id)
    try:
        registration = services.register(event, current_user)
    except RuleError as error:
        return _registration_response(event, rule_message(error))
    if not wants_fragment():
        if registration.status == "registered":
            flash(_("You are registered. See you there!"), "success")
        else:
            flash(_("The event is full: you are on the waitlist. We will tell you if a seat "
                    "frees up."), "info")
    return _registration_response(event)


@bp.post("/events/<int:event_id>/unregister")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
def unregister(event_id):
    event = get_event_or_404(event_id)
    try:
        services.unregister(event, current_user)
    except RuleError as error:
        return _registration_response(event, rule_message(error))
    if not wants_fragment():
        flash(_("Your registration is cancelled."), "success")
    return _registration_response(event)


# -- the organiser's attendance page --------------------------------------------------

def _registrants(event, q: str = ""):
    """The event's registrants, the registered first, each with their user.
    An event has at most a few hundred, so the search folds case in Python:
    Cyrillic names match alike on SQLite and PostgreSQL."""
    registrants = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.event_id == event.id, Registration.status != "cancelled")
        .order_by(Registration.status, Registration.registered_at, Registration.id)
    ).all()
    if q:
        needle = q.casefold()
        registrants = [r for r in registrants if needle in r.display_name.casefold()]
    return registrants


def _attendance_page(event, status=200, walk_in_form=None):
    q = " ".join(request.args.get("q", "").split())[:60]
    context = {
        "event": event,
        "registrants": _registrants(event, q),
        "q": q,
        "seats": services.seat_counts(event.id),
        "walk_in_form": walk_in_form or WalkInForm(formdata=None),
        "checkin_code": event.checkin_code,
    }
    return render_page("participation/attendance.html", "registrants", **context), status


@bp.get("/events/<int:event_id>/attendance")
@login_required
def attendance(event_id):
    return _attendance_page(get_event_or_404(event_id, manage=True))


@bp.post("/events/<int:event_id>/attendance/<int:registration_id>")
@login_required
def toggle_checkin(event_id, registration_id):
    event = get_event_or_404(event_id, manage=True)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    checked_in = request.form.get("checked_in") == "1"
    error = None
    try:
        services.set_checked_in(registration, current_user, checked_in)
    except RuleError as exc:
        error = rule_message(exc)
    if wants_fragment():
        html = render_block("participation/attendance.html", "row", event=event,
                            registration=registration, seats=services.seat_counts(event.id),
                            oob_counts=True, row_error=error)
        return html, 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(url_for(".attendance", event_id=event.id, q=request.args.get("q") or None))


@bp.post("/events/<int:event_id>/walk-ins")
@login_required
def add_walk_in(event_id):
    event = get_event_or_404(event_id, manage=True)
    form = WalkInForm()
    if form.validate():
        try:
            services.add_walk_in(
                event, current_user, form.name.data, consent=form.consent.data,
                **{f: form[f].data for f in User.DEMOGRAPHIC_FIELDS},
            )
            flash(_("%(name)s is checked in.", name=form.name.data), "success")
            return redirect(url_for(".attendance", event_id=event.id))
        except RuleError as error:
            form.name.errors.append(rule_message(error))
    return _attendance_page(event, 422, walk_in_form=form)


@bp.get("/events/<int:event_id>/attendance.csv")
@login_required
def attendance_csv(event_id):
    event = get_event_or_404(event_id, manage=True)
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so that Excel reads UTF-8 (Cyrillic) correctly
    writer = csv.writer(out)
    writer.writerow(["display_name", "status", "checked_in_at", "source"])
    for r in _registrants(event):
        writer.writerow([r.display_name, r.status,
                         r.checked_in_at.isoformat() if r.checked_in_at else "", r.source])
    return Response(
        out.getvalue(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=attendance-{event.id}.csv"},
    )


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
    url = url_for(".checkin", event_id=event.id, code=event.checkin_code,
                  _external=True)
    svg = io.BytesIO()
    segno.make(url, error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False)
    response = Response(svg.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- self check-in ---------------------------------------------------------------------

@bp.route("/events/<int:event_id>/checkin", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_CHECKIN"], methods=["POST"])
def checkin(event_id):
    event = get_event_or_404(event_id)
    form = CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"]
    if form.validate_on_submit():
        try:
            services.self_check_in(event, current_user, form.code.data)
            flash(_("You are checked in. Welcome!"), "success")
            return redirect(url_for("events.show", event_id=event.id))
        except RuleError as error:
            form.code.errors.append(rule_message(error))
    return render_form("participation/checkin.html", form, event=event)
