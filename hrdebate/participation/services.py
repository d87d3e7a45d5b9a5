"""Registration rules: seats, the waitlist, check-in, walk-ins, final
attendance and its log, the organiser's list. No Flask request objects.

Services add and flush; the request commits once (``unit_of_work``).
Capacity is enforced inside that write transaction, never with a count read
earlier: ``register`` and ``unregister`` first lock the event
(``lock_event``: its row on PostgreSQL, the database's write lock on
SQLite), then count the seats. Several workers
registering at the same instant therefore queue one behind the other and
never overbook (``tests/test_concurrency.py``).

Final attendance (DESIGN §8): ``ATTENDANCE_LOCK_DAYS`` after an event ends,
its attendance is final. Organisers can then no longer check people in or
out nor add walk-ins; an admin can, giving a reason. Only final attendance
counts in the turnout's demographic tables, so that no edit can be read off
them by comparing two reports. Every change made after the event ended is
written to its log (``AttendanceChange``).
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..idempotent import RESENT_WITHIN
from ..models import AttendanceAction, AttendanceChange, Event, Registration, User, utcnow
from ..models.attendance import REASON_LENGTH
from ..models.codes import is_code_text, normalise_code
from ..models.registration import RegistrationStatus, Source
from ..notifications.services import notify
from ..rules import Refusal, RuleError, refuse
from ..search import found_in
from ..timeutil import local_to_utc, utc_to_local
from ..unit_of_work import lock_and_reread, lock_row

REGISTERED, WAITLISTED, CANCELLED = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED,
                                     RegistrationStatus.CANCELLED)


def lock_event(event_id: int) -> Event:
    """The event, locked for the rest of the request's transaction, read
    afresh: on PostgreSQL its row (SELECT … FOR UPDATE); on SQLite the
    database's write lock (``unit_of_work.lock_row``). Whoever registers
    next waits for this request to commit, and then counts the seats it took."""
    lock_row(Event, event_id)
    return db.session.get(Event, event_id, populate_existing=True)


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
    """Register ``user``: a seat if one is free, else the waitlist. Already
    registered (a double click, two tabs): their registration as it is, so
    they are told the same again."""
    event = lock_event(event.id)
    refuse(event.registration_refusal(now))
    registration = registration_of(event.id, user.id)
    if registration is not None and registration.is_active:
        return registration
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
    waited longest, who is told. Returns that person's registration, if any.
    Cancelled already (a double click): nothing changes, and the answer is
    the same."""
    event = lock_event(event.id)
    registration = registration_of(event.id, user.id)
    if registration is not None and registration.status == CANCELLED:
        return None
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
        _give_seat(event, promoted)
    return promoted


def _give_seat(event: Event, registration: Registration, now: datetime | None = None) -> None:
    """The seat, and the news of it (not once the event is over: a seat
    given then only records that the person came)."""
    registration.status = REGISTERED
    if registration.user_id and not event.has_ended(now):
        notify([registration.user_id], "waitlist_promoted", event_id=event.id)


def promote_refusal(event: Event, registration: Registration,
                    now: datetime | None = None) -> Refusal | None:
    """Why the organisers may not give this waitlisted person a seat by hand
    now, or None. A seat given by hand is a free seat: capacity is never
    exceeded by a promotion (DESIGN §5); to let more in, raise it first."""
    if registration.status != WAITLISTED:
        return Refusal.NOT_WAITLISTED
    if event.is_cancelled:
        return Refusal.EVENT_CANCELLED
    if event.is_full(_registered_count(event.id)):
        return Refusal.NO_FREE_SEAT
    return None


