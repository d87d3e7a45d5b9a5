"""A person's own registrations and their personal calendar feed's secret.
No Flask request objects here; nothing here commits (the request does)."""

import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..certificates.services import past_attendance_query
from ..extensions import db
from ..feeds.services import MAX_CALENDAR_EVENTS
from ..models import Event, EventStatus, Registration, RegistrationStatus, User, utcnow
from ..unit_of_work import lock_and_reread

# Nobody holds more upcoming registrations than this; the bound keeps the
# page's cost fixed all the same.
UPCOMING_LIMIT = 200
# The feed keeps events for a while after they end, so they do not vanish
# from a calendar on the day itself.
FEED_KEEPS_PAST = timedelta(days=30)
FEED_STATUSES = ("registered", "waitlisted")
PAST_PER_PAGE = 20


def upcoming_registrations(user_id: int, now=None) -> list[tuple[Registration, int | None]]:
    """The user's registrations of events that have not ended, each with its
    waitlist position (1 = next to get a seat; None unless waitlisted).

    One statement, whatever the number of registrations: ROW_NUMBER() ranks
    every waitlisted registration of the events where the user waits, in the
    order ``participation.services.waitlist_position`` counts them.
    """
    now = now or utcnow()
    my_waits = (
        select(Registration.event_id)
        .join(Registration.event)
        .where(Registration.user_id == user_id, Registration.status == RegistrationStatus.WAITLISTED,
               Event.ends_at > now)
    )
    positions = (
        select(
            Registration.id.label("registration_id"),
            func.row_number().over(
                partition_by=Registration.event_id,
                order_by=(Registration.registered_at, Registration.id),
            ).label("position"),
        )
        .where(Registration.status == RegistrationStatus.WAITLISTED, Registration.event_id.in_(my_waits))
        .subquery()
    )
    rows = db.session.execute(
        select(Registration, positions.c.position)
        .join(Registration.event)
        .outerjoin(positions, positions.c.registration_id == Registration.id)
        .options(contains_eager(Registration.event).joinedload(Event.club))
        .where(Registration.user_id == user_id, Event.ends_at > now, Event.status != EventStatus.DRAFT)
        .order_by(Event.starts_at, Event.id)
        .limit(UPCOMING_LIMIT)
    ).all()
    return [(registration, position) for registration, position in rows]


def past_attendance_page(user_id: int, page: int):
    """One page of the events the user attended (each with a certificate);
    a page past the end is empty, not an error."""
    return db.paginate(past_attendance_query(user_id), page=page, per_page=PAST_PER_PAGE,
                       error_out=False)


def user_by_calendar_token(token: str) -> User | None:
    """The feed's owner: the token is the only credential, so an empty or
    unknown one finds nobody."""
    if not token:
        return None
    return db.session.scalar(select(User).where(User.calendar_token == token))


def calendar_events(user_id: int, now=None) -> list[tuple[Event, str]]:
    """Events for the personal feed, with the user's registration status:
    registered or waitlisted, not yet ended or ended in the last 30 days.
    Cancelled events stay, marked CANCELLED, so calendars drop them."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Event, Registration.status)
        .join(Registration, Registration.event_id == Event.id)
        .options(selectinload(Event.topics))
        .where(Registration.user_id == user_id, Registration.status.in_(FEED_STATUSES),
               Event.status != EventStatus.DRAFT, Event.ends_at > now - FEED_KEEPS_PAST)
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_CALENDAR_EVENTS)
    ).all()
    return [(event, status) for event, status in rows]


def issue_calendar_token(user: User, replaces: str | None = None) -> str:
    """Create or replace the feed's secret: the old address stops working.
    ``replaces`` is the secret the person's page showed ("" for none): when
    another secret is stored by now, the same form was sent twice at once (a
    double click), and that secret is the answer, so that every answer shows
    the address that works. Without ``replaces``, the secret is replaced."""
    lock_and_reread(user, "calendar_token")
    if replaces is not None and user.calendar_token not in (None, replaces):
        return user.calendar_token
    user.calendar_token = secrets.token_urlsafe(32)
    return user.calendar_token


def clear_calendar_token(user: User) -> None:
    user.calendar_token = None
