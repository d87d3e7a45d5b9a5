"""Registration rules: seats, the waitlist, check-in, walk-ins, the
organiser's list. No Flask request objects.

Services add and flush; the request commits once (``unit_of_work``).
Capacity is enforced inside that write transaction, never with a count read
earlier: ``register`` and ``unregister`` first lock the event
(``lock_event``: its row on PostgreSQL, the database's write lock on
SQLite), then count the seats. Several workers
registering at the same instant therefore queue one behind the other and
never overbook (``tests/test_concurrency.py``).
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Event, Registration, User, utcnow
from ..models.registration import RegistrationStatus, Source
from ..notifications.services import notify
from ..rules import Refusal, RuleError, refuse
from ..unit_of_work import write_lock

REGISTERED, WAITLISTED, CANCELLED = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED,
                                     RegistrationStatus.CANCELLED)


def lock_event(event_id: int) -> Event:
    """The event, locked for the rest of the request's transaction, read
    afresh: on PostgreSQL its row (SELECT … FOR UPDATE); on SQLite the
    database's write lock (``unit_of_work.write_lock``). Whoever registers
    next waits for this request to commit, and then counts the seats it took."""
    if db.engine.dialect.name == "sqlite":
        write_lock()
        return db.session.get(Event, event_id, populate_existing=True)
    return db.session.scalars(
        select(Event).where(Event.id == event_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


ONLINE_SEAT = (Registration.status == REGISTERED) & (Registration.source == Source.ONLINE)


def seat_counts(event_id: int) -> dict[str, int]:
    """Seats taken (online registrations), waitlisted, checked in (walk-ins
    included) and walk-ins of one event, in one query."""
    checked_in = Registration.attended
    row = db.session.execute(
        select(
            func.count(case((ONLINE_SEAT, 1))),
            func.count(case((Registration.status == WAITLISTED, 1))),
            func.count(case((checked_in, 1))),
            func.count(case((Registration.source == Source.WALK_IN, 1))),
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


def registration_refusal(event: Event, now: datetime | None = None) -> Refusal | None:
    """Why nobody can register now, or None (the rule is ``Event.registration_refusal``)."""
    return event.registration_refusal(now)


def unregister_refusal(event: Event, registration: Registration | None,
                       now: datetime | None = None) -> Refusal | None:
    """Why this registration cannot be cancelled now, or None."""
    if registration is None or not registration.is_active:
        return Refusal.NOT_REGISTERED
    if event.has_ended(now):
        return Refusal.EVENT_OVER
    return None


def register(event: Event, user: User, now: datetime | None = None) -> Registration:
    """Register ``user``: a seat if one is free, else the waitlist."""
    event = lock_event(event.id)
    refuse(event.registration_refusal(now))
    registration = registration_of(event.id, user.id)
    if registration is not None and registration.is_active:
        raise RuleError(Refusal.ALREADY_REGISTERED)
    full = event.is_full(_registered_count(event.id))
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id,
                                    source=Source.ONLINE)
        db.session.add(registration)
    registration.status = WAITLISTED if full else REGISTERED
    registration.registered_at = utcnow()
    registration.cancelled_at = None
    registration.checked_in_at = None
    return registration


def unregister(event: Event, user: User, now: datetime | None = None) -> Registration | None:
    """Cancel ``user``'s registration. A freed seat goes to the person who has
    waited longest, who is told. Returns that person's registration, if any."""
    event = lock_event(event.id)
    registration = registration_of(event.id, user.id)
    refuse(unregister_refusal(event, registration, now))
    freed_seat = registration.status == REGISTERED
    registration.status = CANCELLED
    registration.cancelled_at = utcnow()
    registration.checked_in_at = None
    promoted = None
    if freed_seat and not event.is_cancelled:
        promoted = _promote_from_waitlist(event)
    return promoted


