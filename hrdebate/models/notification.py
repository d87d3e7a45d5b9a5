"""In-app notifications: one mechanism for every kind of news to a user."""

from __future__ import annotations

import json
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
    # The organisers wrote to an event's people (``subject``, the text in ``detail``).
    ORGANISER_MESSAGE = "organiser_message"
    # A published event moved in time or place (``detail``: ``Notification.changes``).
    EVENT_CHANGED = "event_changed"


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
    # An organiser's message's subject line.
    subject: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event | None] = relationship()
    invitation: Mapped[ClubInvitation | None] = relationship()
    club: Mapped[Club | None] = relationship()

    @property
    def changes(self) -> dict:
        """An EVENT_CHANGED notification's changes: ``{"starts_at": [old, new],
        "ends_at": [...], "venue": [...], "online": [old, new]}``, times as
        aware datetimes (UTC), shown in Bishkek time in each reader's language."""
        if self.kind != NotificationKind.EVENT_CHANGED or not self.detail:
            return {}
        try:
            stored = json.loads(self.detail)
        except ValueError:
            return {}
        if not isinstance(stored, dict):
            return {}
        changes = {}
        for name, pair in stored.items():
            if not (isinstance(pair, list) and len(pair) == 2):
                continue
            if name in ("starts_at", "ends_at"):
                try:
                    pair = [datetime.fromisoformat(value) for value in pair]
                except (TypeError, ValueError):
                    continue
            changes[name] = pair
        return changes


def merge_changes(earlier: dict, later: dict) -> dict:
    """One unread EVENT_CHANGED notice told of two changes in a row (stored
    form, as in ``detail``): each field keeps the ORIGINAL old value and
    takes the latest new one. A field changed back to where it was is told
    as a change from what the person was last told ("Hall C → AUCA"): they
    may have read the earlier notice's mail, so the undoing is news too.
    ``online_link`` (``[True, True]``: the link of an online event changed;
    the link itself is only on the event's page) stays unless the event
    stopped or started being online meanwhile; an event that went offline
    and back online is told its link may have changed."""
    merged = {}
    for name in list(earlier) + [n for n in later if n not in earlier]:
        if name == "online_link":
            continue
        old = earlier[name][0] if name in earlier else later[name][0]
        new = later[name][1] if name in later else earlier[name][1]
        if old == new and name in earlier and name in later:
            old = earlier[name][1]  # undone: from what they were last told
        if old != new:
            merged[name] = [old, new]
    if "online" not in merged and ("online_link" in earlier or "online_link" in later
                                   or "online" in earlier or "online" in later):
        # Online at both ends (else the link was never there to tell of).
        was_online = earlier.get("online", later.get("online", [True]))[0]
        if was_online is True:
            merged["online_link"] = [True, True]
    return merged
