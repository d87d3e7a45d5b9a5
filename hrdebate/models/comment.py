"""Discussion under moderation: comments, flags, the moderation log and the
watched-words list. The comment's fixed lists live here, each one
``Labelled`` enumeration (the stored values, with their labels), and so do
the comment's rules that templates ask too: who may edit, reply, appeal,
and which moderation decisions a comment allows."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..rules import Refusal
from .club import Club
from .event import Event
from .user import User


class CommentStatus(Labelled):
    """Shown through whole sentences in the thread and the queue, never as a
    bare word: no labels."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    DELETED = "deleted"


class Stance(Labelled):
    FOR = "for", _l("For the motion")
    AGAINST = "against", _l("Against the motion")
    NEUTRAL = "neutral", _l("Neutral")


class FlagReason(Labelled):
    SPAM = "spam", _l("Spam or advertising")
    HARASSMENT = "harassment", _l("Harassment or hate")
    PERSONAL_DATA = "personal_data", _l("Personal data of someone")
    OFF_TOPIC = "off_topic", _l("Off-topic")
    MISINFORMATION = "misinformation", _l("Misinformation")
    OTHER = "other", _l("Something else")


class HeldFor(Labelled):
    """Why a comment waits for a moderator."""

    PRE_MODERATION = "pre_moderation", _l("Pre-moderation")
    WATCHED_WORD = "watched_word", _l("Watched word")
    FLAGS = "flags", _l("Hidden after flags")


class ModerationDecision(Labelled):
    """What a moderator decides on one comment (DESIGN §6: ``action``)."""

    APPROVE = "approve", _l("Approve")
    REJECT = "reject", _l("Reject")
    HIDE = "hide", _l("Hide")
    RESTORE = "restore", _l("Restore")
    # A comment flagged but still published: the flags are dismissed and it
    # stays as it is (issue #12).
    KEEP = "keep", _l("Keep: dismiss the flags")


class Sanction(Labelled):
    """What a site moderator does to a person."""

    WARN = "warn", _l("Warn")
    MUTE = "mute", _l("Mute for some days")
    BAN = "ban", _l("Ban")
    UNBAN = "unban", _l("Lift the ban")
    UNMUTE = "unmute", _l("Lift the mute")


class LoggedAction(Labelled):
    """Every kind of entry of the moderation log."""

    APPROVE = "approve", ModerationDecision.APPROVE.label
    REJECT = "reject", ModerationDecision.REJECT.label
    HIDE = "hide", ModerationDecision.HIDE.label
    RESTORE = "restore", ModerationDecision.RESTORE.label
    AUTO_HIDE = "auto_hide", _l("Hidden automatically")
    HOLD = "hold", _l("Held for review")
    APPEAL_UPHELD = "appeal_upheld", _l("Appeal upheld")
    APPEAL_DISMISSED = "appeal_dismissed", _l("Appeal dismissed")
    WARN = "warn", _l("Warning")
    MUTE = "mute", _l("Mute")
    BAN = "ban", _l("Ban")
    UNBAN = "unban", _l("Ban lifted")
    UNMUTE = "unmute", _l("Mute lifted")
    # An admin's actions (hrdebate/admin, clubs verification).
    MADE_CITIZEN = "made_citizen", _l("Site role: citizen")
    MADE_MODERATOR = "made_moderator", _l("Site role: site moderator")
    MADE_ADMIN = "made_admin", _l("Site role: admin")
    SESSIONS_ENDED = "sessions_ended", _l("Logged out everywhere")
    CLUB_VERIFIED = "club_verified", _l("Club verified")
    CLUB_UNVERIFIED = "club_unverified", _l("Club verification withdrawn")
    CLUB_REFUSED = "club_refused", _l("Club verification refused")
    KEEP = "keep", _l("Flags dismissed")
    CLOSE = "close", _l("Discussion closed")
    REOPEN = "reopen", _l("Discussion reopened")
    SLOW_MODE = "slow_mode", _l("Slow mode changed")


