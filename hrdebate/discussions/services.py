"""Comment rules (DESIGN §5): who is held for review, posting, editing,
deleting, flagging and appealing, and the organisers' settings. No Flask
request objects here; these functions add and flush, and the request (or the
caller: the demo, a job, a test) commits once."""

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from ..access import can_moderate_club
from ..extensions import db
from ..idempotent import RESENT_WITHIN, insert_once
from ..models import (
    Comment,
    Event,
    Flag,
    ModerationAction,
    ModerationMode,
    User,
    WatchedWord,
    utcnow,
)
from ..models.comment import (
    FLAGS_TO_HIDE,
    CommentStatus,
    HeldFor,
    LoggedAction,
    SystemReason,
)
from ..notifications.services import notify
from ..rules import Refusal, RuleError, refuse
from ..text import render_markdown
from ..unit_of_work import lock_row
from . import watched

# -- watched words ---------------------------------------------------------------------

def watched_words() -> list[str]:
    return list(db.session.scalars(select(WatchedWord.word).order_by(WatchedWord.word)))


def watched_word_rows() -> list:
    """(id, word) of every watched word, for the admins' list."""
    return db.session.execute(select(WatchedWord.id, WatchedWord.word)
                              .order_by(WatchedWord.word)).all()


def matches_watched_word(text: str, words: list[str] | None = None) -> bool:
    """Does the Markdown ``text``, as readers see it, hold a watched word
    (``watched.matches``: word starts, endings, ``stem*``, the search's fold)?"""
    return watched.matches(text, watched_words() if words is None else words)


def add_watched_word(word: str) -> str:
    """Put a word or phrase on the list (once); returns it as stored: its
    words as ``watched.entry_words`` reads them, a star kept at a word's end."""
    word = " ".join(watched.entry_words(word))
    if word:
        insert_once(WatchedWord, {"word": word}, key=("word",))
    return word


def remove_watched_word(word_id: int) -> str | None:
    """Take a word off the list; returns it, or None if there is no such word."""
    word = db.session.get(WatchedWord, word_id)
    if word is None:
        return None
    db.session.delete(word)
    db.session.flush()
    return word.word


# -- who may comment, and what is held ---------------------------------------------------

def trusted(user: User) -> bool:
    return user.approved_comment_count >= current_app.config["TRUSTED_AFTER_APPROVED_COMMENTS"]


def hold_reason(event: Event, author: User, body: str) -> HeldFor | None:
    """Why a text by ``author`` waits for a moderator, or None to publish it
    at once: a watched word anywhere; in a pre-moderated club, an author not
    yet trusted. The one rule for new comments and edits alike (DESIGN §8:
    an edit is moderated like a new post)."""
    if matches_watched_word(body):
        return HeldFor.WATCHED_WORD
    if event.club.moderation_mode == ModerationMode.PRE and not trusted(author):
        return HeldFor.PRE_MODERATION
    return None


def comment_refusal(event: Event, user, now: datetime | None = None) -> Refusal | None:
    """Why ``user`` cannot comment on the event now, or None. Slow mode is
    checked only on posting (``check_can_comment``)."""
    if not event.is_published:
        return Refusal.DISCUSSION_UNAVAILABLE
    if event.discussion_closed:
        return Refusal.DISCUSSION_CLOSED
    if user.is_authenticated and user.is_muted(now):
        return Refusal.MUTED
    return None


def slow_mode_wait(event: Event, user: User, now: datetime | None = None) -> int:
    """Seconds ``user`` must still wait before posting on the event in slow
    mode (0: they may post now)."""
    if not event.slow_mode_seconds or not user.is_authenticated:
        return 0
    now = now or utcnow()
    last = db.session.scalar(
        select(func.max(Comment.created_at)).where(
            Comment.event_id == event.id, Comment.author_id == user.id
        )
    )
    if last is None:
        return 0
    left = timedelta(seconds=event.slow_mode_seconds) - (now - last)
    return max(0, math.ceil(left.total_seconds()))


