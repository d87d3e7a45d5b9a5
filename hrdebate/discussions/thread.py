"""Reading a discussion (a service, without request objects): who sees
which comment, one page of a thread with its replies in two statements, and
where a comment sits in it. The viewer and whether they moderate the club
are given by the caller (``context.thread_context`` for a request).

The thread is read as rows of the columns it shows (``ThreadComment``), by
statements built once per shape (who reads, which filter) with bound
parameters: a request only binds its values and reuses the compiled SQL.
Every statement is restricted to the event, so it reads that event's
comments through its indexes, whatever the size of the programme."""

from functools import cache
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import HELD_STATUSES, Comment, User
from ..models.comment import CommentStatus, Stance

PER_PAGE = 20
VIEWS = ("list", "sides")
SIDES = (Stance.FOR, Stance.AGAINST)

# Who reads: the public, a signed-in person (their own held comments too), or
# a moderator of the event's club (everything but deleted texts).
PUBLIC, MEMBER, MODERATOR = "public", "member", "moderator"


# -- who sees what ----------------------------------------------------------------------

def _viewer_id(viewer):
    return viewer.id if viewer is not None and viewer.is_authenticated else None


def audience(viewer_id, moderator) -> str:
    if moderator:
        return MODERATOR
    return PUBLIC if viewer_id is None else MEMBER


def _visible(model, who):
    """A comment ``who`` may read: published; their own held ones (the bound
    ``viewer_id``); all but deleted ones for the club's moderators."""
    if who == MODERATOR:
        return model.status != CommentStatus.DELETED
    condition = model.status == CommentStatus.PUBLISHED
    if who == MEMBER:
        condition = or_(condition, and_(model.author_id == bindparam("viewer_id"),
                                        model.status.in_(HELD_STATUSES)))
    return condition


def _shown(model, who, levels):
    """Visible, or (deleted or held) with a visible reply within ``levels``
    levels below: a placeholder then keeps the thread's shape. The replies
    are found by their parent (``ix_comments_parent_id_status``)."""
    condition = _visible(model, who)
    if levels == 0:
        return condition
    child = aliased(Comment)
    return or_(condition, exists().where(
        child.parent_id == model.id, _shown(child, who, levels - 1)))


# -- the rows ------------------------------------------------------------------------------

class ThreadComment:
    """One comment as the thread shows it: the columns it needs, and the
    comment's own rules (``Comment``'s methods themselves, not copies)."""

    __slots__ = ("id", "parent_id", "depth", "author_id", "author_name", "stance", "status",
                 "body_html", "created_at", "edited_at", "decision_reason", "appealed_at",
                 "appeal_decided_at")

    def __init__(self, row):
        for name, value in zip(self.__slots__, row):
            setattr(self, name, value)

    written_by = Comment.written_by
    edit_refusal = Comment.edit_refusal
    editable_by = Comment.editable_by
    held_after_edit = Comment.held_after_edit
    appeal_refusal = Comment.appeal_refusal
    appealable_by = Comment.appealable_by
    appeal_pending = Comment.appeal_pending
    reply_refusal = Comment.reply_refusal
    takes_replies = Comment.takes_replies


_COLUMNS = (Comment.id, Comment.parent_id, Comment.depth, Comment.author_id,
            User.display_name, Comment.stance, Comment.status, Comment.body_html,
            Comment.created_at, Comment.edited_at, Comment.decision_reason,
            Comment.appealed_at, Comment.appeal_decided_at)


def _rows(*extra):
    return (select(*_COLUMNS, *extra).select_from(Comment)
            .outerjoin(User, User.id == Comment.author_id))


def _count_statement(who):
    return (select(func.count()).select_from(Comment)
            .where(Comment.event_id == bindparam("event_id"), _visible(Comment, who)))


@cache
def _page_statement(who, by_stance, sides):
    """The page's top-level comments, with the count of every comment the
    reader sees. Binds ``event_id``, ``viewer_id`` (members), ``stance``,
    ``offset``, ``limit``."""
    query = (
        _rows(_count_statement(who).scalar_subquery())
        .where(Comment.event_id == bindparam("event_id"), Comment.depth == 1,
               _shown(Comment, who, 2))
        .order_by(Comment.created_at, Comment.id)
        .offset(bindparam("offset")).limit(bindparam("limit"))
    )
    if by_stance:
        query = query.where(Comment.stance == bindparam("stance"))
    elif sides:
        query = query.where(Comment.stance.in_(SIDES))
    return query


@cache
def _replies_statement(who):
    """The replies at depths 2 and 3 under the top-level comments ``ids``:
    those shown under them, and the visible ones under those (a reply at
    depth 3 that the reader sees always has its parent shown)."""
    ids = bindparam("ids", expanding=True)
    middle = aliased(Comment)
    return (
        _rows()
        .where(Comment.event_id == bindparam("event_id"), Comment.depth > 1, or_(
            and_(Comment.parent_id.in_(ids), _shown(Comment, who, 1)),
            and_(Comment.depth == 3, _visible(Comment, who),
                 Comment.parent_id.in_(select(middle.id).where(middle.parent_id.in_(ids)))),
        ))
        .order_by(Comment.created_at, Comment.id)
    )


