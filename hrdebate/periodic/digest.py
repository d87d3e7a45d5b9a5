"""The moderators' daily digest (8 o'clock Bishkek time, once a day:
``jobs._claim_daily``): to each person who moderates (site moderators and
admins; club moderators, for their clubs' events) and has something waiting
for them, and who wants the digest (``wanted("digest")``), one mail with
how many held comments, flagged comments and appeals wait, and the link to
/moderation/.

What waits for whom is the queue's rule (``moderation.queue.pending_count``):
``waiting_for`` splits the same count by kind (``test_digest`` holds the two
together). Queries: one for the moderators, then one count per moderator
(there are few moderators); the count is made again when the mail leaves,
and a mail with nothing left to review is dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select

from ..choices import SiteRole
from ..extensions import db
from ..jobs import periodic
from ..mail.compose import context_for
from ..mail.outbox import enqueue, mail_enabled, wanted
from ..models import Comment, Event, MailKind, Membership, OutboxMail, User
from ..models.club import MemberRole
from ..moderation.queue import IS_APPEAL, IS_FLAGGED, IS_PENDING
from ..urls import absolute_url_for

_CLUB_MODERATOR = exists().where(Membership.user_id == User.id,
                                 Membership.role == MemberRole.MODERATOR)
MODERATES = or_(User.site_role.in_((SiteRole.MODERATOR, SiteRole.ADMIN)), _CLUB_MODERATOR)


def waiting_for(user: User) -> dict[str, int]:
    """What waits for ``user`` in the moderation queue, by kind (``pending``:
    held comments, ``flagged``, ``appeals``), in one statement; the same
    items as ``pending_count(user)``: appeals against the user's own
    rejections are another moderator's."""
    kinds = {
        "pending": IS_PENDING,
        "flagged": IS_FLAGGED,
        "appeals": and_(IS_APPEAL, func.coalesce(Comment.decided_by_id, 0) != user.id),
    }
    query = (
        select(*[func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                 for condition in kinds.values()])
        .select_from(Comment).join(Event, Event.id == Comment.event_id)
        .where(or_(*kinds.values()))
    )
    if not user.is_site_moderator:
        query = query.where(Event.club_id.in_(select(Membership.club_id).where(
            Membership.user_id == user.id, Membership.role == MemberRole.MODERATOR)))
    row = db.session.execute(query).one()
    return {kind: int(count) for kind, count in zip(kinds, row)}


@periodic("digest", daily_at=8)
def send_digests(now: datetime) -> int:
    """One digest to each moderator with something waiting; returns how many."""
    if not mail_enabled():
        return 0
    moderators = db.session.scalars(
        select(User).where(MODERATES, User.banned.is_(False), wanted(MailKind.DIGEST.value))
        .order_by(User.id)
    ).all()
    written = 0
    for user in moderators:
        if sum(waiting_for(user).values()):
            written += enqueue(user.id, MailKind.DIGEST)
    db.session.commit()
    return written


@context_for(MailKind.DIGEST)
def _digest(mail: OutboxMail) -> dict | None:
    user = mail.user
    if user.banned:
        return None
    counts = waiting_for(user)
    if not sum(counts.values()):
        return None
    return {"counts": counts, "total": sum(counts.values()),
            "queue_url": absolute_url_for("moderation.queue"), "opt_out": MailKind.DIGEST.value}
