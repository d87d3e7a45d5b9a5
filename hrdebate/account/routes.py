import json

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import ratelimits
from ..auth import services as auth_services
from ..auth.sessions import stay_signed_in
from ..forms import render_form
from ..i18n import remember_language
from ..mail import mail_enabled
from . import bp, services
from .forms import DeleteForm, DemographicsForm, PasswordForm, ProfileForm


@bp.before_request
@login_required
def require_login():
    pass


def _profile_page(**forms):
    user = current_user
    # The language shown is the stored one, or the one being read now: saving
    # the profile never switches anyone to the list's first language.
    if "profile_form" not in forms:
        forms["profile_form"] = ProfileForm(user, obj=user, prefix="profile", formdata=None)
        forms["profile_form"].locale.data = user.locale or str(get_locale())
    forms.setdefault(
        "demographics_form", DemographicsForm(obj=user, prefix="demo", formdata=None)
    )
    forms.setdefault("password_form", PasswordForm(user, prefix="pw", formdata=None))
    has_errors = any(form.errors for form in forms.values())
    return render_template("account/profile.html", can_send_mail=mail_enabled(),
                           **forms), 422 if has_errors else 200


@bp.get("/")
def profile():
    return _profile_page()


def _no_password_checked():
    """The profile's save checks no password (none typed, or the confirmed
    address stays): it does not count towards ``RATELIMIT_PASSWORD_CHECK``
    (a saved language is no guess at the password)."""
    typed = (request.form.get("profile-email") or "").strip() or None
    return not current_user.is_authenticated or not request.form.get("profile-current_password") \
        or not auth_services.needs_password(current_user, typed)


def _profile_again(_message):
    """The profile page with what was typed (not the password), at the limit."""
    return _profile_page(profile_form=ProfileForm(current_user, prefix="profile"))[0]


@bp.post("/")
@ratelimits.for_account("RATELIMIT_PASSWORD_CHECK", exempt_when=_no_password_checked,
                        on_breach=ratelimits.keeping_form(_profile_again,
                                                          ratelimits.attempts_message))
def update_profile():
    form = ProfileForm(current_user, prefix="profile")
    if form.validate():
        new_address = form.email.data and not auth_services.same_address(
            form.email.data, current_user.email)
        link_sent = services.update_profile(
            current_user, form.display_name.data, form.locale.data, form.email.data
        )
        remember_language(form.locale.data)
        with force_locale(form.locale.data):  # the next page is in the language chosen
            flash(_("Your profile is saved."), "success")
            if link_sent:
                flash(_("We sent a link to %(address)s: open it to confirm the address.",
                        address=current_user.email), "info")
            elif new_address and mail_enabled():
                flash(str(auth_services.NO_LINK_NOW), "error")
        return redirect(url_for(".profile"))
    return _profile_page(profile_form=form)


@bp.post("/email/confirm")
def resend_verification():
    """The link to confirm the address, once more (a lost or late mail)."""
    user = current_user._get_current_object()
    if user.email and user.email_verified_at is None and mail_enabled():
        if services.send_verification(user):
            flash(_("We sent a link to %(address)s: open it to confirm the address.",
                    address=user.email), "info")
        else:
            flash(str(auth_services.NO_LINK_NOW), "error")
    return redirect(url_for(".profile", _anchor="email"))


@bp.post("/demographics")
def demographics():
    form = DemographicsForm(prefix="demo")
    if form.validate():
        services.give_demographics(
            current_user, **{field: form[field].data for field in current_user.DEMOGRAPHIC_FIELDS}
        )
        flash(_("Thank you. Your answers are saved."), "success")
        return redirect(url_for(".profile"))
    return _profile_page(demographics_form=form)


@bp.post("/demographics/withdraw")
def withdraw_demographics():
    services.withdraw_demographics(current_user)
    flash(_("Your answers are erased and your consent is withdrawn."), "success")
    return redirect(url_for(".profile"))


@bp.post("/password")
@ratelimits.for_account("RATELIMIT_PASSWORD_CHECK")
def change_password():
    form = PasswordForm(current_user, prefix="pw")
    if form.validate():
        user = current_user._get_current_object()
        services.change_password(user, form.password.data)
        # This device stays signed in under the new session token; every other
        # session and remember-me cookie stops working.
        stay_signed_in(user)
        flash(_("Your password is changed. You were logged out everywhere else."), "success")
        return redirect(url_for(".profile"))
    return _profile_page(password_form=form)


@bp.post("/sessions/end")
def end_other_sessions():
    """Log out on every other device (a lost phone, a shared computer); this
    one signs in again with the new session token."""
    user = current_user._get_current_object()
    auth_services.end_sessions(user)
    stay_signed_in(user)
    flash(_("You are logged out on all your other devices. This device stays signed in."),
          "success")
    return redirect(url_for(".profile"))


@bp.get("/export")
def export():
    data = json.dumps(services.export_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        data,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=hrdebate-my-data.json"},
    )


@bp.route("/delete", methods=["GET", "POST"])
@ratelimits.for_account("RATELIMIT_PASSWORD_CHECK", methods=["POST"])
def delete():
    form = DeleteForm(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        logout_user()
        services.delete_account(user)
        flash(_("Your account has been deleted."), "success")
        return redirect(url_for("main.index"))
    return render_form("account/delete.html", form,
                       successions=services.clubs_after_deletion(current_user))
