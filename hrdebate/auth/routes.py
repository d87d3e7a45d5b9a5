from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import ratelimits
from ..forms import render_form
from ..security import safe_next
from . import bp, services
from .forms import USERNAME_TAKEN, LoginForm, RegisterForm


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
