"""Registration rules: seats, the waitlist, check-in. No Flask request objects.

Capacity is enforced inside the write transaction: on PostgreSQL the event's
row is locked (SELECT … FOR UPDATE); on SQLite the transaction is immediate
(it takes the write lock before it counts). Several workers registering at
the same instant therefore queue one behind the other and never overbook.
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Event, Registration, User, utcnow
from ..notifications.services import notify
from ..rules import RuleError

def _write_transaction(event_id: int) -> Event:
    """End the request's read transaction and start one that owns the event."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_immediate": True})
        return db.session.get(Event, event_id, populate_existing=True)
    return db.session.scalars(
        select(Event).where(Event.id == event_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


ONLINE_SEAT = (Registration.status == "registered") & (Registration.source == "online")


def seat_counts(event_id: int) -> dict[str, int]:
    """Seats taken (online registrations), waitlisted, checked in (walk-ins
    included) and walk-ins of one event, in one query."""
    checked_in = (Registration.status == "registered") & Registration.checked_in_at.is_not(None)
    row = db.session.execute(
        select(
            func.count(case((ONLINE_SEAT, 1))),
            func.count(case((Registration.status == "waitlisted", 1))),
            func.count(case((checked_in, 1))),
            func.count(case((Registration.source == "walk_in", 1))),
        ).where(Registration.event_id == event_id)
    ).one()
    return dict(zip(("registered", "waitlisted", "checked_in", "walk_ins"), row))


def _registered_count(event_id: int) -> int:
    """Seats taken. Walk-ins are counted in the room, not against the seats
    that people reserved online."""
    return db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == event_id, ONLINE_SEAT
        )
    )


def registration_of(event_id: int, user_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id, Registration.user_id == user_id
        )
    )


def registration_refusal(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can register now, or None when registration is open."""
    now = now or utcnow()
    if event.is_cancelled:
        return "event_cancelled"
    if not event.is_published:
        return "not_published"
    if event.has_ended(now):
        return "event_over"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "registration_not_open"
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "registration_closed"
    return None


def register(event: Event, user: User, now: datetime | None = None) -> Registration:
    """Register ``user``: a seat if one is free, else the waitlist."""
    event = _write_transaction(event.id)
    refusal = registration_refusal(event, now)
    if refusal:
        db.session.rollback()
        raise RuleError(refusal)
    registration = registration_of(event.id, user.id)
    if registration is not None and registration.status != "cancelled":
        db.session.rollback()
        raise RuleError("already_registered")
    full = event.capacity is not None and _registered_count(event.id) >= event.capacity
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id, source="online")
        db.session.add(registration)
    registration.status = "waitlisted" if full else "registered"
    registration.registered_at = utcnow()
    registration.cancelled_at = None
    registration.checked_in_at = None
    db.session.commit()
    return registration


def unregister(event: Event, user: User) -> Registration | None:
    """Cancel ``user``'s registration. A freed seat goes to the person who has
    waited longest, who is told. Returns that person's registration, if any."""
    event = _write_transaction(event.id)
    registration = registration_of(event.id, user.id)
    if registration is None or registration.status == "cancelled":
        db.session.rollback()
        raise RuleError("not_registered")
    if event.has_ended():
        db.session.rollback()
        raise RuleError("event_over")
    freed_seat = registration.status == "registered"
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    registration.checked_in_at = None
    promoted = None
    if freed_seat and not event.is_cancelled:
        promoted = _promote_from_waitlist(event)
    db.session.commit()
    return promoted


def _promote_from_waitlist(event: Event) -> Registration | None:
    if event.capacity is not None and _registered_count(event.id) >= event.capacity:
        return None
    promoted = db.session.scalar(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waitlisted")
        .order_by(Registration.registered_at, Registration.id)
        .limit(1)
    )
    if promoted is not None:
        promoted.status = "registered"
        if promoted.user_id:
            notify([promoted.user_id], "waitlist_promoted", event_id=event.id)
    return promoted


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to get a seat."""
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == registration.event_id,
            Registration.status == "waitlisted",
            (Registration.registered_at < registration.registered_at)
            | ((Registration.registered_at == registration.registered_at)
               & (Registration.id < registration.id)),
        )
    )
    return ahead + 1


def registration_context(event: Event, user) -> dict:
    """What the event page's registration block needs, for ``user`` (who may
    be anonymous): seat counts, their registration and waitlist position."""
    mine = position = None
    if user.is_authenticated:
        mine = registration_of(event.id, user.id)
        if mine is not None:
            position = waitlist_position(mine)
    return {
        "seats": seat_counts(event.id),
        "my_registration": mine,
        "waitlist_position": position,
        "registration_refusal": registration_refusal(event),
    }


# -- check-in -------------------------------------------------------------------

def checkin_window(event: Event) -> tuple[datetime, datetime]:
    before = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])
    after = timedelta(minutes=current_app.config["CHECKIN_CLOSES_MINUTES_AFTER"])
    return event.starts_at - before, event.ends_at + after


def set_checked_in(registration: Registration, by: User, checked_in: bool) -> None:
    """The organiser's toggle on the attendance page."""
    if registration.status != "registered":
        raise RuleError("not_registered")
    if checked_in:
        registration.check_in(by.id, utcnow())
    else:
        registration.undo_check_in()
    db.session.commit()


def self_check_in(event: Event, user: User, code: str, now: datetime | None = None) -> None:
    """A registrant checks in with the code shown at the venue."""
    now = now or utcnow()
    opens, closes = checkin_window(event)
    if not event.is_published or not (opens <= now <= closes):
        raise RuleError("checkin_closed")
    expected = event.checkin_code or ""
    given = "".join((code or "").split()).upper()
    if not expected or not secrets.compare_digest(given, expected):
        raise RuleError("wrong_code")
    registration = registration_of(event.id, user.id)
    if registration is None or registration.status != "registered":
        raise RuleError("not_registered")
    if registration.checked_in_at is None:
        registration.check_in(user.id, now)
        db.session.commit()


def add_walk_in(event: Event, by: User, name: str, consent: bool = False,
                **demographics: str | None) -> Registration:
    """Someone who came without registering: a name, and no account needed.
    They take no reserved seat: they are already in the room."""
    if not event.is_published:
        raise RuleError("not_published")
    registration = Registration(
        event_id=event.id, source="walk_in", status="registered", walk_in_name=name,
        checked_in_at=utcnow(), checked_in_by_id=by.id, walk_in_consent=consent,
    )
    if consent:
        for field in User.DEMOGRAPHIC_FIELDS:
            setattr(registration, field, demographics.get(field) or None)
    db.session.add(registration)
    db.session.commit()
    return registration
