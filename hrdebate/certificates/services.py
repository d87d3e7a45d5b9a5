"""Certificates of attendance: who may have one, their unguessable codes,
revocation. No Flask request objects here.

A certificate is not a row of its own: it is an attended registration of a
finished event. Its code is issued on the registration at check-in
(``Registration.check_in``), so opening a certificate never writes.
Services flush; the request commits once.

Who earns one is one rule, ``eligible``: in Python (``is_eligible``) and in
SQL (``past_attendance_query``), both built from the same model terms
(``Registration.attended``, ``Event.is_published``, ``Event.has_ended``).
"""

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Event, Registration, utcnow
from ..models.codes import (  # noqa: F401
    CERTIFICATE_CODE_LENGTH,
    is_code_text,
    new_certificate_code,
    normalise_code,
)
from ..models.codes import CLAIM_CODE_LENGTH
from ..models.registration import CertificateState, Source
from ..rules import Refusal, refuse
from ..unit_of_work import lock_and_reread, lock_row

CODE_LENGTH = CERTIFICATE_CODE_LENGTH

VALID, REVOKED = CertificateState.VALID, CertificateState.REVOKED


def held_by(user_id: int):
    """SQL: the certificate's holder is this account (their own registration,
    or a walk-in's certificate they claimed)."""
    return or_(Registration.user_id == user_id,
               and_(Registration.user_id.is_(None), Registration.claimed_by_id == user_id))


def eligible(registration, event, now: datetime):
    """The rule: a holder (an account that registered, or that claimed a
    walk-in's certificate) who attended a published event that has ended.
    ``registration`` and ``event`` are objects (a bool comes back) or the
    model classes (a SQL condition comes back)."""
    terms = (or_(Registration.user_id.is_not(None), Registration.claimed_by_id.is_not(None))
             if registration is Registration else registration.holder_id is not None,
             registration.attended, event.is_published, event.has_ended(now))
    if registration is Registration:
        return and_(*terms)
    return all(terms)


def is_eligible(registration: Registration | None, now: datetime | None = None) -> bool:
    """Whether this registration earns a certificate (see ``eligible``)."""
    if registration is None:
        return False
    return eligible(registration, registration.event, now or utcnow())


def certificate_state(registration: Registration | None,
                      now: datetime | None = None) -> str | None:
    """``valid``, ``revoked``, or None when there is no certificate to show
    (never issued, the check-in was undone, or the holder deleted their
    account)."""
    if registration is None or not registration.certificate_code:
        return None
    if not is_eligible(registration, now):
        return None
    return REVOKED if registration.certificate_revoked_at is not None else VALID


def _certificate_query():
    return select(Registration).options(
        joinedload(Registration.user),
        joinedload(Registration.claimed_by),
        joinedload(Registration.event).joinedload(Event.club),
        joinedload(Registration.event).selectinload(Event.topics),
    )


def attended_registration(event_id: int, user_id: int) -> Registration | None:
    """The user's registration of the event, with what a certificate shows,
    if it earns a certificate."""
    # Their own registration first; a claimed walk-in's certificate if not
    # (a claim is refused to whoever already has one for the event).
    registration = db.session.scalar(
        _certificate_query()
        .where(Registration.event_id == event_id, held_by(user_id), Registration.attended)
        .order_by(Registration.user_id.is_(None), Registration.id).limit(1)
    )
    return registration if is_eligible(registration) else None


def certificate_by_code(code: str) -> Registration | None:
    code = normalise_code(code)
    if not code or len(code) > CODE_LENGTH + 4 or not is_code_text(code):
        return None
    return db.session.scalar(_certificate_query().where(Registration.certificate_code == code))


def revoke_certificate(registration: Registration, now: datetime | None = None) -> None:
    if registration.certificate_revoked_at is None:
        registration.certificate_revoked_at = now or utcnow()
        db.session.flush()


def restore_certificate(registration: Registration) -> None:
    if registration.certificate_revoked_at is not None:
        registration.certificate_revoked_at = None
        db.session.flush()


def past_attendance_query(user_id: int, now: datetime | None = None):
    """The user's attended, finished, published events, latest first: every
    one of them earns a certificate (see ``is_eligible``)."""
    now = now or utcnow()
    return (
        select(Registration)
        .join(Registration.event)
        .options(contains_eager(Registration.event).joinedload(Event.club))
        .where(held_by(user_id), eligible(Registration, Event, now))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )


