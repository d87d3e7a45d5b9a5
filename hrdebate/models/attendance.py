"""What protects the demographic tables across reports (DESIGN §8): the
random record keys of the cell-key method, and the append-only log of the
attendance changes made after an event.

Record keys: every account and every registration gets a random number
0..255 when it is created, never shown and never changed. The turnout report
adds up the keys of the people in a demographic cell (modulo 256) to choose
that cell's noise (``turnout.perturbation``): the same people always get the
same noise, different people unrelated noise. A person is their account, so an
account holder's key is the account's; a walk-in's, or the key of a
registration whose account was deleted, is the registration's."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from .registration import Registration
    from .user import User

RECORD_KEYS = 256  # a record key is 0..RECORD_KEYS - 1
RECORD_KEY_RANGE = f"record_key >= 0 AND record_key < {RECORD_KEYS}"
REASON_LENGTH = 300  # the longest reason an admin gives for a correction


def new_record_key() -> int:
    """A record key, from the operating system's cryptographic randomness:
    nobody may predict it, or they could take the noise off a cell."""
    return secrets.randbelow(RECORD_KEYS)


class AttendanceAction(Labelled):
    """What an attendance change did."""

    CHECK_IN = "check_in", _l("check-in recorded")
    UNDO_CHECK_IN = "undo_check_in", _l("check-in undone")
    WALK_IN = "walk_in", _l("walk-in added")


class AttendanceChange(db.Model):
    """One change to an event's attendance made after the event had ended, by
    anyone (an organiser, an admin correcting final attendance with a reason,
    a late self check-in). Append-only: nothing updates or deletes a row, but
    the database, when its event is deleted (the row goes with it) or the
    registration or the account behind it is (the link is emptied)."""

    __tablename__ = "attendance_changes"
    __table_args__ = (CheckConstraint(one_of("action", AttendanceAction.values()), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration | None] = relationship()
    actor: Mapped[User | None] = relationship()
