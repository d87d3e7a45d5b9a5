"""Comment rules (DESIGN §5): who is held for review, editing, deleting,
flagging and appealing. No Flask request objects here."""

import re
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    MAX_DEPTH,
    Comment,
    Event,
    Flag,
    ModerationAction,
    User,
    WatchedWord,
    utcnow,
)
from ..notifications.services import notify
from ..rules import RuleError
from ..text import render_markdown

EDIT_WINDOW = timedelta(minutes=15)
FLAGS_TO_HIDE = 3


# -- watched words ---------------------------------------------------------------------

def watched_words() -> list[str]:
    return list(db.session.scalars(select(WatchedWord.word).order_by(WatchedWord.word)))


@lru_cache(maxsize=64)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    if not words:
        return None
    # Whole words in any script: a word boundary is anything that is not a
    # letter, digit or underscore (\w is Unicode-aware in Python).
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def matches_watched_word(text: str, words: list[str] | None = None) -> bool:
    """Case-insensitive, whole-word match in Cyrillic and Latin alike."""
    words = watched_words() if words is None else words
    pattern = _word_pattern(tuple(w.casefold() for w in words))
    return bool(pattern and pattern.search(text.casefold()))


def add_watched_word(word: str) -> None:
    word = " ".join(word.split()).casefold()
    if word and not db.session.scalar(select(WatchedWord.id).where(WatchedWord.word == word)):
        db.session.add(WatchedWord(word=word))
        db.session.commit()


def remove_watched_word(word_id: int) -> None:
    word = db.session.get(WatchedWord, word_id)
    if word is not None:
        db.session.delete(word)
        db.session.commit()


# -- posting ------------------------------------------------------------------------------

def is_muted(user: User, now: datetime | None = None) -> bool:
    return user.muted_until is not None and user.muted_until > (now or utcnow())


def trusted(user: User) -> bool:
    return user.approved_comment_count >= current_app.config["TRUSTED_AFTER_APPROVED_COMMENTS"]


def check_can_comment(event: Event, user: User, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not event.is_published:
        raise RuleError("discussion_unavailable")
    if event.discussion_closed:
        raise RuleError("discussion_closed")
    if is_muted(user, now):
        raise RuleError("muted")
    if event.slow_mode_seconds:
        last = db.session.scalar(
            select(func.max(Comment.created_at)).where(
                Comment.event_id == event.id, Comment.author_id == user.id
            )
        )
        if last is not None and now - last < timedelta(seconds=event.slow_mode_seconds):
            raise RuleError("slow_mode")


def post_comment(event: Event, author: User, body: str, stance: str | None = None,
                 parent: Comment | None = None, now: datetime | None = None) -> Comment:
    """Publish at once, or hold for review (pre-moderation of an untrusted
    author, or a watched word)."""
    check_can_comment(event, author, now)
    if parent is not None:
        if parent.event_id != event.id or parent.status in ("deleted",):
            raise RuleError("cannot_reply")
        if parent.depth >= MAX_DEPTH:
            raise RuleError("too_deep")
    held_for = None
    if matches_watched_word(body):
        held_for = "watched_word"
    elif event.club.moderation_mode == "pre" and not trusted(author):
        held_for = "pre_moderation"
    comment = Comment(
        event_id=event.id, author_id=author.id, body=body, body_html=render_markdown(body),
        stance=stance if event.kind == "debate" else None,
        parent_id=parent.id if parent else None, depth=parent.depth + 1 if parent else 1,
        status="pending" if held_for else "published", held_for=held_for,
        created_at=now or utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    if comment.status == "published":
        notify_reply(comment)
    db.session.commit()
    return comment


def notify_reply(comment: Comment) -> None:
    """Tell the parent's author of a published reply (not themselves)."""
    if comment.parent_id is None:
        return
    parent_author = db.session.scalar(select(Comment.author_id).where(Comment.id == comment.parent_id))
    if parent_author and parent_author != comment.author_id:
        notify([parent_author], "reply", event_id=comment.event_id, comment_id=comment.id)


def edit_comment(comment: Comment, author: User, body: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if comment.author_id != author.id:
        raise RuleError("not_yours")
    if comment.status not in ("pending", "published") or now - comment.created_at > EDIT_WINDOW:
        raise RuleError("edit_window_over")
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = now
    if comment.status == "published" and matches_watched_word(body):
        comment.status, comment.held_for = "pending", "watched_word"
    db.session.commit()


def delete_comment(comment: Comment, author: User) -> None:
    """The author's own deletion: the text is erased, the thread keeps its place."""
    if comment.author_id != author.id:
        raise RuleError("not_yours")
    if comment.status == "deleted":
        return
    comment.status = "deleted"
    comment.body = ""
    comment.body_html = ""
    comment.appeal_message = None
    db.session.commit()


def flag_comment(comment: Comment, reporter: User, reason: str, note: str | None) -> None:
    """One flag per person and comment; three from different people hide a
    published comment until a moderator reviews it."""
    if is_muted(reporter):
        raise RuleError("muted")
    if comment.author_id == reporter.id:
        raise RuleError("own_comment")
    if comment.status != "published":
        raise RuleError("cannot_flag")
    exists = db.session.scalar(select(Flag.id).where(
        Flag.comment_id == comment.id, Flag.reporter_id == reporter.id))
    if exists:
        raise RuleError("already_flagged")
    db.session.add(Flag(comment_id=comment.id, reporter_id=reporter.id, reason=reason,
                        note=note or None))
    comment.open_flags += 1
    if comment.open_flags >= FLAGS_TO_HIDE:
        comment.status, comment.held_for = "hidden", "flags"
        db.session.add(ModerationAction(actor_id=None, action="auto_hide", comment_id=comment.id,
                                        event_id=comment.event_id,
                                        target_user_id=comment.author_id,
                                        reason="three_flags"))
    db.session.commit()


def appeal(comment: Comment, author: User, message: str) -> None:
    """An author may appeal a rejection once."""
    if comment.author_id != author.id:
        raise RuleError("not_yours")
    if comment.status != "rejected":
        raise RuleError("cannot_appeal")
    if comment.appealed_at is not None:
        raise RuleError("already_appealed")
    comment.appeal_message = message
    comment.appealed_at = utcnow()
    db.session.commit()


def set_discussion(event: Event, closed: bool, slow_mode_seconds: int) -> None:
    event.discussion_closed = closed
    event.slow_mode_seconds = max(0, slow_mode_seconds)
    db.session.commit()
