"""Moderation decisions and sanctions. Every decision is written to the
append-only log and told to the person concerned, with its reason; reporters
are never named. No Flask request objects here; these functions add and
flush, and the request (or the caller) commits once."""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..discussions.services import notify_reply
from ..extensions import db
from ..idempotent import RESENT_WITHIN
from ..models import Comment, Event, Flag, ModerationAction, User, utcnow
from ..models.comment import (
    TRANSITIONS,
    CommentStatus,
    LoggedAction,
    ModerationDecision,
    Sanction,
)
from ..notifications.services import notify
from ..rules import Refusal, RuleError, refuse
from ..unit_of_work import lock_and_reread, lock_row

# The notification a person gets for each sanction (an unban is not told).
SANCTION_NOTICES = {Sanction.WARN: "warned", Sanction.MUTE: "muted", Sanction.BAN: "banned"}
# The log entries a comment decision writes (an appeal's, when one is pending).
_LOGGED_AS = {
    ModerationDecision.APPROVE: (LoggedAction.APPROVE, LoggedAction.APPEAL_UPHELD),
    ModerationDecision.REJECT: (LoggedAction.REJECT, LoggedAction.APPEAL_DISMISSED),
    ModerationDecision.HIDE: (LoggedAction.HIDE,),
    ModerationDecision.RESTORE: (LoggedAction.RESTORE,),
    ModerationDecision.KEEP: (LoggedAction.KEEP,),
}


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


def _count_approval(comment: Comment) -> None:
    """One more approved comment for its author, counted in SQL; a comment
    approved again after an edit counts once (trust is N approved comments,
    DESIGN §5)."""
    approved_before = db.session.scalar(select(ModerationAction.id).where(
        ModerationAction.comment_id == comment.id,
        ModerationAction.action.in_((LoggedAction.APPROVE, LoggedAction.APPEAL_UPHELD)),
    ).limit(1))
    if comment.author_id is not None and approved_before is None:
        db.session.execute(
            update(User).where(User.id == comment.author_id)
            .values(approved_comment_count=User.approved_comment_count + 1))


def decide(comment: Comment, moderator: User, action: str, reason: str | None = None,
           now: datetime | None = None) -> None:
    """Approve, reject, hide or restore a comment, or keep a flagged one
    (its flags dismissed), as ``Comment.moderation_actions`` allows; on an
    appealed rejection, approve upholds the appeal and reject
    dismisses it. The comment is locked and read again first: of the same
    decision sent twice at once, the second finds it taken (by the same
    moderator, a moment ago) and does nothing, as if it had taken it."""
    now = now or utcnow()
    lock_and_reread(comment)
    if action not in comment.moderation_actions():
        if _just_decided(comment, moderator, action, now):
            return
        raise RuleError(Refusal.CANNOT_MODERATE)
    if comment.appeal_needs_another_moderator(moderator):
        raise RuleError(Refusal.SAME_MODERATOR)
    action = ModerationDecision(action)
    if comment.appeal_pending:
        _decide_appeal(comment, moderator, action, reason, now)
        return
    _start, new_status, kind = TRANSITIONS[action]
    if action == ModerationDecision.APPROVE:
        _count_approval(comment)
    comment.status = new_status
    if action != ModerationDecision.REJECT:
        comment.held_for = None
    comment.decided_at, comment.decided_by_id = now, moderator.id
    comment.decision_reason = reason or None
    if action != ModerationDecision.REJECT:  # a review settles the open flags
        _resolve_flags(comment, action, now)
        if action != ModerationDecision.HIDE:
            comment.open_flags = 0
    _log(moderator, action, comment=comment, reason=reason)
    if comment.author_id and kind:
        notify([comment.author_id], kind, event_id=comment.event_id, comment_id=comment.id,
               detail=reason or None)
    if action == ModerationDecision.APPROVE:
        _announce_reply(comment)
    db.session.flush()


