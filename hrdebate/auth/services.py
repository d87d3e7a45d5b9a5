"""Sign-up and sign-in rules. No Flask request objects here; nothing here
commits (the request does, once)."""

from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from ..extensions import db
from ..models import User

# Checked when the username is unknown, so a wrong username costs as much
# time as a wrong password and does not reveal who has an account.
_DUMMY_HASH = "scrypt:32768:8:1$wH0Z3bM3a0y6Qm6V$" + "0" * 128


def register_user(username: str, display_name: str, password: str, email: str | None,
                  locale: str | None = None) -> User | None:
    """A new account; ``locale`` is the language the person signed up in
    (mail and a new device use it until the profile changes it). None when
    the username was taken at the same instant by someone else (a double
    click, or two people): the database's unique constraint decides."""
    user = User(username=username.strip().lower(), display_name=display_name.strip(), email=email,
                locale=locale)
    user.set_password(password)
    try:
        with db.session.begin_nested():
            db.session.add(user)  # flushed: its id and session token, to log in
    except IntegrityError:
        return None
    return user


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
