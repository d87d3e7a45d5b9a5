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

from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Event, Registration, utcnow
from ..models.codes import (  # noqa: F401
    CERTIFICATE_CODE_LENGTH,
    is_code_text,
    new_certificate_code,
    normalise_code,
)
from ..models.registration import CertificateState

CODE_LENGTH = CERTIFICATE_CODE_LENGTH

VALID, REVOKED = CertificateState.VALID, CertificateState.REVOKED


def eligible(registration, event, now: datetime):
    """The rule: an account holder who attended a published event that has
    ended. ``registration`` and ``event`` are objects (a bool comes back) or
    the model classes (a SQL condition comes back)."""
    terms = (registration.user_id.is_not(None) if registration is Registration
             else registration.user_id is not None,
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
        joinedload(Registration.event).joinedload(Event.club),
        joinedload(Registration.event).selectinload(Event.topics),
    )


def attended_registration(event_id: int, user_id: int) -> Registration | None:
    """The user's registration of the event, with what a certificate shows,
    if it earns a certificate."""
    registration = db.session.scalar(
        _certificate_query().where(
            Registration.event_id == event_id, Registration.user_id == user_id
        )
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
        .where(Registration.user_id == user_id, eligible(Registration, Event, now))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
