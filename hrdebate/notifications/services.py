"""The one notification mechanism: every kind of news to a user goes here."""

from collections.abc import Iterable

from sqlalchemy import func, select, update

from ..extensions import db
from ..mail import queue_notification_mail
from ..models import Notification, utcnow


def notify(user_ids: Iterable[int], kind: str, event_id: int | None = None,
           detail: str | None = None, comment_id: int | None = None) -> int:
    """Queue one notification per user (duplicates removed). The caller commits."""
    rows = [
        {"user_id": uid, "kind": kind, "event_id": event_id, "comment_id": comment_id,
         "detail": detail, "created_at": utcnow()}
        for uid in sorted(set(user_ids))
    ]
    if rows:
        ids = db.session.scalars(
            Notification.__table__.insert().returning(Notification.__table__.c.id), rows
        ).all()
        queue_notification_mail(ids)
    return len(rows)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
