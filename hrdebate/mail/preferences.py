"""Which kinds of mail a person refuses (``MailOptOut``). Nothing here commits."""

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import MailOptOut, NotificationKind

# What a person may refuse: every notification's kind, the reminders, the digest.
REFUSABLE = (*NotificationKind.values(), "reminder", "digest")


def refused(user_id: int) -> set[str]:
    return set(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user_id)))


def refuse(user_id: int, kind: str) -> None:
    """Idempotent: refusing twice (a double click, a mail program's one-click
    request and the person's own) leaves one row."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(MailOptOut).values(user_id=user_id, kind=kind)
                       .on_conflict_do_nothing())


def allow(user_id: int, kind: str) -> None:
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user_id,
                                                MailOptOut.kind == kind))
