"""How long a login lasts, and what its cookies hold (DESIGN §8).

- A login's id is ``<user id>:<session token>:<login time>``. Rotating the
  person's session token (logout, "log out on every other device", a new
  password) ends every session and remember-me cookie issued before, on the
  server: a copied cookie stops working too.
- A login lasts at most ``REMEMBER_COOKIE_DURATION`` (30 days), checked on the
  server from the login time, not only by the browser's cookie expiry.
- A session without "remember me" ends after ``SESSION_IDLE_MINUTES`` without
  a request. The last request's time is kept in the signed session cookie,
  rewritten at most every ``TOUCH_EVERY`` so that most answers set no cookie.
  "Remember me" is the person's choice to keep this device signed in: its
  cookie is not refreshed, so the device asks for the password again 30 days
  after it was given, whatever happened in between.
- The session cookie holds nothing derived from the address or the browser:
  Flask-Login's session protection (a SHA-512 of both) is off, and the hash
  ``login_user`` stores anyway is dropped.
"""

from datetime import timedelta

from flask import current_app, flash, request, session
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import (
    current_user,
    decode_cookie,
    login_user,
    logout_user,
    user_logged_in,
    user_logged_out,
)

from ..dbtypes import utcnow
from ..models import User

# Session keys: the last request's time (Unix seconds), and the one Flask-Login
# fills with a hash of the address and the browser.
SEEN = "seen"
IP_HASH = "_id"
TOUCH_EVERY = timedelta(minutes=5)
# Requests a page makes by itself (the live tally, polled every 15 seconds
# while a vote is open) are no sign of a person: a phone left open on a
# debate page still times out.
UNATTENDED_ENDPOINTS = frozenset({"events.tally"})


def _now() -> int:
    return int(utcnow().timestamp())


def load_user(login_id: str) -> User | None:
    """Flask-Login's user loader, for the session and the remember-me cookie."""
    identity, _sep, logged_in_at = login_id.rpartition(":")
    if not (logged_in_at.isascii() and logged_in_at.isdigit()):
        return None
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    # From the environment (HRDEBATE_REMEMBER_COOKIE_DURATION) it is seconds, as for Flask-Login.
    max_age = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    if _now() - int(logged_in_at) > max_age:
        return None
    return User.from_login_id(identity)


def _remembered() -> bool:
    """This device holds a genuine remember-me cookie of this session's login
    (a made-up cookie or one of another login does not count)."""
    cookie = request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"])
    return cookie is not None and decode_cookie(cookie) == session.get("_user_id")


def stay_signed_in(user: User) -> None:
    """Sign this device in again after ``user``'s sessions were ended: the
    new cookies carry the new session token; "remember me" stays as it was."""
    login_user(user, remember=_remembered())


def _on_login(_app, user, **_extra):
    session["_user_id"] = f"{user.get_id()}:{_now()}"
    session[SEEN] = _now()
    session.pop(IP_HASH, None)


def _on_logout(_app, **_extra):
    session.pop(SEEN, None)


def _expire_idle_session():
    """An idle session is signed out, and the person told so."""
    if request.endpoint in ("static", "images.file") or "_user_id" not in session:
        return
    if _remembered():
        return  # a remembered device: the login's 30 days apply instead
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    seen = session.get(SEEN)
    now = _now()
    if not isinstance(seen, int) or now - seen > idle.total_seconds():
        signed_in = current_user.is_authenticated
        logout_user()
        if signed_in:
            flash(_("For your safety you were logged out: this session was inactive for "
                    "%(duration)s.", duration=_exact_duration(idle)), "info")
    elif now - seen >= min(TOUCH_EVERY, idle / 2).total_seconds() \
            and request.endpoint not in UNATTENDED_ENDPOINTS:
        session[SEEN] = now


def _exact_duration(idle: timedelta) -> str:
    """"3 hours", "90 minutes": whole hours in hours, anything else in
    minutes (Babel's own choice would round 90 minutes to "2 hours")."""
    minutes = int(idle.total_seconds() // 60)
    # Babel takes the largest unit that counts at least ``threshold``.
    threshold = minutes // 60 if minutes % 60 == 0 else minutes
    return format_timedelta(idle, threshold=max(threshold, 1))


def init_app(app):
    user_logged_in.connect(_on_login, app)
    user_logged_out.connect(_on_logout, app)
    app.before_request(_expire_idle_session)
