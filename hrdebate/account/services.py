"""Profile, privacy and account rules. No Flask request objects here; nothing
here commits (the request does, once). The data export is declared in
``export.py``, the account's deletion in ``erasure.py``."""

from ..auth import services as auth_services
from ..models import User
from .erasure import clubs_after_deletion, delete_account  # noqa: F401
from .export import export_data  # noqa: F401


def update_profile(user: User, display_name: str, locale: str, email: str | None) -> bool:
    """Save the profile. A new address is unconfirmed, and gets a link to
    confirm it (``auth.services.set_email``): True when one was queued."""
    user.display_name = display_name
    user.locale = locale  # first: the link to confirm is written in this language
    return auth_services.set_email(user, email)


def send_verification(user: User) -> bool:
    """The link to confirm the account's address, again (rate-limited)."""
    return auth_services.send_verification(user)


def choose_language(user: User, locale: str) -> None:
    """The language chosen with the switcher: the account's from now on
    (its mail, and a device without a choice of its own)."""
    user.locale = locale


def give_demographics(user: User, **answers) -> None:
    user.give_demographics(**answers)


def withdraw_demographics(user: User) -> None:
    user.withdraw_demographics()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session issued so far."""
    user.set_password(password)
    user.end_other_sessions()