# -- the thread -----------------------------------------------------------------------------

class LazyThread:
    """A page of the thread whose shape (page, stance, view, who reads) is
    known at once and whose comments are read on first use: never, when the
    rendered thread is found in the page cache (``context.thread_context``)."""

    def __init__(self, event, viewer=None, moderator=False, stance=None, view="list", page=1):
        debate = event.is_debate
        if not debate:
            stance, view = None, "list"
        self.event, self.viewer = event, viewer
        self.stance, self.view, self.page, self.debate = stance, view, page, debate
        self.moderator, self.viewer_id = moderator, _viewer_id(viewer)
        self.audience = audience(self.viewer_id, moderator)

    def as_anyone(self) -> bool:
        """Read it as everyone who wrote nothing here reads it (no viewer: the
        published comments, no "own" buttons), so that what is rendered may be
        kept for all of them, even if the reader's own comment arrives between
        ``has_comments`` and the reading. False if it was read already as the
        viewer and holds a comment of theirs."""
        if "top" in self.__dict__:
            rows = [*self.top, *(reply for replies in self.children.values() for reply in replies)]
            return all(row.author_id != self.viewer_id for row in rows)
        self.viewer, self.viewer_id = None, None
        return True

    def __getattr__(self, name):  # only for what is not known yet: the comments
        if name.startswith("_"):
            raise AttributeError(name)
        loaded = load_thread(self.event, self.viewer, self.moderator, self.stance, self.view,
                             self.page)
        self.__dict__.update(vars(loaded))
        return getattr(loaded, name)


def has_comments(event_id: int, user_id: int) -> bool:
    """Whether ``user_id`` wrote any comment on the event (their page of
    the thread then differs from everyone else's)."""
    return db.session.scalar(select(exists().where(
        Comment.author_id == user_id, Comment.event_id == event_id)))


def load_thread(event, viewer=None, moderator=False, stance=None, view="list", page=1):
    """One page of top-level comments with all their replies, as ``viewer``
    (None or anonymous: the public) sees them, ``moderator`` if they moderate
    the event's club; in two statements whatever the size of the thread: the
    page's top-level comments with the count of visible comments, then their
    replies at depths 2 and 3. Authors' names are joined in."""
    viewer_id = _viewer_id(viewer)
    who = audience(viewer_id, moderator)
    debate = event.is_debate
    if not debate:
        stance, view = None, "list"
    params = {"event_id": event.id, "offset": (page - 1) * PER_PAGE, "limit": PER_PAGE + 1}
    if who == MEMBER:
        params["viewer_id"] = viewer_id
    if stance:
        params["stance"] = stance
    rows = db.session.execute(
        _page_statement(who, bool(stance), not stance and view == "sides"), params).all()
    if rows:
        total = rows[0][-1]
    elif page == 1 and not stance and view == "list":
        total = 0  # every visible reply hangs under a top-level comment or placeholder
    else:
        total = db.session.scalar(_count_statement(who), params)
    top = [ThreadComment(row) for row in rows[:PER_PAGE]]
    has_next = len(rows) > PER_PAGE
    children: dict[int, list[ThreadComment]] = {}
    if top:
        params["ids"] = [c.id for c in top]
        for row in db.session.execute(_replies_statement(who), params):
            reply = ThreadComment(row)
            children.setdefault(reply.parent_id, []).append(reply)
    return SimpleNamespace(
        top=top, children=children, total=total, page=page, has_next=has_next,
        stance=stance, view=view, debate=debate, moderator=moderator, viewer_id=viewer_id,
        sides={side.value: [c for c in top if c.stance == side] for side in SIDES},
    )


@cache
def _before_statement(who):
    return (select(func.count()).select_from(Comment).where(
        Comment.event_id == bindparam("event_id"), Comment.depth == 1, _shown(Comment, who, 2),
        or_(Comment.created_at < bindparam("created_at"),
            and_(Comment.created_at == bindparam("created_at"),
                 Comment.id < bindparam("root_id")))))


def page_of(comment, event, viewer=None, moderator=False):
    """The page of the list view that shows this comment (by its top-level
    ancestor) to ``viewer``, so that its author sees it right after posting."""
    root = comment
    while root.parent_id is not None:
        root = db.session.get(Comment, root.parent_id)
    viewer_id = _viewer_id(viewer)
    params = {"event_id": event.id, "created_at": root.created_at, "root_id": root.id,
              "viewer_id": viewer_id}
    before = db.session.scalar(_before_statement(audience(viewer_id, moderator)), params)
    return before // PER_PAGE + 1