def _just_decided(comment: Comment, moderator: User, action: str, now: datetime) -> bool:
    """Whether the comment's last decision is ``action``, by ``moderator``,
    within ``RESENT_WITHIN``: this request is that decision sent again."""
    if action not in ModerationDecision.values():
        return False
    last = db.session.execute(
        select(ModerationAction.action, ModerationAction.actor_id, ModerationAction.created_at)
        .where(ModerationAction.comment_id == comment.id)
        .order_by(ModerationAction.id.desc()).limit(1)
    ).first()
    return last is not None and last.actor_id == moderator.id \
        and last.action in _LOGGED_AS[ModerationDecision(action)] \
        and last.created_at >= now - RESENT_WITHIN


def _announce_reply(comment: Comment) -> None:
    """A reply is announced to the parent's author once, when it is first
    published: an edited comment was published before (only a published
    comment can be edited), so approving its edit announces nothing new."""
    if comment.edited_at is None:
        notify_reply(comment)


def _decide_appeal(comment: Comment, moderator: User, action: ModerationDecision,
                   reason: str | None, now: datetime) -> None:
    upheld = action == ModerationDecision.APPROVE
    comment.appeal_decided_at = now
    comment.decided_at, comment.decided_by_id = now, moderator.id
    comment.decision_reason = reason or None
    if upheld:
        comment.status = CommentStatus.PUBLISHED
        _count_approval(comment)
        _announce_reply(comment)
    kind = LoggedAction.APPEAL_UPHELD if upheld else LoggedAction.APPEAL_DISMISSED
    _log(moderator, kind, comment=comment, reason=reason)
    if comment.author_id:
        notify([comment.author_id], kind.value, event_id=comment.event_id,
               comment_id=comment.id, detail=reason or None)
    db.session.flush()


def _resolve_flags(comment: Comment, resolution: str, now: datetime) -> None:
    db.session.execute(
        update(Flag).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
        .values(resolved_at=now, resolution=resolution)
    )


def comments_to_moderate(ids, club_ids: list[int] | None) -> list[Comment]:
    """The comments among ``ids`` that a moderator of ``club_ids`` (None:
    every club) may decide."""
    query = select(Comment).options(joinedload(Comment.event), joinedload(Comment.author)) \
        .where(Comment.id.in_(ids)).order_by(Comment.id)
    if club_ids is not None:
        query = query.join(Event, Event.id == Comment.event_id).where(Event.club_id.in_(club_ids))
    return list(db.session.scalars(query).unique())


def decide_many(ids, moderator: User, action: str, reason: str | None,
                club_ids: list[int] | None) -> tuple[int, int]:
    """The same decision on several comments: (decided, refused). Each
    comment is decided in its own savepoint, so one refusal (or a comment
    that is unknown or not this moderator's) leaves the others decided."""
    ids = set(ids)
    done = 0
    for comment in comments_to_moderate(ids, club_ids):
        try:
            with db.session.begin_nested():
                decide(comment, moderator, action, reason)
        except RuleError:
            continue
        done += 1
    return done, len(ids) - done


# -- sanctions -----------------------------------------------------------------------------

def sanction_refusal(target: User, moderator: User, *, warning_only: bool = False) -> Refusal | None:
    """Who may sanction whom, the one rule (DESIGN §4: only admins appoint
    moderators, so no moderator removes a colleague by banning): nobody
    sanctions themselves or an administrator; a site moderator sanctions
    citizens only; an administrator sanctions citizens and site moderators.
    A club moderator's warning (``warning_only``, ``warn_refusal``) reaches
    citizens only, whoever gives it."""
    if target.id == moderator.id or target.is_admin:
        return Refusal.CANNOT_SANCTION
    if target.is_site_moderator and (warning_only or not moderator.is_admin):
        return Refusal.SANCTION_ABOVE_ROLE
    return None


