"""The outbox: mail written with what caused it, delivered by the worker.

The delivery guarantee is **at least once, with one copy in the usual
case**. A worker claims a batch of due rows (it moves their next attempt
``MAIL_CLAIM_SECONDS`` ahead and commits), composes them, sends them one
after another over one SMTP session, and commits each row as sent right
after the server accepted it. A worker killed between the server's acceptance and
that commit leaves its row claimed; once the claim runs out, another run
sends it again: at most one extra copy per crash, of the one message in
flight, as an SMTP server's own retry after a lost acknowledgement would
give. The same holds for a session that breaks while the server answers
(it is opened again once, and the message sent again). Each mail keeps
its ``Message-ID`` across attempts, so mail programs show such a copy
once. Rows claimed by two runs at once cannot happen: the claim is one
UPDATE (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the database's write
lock on SQLite), and a run sends a row only under its own claim: it starts
a send only in the first half of the claim and gives back what is left
(a server so slow that a batch outlasts that).

A mail that cannot be delivered is retried with exponential backoff
(``MAIL_RETRY_SECONDS``, doubling, at most ``MAIL_RETRY_MAX_SECONDS``)
and marked ``failed`` when the server refuses it for good (5xx), when it
cannot be composed (the error is kept: it would fail the same way at
every attempt), or ``MAIL_GIVE_UP_HOURS`` after it was written; admins
see failures at ``/admin/mail``. Nothing of this blocks the queue: a
failing mail waits or fails alone, and the others go on."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, exists, insert, literal, select, update
from sqlalchemy.orm import Session, joinedload

from ..extensions import db
from ..models import MailKind, MailOptOut, Notification, OutboxMail, OutboxStatus, User, utcnow
from . import transport

log = logging.getLogger(__name__)


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
    """Send every mail due at ``now`` (the present when None), batch after
    batch over one SMTP session, until none is left or the server is
    unreachable. Returns how many were sent, retried, failed, dropped,
    left for later because the server was unreachable, and released (given
    back because the server was too slow for the claim)."""
    from .compose import compose, still_wanted

    report: Counter = Counter()
    if not mail_enabled():
        return report
    size = max(1, int(current_app.config["MAIL_BATCH"]))
    with transport.Connection() as connection:
        while claimed := _claim(now or utcnow(), size):
            # A send starts only in the first half of the claim, so that it
            # ends before the claim does (a server slow to answer: each SMTP
            # command may take MAIL_TIMEOUT): no other run can have taken
            # the row meanwhile. What is left is given back, due at once.
            send_until = time.monotonic() + _lease().total_seconds() / 2
            ready = _compose_batch(claimed, compose, report)
            for position, (mail_id, message) in enumerate(ready):
                if position and time.monotonic() > send_until:
                    report["released"] += _give_back([i for i, _ in ready[position:]], now)
                    break
                if message.refusable and not still_wanted(*message.refusable):
                    _mark(mail_id, OutboxStatus.DROPPED, None)  # refused meanwhile
                    db.session.commit()
                    report["dropped"] += 1
                    continue
                outcome = _send_one(mail_id, message, connection, now)
                report[outcome] += 1
                if outcome == "unreachable":
                    # The server is away: the rest of the batch waits too.
                    rest = [waiting for waiting, _ in ready[position + 1:]]
                    report["unreachable"] += _retry(rest, connection.failure, now)
                    return +report
    return +report  # the outcomes that happened, no zeros


def _claim(now: datetime, size: int) -> dict[int, int]:
    """Take up to ``size`` due mails for this run, in one committed UPDATE:
    none of them is due again before the claim runs out (at least a second
    after ``now``, so one run never takes a row twice). Returns each one's
    attempt number: the claim it is sent under."""
    is_due = (OutboxMail.status == OutboxStatus.PENDING, OutboxMail.next_attempt_at <= now)
    due = (
        select(OutboxMail.id)
        .where(*is_due)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(size)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # A CTE, evaluated once. As a subquery of the UPDATE (``id IN (SELECT
        # ... LIMIT ... SKIP LOCKED)``) PostgreSQL ran it again while joining
        # and claimed every due row (10 of 10 for a batch of 3; see
        # test_a_claim_takes_one_batch), leaving none for the other runs. A
        # locking CTE is not folded into the query anyway; MATERIALIZED says so.
        due = due.prefix_with("MATERIALIZED")
    lease = _lease()
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(select(due.c.id)), *is_due)
        .values(next_attempt_at=now + lease, attempts=OutboxMail.attempts + 1)
        .returning(OutboxMail.id, OutboxMail.attempts)
    ).all()
    db.session.commit()
    return dict(claimed)


def _lease() -> timedelta:
    return timedelta(seconds=max(1, int(current_app.config["MAIL_CLAIM_SECONDS"])))


def _give_back(ids: list[int], now: datetime | None) -> int:
    """Rows this run claimed and will not send now: due again at once."""
    db.session.execute(update(OutboxMail)
                       .where(OutboxMail.id.in_(ids), OutboxMail.status == OutboxStatus.PENDING)
                       .values(next_attempt_at=now or utcnow()))
    db.session.commit()
    return len(ids)


def _compose_batch(claimed: dict[int, int], compose, report: Counter) -> list:
    """The batch's mails written before any is sent, with no commit in
    between: what they share (an event, its club) is read once. Mails with
    nothing to say any more are dropped; a mail that cannot be written (a
    template's fault, data it did not expect) would fail the same way at
    every attempt: it is failed now, with the error for the admins, and the
    rest goes on. Returns [(id, message)] to send."""
    rows = db.session.scalars(
        select(OutboxMail).where(OutboxMail.id.in_(list(claimed)))
        .options(joinedload(OutboxMail.user)).order_by(OutboxMail.id)).all()
    report.update(gone=len(claimed) - len(rows))  # deleted meanwhile (a notification, a person)
    ready, dropped, failed = [], [], {}
    for mail in rows:
        mail_id = mail.id
        if mail.status != OutboxStatus.PENDING or mail.attempts != claimed[mail_id]:
            report["gone"] += 1  # claimed again by another run after this claim ran out
            continue
        try:
            message = compose(mail)
        except Exception as error:
            db.session.rollback()  # whatever it read: the next mail reads afresh
            log.exception("mail %s could not be composed", mail_id)
            failed[mail_id] = "compose: " + transport.describe(error)
            continue
        if message is None:
            dropped.append(mail_id)
        else:
            ready.append((mail_id, message))
    if dropped:
        db.session.execute(update(OutboxMail).where(OutboxMail.id.in_(dropped))
                           .values(status=OutboxStatus.DROPPED))
    for mail_id, error in failed.items():
        _mark(mail_id, OutboxStatus.FAILED, error[:300])
    db.session.commit()
    report.update(dropped=len(dropped), failed=len(failed))
    return ready


def _send_one(mail_id: int, message, connection, now: datetime | None) -> str:
    try:
        connection.send(message)
    except transport.Unreachable as error:
        _retry([mail_id], str(error), now)
        return "unreachable"
    except transport.MESSAGE_ERRORS as error:
        if transport.is_permanent(error):
            _fail(mail_id, transport.describe(error))
            return "failed"
        _retry([mail_id], transport.describe(error), now)
        return "retried"
    except Exception as error:
        # Not an answer of the server (a header smtplib cannot write): this
        # message fails, the session is opened again for the next one.
        connection.close()
        log.exception("mail %s could not be sent", mail_id)
        _fail(mail_id, transport.describe(error))
        return "failed"
    _mark(mail_id, OutboxStatus.SENT, None, sent_at=utcnow())
    db.session.commit()  # right after the server's acceptance: the guarantee
    return "sent"


def retry_delay(attempts: int) -> timedelta:
    """How long a mail waits after its ``attempts``-th attempt failed:
    MAIL_RETRY_SECONDS, doubled at each attempt, at most MAIL_RETRY_MAX_SECONDS."""
    config = current_app.config
    first, most = int(config["MAIL_RETRY_SECONDS"]), int(config["MAIL_RETRY_MAX_SECONDS"])
    doublings = min(max(attempts - 1, 0), 32)  # 2**32 times any delay is past the cap
    return timedelta(seconds=max(1, min(first * 2 ** doublings, most)))


def _retry(ids: list[int], error: str, now: datetime | None = None) -> int:
    """Put mails back for a later attempt, or give them up when they were
    written more than MAIL_GIVE_UP_HOURS before ``now``."""
    now = now or utcnow()
    give_up_before = now - timedelta(hours=float(current_app.config["MAIL_GIVE_UP_HOURS"]))
    for mail in db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids))):
        if mail.status != OutboxStatus.PENDING:
            continue
        if mail.created_at <= give_up_before:
            mail.status = OutboxStatus.FAILED
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
        mail.last_error = error[:300]
    db.session.commit()
    return len(ids)


def _mark(mail_id: int, status: OutboxStatus, error: str | None, **values) -> None:
    db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id)
                       .values(status=status, last_error=error, **values))


def _fail(mail_id: int, error: str) -> None:
    _mark(mail_id, OutboxStatus.FAILED, error[:300])
    db.session.commit()
