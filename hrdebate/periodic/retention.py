"""Retention (daily, 3 o'clock Bishkek time): erases what /privacy says is
kept only for a while. Each step is one statement, safe to run again
(what it erased is not found again).

- ``RETENTION_ATTENDANCE_DAYS`` after an event ended: the check-in details
  of its registrations (who checked the person in; the time of check-in
  becomes the event's start, so the person still counts as having come) and
  the names of its walk-ins whose certificate nobody claimed, with their
  claim codes (a nameless certificate is no certificate). Who came, their
  consented demographics and record keys stay: every turnout figure is the
  same before and after. The log of attendance changes made after an event
  (``AttendanceChange``: which organiser or admin changed what, when, why)
  stays with the event: it is what makes final attendance accountable.
  A walk-in certificate claimed by an account keeps its name while that
  account exists.
- Read notifications ``RETENTION_READ_NOTIFICATION_DAYS`` after they were
  written (unread ones stay until read).
- Club invitations not answered within ``INVITATION_DAYS``: marked expired
  (the invitee's notification keeps showing what became of it).
- Outbox rows ``RETENTION_SENT_MAIL_DAYS`` after they were written when sent
  or dropped, ``RETENTION_FAILED_MAIL_DAYS`` when failed (admins see failures
  at /admin/mail until then). A row holds no text and no link.

Password-reset links are not stored: they are signed and expire after an
hour (``mail.tokens``), so there is nothing to erase."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..clubs.services import close_expired_invitations
from ..extensions import db
from ..jobs import periodic
from ..models import Event, Notification, OutboxMail, Registration
from ..models.mail import OutboxStatus
from ..models.registration import Source


def _days(name: str) -> timedelta:
    return timedelta(days=float(current_app.config[name]))


@periodic("retention", daily_at=3)
def apply_retention(now: datetime) -> dict[str, int]:
    """Erase what is due at ``now``; returns how many rows each step changed."""
    done = {
        "check_ins": erase_check_in_details(now),
        "walk_in_names": erase_walk_in_names(now),
        "notifications": delete_read_notifications(now),
        "invitations": close_expired_invitations(now),
        "mail": delete_old_mail(now),
    }
    db.session.commit()
    return done


def _ended_long_ago(now: datetime):
    return select(Event.id).where(Event.ends_at <= now - _days("RETENTION_ATTENDANCE_DAYS"))


def erase_check_in_details(now: datetime) -> int:
    starts_at = select(Event.starts_at).where(Event.id == Registration.event_id).scalar_subquery()
    return db.session.execute(
        update(Registration)
        .where(Registration.event_id.in_(_ended_long_ago(now)),
               Registration.checked_in_at.is_not(None),
               or_(Registration.checked_in_by_id.is_not(None),
                   Registration.checked_in_at != starts_at))
        .values(checked_in_at=starts_at, checked_in_by_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def erase_walk_in_names(now: datetime) -> int:
    # The name becomes empty, not NULL: a walk-in row keeps a name column
    # (the ``walk_in_named`` constraint); it only counts, now.
    return db.session.execute(
        update(Registration)
        .where(Registration.event_id.in_(_ended_long_ago(now)),
               Registration.source == Source.WALK_IN, Registration.user_id.is_(None),
               Registration.claimed_by_id.is_(None),
               or_(Registration.walk_in_name != "", Registration.claim_code.is_not(None)))
        .values(walk_in_name="", claim_code=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def delete_read_notifications(now: datetime) -> int:
    return db.session.execute(
        delete(Notification)
        .where(Notification.read_at.is_not(None),
               Notification.created_at < now - _days("RETENTION_READ_NOTIFICATION_DAYS"))
        .execution_options(synchronize_session=False)
    ).rowcount


def delete_old_mail(now: datetime) -> int:
    done = (OutboxStatus.SENT, OutboxStatus.DROPPED)
    return db.session.execute(
        delete(OutboxMail)
        .where(or_(
            OutboxMail.status.in_(done)
            & (OutboxMail.created_at < now - _days("RETENTION_SENT_MAIL_DAYS")),
            (OutboxMail.status == OutboxStatus.FAILED)
            & (OutboxMail.created_at < now - _days("RETENTION_FAILED_MAIL_DAYS")),
        ))
        .execution_options(synchronize_session=False)
    ).rowcount
