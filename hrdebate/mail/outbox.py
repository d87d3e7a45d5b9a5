"""The outbox: mail written with what caused it, delivered by the worker.

The delivery guarantee is **at least once, with one copy in the usual
case**. A worker claims a batch of due rows (it moves their next attempt
``MAIL_CLAIM_SECONDS`` ahead and commits), sends them one after another
over one SMTP connection, and commits each row as sent right after the
server accepted it. A worker killed between the server's acceptance and
that commit leaves its row claimed; once the claim runs out, another run
sends it again: at most one extra copy per crash, of the one message in
flight, as an SMTP server's own retry after a lost acknowledgement would
give. Each mail keeps its ``Message-ID`` across attempts, so mail
programs show such a copy once. Rows claimed by two runs at once cannot
happen: the claim is one UPDATE (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the database's write lock on SQLite).

A mail that cannot be delivered is retried with exponential backoff
(``MAIL_RETRY_SECONDS``, doubling, at most ``MAIL_RETRY_MAX_SECONDS``)
and marked ``failed`` when the server refuses it for good (5xx) or
``MAIL_GIVE_UP_HOURS`` after it was written; admins see failures at
``/admin/mail``."""

from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, exists, insert, literal, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import MailKind, MailOptOut, Notification, OutboxMail, OutboxStatus, User, utcnow
from . import transport


def mail_enabled() -> bool:
    """Mail goes out over SMTP (MAIL_SERVER) or to the console (MAIL_CONSOLE);
    with neither, nothing is written to the outbox."""
    config = current_app.config
    return bool(config.get("MAIL_SERVER") or config.get("MAIL_CONSOLE"))


# -- writing: in the transaction of what causes the mail -------------------------

def wanted(kind):
    """The one rule for who gets mail of ``kind`` (a value or a column): a
    person with a confirmed address who has not refused that kind. A
    condition on ``User``."""
    return and_(
        User.email.is_not(None),
        User.email_verified_at.is_not(None),
        ~exists().where(MailOptOut.user_id == User.id, MailOptOut.kind == kind),
    )


def enqueue(user_id: int, kind: MailKind, *, event_id: int | None = None,
            to_address: str | None = None) -> bool:
    """Write one mail to the outbox; the caller commits. Whether the person
    wants it is the caller's to ask (``wanted``): resets and confirmations
    are not refused."""
    if not mail_enabled():
        return False
    db.session.add(OutboxMail(user_id=user_id, kind=kind.value, event_id=event_id,
                              to_address=to_address))
    _nudge_after_commit()
    return True


def enqueue_notifications(notification_ids) -> int:
    """Mail these notifications to whoever of their readers wants them, in
    one statement; a notification already waiting in the outbox (a change
    notice updated in place) is not queued twice. The caller commits."""
    if not notification_ids or not mail_enabled():
        return 0
    now = utcnow()
    already = exists().where(OutboxMail.notification_id == Notification.id,
                             OutboxMail.status == OutboxStatus.PENDING)
    rows = (
        select(Notification.user_id, literal(MailKind.NOTIFICATION.value), Notification.id,
               literal(now, OutboxMail.created_at.type), literal(now, OutboxMail.created_at.type))
        .join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(list(notification_ids)), wanted(Notification.kind), ~already)
    )
    result = db.session.execute(insert(OutboxMail).from_select(
        ["user_id", "kind", "notification_id", "created_at", "next_attempt_at"], rows))
    if result.rowcount:
        _nudge_after_commit()
    return result.rowcount


def _nudge_after_commit() -> None:
    db.session.info["mail_nudge"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("mail_nudge", False):
        from ..jobs import nudge

        nudge()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("mail_nudge", None)


# -- delivering: the worker ---------------------------------------------------------

def deliver_due(now: datetime | None = None) -> Counter:
    """Send every mail due at ``now``, batch after batch, until none is
    left or the server is unreachable. Returns how many were sent,
    retried, failed and dropped."""
    from .compose import compose

    config = current_app.config
    report: Counter = Counter()
    if not mail_enabled():
        return report
    while ids := _claim(now or utcnow(), int(config["MAIL_BATCH"])):
        with transport.Connection() as connection:
            for position, mail_id in enumerate(ids):
                outcome = _deliver_one(mail_id, connection, compose)
                report[outcome] += 1
                if outcome == "unreachable":
                    # The server is away: the rest of the batch waits too.
                    report["unreachable"] += _retry(ids[position + 1:], "SMTP server unreachable")
                    return report
    return report


def _claim(now: datetime, size: int) -> list[int]:
    """Take up to ``size`` due mails for this run, in one committed UPDATE."""
    due = (
        select(OutboxMail.id)
        .where(OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    lease = timedelta(seconds=int(current_app.config["MAIL_CLAIM_SECONDS"]))
    ids = db.session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=OutboxMail.attempts + 1)
        .returning(OutboxMail.id)
    ).all()
    db.session.commit()
    return sorted(ids)


def _deliver_one(mail_id: int, connection, compose) -> str:
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None or mail.status != OutboxStatus.PENDING:
        return "gone"
    message = compose(mail)
    if message is None:
        mail.status = OutboxStatus.DROPPED
        db.session.commit()
        return "dropped"
    try:
        connection.send(message)
    except transport.CONNECTION_ERRORS as error:
        connection.close()
        _retry([mail_id], _describe(error))
        return "unreachable"
    except smtplib.SMTPException as error:
        if transport.is_permanent(error):
            _fail(mail, _describe(error))
            return "failed"
        _retry([mail_id], _describe(error))
        return "retried"
    mail.status = OutboxStatus.SENT
    mail.sent_at = utcnow()
    mail.last_error = None
    db.session.commit()
    return "sent"


def _retry(ids: list[int], error: str) -> int:
    """Put mails back for a later attempt, or give them up when they are too old."""
    config = current_app.config
    now = utcnow()
    give_up_before = now - timedelta(hours=float(config["MAIL_GIVE_UP_HOURS"]))
    for mail in db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids))):
        if mail.created_at <= give_up_before:
            mail.status = OutboxStatus.FAILED
        else:
            delay = int(config["MAIL_RETRY_SECONDS"]) * 2 ** max(mail.attempts - 1, 0)
            mail.next_attempt_at = now + timedelta(
                seconds=min(delay, int(config["MAIL_RETRY_MAX_SECONDS"])))
        mail.last_error = error
    db.session.commit()
    return len(ids)


def _fail(mail: OutboxMail, error: str) -> None:
    mail.status = OutboxStatus.FAILED
    mail.last_error = error
    db.session.commit()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]
