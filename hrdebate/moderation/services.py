"""Moderation decisions and sanctions. Every decision is written to the
append-only log and told to the person concerned, with its reason; reporters
are never named. No Flask request objects here."""

from datetime import datetime, timedelta

from sqlalchemy import update

from ..extensions import db
from ..models import Comment, Flag, ModerationAction, User, utcnow
from ..notifications.services import notify
from ..rules import RuleError

# action: (statuses it applies to, new status, notification kind)
TRANSITIONS = {
    "approve": (("pending",), "published", "comment_approved"),
    "reject": (("pending",), "rejected", "comment_rejected"),
    "hide": (("published",), "hidden", "comment_hidden"),
    "restore": (("hidden",), "published", "comment_restored"),
}
ACTIONS = tuple(TRANSITIONS)


def _log(actor: User | None, action: str, *, comment: Comment | None = None,
         target: User | None = None, reason: str | None = None,
         until: datetime | None = None) -> None:
    db.session.add(ModerationAction(
        actor_id=actor.id if actor else None, action=action,
        comment_id=comment.id if comment else None,
        event_id=comment.event_id if comment else None,
        target_user_id=target.id if target else (comment.author_id if comment else None),
        reason=reason or None, until=until,
    ))


def decide(comment: Comment, moderator: User, action: str, reason: str | None = None,
           now: datetime | None = None) -> None:
    """approve, reject, hide or restore a comment; on an appealed rejection,
    approve upholds the appeal and reject dismisses it."""
    now = now or utcnow()
    if comment.appeal_pending:
        _decide_appeal(comment, moderator, action, reason, now)
        return
    if action not in TRANSITIONS:
        raise RuleError("cannot_moderate")
    allowed, new_status, kind = TRANSITIONS[action]
    # A comment hidden by three flags waits for a moderator, who may keep it
    # hidden (hide) or restore it.
    confirms_flags = action == "hide" and comment.status == "hidden" and comment.held_for == "flags"
    if comment.status not in allowed and not confirms_flags:
        raise RuleError("cannot_moderate")
    if action == "approve" and comment.author is not None:
        comment.author.approved_comment_count += 1
    comment.status = new_status
    comment.held_for = None if action in ("approve", "restore", "hide") else comment.held_for
    comment.decided_at, comment.decided_by_id = now, moderator.id
    comment.decision_reason = reason or None
    if action in ("approve", "restore", "hide"):
        _resolve_flags(comment, action, now)
        comment.open_flags = 0 if action != "hide" else comment.open_flags
    _log(moderator, action, comment=comment, reason=reason)
    if comment.author_id:
        notify([comment.author_id], kind, event_id=comment.event_id, comment_id=comment.id,
               detail=reason or None)
    if action == "approve":
        from ..discussions.services import notify_reply

        notify_reply(comment)
    db.session.commit()


def _decide_appeal(comment: Comment, moderator: User, action: str, reason: str | None,
                   now: datetime) -> None:
    if action not in ("approve", "reject"):
        raise RuleError("cannot_moderate")
    if comment.decided_by_id == moderator.id:
        raise RuleError("same_moderator")
    upheld = action == "approve"
    comment.appeal_decided_at = now
    comment.decided_at, comment.decided_by_id = now, moderator.id
    comment.decision_reason = reason or None
    if upheld:
        comment.status = "published"
        if comment.author is not None:
            comment.author.approved_comment_count += 1
    kind = "appeal_upheld" if upheld else "appeal_dismissed"
    _log(moderator, kind, comment=comment, reason=reason)
    if comment.author_id:
        notify([comment.author_id], kind, event_id=comment.event_id, comment_id=comment.id,
               detail=reason or None)
    db.session.commit()


def _resolve_flags(comment: Comment, resolution: str, now: datetime) -> None:
    db.session.execute(
        update(Flag).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution)
    )


# -- sanctions -----------------------------------------------------------------------------

SANCTIONS = ("warn", "mute", "ban", "unban")


def sanction(target: User, moderator: User, kind: str, reason: str,
             days: int | None = None, now: datetime | None = None) -> None:
    """Warn; mute for some days (no commenting, flagging or voting); ban
    (no login, every session ended); or lift a ban."""
    now = now or utcnow()
    if kind not in SANCTIONS:
        raise RuleError("cannot_moderate")
    if target.id == moderator.id or target.is_admin:
        raise RuleError("cannot_sanction")
    until = None
    if kind == "mute":
        until = now + timedelta(days=max(1, days or 1))
        target.muted_until = until
    elif kind == "ban":
        target.banned = True
        target.end_other_sessions()
    elif kind == "unban":
        target.banned = False
    _log(moderator, kind, target=target, reason=reason, until=until)
    if kind != "unban":
        notify([target.id], {"warn": "warned", "mute": "muted", "ban": "banned"}[kind],
               detail=reason)
    db.session.commit()
