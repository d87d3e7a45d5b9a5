"""Discussion under moderation: comments, flags, the moderation log and the
watched-words list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .event import Event, _in
from .user import User

COMMENT_STATUSES = ("pending", "published", "rejected", "hidden", "deleted")
# Held back from the public: only the author and the club's moderators read them.
HELD_STATUSES = ("pending", "rejected", "hidden")
STANCES = ("for", "against", "neutral")
FLAG_REASONS = ("spam", "harassment", "personal_data", "off_topic", "misinformation", "other")
MAX_DEPTH = 3  # a top-level comment has depth 1; replies go down to depth 3
MODERATION_ACTIONS = (
    "approve", "reject", "hide", "restore", "auto_hide", "hold",
    "appeal_upheld", "appeal_dismissed", "warn", "mute", "ban", "unban",
)


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(_in("status", COMMENT_STATUSES), name="status"),
        CheckConstraint(f"depth BETWEEN 1 AND {MAX_DEPTH}", name="depth"),
        CheckConstraint("stance IS NULL OR " + _in("stance", STANCES), name="stance"),
        Index("ix_comments_event_id_status_created_at", "event_id", "status", "created_at"),
        Index("ix_comments_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # NULL once the author deletes their account (the text is erased too).
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    depth: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    stance: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="published")
    # Why a comment waits for review: pre_moderation, watched_word or flags.
    held_for: Mapped[str | None] = mapped_column(String(16))
    open_flags: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # One appeal against a rejection, decided by another moderator.
    appeal_message: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id])

    def readable_by(self, user, moderator: bool) -> bool:
        """May ``user`` read this comment? Held ones only for their author and
        the club's moderators (``moderator``)."""
        if self.status in HELD_STATUSES:
            return moderator or (user.is_authenticated and self.author_id == user.id)
        return True

    @property
    def appeal_pending(self) -> bool:
        return self.appealed_at is not None and self.appeal_decided_at is None


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id", name="uq_flags_comment_reporter"),
        CheckConstraint(_in("reason", FLAG_REASONS), name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))


class ModerationAction(db.Model):
    """Append-only: no route updates or deletes a row."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(_in("action", MODERATION_ACTIONS), name="action"),
        Index("ix_moderation_actions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for the system (three flags) or a moderator who has since left.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    action: Mapped[str] = mapped_column(String(20))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    comment: Mapped[Comment | None] = relationship()


class WatchedWord(db.Model):
    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(80), unique=True)  # stored case-folded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