def promote(registration: Registration, by: User, check_in: bool = False,
            reason: str | None = None, now: datetime | None = None) -> bool:
    """An organiser gives a waitlisted person a free seat (out of turn: the
    person is at the door, or the organiser chose them), and with
    ``check_in`` checks them in at once. The person is told
    (``waitlist_promoted``). Done already (a double click, two organisers):
    nothing changes; returns whether this call gave the seat."""
    now = now or utcnow()
    event = lock_event(registration.event_id)
    if check_in:
        refuse(by_hand_checkin_refusal(event, by, reason, now))
    elif event.has_ended(now):
        raise RuleError(Refusal.EVENT_OVER)
    lock_and_reread(registration)
    if registration.status == REGISTERED:  # the first click did it
        if check_in and registration.checked_in_at is None:
            set_checked_in(registration, by, True, reason=reason, now=now)
        return False
    refuse(promote_refusal(event, registration, now))
    _give_seat(event, registration, now)
    db.session.flush()
    if check_in:
        set_checked_in(registration, by, True, reason=reason, now=now)
    return True


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
        "checkin_state": checkin_state(event, now),
        "checkin_opens_at": checkin_opens_at(event),
    }


# -- check-in -------------------------------------------------------------------

def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """From when to when people may check themselves in (configurable)."""
    before = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES_BEFORE"])
    after = timedelta(minutes=current_app.config["CHECKIN_CLOSES_MINUTES_AFTER"])
    return event.starts_at - before, event.ends_at + after


def checkin_state(event: Event, now: datetime | None = None) -> str:
    """``"open"``, ``"not_yet"`` or ``"closed"``: what the self check-in
    page and the event page offer (the form only while it is open)."""
    now = now or utcnow()
    if checkin_open(event, now):
        return "open"
    if event.is_published and now < checkin_opens_at(event):
        return "not_yet"
    return "closed"


def checkin_open(event: Event, now: datetime | None = None) -> bool:
    """Self check-in is open: a published event, within its window (and
    never once its attendance is final, however long the window is set)."""
    now = now or utcnow()
    opens, closes = checkin_window(event)
    return event.is_published and opens <= now <= closes and not attendance_is_final(event, now)


def checkin_opens_at(event: Event) -> datetime:
    """When self check-in opens (``checkin_window``)."""
    return checkin_window(event)[0]


def by_hand_opens_at(event: Event) -> datetime:
    """From when organisers check people in by hand and add walk-ins: the
    start of the event's day in Bishkek (or the opening of self check-in, if
    that is earlier). Organisers set up the door early; days before, a
    check-in can only be a mistake."""
    start_day = utc_to_local(event.starts_at).replace(hour=0, minute=0, second=0,
                                                      microsecond=0)
    return min(local_to_utc(start_day.replace(tzinfo=None)), checkin_opens_at(event))


