"""The mail outbox, people's choices of mail, and the periodic jobs' runs.

Every mail is a row of ``outbox`` written in the transaction of what caused
it (a notification, a reset request, a reminder); the background worker
delivers the rows (``hrdebate.mail.outbox``). A row names what to say, not
the text: the worker renders it in the reader's language when it sends, so
a request that tells 300 people writes 300 small rows and renders nothing."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from .user import User


class MailKind(Labelled):
    """What a mail is; each has its template ``mail/<kind>.txt``."""

    NOTIFICATION = "notification", _l("Notification")  # one ``Notification``
    REMINDER = "reminder", _l("Reminder")  # an event tomorrow (``event_id``)
    DIGEST = "digest", _l("Moderation digest")  # moderators: what waits for review
    RESET = "reset", _l("Password reset")  # a password reset link
    VERIFY = "verify", _l("Address confirmation")  # confirm ``to_address``


class OutboxStatus(Labelled):
    PENDING = "pending"  # to send at ``next_attempt_at`` (a worker holds it until then)
    SENT = "sent"        # the SMTP server accepted it
    FAILED = "failed"    # refused for good, or undeliverable for MAIL_GIVE_UP_HOURS
    DROPPED = "dropped"  # nothing to send any more (address removed or changed)


class OutboxMail(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(one_of("kind", MailKind.values()), name="kind"),
        CheckConstraint(one_of("status", OutboxStatus.values()), name="status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # A notification deleted before its mail left takes the mail with it.
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # Only for VERIFY: the address to confirm (any other mail goes to the
    # account's verified address as it is when the mail leaves).
    to_address: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(8), default=OutboxStatus.PENDING.value)
    # Claims so far (each claim is one attempt to send).
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class MailOptOut(db.Model):
    """A kind of mail a person asked not to receive (``/account/``, or the
    List-Unsubscribe link of such a mail). ``kind`` is a ``NotificationKind``
    or ``reminder`` or ``digest``; resets and verifications cannot be refused."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)


class JobRun(db.Model):
    """When each periodic job last ran (``hrdebate.jobs``): a daily job runs
    once a day however many workers and cron lines ask."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
