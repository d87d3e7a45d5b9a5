"""Sign-up and sign-in rules. No Flask request objects here; nothing here
commits (the request does, once)."""

from werkzeug.security import check_password_hash

from ..idempotent import RESENT_WITHIN, add_once
from ..models import User, utcnow


# Checked when the username is unknown, so a wrong username costs as much
# time as a wrong password and does not reveal who has an account.
_DUMMY_HASH = "scrypt:32768:8:1$wH0Z3bM3a0y6Qm6V$" + "0" * 128


def register_user(username: str, display_name: str, password: str, email: str | None,
                  locale: str | None = None) -> User | None:
    """A new account; ``locale`` is the language the person signed up in
    (mail and a new device use it until the profile changes it). None when
    the username was taken by someone else, a moment or long ago: the
    database's unique constraint decides.

    The same sign-up sent twice (a double click, a phone that retries)
    answers the second time with the account the first created, so both
    requests sign the person in: only when that account is younger than
    ``RESENT_WITHIN`` and has the same name, e-mail address and password.
    Anyone else gets the "taken" answer; and a clash is no way to try
    passwords on established accounts (logging in counts those tries)."""
    username = username.strip().lower()
    display_name = display_name.strip()
    user = User(username=username, display_name=display_name, email=email, locale=locale)
    user.set_password(password)
    user, new = add_once(user, lambda: User.by_username(username))
    if new:
        return user  # flushed: its id and session token, to log in
    if user is not None and user.created_at > utcnow() - RESENT_WITHIN \
            and user.display_name == display_name and user.email == email \
            and user.check_password(password):
        return user
    return None


def authenticate(username: str, password: str) -> User | None:
    user = User.by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of ``user``, on every device
    (logout, "log out on every other device"). The device that asked signs
    in again afterwards if it should stay signed in."""
    user.end_other_sessions()