# -- the organisers' list and bulk issue ----------------------------------------------

def issued_certificates(event: Event) -> list[Registration]:
    """Everyone checked in at the event, with their certificate (or a
    walk-in's claim code), by name: the organisers' list. One statement."""
    rows = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.user), joinedload(Registration.claimed_by))
        .where(Registration.event_id == event.id, Registration.attended)
        .order_by(Registration.id)
    ).all()
    return sorted(rows, key=lambda r: (r.display_name.casefold(), r.id))


def certificate_status(registration: Registration, now: datetime | None = None) -> str:
    """What the organisers' list says of one attendee's certificate:
    ``valid``, ``revoked``, ``pending`` (issued, counts once the event has
    ended), ``unclaimed`` (a walk-in's claim code not yet redeemed) or
    ``none`` (not issued yet: the bulk issue gives it)."""
    if registration.holder_id is None:
        if registration.claim_code and not registration.certificate_code:
            return "unclaimed"
        return "none"
    if not registration.certificate_code:
        return "none"
    state = certificate_state(registration, now)
    return state if state is not None else "pending"


def to_issue(registrations: list[Registration]) -> int:
    """How many of these attendees the bulk issue would give a certificate
    or a claim code."""
    return sum(1 for r in registrations if certificate_status(r) == "none"
               and (r.user_id is not None or r.source == Source.WALK_IN))


def issue_refusal(event: Event, now: datetime | None = None) -> Refusal | None:
    if not event.is_published:
        return Refusal.NOT_PUBLISHED
    if not event.has_ended(now or utcnow()):
        return Refusal.EVENT_NOT_OVER
    return None


def issue_certificates(event: Event, now: datetime | None = None) -> int:
    """Give every checked-in attendee of an ended event the certificate they
    lack (a walk-in: a claim code). Once: the event is locked first, so a
    second click (or a second organiser) finds everything issued and issues
    nothing. Returns how many were issued."""
    refuse(issue_refusal(event, now))
    lock_row(Event, event.id)
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.attended)
        .execution_options(populate_existing=True)
    ).all()
    issued = sum(1 for registration in rows if registration.issue_certificate())
    db.session.flush()
    return issued


# -- a walk-in's claim ---------------------------------------------------------------

def _claimable(code: str) -> Registration | None:
    code = normalise_code(code)
    if not code or len(code) > CLAIM_CODE_LENGTH + 4 or not is_code_text(code):
        return None
    return db.session.scalar(select(Registration).where(Registration.claim_code == code))


def claim_refusal(code: str, user) -> Refusal | None:
    """Why ``user`` may not redeem this claim code, or None (also None when
    they redeemed it already: a double click gets the same answer)."""
    registration = _claimable(code)
    if registration is None:
        return Refusal.WRONG_CLAIM_CODE
    if registration.claimed_by_id == user.id:
        return None
    if registration.claimed_by_id is not None or registration.certificate_code:
        return Refusal.CLAIM_CODE_USED
    if not registration.attended:  # the walk-in's check-in was undone
        return Refusal.WRONG_CLAIM_CODE
    has_one = db.session.scalar(
        select(Registration.id).where(Registration.event_id == registration.event_id,
                                      held_by(user.id), Registration.attended).limit(1))
    if has_one is not None:
        return Refusal.ALREADY_HAS_CERTIFICATE
    return None


def claim(code: str, user) -> Registration:
    """A signed-in person redeems a walk-in's claim code: they become the
    holder of that walk-in's certificate, which gets its own certificate
    code. Once: the same person again (a double click) gets the same
    answer; anyone else is refused. The walk-in's row keeps no account
    (``user_id``), so the turnout still counts a walk-in."""
    refuse(claim_refusal(code, user))
    registration = _claimable(code)
    lock_and_reread(registration)  # of two claims at once, the second sees the first
    if registration.claimed_by_id == user.id:
        return registration
    refuse(claim_refusal(code, user))
    registration.claimed_by_id = user.id
    registration.certificate_code = new_certificate_code()
    db.session.flush()
    return registration
