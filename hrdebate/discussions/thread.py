"""Reading a discussion (a service, without request objects): who sees
which comment, one page of a thread with its replies in two statements, and
where a comment sits in it. The viewer and whether they moderate the club
are given by the caller (``context.thread_context`` for a request)."""

from types import SimpleNamespace

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import HELD_STATUSES, Comment
from ..models.comment import CommentStatus, Stance

PER_PAGE = 20
VIEWS = ("list", "sides")
SIDES = (Stance.FOR, Stance.AGAINST)


# -- who sees what ----------------------------------------------------------------------

def _viewer_id(viewer):
    return viewer.id if viewer is not None and viewer.is_authenticated else None


def _visible(model, viewer_id, moderator):
    """A comment the viewer may read: published; their own held ones; all
    but deleted ones for the club's moderators."""
    if moderator:
        return model.status != CommentStatus.DELETED
    condition = model.status == CommentStatus.PUBLISHED
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


# -- the thread -----------------------------------------------------------------------------

def load_thread(event, viewer=None, moderator=False, stance=None, view="list", page=1):
    """One page of top-level comments with all their replies, as ``viewer``
    (None or anonymous: the public) sees them, ``moderator`` if they moderate
    the event's club; in two statements whatever the size of the thread: the
    page's top-level comments with the count of visible comments, then their
    replies at depths 2 and 3. Authors are joined in."""
    viewer_id = _viewer_id(viewer)
    debate = event.is_debate
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
        query = query.where(Comment.stance.in_(SIDES))
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
        sides={side.value: [c for c in top if c.stance == side] for side in SIDES},
    )


def page_of(comment, event, viewer=None, moderator=False):
    """The page of the list view that shows this comment (by its top-level
    ancestor) to ``viewer``, so that its author sees it right after posting."""
    root = comment
    while root.parent_id is not None:
        root = db.session.get(Comment, root.parent_id)
    before = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.event_id == event.id, Comment.depth == 1,
        _shown(Comment, _viewer_id(viewer), moderator, 2),
        or_(Comment.created_at < root.created_at,
            and_(Comment.created_at == root.created_at, Comment.id < root.id)),
    ))
    return before // PER_PAGE + 1