class ConductRule(Labelled):
    """The rules of the code of conduct a moderator's decision cites, each
    with its anchor on the code-of-conduct page (templates/main/conduct.html)."""

    def __new__(cls, value: str, label, anchor: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.anchor = anchor
        return member

    RESPECT = "respect", _l("Respect people"), "respect"
    PRIVACY = "privacy", _l("Protect privacy"), "privacy"
    TRUTH = "truth", _l("Stay honest"), "truth"
    TOPIC = "topic", _l("Stay on topic"), "topic"
    SAFETY = "safety", _l("Keep everyone safe"), "law"


class SystemReason(Labelled):
    """Reasons the system gives for what it decides alone."""

    THREE_FLAGS = "three_flags", _l("Three people flagged it")
    EDIT_HELD = "edit_held", _l("Edited after publication: waits for review again")


# Held back from the public: only the author and the club's moderators read them.
HELD_STATUSES = (CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.HIDDEN)
MAX_DEPTH = 3  # a top-level comment has depth 1; replies go down to depth 3
EDIT_WINDOW = timedelta(minutes=15)  # an author edits a comment in its first 15 minutes
FLAGS_TO_HIDE = 3  # flags from different people that hide a published comment


def may_wait(table: str = "") -> str:
    """The comments that may wait for a moderator (held, flagged, or
    rejected with an appeal; the moderation queue decides which do: a
    flagged one waits while a flag is open) as SQL, with ``table``
    naming the comments table: the predicate of the partial index
    ``ix_comments_waiting``, which the queue's statements repeat word for
    word (SQLite uses a partial index only for a query that says its
    predicate; literal values, so that PostgreSQL's generic plans can too)."""
    c = f"{table}." if table else ""
    return (f"{c}status = 'pending' "
            f"OR ({c}open_flags > 0 AND {c}status IN ('published', 'hidden')) "
            f"OR ({c}status = 'rejected' AND {c}appealed_at IS NOT NULL "
            f"AND {c}appeal_decided_at IS NULL)")

# The one table of moderation decisions: the statuses each applies to, the
# status it leads to and the notification its author gets. The moderation
# service decides with it; the queue shows the buttons it allows
# (``Comment.moderation_actions``).
TRANSITIONS = {
    ModerationDecision.APPROVE: ((CommentStatus.PENDING,), CommentStatus.PUBLISHED,
                                 "comment_approved"),
    ModerationDecision.REJECT: ((CommentStatus.PENDING,), CommentStatus.REJECTED,
                                "comment_rejected"),
    ModerationDecision.HIDE: ((CommentStatus.PUBLISHED,), CommentStatus.HIDDEN,
                              "comment_hidden"),
    ModerationDecision.RESTORE: ((CommentStatus.HIDDEN,), CommentStatus.PUBLISHED,
                                 "comment_restored"),
    # Offered only on a flagged published comment (``Comment.moderation_actions``);
    # nothing changes for its author, who is not told (nor that it was flagged).
    ModerationDecision.KEEP: ((), CommentStatus.PUBLISHED, None),
}


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(one_of("status", CommentStatus.values()), name="status"),
        CheckConstraint(f"depth BETWEEN 1 AND {MAX_DEPTH}", name="depth"),
        CheckConstraint("stance IS NULL OR " + one_of("stance", Stance.values()), name="stance"),
        Index("ix_comments_event_id_status_created_at", "event_id", "status", "created_at"),
        # A thread's pages of top-level comments, and its replies (depth > 1),
        # read through the event: never through the status of every comment.
        Index("ix_comments_event_id_depth_created_at", "event_id", "depth", "created_at"),
        # The replies of a comment, and whether one is published (the
        # thread's placeholders); the foreign key's cascade uses it too.
        Index("ix_comments_parent_id_status", "parent_id", "status"),
        Index("ix_comments_status_created_at", "status", "created_at"),
        # The queue finds flagged comments among the published ones by this.
        Index("ix_comments_open_flags", "open_flags"),
        # What the moderation queue reads (its page, counts, filter choices,
        # the menu's badge): the few comments that may wait, with the columns
        # it asks, never the published many.
        Index("ix_comments_waiting", "event_id", "status", "open_flags", "appealed_at",
              "appeal_decided_at", "decided_by_id", "edited_at", "created_at", "id",
              sqlite_where=text(may_wait()), postgresql_where=text(may_wait())),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # NULL once the author deletes their account (the text is erased too).
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE")
    )
    depth: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    stance: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="published")
    # Why a comment waits for review: a HeldFor value.
    held_for: Mapped[str | None] = mapped_column(String(16))
    open_flags: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                      index=True)
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
            return moderator or self.written_by(user)
        return True

    def written_by(self, user) -> bool:
        return user is not None and user.is_authenticated and self.author_id == user.id

    # -- the author's changes ----------------------------------------------------------

    def edit_refusal(self, user, now: datetime | None = None) -> Refusal | None:
        """Why ``user`` may not edit this comment now, or None: only its
        author, while it is published, in its first 15 minutes. A comment
        waiting for review does not change under the moderator reading it:
        what is approved is what was read."""
        if not self.written_by(user):
            return Refusal.NOT_YOURS
        if self.status == CommentStatus.PENDING:
            return Refusal.COMMENT_HELD
        if self.status != CommentStatus.PUBLISHED \
                or (now or utcnow()) - self.created_at > EDIT_WINDOW:
            return Refusal.EDIT_WINDOW_OVER
        return None

    def editable_by(self, user, now: datetime | None = None) -> bool:
        return self.edit_refusal(user, now) is None

    @property
    def held_after_edit(self) -> bool:
        """Waiting for review because its author edited it once it was
        published (only a published comment can be edited)."""
        return self.status == CommentStatus.PENDING and self.edited_at is not None

    def appeal_refusal(self, user) -> Refusal | None:
        """Why ``user`` may not appeal this comment's rejection, or None: its
        author may appeal a rejection once."""
        if not self.written_by(user):
            return Refusal.NOT_YOURS
        if self.status != CommentStatus.REJECTED:
            return Refusal.CANNOT_APPEAL
        if self.appealed_at is not None:
            return Refusal.ALREADY_APPEALED
        return None

    def appealable_by(self, user) -> bool:
        return self.appeal_refusal(user) is None

    # -- replies ---------------------------------------------------------------------------

    def reply_refusal(self) -> Refusal | None:
        """Why nobody may reply to this comment, or None: replies go down to
        ``MAX_DEPTH`` and never under a deleted comment."""
        if self.status == CommentStatus.DELETED:
            return Refusal.CANNOT_REPLY
        if self.depth >= MAX_DEPTH:
            return Refusal.TOO_DEEP
        return None

    @property
    def takes_replies(self) -> bool:
        return self.reply_refusal() is None

    # -- moderation ------------------------------------------------------------------------

    @property
    def appeal_pending(self) -> bool:
        return self.appealed_at is not None and self.appeal_decided_at is None

    def moderation_actions(self) -> tuple[ModerationDecision, ...]:
        """The decisions a moderator may take on this comment now, read from
        ``TRANSITIONS``. On an appealed rejection, approve upholds the appeal
        and reject dismisses it; a comment hidden by flags may be kept hidden
        (hide) or restored."""
        if self.status == CommentStatus.REJECTED and self.appeal_pending:
            return (ModerationDecision.APPROVE, ModerationDecision.REJECT)
        actions = tuple(decision for decision, (start, _end, _kind) in TRANSITIONS.items()
                        if self.status in start)
        if self.status == CommentStatus.HIDDEN and self.held_for == HeldFor.FLAGS:
            actions = (ModerationDecision.HIDE, *actions)
        if self.flagged_but_visible:  # keep it (the flags dismissed) or hide it
            actions = (ModerationDecision.KEEP, *actions)
        return actions

    @property
    def flagged_but_visible(self) -> bool:
        """Published, with flags nobody has reviewed yet (fewer than
        ``FLAGS_TO_HIDE``, or it would be hidden): in the queue, still public."""
        return self.status == CommentStatus.PUBLISHED and (self.open_flags or 0) > 0

    def appeal_needs_another_moderator(self, user) -> bool:
        """An appeal goes to a different moderator than the one who rejected."""
        return self.status == CommentStatus.REJECTED and self.appeal_pending \
            and user is not None and self.decided_by_id == user.id


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_id", name="uq_flags_comment_reporter"),
        CheckConstraint(one_of("reason", FlagReason.values()), name="reason"),
        # A comment's open flags and their reasons (the moderation queue asks
        # whether it has any, of a reason).
        Index("ix_flags_open", "comment_id", "reason", sqlite_where=text("resolved_at IS NULL"),
              postgresql_where=text("resolved_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"),
                                            index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                    index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))


class ModerationAction(db.Model):
    """Append-only: no route updates or deletes a row."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(one_of("action", LoggedAction.values()), name="action"),
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
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"),
                                                 index=True)
    # The club an admin verified or refused (``LoggedAction.CLUB_*``).
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id", ondelete="SET NULL"),
                                                index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    comment: Mapped[Comment | None] = relationship()
    club: Mapped[Club | None] = relationship()
    event: Mapped[Event | None] = relationship()


class WatchedWord(db.Model):
    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(80), unique=True)  # stored case-folded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
