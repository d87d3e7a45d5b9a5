"""Certificates of attendance: the attendee's printable page, the public
check of a code, and revocation by the event's club (DESIGN §6)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can_manage_club, get_certificate_or_404
from ..security import personal
from ..urls import absolute_url_for
from . import bp, services


@bp.get("/events/<int:event_id>/certificate")
@login_required
def mine(event_id):
    registration = services.attended_registration(event_id, current_user.id)
    if registration is None or not registration.certificate_code:
        abort(404)
    return render_template(
        "certificates/certificate.html",
        registration=registration,
        event=registration.event,
        state=services.certificate_state(registration),
        verify_url=absolute_url_for("certificates.verify", code=registration.certificate_code),
    )


@bp.get("/certificates/<code>")
@personal
def verify(code):
    registration, state = get_certificate_or_404(code)
    if code != registration.certificate_code:  # typed in lower case or with dashes
        return redirect(url_for(".verify", code=registration.certificate_code), 301)
    event = registration.event
    return render_template(
        "certificates/verify.html",
        registration=registration,
        event=event,
        state=state,
        manage=can_manage_club(current_user, event.club_id),
    )


@bp.post("/certificates/<code>/revoke")
@login_required
def revoke(code):
    registration, _state = get_certificate_or_404(code, manage=True)
    services.revoke_certificate(registration)
    flash(_("The certificate is revoked. Its verification page now says so."), "success")
    return redirect(url_for(".verify", code=registration.certificate_code))


@bp.post("/certificates/<code>/restore")
@login_required
def restore(code):
    registration, _state = get_certificate_or_404(code, manage=True)
    services.restore_certificate(registration)
    flash(_("The certificate is valid again."), "success")
    return redirect(url_for(".verify", code=registration.certificate_code))


# Templates ask the one rule: does this registration's certificate stand?
bp.add_app_template_global(services.is_eligible, "certificate_stands")