def _promote_from_waitlist(event: Event) -> Registration | None:
    if event.is_full(_registered_count(event.id)):
        return None
    promoted = db.session.scalar(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == WAITLISTED)
        .order_by(Registration.registered_at, Registration.id)
        .limit(1)
    )
    if promoted is not None:
        promoted.status = REGISTERED
        if promoted.user_id:
            notify([promoted.user_id], "waitlist_promoted", event_id=event.id)
    return promoted


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next person to get a seat."""
    if registration.status != WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == registration.event_id,
            Registration.status == WAITLISTED,
            (Registration.registered_at < registration.registered_at)
            | ((Registration.registered_at == registration.registered_at)
               & (Registration.id < registration.id)),
        )
    )
    return ahead + 1


def registration_context(event: Event, user, now: datetime | None = None) -> dict:
    """What the event page's registration block needs, for ``user`` (who may
    be anonymous): seat counts, their active registration, its waitlist
    position, and what the rules allow now (so the page asks, not decides)."""
    mine = position = None
    if user.is_authenticated:
        mine = registration_of(event.id, user.id)
        if mine is not None and not mine.is_active:
            mine = None
        if mine is not None:
            position = waitlist_position(mine)
    seats = seat_counts(event.id)
    return {
        "seats": seats,
        "my_registration": mine,
        "waitlist_position": position,
        "registration_refusal": event.registration_refusal(now),
        "unregister_refusal": unregister_refusal(event, mine, now),
        "full": event.is_full(seats["registered"]),
    }


# -- check-in -------------------------------------------------------------------

def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """From when to when people may check themselves in (configurable)."""
    before = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])
    after = timedelta(minutes=current_app.config["CHECKIN_CLOSES_MINUTES_AFTER"])
    return event.starts_at - before, event.ends_at + after


def checkin_open(event: Event, now: datetime | None = None) -> bool:
    """Self check-in is open: a published event, within its window."""
    now = now or utcnow()
    opens, closes = checkin_window(event)
    return event.is_published and opens <= now <= closes


def set_checked_in(registration: Registration, by: User, checked_in: bool) -> None:
    """The organiser's toggle on the attendance page."""
    if not registration.can_be_checked_in:
        raise RuleError(Refusal.NOT_REGISTERED)
    if checked_in:
        registration.check_in(by.id, utcnow())
    else:
        registration.undo_check_in()
    db.session.flush()


def self_check_in(event: Event, user: User, code: str, now: datetime | None = None) -> None:
    """A registrant checks in with the code shown at the venue."""
    now = now or utcnow()
    if not checkin_open(event, now):
        raise RuleError(Refusal.CHECKIN_CLOSED)
    expected = event.checkin_code or ""
    given = "".join((code or "").split()).upper()
    if not expected or not secrets.compare_digest(given, expected):
        raise RuleError(Refusal.WRONG_CODE)
    registration = registration_of(event.id, user.id)
    if registration is None or registration.status != REGISTERED:
        raise RuleError(Refusal.NOT_REGISTERED)
    if registration.checked_in_at is None:
        registration.check_in(user.id, now)
        db.session.flush()


def add_walk_in(event: Event, by: User, name: str, consent: bool = False,
                **demographics: str | None) -> Registration:
    """Someone who came without registering: a name, and no account needed.
    They take no reserved seat: they are already in the room."""
    if not event.is_published:
        raise RuleError(Refusal.NOT_PUBLISHED)
    registration = Registration(
        event_id=event.id, source=Source.WALK_IN, status=REGISTERED, walk_in_name=name,
        checked_in_at=utcnow(), checked_in_by_id=by.id, walk_in_consent=consent,
    )
    if consent:
        for field in User.DEMOGRAPHIC_FIELDS:
            setattr(registration, field, demographics.get(field) or None)
    db.session.add(registration)
    db.session.flush()
    return registration


# -- the organiser's list ----------------------------------------------------------

def registrants(event: Event, q: str = "") -> list[Registration]:
    """The event's registrants, the registered first, each with their user.
    An event has at most a few hundred, so the search folds case in Python:
    Cyrillic names match alike on SQLite and PostgreSQL."""
    rows = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.event_id == event.id, Registration.status != CANCELLED)
        .order_by(Registration.status, Registration.registered_at, Registration.id)
    ).all()
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in r.display_name.casefold()]
    return rows