def by_hand_checkin_open(event: Event, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= by_hand_opens_at(event)


def by_hand_checkin_refusal(event: Event, by: User, reason: str | None = None,
                            now: datetime | None = None) -> Refusal | None:
    """Why ``by`` may not check someone in by hand (or add a walk-in) now:
    not before the event's day; once final, an admin only, with a reason."""
    now = now or utcnow()
    if not by_hand_checkin_open(event, now):
        return Refusal.CHECKIN_NOT_YET
    return attendance_refusal(event, by, reason, now)


def arrival_time(event: Event, now: datetime) -> datetime:
    """When a check-in by hand says the person came: now, during the event;
    a check-in recorded after the event's end (a correction days later) is
    dated at the end, since the moment it was typed is not when they came
    (the attendance log keeps that moment). The page shows such a check-in
    as "marked after the event"."""
    return min(now, event.ends_at)


def set_checked_in(registration: Registration, by: User, checked_in: bool,
                   reason: str | None = None, now: datetime | None = None) -> None:
    """The organiser's toggle on the attendance page (an admin's, with a
    ``reason``, once the attendance is final). Checking in opens on the
    event's day (``by_hand_opens_at``); undoing a check-in is always possible
    until the attendance is final."""
    now = now or utcnow()
    event = registration.event
    if checked_in:
        refuse(by_hand_checkin_refusal(event, by, reason, now))
    else:
        refuse(attendance_refusal(event, by, reason, now))
    if not registration.can_be_checked_in:
        raise RuleError(Refusal.NOT_REGISTERED)
    # Of two check-ins at once (a double tap, the organiser and the person),
    # the second sees the first: one log entry, one certificate code.
    lock_and_reread(registration)
    if checked_in == (registration.checked_in_at is not None):
        return  # nothing changes (a second click, a stale page)
    if checked_in:
        registration.check_in(by.id, arrival_time(event, now))
    else:
        registration.undo_check_in()
    _log(event, registration, by, AttendanceAction.CHECK_IN if checked_in
         else AttendanceAction.UNDO_CHECK_IN, reason, now)
    db.session.flush()


def self_checkin_refusal(event: Event, user: User, code: str,
                         now: datetime | None = None) -> Refusal | None:
    """Why ``user`` may not check in with ``code`` now, or None."""
    if not checkin_open(event, now or utcnow()):
        return Refusal.CHECKIN_CLOSED
    expected = event.checkin_code or ""
    given = normalise_code(code)
    if not expected or not is_code_text(given) or not secrets.compare_digest(given, expected):
        return Refusal.WRONG_CODE
    registration = registration_of(event.id, user.id)
    if registration is None or registration.status != REGISTERED:
        return Refusal.NOT_REGISTERED
    return None


def self_check_in(event: Event, user: User, code: str, now: datetime | None = None) -> None:
    """A registrant checks in with the code shown at the venue."""
    now = now or utcnow()
    refuse(self_checkin_refusal(event, user, code, now))
    registration = registration_of(event.id, user.id)
    lock_and_reread(registration)  # a double tap checks in once (set_checked_in)
    if registration.checked_in_at is None:
        registration.check_in(user.id, now)
        _log(event, registration, user, AttendanceAction.CHECK_IN, None, now)
        db.session.flush()


def add_walk_in(event: Event, by: User, name: str, consent: bool = False,
                reason: str | None = None, now: datetime | None = None,
                **demographics: str | None) -> Registration:
    """Someone who came without registering: a name, and no account needed.
    They take no reserved seat: they are already in the room. Once the
    attendance is final, only an admin adds one, with a ``reason``."""
    now = now or utcnow()
    if not event.is_published:
        raise RuleError(Refusal.NOT_PUBLISHED)
    refuse(by_hand_checkin_refusal(event, by, reason, now))
    # The same name sent again within a minute (a double click) is the
    # walk-in already added: the event is locked first, so of ten at once
    # one adds it and the other nine find it.
    lock_event(event.id)
    added = db.session.scalars(
        select(Registration).where(
            Registration.event_id == event.id, Registration.source == Source.WALK_IN,
            Registration.walk_in_name == name, Registration.registered_at >= now - RESENT_WITHIN)
        .order_by(Registration.id).limit(1)
    ).first()
    if added is not None:
        return added
    registration = Registration(
        event_id=event.id, source=Source.WALK_IN, status=REGISTERED, walk_in_name=name,
        registered_at=now, checked_in_at=arrival_time(event, now), checked_in_by_id=by.id,
        walk_in_consent=consent,
    )
    if consent:
        for field in User.DEMOGRAPHIC_FIELDS:
            setattr(registration, field, demographics.get(field) or None)
    registration.issue_certificate()  # a claim code, for the walk-in to redeem signed in
    db.session.add(registration)
    db.session.flush()
    _log(event, registration, by, AttendanceAction.WALK_IN, reason, now)
    db.session.flush()
    return registration


# -- final attendance and its log --------------------------------------------------

def final_before(now: datetime | None = None) -> datetime:
    """Events that ended at or before this moment have final attendance."""
    return (now or utcnow()) - timedelta(days=current_app.config["ATTENDANCE_LOCK_DAYS"])


def attendance_final_at(event: Event) -> datetime:
    """When the attendance of ``event`` becomes final."""
    return event.ends_at + timedelta(days=current_app.config["ATTENDANCE_LOCK_DAYS"])


def attendance_is_final(event: Event, now: datetime | None = None) -> bool:
    return attendance_final_at(event) <= (now or utcnow())


def attendance_refusal(event: Event, by: User, reason: str | None = None,
                       now: datetime | None = None) -> Refusal | None:
    """Why ``by`` may not change the attendance of ``event`` now, or None:
    once it is final, only an admin may, and only giving a reason."""
    if not attendance_is_final(event, now):
        return None
    if not by.is_admin:
        return Refusal.ATTENDANCE_FINAL
    if not (reason or "").strip():
        return Refusal.REASON_REQUIRED
    return None


def date_change_refusal(event: Event, ends_at: datetime,
                        now: datetime | None = None) -> Refusal | None:
    """Why the end of ``event`` cannot move to ``ends_at``, or None: final
    attendance stays final (moving the event later would reopen it to its
    organisers)."""
    if attendance_is_final(event, now) and ends_at > final_before(now):
        return Refusal.FINAL_EVENT_DATES
    return None


def _log(event: Event, registration: Registration, by: User, action: AttendanceAction,
         reason: str | None, now: datetime) -> None:
    """Write down a change made after the event ended."""
    if event.has_ended(now):
        db.session.add(AttendanceChange(
            event_id=event.id, registration_id=registration.id, actor_id=by.id,
            action=action, reason=(reason or "").strip()[:REASON_LENGTH] or None, at=now))


def attendance_changes(event: Event) -> list[AttendanceChange]:
    """The event's log of attendance changes, oldest first, each with its
    registration (and that one's account) and its author: one statement."""
    return list(db.session.scalars(
        select(AttendanceChange)
        .options(joinedload(AttendanceChange.registration).joinedload(Registration.user),
                 joinedload(AttendanceChange.actor))
        .where(AttendanceChange.event_id == event.id)
        .order_by(AttendanceChange.at, AttendanceChange.id)
    ))


# -- the organiser's list ----------------------------------------------------------

REGISTRANTS_PER_PAGE = 50  # the attendance page's list: a phone at the door, one screen or two


def registrants_page(event: Event, q: str = "", page: int = 1,
                     per_page: int = REGISTRANTS_PER_PAGE) -> Pagination:
    """One page of the event's registrants, the registered first, each with
    their user: those whose name matches ``q`` (the site's fold,
    ``search.found_in``: "Aigerim" finds "Айгерим"), or everyone. Two
    statements, whatever the number of registrants: the ids and names (or
    their number), then the page's rows."""
    where = (Registration.event_id == event.id, Registration.status != CANCELLED)
    order = (Registration.status, Registration.registered_at, Registration.id)
    if q:
        names = db.session.execute(
            select(Registration.id,
                   func.coalesce(User.display_name, Registration.walk_in_name, ""))
            .outerjoin(User, User.id == Registration.user_id)
            .where(*where)).all()
        found = [registration_id for registration_id, name in names if found_in(name, q)]
        where = (*where, Registration.id.in_(found))
        total = len(found)
    else:
        total = db.session.scalar(select(func.count()).select_from(Registration).where(*where))
    pagination = db.paginate(
        select(Registration).options(joinedload(Registration.user)).where(*where)
        .order_by(*order),
        page=page, per_page=per_page, max_per_page=None, error_out=False, count=False)
    pagination.total = total
    return pagination


def registrants(event: Event, q: str = "") -> list[Registration]:
    """The event's registrants, the registered first, each with their user:
    all of them (the CSV; the page shows ``registrants_page``). An event has
    at most a few hundred, so the search runs in Python, with the site's
    fold (``search.found_in``): "Aigerim" finds "Айгерим"."""
    rows = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user))
        .where(Registration.event_id == event.id, Registration.status != CANCELLED)
        .order_by(Registration.status, Registration.registered_at, Registration.id)
    ).all()
    return [r for r in rows if found_in(r.display_name, q)] if q else rows

