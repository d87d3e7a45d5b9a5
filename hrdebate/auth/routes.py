from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import ratelimits
from ..forms import render_form
from ..i18n import read_in, remember_language
from ..mail import mail_enabled
from ..security import safe_next
from . import bp, services
from .forms import (
    USERNAME_TAKEN,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)


def _next_url():
    return safe_next(request.args.get("next"), url_for("main.index"))


def _register_page(_message):
    """The sign-up form again, with what was typed (not the passwords)."""
    return render_template("auth/register.html", form=RegisterForm())


def _login_page(_message):
    """The login form again, with the username typed (not the password)."""
    return render_template("auth/login.html", form=LoginForm())


@bp.route("/register", methods=["GET", "POST"])
@ratelimits.for_address("RATELIMIT_SIGNUP", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_register_page))
# A sign-up sent twice signs in to the account it just made when the
# password matches (auth.services.register_user): a failed match counts
# like a failed login, so it is no way around the per-username limit.
@ratelimits.for_login_target(
    on_breach=ratelimits.keeping_form(_register_page, ratelimits.login_target_message))
def register():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = RegisterForm()
    if form.validate_on_submit():
        user = services.register_user(
            form.username.data, form.display_name.data, form.password.data, form.email.data,
            locale=str(get_locale()),
        )
        if user is None:  # taken, by someone else or with another password
            ratelimits.login_failed()
            form.username.errors.append(USERNAME_TAKEN)
            return render_form("auth/register.html", form)
        login_user(user)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.display_name), "success")
        if user.email and mail_enabled():
            if services.link_queued(user):
                flash(_("We sent a link to %(address)s: open it to confirm the address.",
                        address=user.email), "info")
            else:
                flash(str(services.NO_LINK_NOW), "error")
        return ratelimits.remember_device(redirect(_next_url()), user.username)
    return render_form("auth/register.html", form)


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.for_address("RATELIMIT_LOGIN", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_login_page,
                                                          ratelimits.attempts_message))
@ratelimits.for_login_target(
    on_breach=ratelimits.keeping_form(_login_page, ratelimits.login_target_message))
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            ratelimits.login_failed()
            form.password.errors.append(_("The username or password is wrong."))
        elif not user.is_active:
            form.username.errors.append(_("This account has been suspended."))
        else:
            login_user(user, remember=form.remember.data)
            if user.locale and not request.cookies.get(current_app.config["LANGUAGE_COOKIE"]):
                # A device that chose no language keeps the account's, also
                # once signed out (a session ended from another device).
                remember_language(user.locale)
                refresh()
            flash(_("You are logged in."), "success")
            # This browser is now a known device of the account: its failed
            # attempts count apart from everyone else's (ratelimits.py).
            return ratelimits.remember_device(redirect(_next_url()), form.username.data)
    return render_form("auth/login.html", form)


@bp.post("/logout")
@login_required
def logout():
    # Ended on the server: a copy of this device's cookies stops working, and
    # so does every other device's (one session token per person).
    services.end_sessions(current_user)
    logout_user()
    flash(_("You are logged out on all your devices."), "success")
    return redirect(url_for("main.index"))


# -- password reset ------------------------------------------------------------------

def _reset_page(_message):
    return render_template("auth/reset_request.html", form=ResetRequestForm())


@bp.route("/reset", methods=["GET", "POST"])
@ratelimits.for_address("RATELIMIT_RESET", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_reset_page))
@ratelimits.for_reset_target(on_breach=ratelimits.keeping_form(_reset_page))
def reset_request():
    """Ask for a reset link. The answer is the same whether or not an
    account has the address, and whether or not a mail was queued."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data)
        return redirect(url_for(".reset_sent"))
    return render_form("auth/reset_request.html", form)


@bp.get("/reset/sent")
def reset_sent():
    return render_template("auth/reset_sent.html")


def _no_store(response):
    """A page opened from a mailed link (it names the account, and the
    link's secret is in its address) stays in no cache."""
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user, works = services.user_for_reset(token)
    if user is not None:
        read_in(user.locale)  # the mail's language, on a device that chose none
    if not works:
        if user is not None and current_user.is_authenticated and current_user.id == user.id:
            # Used a moment ago in this browser (a double click on "Save"):
            # the first request did it.
            return redirect(url_for("main.index"))
        # Forged, too old or used: 410, and a way to ask again. A used one
        # says so, for whoever chose a password with it and lost the page.
        return _no_store((render_template("auth/link_dead.html", reset=True,
                                          used=user is not None), 410))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        if not user.is_active:
            # Reset works for a suspended account; logging in stays refused.
            flash(_("Your password is changed."), "success")
            return redirect(url_for(".login"))
        # Whoever holds the link has the mailbox: this browser signs in
        # (under the new session token); every other session has ended.
        login_user(user)
        flash(_("Your password is changed and you are logged in. "
                "You were logged out everywhere else."), "success")
        return ratelimits.remember_device(redirect(url_for("main.index")), user.username)
    return _no_store(render_form("auth/reset_password.html", form, user=user))


# -- confirming an address -----------------------------------------------------------

# Opening the link only shows a button: mail scanners fetch links, and a
# GET must not confirm. The POST does (its CSRF token checked by CSRFProtect,
# as every POST's), signed in or not: mail is often read on another device.
@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token):
    user, current = services.read_verification(token)
    if user is not None:
        read_in(user.locale)
    if not current:
        return _no_store((render_template("auth/link_dead.html", reset=False), 410))
    if request.method == "POST":
        services.confirm_email(user)
        flash(_("Your email address is confirmed."), "success")
        return redirect(url_for(".verify_email", token=token))
    return _no_store(render_template("auth/verify.html", user=user))
