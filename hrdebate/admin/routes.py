"""/admin/: each request is guarded by ``site_role_required("admin")``
(anonymous people are sent to log in, everyone else gets 403), loads through
``access``, calls a service and commits once (unit_of_work.py); refusals are
answered by the one handler (errors.py). Club verification itself posts to
the club's own routes (/clubs/<slug>/verify, /unverify, /refuse), so there
is one path for it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import ratelimits
from ..access import get_user_or_404, site_role_required
from ..auth.sessions import stay_signed_in
from ..bounds import page_arg
from ..clubs.services import clubs_for_verification
from ..errors import refusal_goes_to
from ..htmx import render_page
from ..models import utcnow
from ..models.club import Verification
from ..moderation import services as moderation
from ..moderation.forms import SanctionForm, describe_reason
from ..moderation.queue import record_of
from ..text import clean_query
from . import bp, services
from . import mail as mail_admin
from .forms import EndSessionsForm, SiteRoleForm, site_role_label, site_role_name
from .mail import RetryMailForm


@bp.get("/admin/")
@site_role_required("admin")
def index():
    return render_template("admin/index.html", waiting=services.clubs_waiting())


# -- people ----------------------------------------------------------------------------------

@bp.get("/admin/users")
@site_role_required("admin")
def users():
    q = clean_query(request.args.get("q", ""), limit=services.QUERY_MAX)
    pagination = services.people_page(q, page_arg())
    return render_page("admin/users.html", "people", pagination=pagination, q=q,
                       site_role_label=site_role_label)


def _person_page(person, role_form=None, sanction_form=None, sessions_form=None):
    forms = {
        "role_form": role_form or SiteRoleForm(formdata=None, prefix="role",
                                               role=person.site_role),
        "sanction_form": sanction_form or SanctionForm(formdata=None, prefix="sanction"),
        "sessions_form": sessions_form or EndSessionsForm(formdata=None, prefix="sessions"),
    }
    status = 422 if any(form.errors for form in forms.values()) else 200
    return render_template(
        "admin/user.html", person=person, clubs=services.clubs_of(person),
        record=record_of(person), now=utcnow(), describe_reason=describe_reason,
        site_role_label=site_role_label,
        sanction_refused=moderation.sanction_refusal(person, current_user),
        role_refusals={role: services.site_role_refusal(person, role)
                       for role in services.MADE},
        **forms), status


@bp.get("/admin/users/<int:user_id>")
@site_role_required("admin")
def user(user_id):
    return _person_page(get_user_or_404(user_id))


@bp.post("/admin/users/<int:user_id>/role")
@site_role_required("admin")
def change_role(user_id):
    person = get_user_or_404(user_id)
    form = SiteRoleForm(prefix="role")
    if not form.validate():
        return _person_page(person, role_form=form)
    refusal_goes_to(url_for(".user", user_id=person.id))
    if services.change_site_role(person, current_user, form.role.data, form.reason.data):
        flash(_("%(name)s’s site role is now: %(role)s.", name=person.display_name,
                role=site_role_name(form.role.data)), "success")
    return redirect(url_for(".user", user_id=person.id))


@bp.post("/admin/users/<int:user_id>/sanction")
@site_role_required("admin")
@ratelimits.for_account("RATELIMIT_WARN")
def sanction(user_id):
    person = get_user_or_404(user_id)
    form = SanctionForm(prefix="sanction")
    if not form.validate():
        return _person_page(person, sanction_form=form)
    refusal_goes_to(url_for(".user", user_id=person.id))
    moderation.sanction(person, current_user, form.kind.data, form.reason.data,
                        days=form.days.data)
    flash(_("The sanction is saved and %(name)s is told.", name=person.display_name), "success")
    return redirect(url_for(".user", user_id=person.id))


@bp.post("/admin/users/<int:user_id>/sessions")
@site_role_required("admin")
def end_sessions(user_id):
    person = get_user_or_404(user_id)
    form = EndSessionsForm(prefix="sessions")
    if not form.validate():
        return _person_page(person, sessions_form=form)
    services.end_sessions(person, current_user, form.reason.data)
    if person.id == current_user.id:
        # As "log out everywhere else": this device signs in again.
        stay_signed_in(person)
    flash(_("%(name)s is logged out on every device.", name=person.display_name), "success")
    return redirect(url_for(".user", user_id=person.id))


# -- clubs ---------------------------------------------------------------------------------

@bp.get("/admin/clubs")
@site_role_required("admin")
def clubs():
    status = request.args.get("status", Verification.UNVERIFIED)
    if status not in services.VERIFICATION_FILTERS:
        status = Verification.UNVERIFIED.value
    pagination, owners = clubs_for_verification(status, page_arg())
    return render_page("admin/clubs.html", "clubs", pagination=pagination, owners=owners,
                       status=status, filters=services.VERIFICATION_FILTERS)


# -- mail ----------------------------------------------------------------------------------

@bp.get("/admin/mail")
@site_role_required("admin")
def mail():
    now = utcnow()
    return render_template("admin/mail.html", counts=mail_admin.counts(now),
                           failed=mail_admin.failed(), late=mail_admin.late(now),
                           jobs=mail_admin.job_runs(),
                           late_minutes=mail_admin.LATE_AFTER.seconds // 60)


@bp.post("/admin/mail/retry")
@site_role_required("admin")
def retry_mail():
    form = RetryMailForm()
    if not form.validate():
        abort(400)
    mail_id = form.mail.data
    done = mail_admin.retry(mail_id, current_user)
    if done is None:
        abort(404)
    if done:
        flash(_("Mail %(id)d waits for the worker again: it leaves within a minute.",
                id=mail_id), "success")
    else:
        flash(_("Mail %(id)d is not failed (any more): nothing to retry.", id=mail_id), "info")
    return redirect(url_for(".mail"))
