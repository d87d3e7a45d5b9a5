"""The moderators' daily digest (8 o'clock Bishkek time, once a day:
``jobs._claim_daily``): to each person who moderates (site moderators and
admins; club moderators, for their clubs' events) and has something waiting
for them, and who wants the digest (``wanted("digest")``), one mail with
how many held comments, flagged comments and appeals wait, and the link to
/moderation/.

What waits for whom is the queue's rule (``moderation.queue.waiting_for``,
which the menu's badge also counts with). Queries: one for the moderators, then one count per moderator
(there are few moderators); the count is made again when the mail leaves,
and a mail with nothing left to review is dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select

from ..choices import SiteRole
from ..extensions import db
from ..jobs import periodic
from ..mail.compose import context_for
from ..mail.outbox import enqueue, mail_enabled, wanted
from ..models import MailKind, Membership, OutboxMail, User
from ..models.club import MemberRole
from ..moderation.queue import waiting_for
from ..urls import absolute_url_for

_CLUB_MODERATOR = exists().where(Membership.user_id == User.id,
                                 Membership.role == MemberRole.MODERATOR)
MODERATES = or_(User.site_role.in_((SiteRole.MODERATOR, SiteRole.ADMIN)), _CLUB_MODERATOR)


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
