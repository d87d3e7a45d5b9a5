"""Who comes to an event: registrations, the waitlist, check-ins and
certificates. A walk-in needs no account."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from .attendance import RECORD_KEY_RANGE, new_record_key
from .codes import new_certificate_code, new_claim_code
from .event import Event
from .user import User


class RegistrationStatus(Labelled):
    REGISTERED = "registered", _l("registered")
    WAITLISTED = "waitlisted", _l("waitlisted")
    CANCELLED = "cancelled"


class Source(Labelled):
    """How the person came: registered online, or added at the door."""

    ONLINE = "online"
    WALK_IN = "walk_in", _l("walk-in")


class CertificateState(Labelled):
    """What a certificate's public check says (``certificates.services``)."""

    VALID = "valid"
    REVOKED = "revoked"


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_registrations_event_user"),
        CheckConstraint(one_of("status", RegistrationStatus.values()), name="status"),
        CheckConstraint(one_of("source", Source.values()), name="source"),
        CheckConstraint("user_id IS NOT NULL OR walk_in_name IS NOT NULL OR source = 'online'",
                        name="walk_in_named"),
        CheckConstraint(RECORD_KEY_RANGE, name="record_key"),
        Index("ix_registrations_event_id_status", "event_id", "status"),
        Index("ix_registrations_certificate_code", "certificate_code", unique=True),
        Index("ix_registrations_claim_code", "claim_code", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # NULL for a walk-in, and once a person deletes their account: the row
    # then only counts, for turnout.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=RegistrationStatus.REGISTERED.value)
    source: Mapped[str] = mapped_column(String(8), default=Source.ONLINE.value)
    # Waitlist order: the time of the latest (re-)registration.
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the day-before reminder was queued (``hrdebate.jobs``): once per seat.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    # A walk-in: a name only, and demographics only with consent.
    walk_in_name: Mapped[str | None] = mapped_column(String(60))
    walk_in_consent: Mapped[bool] = mapped_column(default=False)
    age_band: Mapped[str | None] = mapped_column(String(10))
    gender: Mapped[str | None] = mapped_column(String(12))
    affiliation: Mapped[str | None] = mapped_column(String(10))
    region: Mapped[str | None] = mapped_column(String(12))

    certificate_code: Mapped[str | None] = mapped_column(String(24))
    certificate_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A walk-in's certificate: the organiser hands over the one-time
    # ``claim_code``; a signed-in person redeems it (``certificates.services.
    # claim``) and becomes the certificate's holder. ``user_id`` stays empty,
    # so the walk-in still counts as a walk-in in the turnout.
    claim_code: Mapped[str | None] = mapped_column(String(24))
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    # Never shown: the cell-key method's random number for a person without
    # an account (a walk-in, a deleted account). See ``models.attendance``.
    record_key: Mapped[int] = mapped_column(SmallInteger, default=new_record_key)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])

    @property
    def holder_id(self) -> int | None:
        """Whose certificate this is: the account that registered, or the
        one that claimed a walk-in's certificate."""
        return self.user_id if self.user_id is not None else self.claimed_by_id

    @property
    def display_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.walk_in_name or ""

    def check_in(self, by_id: int | None, now: datetime) -> None:
        """Mark the person present and issue their certificate, once (it only
        counts once the event has ended, see ``certificates.services.
        is_eligible``)."""
        self.checked_in_at = now
        self.checked_in_by_id = by_id
        self.issue_certificate()

    def issue_certificate(self) -> bool:
        """An account holder's certificate code; a walk-in's claim code (they
        have no account: whoever redeems the code signed in becomes the
        holder). Once: returns whether anything was issued."""
        if self.user_id is not None:
            if self.certificate_code:
                return False
            self.certificate_code = new_certificate_code()
            return True
        if self.source != Source.WALK_IN or self.claim_code or self.claimed_by_id \
                or self.certificate_code or not self.walk_in_name:
            return False  # a walk-in's name erased by retention: nothing to certify
        self.claim_code = new_claim_code()
        return True

    def undo_check_in(self) -> None:
        self.checked_in_at = None
        self.checked_in_by_id = None

    @hybrid_property
    def attended(self) -> bool:
        """Registered and checked in (in SQL too: ``Registration.attended``)."""
        return self.checked_in_at is not None and self.status == RegistrationStatus.REGISTERED

    @attended.inplace.expression
    @classmethod
    def _attended_expression(cls):
        return (cls.status == RegistrationStatus.REGISTERED) & cls.checked_in_at.is_not(None)

    @property
    def is_active(self) -> bool:
        """Holds a seat or a place on the waitlist."""
        return self.status != RegistrationStatus.CANCELLED

    @property
    def can_be_checked_in(self) -> bool:
        """Only someone with a seat is checked in (or out) by the organiser."""
        return self.status == RegistrationStatus.REGISTERED

    @property
    def awaits_check_in(self) -> bool:
        """Has a seat and has not checked in yet."""
        return self.status == RegistrationStatus.REGISTERED and self.checked_in_at is None
