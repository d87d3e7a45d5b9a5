"""The one notification mechanism: every kind of news to a user goes here.
Nothing here commits: the request (or the job that calls it) does."""

import json
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..mail import enqueue_notifications
from ..models import ClubInvitation, Event, Notification, utcnow
from ..models.notification import NotificationKind, merge_changes

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
        enqueue_notifications(ids)
    return len(rows)


def notify_event_changed(user_ids: Iterable[int], event_id: int, changes: dict) -> int:
    """Tell people an event moved (``changes`` as ``Notification.changes``
    stores them), coalesced: a person has at most ONE unread EVENT_CHANGED
    notice per event. A person who has one gets it updated in place
    (``merge_changes``: the original old value, the latest new one, an
    undone change told as such; moved to the top of their list) and mailed
    again, since a mail already sent may now be wrong; everyone else gets a
    new notice, and mail, through ``notify``. How often an organiser may
    edit a published event is limited (``RATELIMIT_EVENT_EDIT``). Returns
    the number of people told. The caller holds the event's lock
    (``update_event``); the unread notices are locked too, so marking them
    read meanwhile waits."""
    user_ids = set(user_ids)
    if not user_ids:
        return 0
    table = Notification.__table__
    unread = db.session.execute(
        select(table.c.id, table.c.user_id, table.c.detail)
        .where(table.c.event_id == event_id, table.c.kind == NotificationKind.EVENT_CHANGED,
               table.c.read_at.is_(None), table.c.user_id.in_(user_ids))
        .order_by(table.c.id)
        .with_for_update()
    ).all()
    updated, removed, seen = [], [], set()
    for row in unread:
        if row.user_id in seen:  # from before notices were coalesced: keep the first only
            removed.append(row.id)
            continue
        seen.add(row.user_id)
        try:
            earlier = json.loads(row.detail or "{}")
        except ValueError:
            earlier = {}
        merged = merge_changes(earlier if isinstance(earlier, dict) else {}, changes)
        if merged:
            updated.append({"nid": row.id,
                            "new_detail": json.dumps(merged, ensure_ascii=False),
                            "new_created_at": utcnow()})
        else:
            removed.append(row.id)
    if updated:
        db.session.execute(
            table.update().where(table.c.id == bindparam("nid"))
            .values(detail=bindparam("new_detail"), created_at=bindparam("new_created_at")),
            updated)
        enqueue_notifications([row["nid"] for row in updated])
    if removed:
        db.session.execute(delete(table).where(table.c.id.in_(removed)))
    if not changes:
        return len(updated)
    return len(updated) + notify(user_ids - seen, NotificationKind.EVENT_CHANGED,
                                 event_id=event_id,
                                 detail=json.dumps(changes, ensure_ascii=False))


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