def posting_refusal(event: Event, user: User, now: datetime | None = None) -> Refusal | None:
    """Why ``user`` cannot post on the event right now, slow mode included
    (``slow_mode_wait`` says for how long)."""
    now = now or utcnow()
    refusal = comment_refusal(event, user, now)
    if refusal or not event.slow_mode_seconds:
        return refusal
    if slow_mode_wait(event, user, now) > 0:
        return Refusal.SLOW_MODE
    return None


def check_can_comment(event: Event, user: User, now: datetime | None = None) -> None:
    refuse(posting_refusal(event, user, now))


def reply_parent(event: Event, parent_id: int | None, author: User) -> Comment | None:
    """The comment a reply answers: one of this event's that the author may
    read and that takes replies (else a refusal); None for a top-level comment."""
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id) if parent_id > 0 else None
    if parent is None or parent.event_id != event.id \
            or not parent.readable_by(author, can_moderate_club(author, event.club_id)):
        raise RuleError(Refusal.CANNOT_REPLY)
    refuse(parent.reply_refusal())
    return parent


# -- posting ------------------------------------------------------------------------------

def just_posted(event: Event, author: User, body: str, parent_id: int | None,
                now: datetime | None = None) -> Comment | None:
    """The comment a resent form already wrote, if this is one: the same
    text, by the same author, under the same parent, in the last minute.
    The author's row is locked first, so that of ten identical posts at once
    one writes and the other nine find it."""
    lock_row(User, author.id)
    since = (now or utcnow()) - RESENT_WITHIN
    return db.session.scalars(
        select(Comment).where(
            Comment.event_id == event.id, Comment.author_id == author.id,
            Comment.parent_id == parent_id if parent_id else Comment.parent_id.is_(None),
            Comment.body == body, Comment.created_at >= since,
            Comment.status != CommentStatus.DELETED)
        .order_by(Comment.id.desc()).limit(1)
    ).first()


