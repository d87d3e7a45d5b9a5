"""Reminders: once per person and event, in the ``REMINDER_HOURS`` (24)
before its start, to everyone holding a seat.

Holding a seat (``HOLDS_SEAT``): registered online with an account, not
waitlisted, not cancelled; walk-ins have no account and are already in the
room. Each tick claims the seats to remind, per event starting within the
window, in one ``UPDATE registrations SET reminded_at = now ... WHERE
reminded_at IS NULL ... RETURNING``, and writes their outbox rows in the same
transaction: of two runs at once (two workers, a worker and cron) the second
UPDATE waits for the first to commit and then finds the rows claimed (a
row lock on PostgreSQL, the database's write lock on SQLite). Whoever gets a
seat later inside the window (registers late, leaves the waitlist) is claimed
at the next tick.

Only people who want reminders (``wanted("reminder")``: a confirmed address,
reminders not refused) are claimed; the others are left unmarked, so a
person who confirms an address or allows reminders again before the event
still gets theirs.

A moved event: the mail is composed when it leaves, so it always tells the
start as it is then. An event moved later by more than
``REMINDER_REARM_HOURS`` after its reminders were written reminds its people
again in the window before the new start (a reminder counts for a start
when it was written at most ``REMINDER_HOURS + REMINDER_REARM_HOURS`` before
it); one moved earlier does not (its change notice told the new time).

When the mail leaves (``_reminder``), it is dropped if the event is no
longer published (cancelled), has started, or the person no longer holds a
seat. The online link is shown only to whom ``access.can_see_online_link``
shows it on the event's page."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..access import can_see_online_link
from ..extensions import db
from ..jobs import periodic
from ..mail.compose import context_for
from ..mail.outbox import enqueue, mail_enabled, wanted
from ..models import Event, MailKind, OutboxMail, Registration, User, utcnow
from ..models.event import EventStatus
from ..models.registration import RegistrationStatus, Source
from ..urls import absolute_url_for

HOLDS_SEAT = (
    (Registration.status == RegistrationStatus.REGISTERED)
    & (Registration.source == Source.ONLINE)
    & Registration.user_id.is_not(None)
)


def _hours(name: str) -> timedelta:
    return timedelta(hours=float(current_app.config[name]))


@periodic("reminders")
def send_reminders(now: datetime) -> int:
    """Queue the reminders due at ``now``; returns how many were written."""
    if not mail_enabled():  # nothing would be sent: nobody is marked reminded
        return 0
    window = _hours("REMINDER_HOURS")
    counts_for = window + _hours("REMINDER_REARM_HOURS")
    events = db.session.execute(
        select(Event.id, Event.starts_at).where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now, Event.starts_at <= now + window)
        .order_by(Event.starts_at, Event.id)
    ).all()
    wants = select(User.id).where(wanted(MailKind.REMINDER.value))
    written = 0
    for event_id, starts_at in events:
        claimed = db.session.execute(
            update(Registration)
            .where(Registration.event_id == event_id, HOLDS_SEAT,
                   Registration.user_id.in_(wants),
                   or_(Registration.reminded_at.is_(None),
                       Registration.reminded_at < starts_at - counts_for))
            .values(reminded_at=now)
            .returning(Registration.user_id)
            .execution_options(synchronize_session=False)
        ).scalars().all()
        for user_id in sorted(claimed):
            written += enqueue(user_id, MailKind.REMINDER, event_id=event_id)
    db.session.commit()
    return written


def seat_of(event_id: int, user_id: int) -> Registration | None:
    """The person's registration if it holds a seat now."""
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event_id, Registration.user_id == user_id, HOLDS_SEAT))


@context_for(MailKind.REMINDER)
def _reminder(mail: OutboxMail) -> dict | None:
    event = mail.event_id and db.session.get(Event, mail.event_id)
    if not event or event.status != EventStatus.PUBLISHED or event.starts_at <= utcnow():
        return None
    registration = seat_of(event.id, mail.user_id)
    if registration is None:
        return None
    online_url = event.online_url if can_see_online_link(mail.user, event, registration) else None
    return {
        "event": event,
        "online_url": online_url,
        "event_url": absolute_url_for("events.show", event_id=event.id),
        "opt_out": MailKind.REMINDER.value,
    }
