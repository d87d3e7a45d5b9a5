"""Comment threads on event pages: read, post, edit, delete, flag, appeal,
and the organisers' discussion settings. Each request: load → check access →
call a rule in services → commit → render the thread or redirect."""


from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from ..access import get_comment_or_404, get_event_or_404
from ..extensions import db, limiter
from ..forms import render_form
from ..htmx import wants_fragment
from ..models import Comment
from ..rules import RuleError
from ..rules import message as rule_message
from ..events import page as event_pages
from . import bp, services
from .context import thread_context
from .thread import may_see, page_of
from .forms import (
    FLAG_REASON_NAMES,
    AppealForm,
    CommentForm,
    DiscussionSettingsForm,
    EditCommentForm,
    FlagForm,
)

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
        return event_pages.event_page(event, 422, comment=form)
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
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
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
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
    services.delete_comment(comment, current_user)
    if wants_fragment():
        return _thread_response(event, page=page_of(comment, event))
    flash(_("Your comment is deleted."), "success")
    return redirect(_event_url(event))


@bp.route("/comments/<int:comment_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(comment_id):
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
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
    comment = get_comment_or_404(comment_id)
    event = comment.event
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
        return event_pages.event_page(event, 422, discussion=form)
    services.set_discussion(event, form.closed.data, form.slow_mode_seconds.data)
    if wants_fragment():
        return _thread_response(event)
    flash(_("The discussion settings are saved."), "success")
    return redirect(_event_url(event))