def post_comment(event: Event, author: User, body: str, stance: str | None = None,
                 parent_id: int | None = None, now: datetime | None = None) -> Comment:
    """Publish at once, or hold for review (``hold_reason``)."""
    check_can_comment(event, author, now)
    parent = reply_parent(event, parent_id, author)
    held_for = hold_reason(event, author, body)
    comment = Comment(
        event_id=event.id, author_id=author.id, body=body, body_html=render_markdown(body),
        stance=stance if event.is_debate and parent is None else None,
        parent_id=parent.id if parent else None, depth=parent.depth + 1 if parent else 1,
        status=CommentStatus.PENDING if held_for else CommentStatus.PUBLISHED,
        held_for=held_for, created_at=now or utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    if comment.status == CommentStatus.PUBLISHED:
        notify_reply(comment)
    return comment


def notify_reply(comment: Comment) -> None:
    """Tell the parent's author of a published reply (not themselves)."""
    if comment.parent_id is None:
        return
    parent_author = db.session.scalar(select(Comment.author_id).where(Comment.id == comment.parent_id))
    if parent_author and parent_author != comment.author_id:
        notify([parent_author], "reply", event_id=comment.event_id, comment_id=comment.id)


# -- the author's own comment -------------------------------------------------------------

def edit_refusal(comment: Comment, user, now: datetime | None = None) -> Refusal | None:
    """Why ``user`` may not edit the comment now, or None: the comment's own
    rule (``Comment.edit_refusal``: its author, published, first 15 minutes),
    then what refuses a new comment on its event (a mute, a closed or
    unpublished discussion): an edit is a post (DESIGN §8)."""
    return comment.edit_refusal(user, now) or comment_refusal(comment.event, user, now)


def check_editable(comment: Comment, user: User, now: datetime | None = None) -> None:
    refuse(edit_refusal(comment, user, now))


def edit_comment(comment: Comment, author: User, body: str, now: datetime | None = None) -> None:
    """Change the text in the first 15 minutes. What would be held as a new
    comment is held again (``hold_reason``), even after a moderator approved
    it: the comment waits, hidden from the public like any held comment (its
    replies keep their place), and the hold is logged as the system's."""
    now = now or utcnow()
    check_editable(comment, author, now)
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = now
    held_for = hold_reason(comment.event, author, body)
    if held_for:
        comment.status, comment.held_for = CommentStatus.PENDING, held_for
        db.session.add(ModerationAction(
            actor_id=None, action=LoggedAction.HOLD, comment_id=comment.id,
            event_id=comment.event_id, target_user_id=comment.author_id,
            reason=SystemReason.EDIT_HELD))
    db.session.flush()


def delete_comment(comment: Comment, author: User) -> None:
    """The author's own deletion: the text is erased, the thread keeps its place."""
    if not comment.written_by(author):
        raise RuleError(Refusal.NOT_YOURS)
    if comment.status == CommentStatus.DELETED:
        return
    comment.status = CommentStatus.DELETED
    comment.body = ""
    comment.body_html = ""
    comment.appeal_message = None
    db.session.flush()


def check_appealable(comment: Comment, user: User) -> None:
    refuse(comment.appeal_refusal(user))


def appeal(comment: Comment, author: User, message: str) -> None:
    """An author may appeal a rejection once."""
    check_appealable(comment, author)
    comment.appeal_message = message
    comment.appealed_at = utcnow()
    db.session.flush()


# -- flags ----------------------------------------------------------------------------------

def flag_comment(comment: Comment, reporter: User, reason: str, note: str | None) -> None:
    """One flag per person and comment; ``FLAGS_TO_HIDE`` from different
    people hide a published comment until a moderator reviews it. Flagging
    again is answered like the first flag, and changes nothing.

    Safe under concurrency: the count is raised in SQL and read back from
    the same statement, so flags sent at the same instant on several workers
    are all counted and exactly one of them hides the comment."""
    if reporter.is_muted():
        raise RuleError(Refusal.MUTED)
    if comment.written_by(reporter):
        raise RuleError(Refusal.OWN_COMMENT)
    # Hidden by flags a moment ago (the fifth flag came first): this flag
    # counts too, for the moderator who reviews it.
    hidden_by_flags = comment.status == CommentStatus.HIDDEN and comment.held_for == HeldFor.FLAGS
    if comment.status != CommentStatus.PUBLISHED and not hidden_by_flags:
        raise RuleError(Refusal.CANNOT_FLAG)
    _flag, new = insert_once(Flag, {"comment_id": comment.id, "reporter_id": reporter.id,
                                    "reason": reason, "note": note or None},
                             key=("comment_id", "reporter_id"))
    if not new:  # their flag stands (a double click, or flagging again): counted once
        return
    flags = db.session.scalar(
        update(Comment).where(Comment.id == comment.id)
        .values(open_flags=Comment.open_flags + 1).returning(Comment.open_flags)
        .execution_options(synchronize_session=False))
    hidden = flags >= FLAGS_TO_HIDE and db.session.scalar(
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == CommentStatus.PUBLISHED)
        .values(status=CommentStatus.HIDDEN, held_for=HeldFor.FLAGS).returning(Comment.id)
        .execution_options(synchronize_session=False))
    if hidden:
        db.session.add(ModerationAction(
            actor_id=None, action=LoggedAction.AUTO_HIDE, comment_id=comment.id,
            event_id=comment.event_id, target_user_id=comment.author_id,
            reason=SystemReason.THREE_FLAGS))
    db.session.flush()
    db.session.expire(comment, ["open_flags", "status", "held_for"])


# -- organisers' and moderators' settings -------------------------------------------

def set_discussion(event: Event, closed: bool, slow_mode_seconds: int,
                   actor: User | None = None) -> None:
    """Close or reopen the discussion, set its slow mode. What changes is
    written to the moderation log (the club's moderators read it there)."""
    slow_mode_seconds = max(0, slow_mode_seconds)
    changes = []
    if bool(event.discussion_closed) != bool(closed):
        changes.append((LoggedAction.CLOSE if closed else LoggedAction.REOPEN, None))
    if (event.slow_mode_seconds or 0) != slow_mode_seconds:
        changes.append((LoggedAction.SLOW_MODE, str(slow_mode_seconds)))
    event.discussion_closed = closed
    event.slow_mode_seconds = slow_mode_seconds
    for action, reason in changes:
        db.session.add(ModerationAction(actor_id=actor.id if actor else None, action=action,
                                        event_id=event.id, reason=reason))
    db.session.flush()