def sanction(target: User, moderator: User, kind: str, reason: str,
             days: int | None = None, now: datetime | None = None) -> None:
    """Warn; mute for some days (no commenting, flagging or voting); ban
    (no login, every session ended); or lift a ban. When the person's last
    sanction is this very one (same kind, reason and length, by the same
    moderator) given within ``RESENT_WITHIN``, it is a double click and the
    one already recorded stands: the person's row is locked first, so of
    ten at once one records it and the other nine find it. Anything in
    between (a ban lifted, a mute corrected) makes it a new sanction."""
    now = now or utcnow()
    if kind not in Sanction.values():
        raise RuleError(Refusal.CANNOT_MODERATE)
    refuse(sanction_refusal(target, moderator))
    kind = Sanction(kind)
    lock_row(User, target.id)
    length = timedelta(days=max(1, days or 1)) if kind == Sanction.MUTE else None
    latest = db.session.scalars(
        select(ModerationAction).where(
            ModerationAction.target_user_id == target.id, ModerationAction.comment_id.is_(None))
        .order_by(ModerationAction.id.desc()).limit(1)).first()
    if latest is not None and latest.created_at >= now - RESENT_WITHIN \
            and (latest.actor_id, latest.action, latest.reason) == (
                moderator.id, kind.value, reason or None) \
            and (length is None or abs(latest.until - latest.created_at - length) < RESENT_WITHIN):
        return  # the person's last sanction is this very one, just recorded
    db.session.refresh(target)
    until = None
    if kind == Sanction.MUTE:
        until = now + length
        target.muted_until = until
    elif kind == Sanction.BAN:
        target.banned = True
        target.end_other_sessions()
    elif kind == Sanction.UNBAN:
        target.banned = False
    elif kind == Sanction.UNMUTE:
        target.muted_until = None
    _log(moderator, kind, target=target, reason=reason, until=until)
    if kind in SANCTION_NOTICES:
        notify([target.id], SANCTION_NOTICES[kind], detail=reason)
    db.session.flush()


# -- a club moderator's warning ------------------------------------------------------------

def warn_refusal(comment: Comment, moderator: User) -> Refusal | None:
    """Whether the author of ``comment`` can be warned by ``moderator`` (who
    moderates its club: ``access.get_comment_or_404(moderate=True)``): not a
    deleted account, not themselves, a citizen only (``sanction_refusal``),
    and once per comment, by whoever warns first."""
    if comment.author is None:
        return Refusal.CANNOT_SANCTION
    return sanction_refusal(comment.author, moderator, warning_only=True) \
        or (Refusal.ALREADY_WARNED if _warning_about(comment) is not None else None)


def _warning_about(comment: Comment):
    """The warning already given about ``comment`` (actor, reason, when), or None."""
    return db.session.execute(
        select(ModerationAction.actor_id, ModerationAction.reason, ModerationAction.created_at)
        .where(ModerationAction.comment_id == comment.id,
               ModerationAction.action == LoggedAction.WARN)
        .order_by(ModerationAction.id.desc()).limit(1)).first()


def warn_author(comment: Comment, moderator: User, reason: str,
                now: datetime | None = None) -> None:
    """A warning for conduct in a club's discussion, given by its moderators
    (site moderators too): written to the log with the comment and its event,
    so the club's moderators read it in their part of the log, and told to
    the author with its reason. Muting and banning stay with site
    moderators (``sanction``). One warning per comment, by anyone: the
    author's row is locked first, so of several sent at once one is
    recorded; the same warning sent again by the same moderator within
    ``RESENT_WITHIN`` (a double click) is answered as done, any other is
    refused (``Refusal.ALREADY_WARNED``)."""
    now = now or utcnow()
    if comment.author is None:
        raise RuleError(Refusal.CANNOT_SANCTION)
    refuse(sanction_refusal(comment.author, moderator, warning_only=True))
    target = comment.author
    lock_row(User, target.id)
    latest = _warning_about(comment)
    if latest is not None:
        if latest.created_at >= now - RESENT_WITHIN \
                and (latest.actor_id, latest.reason) == (moderator.id, reason or None):
            return
        raise RuleError(Refusal.ALREADY_WARNED)
    _log(moderator, LoggedAction.WARN, comment=comment, target=target, reason=reason)
    notify([target.id], SANCTION_NOTICES[Sanction.WARN], event_id=comment.event_id,
           comment_id=comment.id, detail=reason)
    db.session.flush()
