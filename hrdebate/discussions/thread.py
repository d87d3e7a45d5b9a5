"""Loading a discussion: who sees which comment, one page of a thread with
its replies in two statements, and where a comment sits in it."""

from types import SimpleNamespace

from flask_login import current_user
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..access import can_moderate_club
from ..extensions import db
from ..models import HELD_STATUSES, Comment
from . import services

PER_PAGE = 20
VIEWS = ("list", "sides")


# -- who sees what ----------------------------------------------------------------------

def _viewer_id():
    return current_user.id if current_user.is_authenticated else None


def _visible(model, viewer_id, moderator):
    """A comment the viewer may read: published; their own held ones; all
    but deleted ones for the club's moderators."""
    if moderator:
        return model.status != "deleted"
    condition = model.status == "published"
    if viewer_id is not None:
        condition = or_(condition, and_(model.author_id == viewer_id, model.status.in_(HELD_STATUSES)))
    return condition


def _shown(model, viewer_id, moderator, levels):
    """Visible, or (deleted or held) with a visible reply within ``levels``
    levels below: a placeholder then keeps the thread's shape."""
    condition = _visible(model, viewer_id, moderator)
    if levels == 0:
        return condition
    child = aliased(Comment)
    return or_(condition, exists(select(child.id).where(
        child.parent_id == model.id, _shown(child, viewer_id, moderator, levels - 1))))


def may_see(comment, event, user) -> bool:
    return comment.readable_by(user, can_moderate_club(user, event.club_id))


# -- the thread -----------------------------------------------------------------------------

def load_thread(event, stance=None, view="list", page=1):
    """One page of top-level comments with all their replies, in two
    statements whatever the size of the thread: the page's top-level comments
    with the count of visible comments, then their replies at depths 2 and 3.
    Authors are joined in."""
    viewer_id = _viewer_id()
    moderator = can_moderate_club(current_user, event.club_id)
    debate = event.kind == "debate"
    if not debate:
        stance, view = None, "list"
    count = select(func.count(Comment.id)).where(
        Comment.event_id == event.id, _visible(Comment, viewer_id, moderator))
    query = (
        select(Comment, count.scalar_subquery()).options(joinedload(Comment.author))
        .where(Comment.event_id == event.id, Comment.depth == 1,
               _shown(Comment, viewer_id, moderator, 2))
        .order_by(Comment.created_at, Comment.id)
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
    )
    if stance:
        query = query.where(Comment.stance == stance)
    elif view == "sides":
        query = query.where(Comment.stance.in_(("for", "against")))
    rows = db.session.execute(query).all()
    if rows:
        total = rows[0][1]
    elif page == 1 and not stance and view == "list":
        total = 0  # every visible reply hangs under a top-level comment or placeholder
    else:
        total = db.session.scalar(count)
    top = [row[0] for row in rows[:PER_PAGE]]
    has_next = len(rows) > PER_PAGE
    children: dict[int, list[Comment]] = {}
    if top:
        ids = [c.id for c in top]
        middle = aliased(Comment)
        depth_two = select(middle.id).where(middle.parent_id.in_(ids),
                                            _shown(middle, viewer_id, moderator, 1))
        replies = db.session.scalars(
            select(Comment).options(joinedload(Comment.author))
            .where(or_(
                and_(Comment.parent_id.in_(ids), _shown(Comment, viewer_id, moderator, 1)),
                and_(Comment.parent_id.in_(depth_two), _visible(Comment, viewer_id, moderator)),
            ))
            .order_by(Comment.created_at, Comment.id)
        )
        for reply in replies:
            children.setdefault(reply.parent_id, []).append(reply)
    return SimpleNamespace(
        top=top, children=children, total=total, page=page, has_next=has_next,
        stance=stance, view=view, debate=debate, moderator=moderator, viewer_id=viewer_id,
        sides={side: [c for c in top if c.stance == side] for side in ("for", "against")},
        editable_after=services.utcnow() - services.EDIT_WINDOW,
    )


def page_of(comment, event):
    """The page of the list view that shows this comment (by its top-level
    ancestor), so that its author sees it right after posting."""
    root = comment
    while root.parent_id is not None:
        root = db.session.get(Comment, root.parent_id)
    before = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.event_id == event.id, Comment.depth == 1,
        _shown(Comment, _viewer_id(), can_moderate_club(current_user, event.club_id), 2),
        or_(Comment.created_at < root.created_at,
            and_(Comment.created_at == root.created_at, Comment.id < root.id)),
    ))
    return before // PER_PAGE + 1


def comment_refusal(event):
    """Why the viewer cannot comment now (a rule code), or None. Slow mode is
    checked only on posting."""
    if not event.is_published:
        return "discussion_unavailable"
    if event.discussion_closed:
        return "discussion_closed"
    if current_user.is_authenticated and services.is_muted(current_user):
        return "muted"
    return None


