"""Comment threads on event pages: read, post, edit, delete, flag, appeal,
and the organisers' discussion settings. Each request: load → check access →
call a rule in services → commit → render the thread or redirect."""

from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..access import can_manage_club, can_moderate_club, get_event_or_404
from ..extensions import db, limiter
from ..forms import render_form
from ..htmx import wants_fragment
from ..models import Comment
from ..rules import MESSAGES, RuleError
from ..rules import message as rule_message
from . import bp, services
from .forms import (
    FLAG_REASON_NAMES,
    STANCE_NAMES,
    AppealForm,
    CommentForm,
    DiscussionSettingsForm,
    EditCommentForm,
    FlagForm,
)

PER_PAGE = 20
HELD = ("pending", "rejected", "hidden")
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
        condition = or_(condition, and_(model.author_id == viewer_id, model.status.in_(HELD)))
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
    if comment.status in HELD:
        return (user.is_authenticated and comment.author_id == user.id) or \
            can_moderate_club(user, event.club_id)
    return True


def _comment_or_404(comment_id):
    """The one door to a comment: 404 for what the viewer may not see (held
    comments of others, drafts' events)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    event = get_event_or_404(comment.event_id)
    if not may_see(comment, event, current_user):
        abort(404)
    return comment, event


def _own_comment_or_403(comment_id):
    comment, event = _comment_or_404(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    return comment, event


# -- the thread -----------------------------------------------------------------------------

def _thread_args():
    args = request.args
    stance = args.get("stance", "")
    view = args.get("view", "list")
    page = args.get("comments_page", 1, type=int)
    return (stance if stance in STANCE_NAMES else None, view if view in VIEWS else "list",
            max(page, 1))


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


def thread_context(event, comment_form=None, settings_form=None, comment_error=None,
                   page=None):
    """What the thread section of the event page needs (also used by
    events.routes._event_page)."""
    stance, view, requested_page = _thread_args()
    if page is None:
        page = requested_page
    else:  # a page chosen by the route (where a new comment is): the list of all
        stance, view = None, "list"
    debate = event.kind == "debate"
    reply_form = None
    if comment_form is not None and comment_form.parent_id.data is not None:
        reply_form, comment_form = comment_form, None
    context = {
        "thread": load_thread(event, stance, view, page),
        "comment_form": comment_form or CommentForm(formdata=None, debate=debate),
        "reply_form": reply_form,
        "comment_refusal": comment_refusal(event),
        "comment_error": comment_error,
        "stance_names": STANCE_NAMES,
        "rule_messages": MESSAGES,
    }
    if can_manage_club(current_user, event.club_id):
        context["settings_form"] = settings_form or DiscussionSettingsForm(
            formdata=None, closed=event.discussion_closed,
            slow_mode_seconds=event.slow_mode_seconds)
    return context


def _event_url(event, anchor="comments", **args):
    return url_for("events.show", event_id=event.id, _anchor=anchor, **args)


def _thread_response(event, status=200, **context):
    html = render_block("discussions/thread.html", "comments", event=event,
                        **thread_context(event, **context))
    return html, status


@bp.get("/events/<int:event_id>/comments")
def thread(event_id):
    event = get_event_or_404(event_id)
    if not wants_fragment():
        args = {k: v for k, v in request.args.items()
                if k in ("stance", "view", "comments_page")}
        return redirect(_event_url(event, **args))
    if request.args.get("part") == "more":
        return render_block("discussions/thread.html", "comment_page", event=event,
                            **thread_context(event))
    return _thread_response(event)


# -- posting ----------------------------------------------------------------------------

def _refused(event, error, form=None):
    text = rule_message(error) if isinstance(error, RuleError) else error
    if wants_fragment():
        return _thread_response(event, 422, comment_form=form, comment_error=text)
    flash(text, "error")
    return redirect(_event_url(event))


@bp.post("/events/<int:event_id>/comments")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_COMMENT"])
def post(event_id):
    event = get_event_or_404(event_id)
    form = CommentForm(debate=event.kind == "debate")
    if not form.validate():
        if wants_fragment():
            return _thread_response(event, 422, comment_form=form)
        from ..events.routes import _event_page
        return _event_page(event, 422, comment=form)
    parent = None
    if form.parent_id.data is not None:
        parent = db.session.get(Comment, form.parent_id.data)
        if parent is None or parent.event_id != event.id \
                or not may_see(parent, event, current_user):
            return _refused(event, RuleError("cannot_reply"), form)
    try:
        comment = services.post_comment(
            event, current_user, form.body.data,
            stance=form.stance.data if "stance" in form and parent is None else None,
            parent=parent)
    except RuleError as error:
        return _refused(event, error, form)
    page = page_of(comment, event)
    if wants_fragment():
        return _thread_response(event, page=page)
    if comment.status == "pending":
        flash(_("Thank you. Your comment is waiting for review by a moderator."), "info")
    else:
        flash(_("Your comment is published."), "success")
    args = {"comments_page": page} if page > 1 else {}
    return redirect(_event_url(event, anchor=f"comment-{comment.id}", **args))


# -- the author's own comment -------------------------------------------------------

@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    comment, event = _own_comment_or_403(comment_id)
    form = EditCommentForm(obj=comment)
    error = None
    if form.validate_on_submit():
        try:
            services.edit_comment(comment, current_user, form.body.data)
            flash(_("Your changes are saved."), "success")
            return redirect(_event_url(event, anchor=f"comment-{comment.id}"))
        except RuleError as refusal:
            error = rule_message(refusal)
    elif request.method == "GET" and (
            comment.status not in ("pending", "published")
            or services.utcnow() - comment.created_at > services.EDIT_WINDOW):
        error = rule_message(RuleError("edit_window_over"))
    if error:
        form.body.errors = [*form.body.errors, error]
        return render_template("discussions/edit.html", form=form, comment=comment,
                               event=event), 422
    return render_form("discussions/edit.html", form, comment=comment, event=event)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id):
    comment, event = _own_comment_or_403(comment_id)
    services.delete_comment(comment, current_user)
    if wants_fragment():
        return _thread_response(event, page=page_of(comment, event))
    flash(_("Your comment is deleted."), "success")
    return redirect(_event_url(event))


@bp.route("/comments/<int:comment_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(comment_id):
    comment, event = _own_comment_or_403(comment_id)
    form = AppealForm()
    if form.validate_on_submit():
        try:
            services.appeal(comment, current_user, form.message.data)
            flash(_("Your appeal is sent. A different moderator will decide it."), "success")
            return redirect(_event_url(event, anchor=f"comment-{comment.id}"))
        except RuleError as refusal:
            form.message.errors = [*form.message.errors, rule_message(refusal)]
            return render_template("discussions/appeal.html", form=form, comment=comment,
                                   event=event), 422
    return render_form("discussions/appeal.html", form, comment=comment, event=event)


# -- flags ----------------------------------------------------------------------------------

@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_FLAG"], methods=["POST"])
def flag(comment_id):
    comment, event = _comment_or_404(comment_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_comment(comment, current_user, form.reason.data, form.note.data)
        except RuleError as refusal:
            form.reason.errors = [*form.reason.errors, rule_message(refusal)]
            return render_template("discussions/flag.html", form=form, comment=comment,
                                   event=event, reason_names=FLAG_REASON_NAMES), 422
        flash(_("Thank you, moderators will review it."), "success")
        return redirect(_event_url(event))
    return render_form("discussions/flag.html", form, comment=comment, event=event,
                       reason_names=FLAG_REASON_NAMES)


# -- organisers' settings ------------------------------------------------------------

@bp.post("/events/<int:event_id>/discussion")
@login_required
def settings(event_id):
    event = get_event_or_404(event_id, manage=True)
    form = DiscussionSettingsForm()
    if not form.validate():
        if wants_fragment():
            return _thread_response(event, 422, settings_form=form)
        from ..events.routes import _event_page
        return _event_page(event, 422, discussion=form)
    services.set_discussion(event, form.closed.data, form.slow_mode_seconds.data)
    if wants_fragment():
        return _thread_response(event)
    flash(_("The discussion settings are saved."), "success")
    return redirect(_event_url(event))
