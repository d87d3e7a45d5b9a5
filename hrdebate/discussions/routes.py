"""Comment threads on event pages: read, post, edit, delete, flag, appeal,
and the organisers' discussion settings. Each request: load through
``access`` → call a service (rules and refusals live there) → render the
thread or redirect. Refusals are answered by the one handler (errors.py);
the request commits once (unit_of_work.py)."""

import math

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from .. import ratelimits
from ..access import get_comment_or_404, get_discussion_or_404, get_event_or_404
from ..errors import refusal_goes_to
from ..events import page as event_pages
from ..forms import render_form
from ..htmx import wants_fragment
from ..models.comment import CommentStatus
from ..rules import Refusal, refuse
from . import bp, services
from .context import comment_page, slow_mode_rule, thread_context, with_token
from .forms import (
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
    if request.args.get("part") == "more":  # a part without thread_part: the token here
        return with_token(render_block("discussions/thread.html", "comment_page", event=event,
                                       **thread_context(event)))
    return _thread_response(event)


# -- posting ----------------------------------------------------------------------------

def _comment_page(message):
    """The event page with the comment form as it was sent, and why it was
    not posted beside the text (the browser lands there: autofocus)."""
    event = get_event_or_404(request.view_args["event_id"])
    form = CommentForm(debate=event.is_debate)
    form.body.errors = [message]
    return event_pages.event_page(event, 429, comment=form)


def _refusal_text(refusal, event) -> str:
    """The sentence a refused post reads; in slow mode, how long to wait."""
    if refusal != Refusal.SLOW_MODE:
        return refusal.message
    wait = services.slow_mode_wait(event, current_user)
    if wait >= 60:
        minutes = math.ceil(wait / 60)
        return ngettext("Slow mode is on: you can post again in %(num)d minute.",
                        "Slow mode is on: you can post again in %(num)d minutes.", minutes)
    return ngettext("Slow mode is on: you can post again in %(num)d second.",
                    "Slow mode is on: you can post again in %(num)d seconds.", max(wait, 1))


@bp.post("/events/<int:event_id>/comments")
@login_required
@ratelimits.for_account("RATELIMIT_COMMENT", on_breach=ratelimits.keeping_form(_comment_page))
def post(event_id):
    event = get_event_or_404(event_id)
    form = CommentForm(debate=event.is_debate)
    valid = form.validate()
    # The same form sent again (a double click) gets the first one's answer.
    comment = valid and services.just_posted(event, current_user, form.body.data,
                                             form.parent_id.data)
    if not comment:
        refusal = services.posting_refusal(event, current_user)
        # Refused (slow mode, say): the one alert says why, above the form
        # that keeps what was typed; the text itself is not wrong.
        notice = _refusal_text(refusal, event) if refusal else None
        if refusal:  # nothing to correct: no field is marked
            for field in form:
                field.errors = []
            form._errors = None
        if not valid or refusal:
            if wants_fragment():
                return _thread_response(event, 422, comment_form=form, comment_notice=notice)
            return event_pages.event_page(event, 422, comment=form, comment_notice=notice)
        refusal_goes_to(_event_url(event))
        comment = services.post_comment(
            event, current_user, form.body.data,
            stance=form.stance.data if "stance" in form else None,
            parent_id=form.parent_id.data)
    page = comment_page(comment, event)
    if comment.status == CommentStatus.PENDING:
        flash(_("Thank you. Your comment is waiting for review by a moderator."), "info")
    else:
        flash(_("Your comment is published."), "success")
    if wants_fragment():
        return _thread_response(event, page=page)
    args = {"comments_page": page} if page > 1 else {}
    return redirect(_event_url(event, anchor=f"comment-{comment.id}", **args))


# -- the author's own comment -------------------------------------------------------

@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
    back = _event_url(event, anchor=f"comment-{comment.id}")
    refusal_goes_to(back)
    refusal = services.edit_refusal(comment, current_user)
    if request.method == "GET":
        refuse(refusal)  # nothing typed yet: back to it
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        if refusal is None:
            services.edit_comment(comment, current_user, form.body.data)
            if comment.held_after_edit:
                flash(_("Your changes are saved and wait for review by a moderator. Until "
                        "then, only you and the moderators can see this comment."), "info")
            else:
                flash(_("Your changes are saved."), "success")
            return redirect(back)
        form.body.errors.append(refusal.message)  # what was typed stays on the page
    # Would an edit wait for review whatever it says (pre-moderation)? Say so first.
    held = services.hold_reason(event, current_user, "") is not None
    return render_form("discussions/edit.html", form, comment=comment, event=event, held=held)


@bp.route("/comments/<int:comment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(comment_id):
    """GET asks "are you sure?" (without JavaScript; htmx asks with
    hx-confirm and posts at once); POST deletes."""
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
    if request.method == "GET":
        if comment.status == CommentStatus.DELETED:
            return redirect(_event_url(event))
        return render_template("discussions/delete.html", comment=comment, event=event,
                               back=_event_url(event, anchor=f"comment-{comment.id}"))
    services.delete_comment(comment, current_user)
    flash(_("Your comment is deleted."), "success")
    if wants_fragment():
        return _thread_response(event, page=comment_page(comment, event))
    return redirect(_event_url(event))


@bp.route("/comments/<int:comment_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(comment_id):
    comment = get_comment_or_404(comment_id, own=True)
    event = comment.event
    back = _event_url(event, anchor=f"comment-{comment.id}")
    refusal_goes_to(back)
    services.check_appealable(comment, current_user)
    form = AppealForm()
    if form.validate_on_submit():
        services.appeal(comment, current_user, form.message.data)
        flash(_("Your appeal is sent. A different moderator will decide it."), "success")
        return redirect(back)
    return render_form("discussions/appeal.html", form, comment=comment, event=event)


# -- flags ----------------------------------------------------------------------------------

@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_FLAG", methods=["POST"])
def flag(comment_id):
    comment = get_comment_or_404(comment_id, flag=request.method == "POST")
    event = comment.event
    form = FlagForm()
    if form.validate_on_submit():
        refusal_goes_to(_event_url(event, anchor=f"comment-{comment.id}"))
        services.flag_comment(comment, current_user, form.reason.data, form.note.data)
        flash(_("Thank you, moderators will review it."), "success")
        return redirect(_event_url(event))
    comment = get_comment_or_404(comment_id)  # the form shows it: only if readable
    return render_form("discussions/flag.html", form, comment=comment, event=event)


# -- organisers' and moderators' settings ----------------------------------------------

@bp.post("/events/<int:event_id>/discussion")
@login_required
def settings(event_id):
    event = get_discussion_or_404(event_id)
    form = DiscussionSettingsForm()
    if not form.validate():
        if wants_fragment():
            return _thread_response(event, 422, settings_form=form)
        return event_pages.event_page(event, 422, discussion=form)
    services.set_discussion(event, form.closed.data, form.slow_mode_seconds.data, current_user)
    flash(_settings_text(event), "success")
    if wants_fragment():
        return _thread_response(event)
    return redirect(_event_url(event))


def _settings_text(event) -> str:
    """What the saved settings put in force, in one flash."""
    state = (_("Saved: the discussion is closed.") if event.discussion_closed
             else _("Saved: the discussion is open."))
    rule = (slow_mode_rule(event.slow_mode_seconds) if event.slow_mode_seconds
            else _("Slow mode is off."))
    return f"{state} {rule}"
