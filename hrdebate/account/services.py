"""Profile, privacy and account rules. No Flask request objects here; nothing
here commits (the request does, once). The data export is declared in
``export.py``."""

from sqlalchemy import update

from ..extensions import db
from ..models import Comment, Flag, User
from .export import export_data  # noqa: F401


def update_profile(user: User, display_name: str, locale: str, email: str | None) -> None:
    user.display_name = display_name
    user.locale = locale
    user.email = email


def give_demographics(user: User, **answers) -> None:
    user.give_demographics(**answers)


def withdraw_demographics(user: User) -> None:
    user.withdraw_demographics()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session issued so far."""
    user.set_password(password)
    user.end_other_sessions()


def delete_account(user: User) -> None:
    """Erase the account at once (DESIGN §8). What the person wrote is erased
    (comments keep their place in threads as "deleted", flag notes go); rows
    that only count people (turnout, votes) lose their link to the user
    through ON DELETE SET NULL; rows that belong to the person cascade."""
    db.session.execute(
        update(Comment).where(Comment.author_id == user.id)
        .values(status="deleted", body="", body_html="", appeal_message=None)
    )
    db.session.execute(update(Flag).where(Flag.reporter_id == user.id).values(note=None))
    db.session.delete(user)
