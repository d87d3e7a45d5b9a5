"""In-app notifications: one mechanism for every kind of news to a user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .club import Club, ClubInvitation
from .event import Event


class NotificationKind(Labelled):
    """Every kind of news to a user. A kind has no label of its own: each is
    told in a whole sentence (``_macros/notifications.html``), which names
    its event."""

    NEW_EVENT = "new_event"
    EVENT_CANCELLED = "event_cancelled"
    WAITLIST_PROMOTED = "waitlist_promoted"
    REPLY = "reply"
    COMMENT_APPROVED = "comment_approved"
    COMMENT_REJECTED = "comment_rejected"
    COMMENT_HIDDEN = "comment_hidden"
    COMMENT_RESTORED = "comment_restored"
    APPEAL_UPHELD = "appeal_upheld"
    APPEAL_DISMISSED = "appeal_dismissed"
    WARNED = "warned"
    MUTED = "muted"
    BANNED = "banned"
    CLUB_INVITATION = "club_invitation"
    CLUB_VERIFIED = "club_verified"
    CLUB_REFUSED = "club_refused"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("club_invitations.id", ondelete="CASCADE"), index=True)
    # The club a notification is about (``CLUB_VERIFIED``, ``CLUB_REFUSED``).
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"),
                                                index=True)
    # Free text a kind may carry, such as a moderator's reason.
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event | None] = relationship()
    invitation: Mapped[ClubInvitation | None] = relationship()
    club: Mapped[Club | None] = relationship()
