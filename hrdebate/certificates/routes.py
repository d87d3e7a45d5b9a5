"""Certificates of attendance: the attendee's printable page, the public
check of a code, revocation by the event's club (DESIGN §6), the
organisers' list with its bulk issue, and a walk-in's claim."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import ratelimits
from ..access import can_manage_club, get_certificate_or_404, get_event_or_404
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page
from ..models.codes import grouped
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


# -- the organisers' list and bulk issue -------------------------------------------------

@bp.get("/events/<int:event_id>/certificates")
@login_required
def issued(event_id):
    event = get_event_or_404(event_id, manage=True)
    rows = services.issued_certificates(event)
    return render_page("certificates/issued.html", "certificates", event=event,
                       rows=[(r, services.certificate_status(r)) for r in rows],
                       to_issue=services.to_issue(rows),
                       issue_refusal=services.issue_refusal(event),
                       claim_url=absolute_url_for("certificates.claim"))


@bp.post("/events/<int:event_id>/certificates/issue")
@login_required
def issue(event_id):
    """Issue to every checked-in attendee who has none yet; a second click
    issues nothing more."""
    event = get_event_or_404(event_id, manage=True)
    back = url_for(".issued", event_id=event.id)
    refusal_goes_to(back)
    issued_now = services.issue_certificates(event)
    if issued_now:
        flash(ngettext("%(num)d certificate issued.", "%(num)d certificates issued.",
                       issued_now), "success")
    else:
        flash(_("Every attendee already has a certificate."), "info")
    return redirect(back)


# -- a walk-in's claim -----------------------------------------------------------------

@bp.route("/certificates/claim", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_CHECKIN", methods=["POST"])
def claim():
    from .forms import ClaimForm  # participation's forms import this package: not at load

    refusal_goes_to(url_for(".claim"))
    form = ClaimForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:40]
    if form.validate_on_submit():
        refusal = services.claim_refusal(form.code.data, current_user)
        if refusal is None:
            registration = services.claim(form.code.data, current_user)
            if services.is_eligible(registration):
                flash(_("The certificate is yours."), "success")
                return redirect(url_for(".mine", event_id=registration.event_id))
            flash(_("The certificate is yours. It will be ready on your events page once the "
                    "event has ended."), "success")
            return redirect(url_for("me.events"))
        form.code.errors.append(refusal.message)  # the form again, the code as typed
    return render_form("certificates/claim.html", form)


# Templates ask the one rule: does this registration's certificate stand?
bp.add_app_template_global(services.is_eligible, "certificate_stands")
bp.add_app_template_filter(grouped, "grouped_code")
