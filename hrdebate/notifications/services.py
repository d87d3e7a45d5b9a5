"""The one notification mechanism: every kind of news to a user goes here.
Nothing here commits: the request (or the job that calls it) does."""

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..mail import queue_notification_mail
from ..models import ClubInvitation, Event, Notification, utcnow

PER_PAGE = 30


def notify(user_ids: Iterable[int], kind: str, event_id: int | None = None,
           detail: str | None = None, comment_id: int | None = None,
           invitation_id: int | None = None, club_id: int | None = None,
           subject: str | None = None) -> int:
    """Queue one notification per user (duplicates removed). The caller commits."""
    rows = [
        {"user_id": uid, "kind": kind, "event_id": event_id, "comment_id": comment_id,
         "invitation_id": invitation_id, "club_id": club_id, "detail": detail,
         "subject": subject,
         "created_at": utcnow()}
        for uid in sorted(set(user_ids))
    ]
    if rows:
        ids = db.session.scalars(
            Notification.__table__.insert().returning(Notification.__table__.c.id), rows
        ).all()
        queue_notification_mail(ids)
    return len(rows)


def latest(user_id: int, limit: int = PER_PAGE) -> list[Notification]:
    """The user's newest notifications, with their events and clubs."""
    return list(db.session.scalars(
        select(Notification)
        .options(joinedload(Notification.event).joinedload(Event.club),
                 joinedload(Notification.invitation).joinedload(ClubInvitation.club),
                 joinedload(Notification.club))
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ))


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(unread_count_subquery(user_id)))


def unread_count_subquery(user_id: int):
    """The number of the user's unread notifications, as a column (the menu
    reads it with its other facts in one statement: ``access.menu_facts``)."""
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    ).scalar_subquery()


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
