"""What the discussion section of an event page needs, read from the
request (stance, view, page of comments): the context builder that
``events.page`` and the discussion's own routes share."""

from flask import request
from flask_login import current_user

from ..access import can_manage_club
from ..rules import MESSAGES
from .forms import STANCE_NAMES, CommentForm, DiscussionSettingsForm
from .thread import VIEWS, comment_refusal, load_thread


def _thread_args():
    args = request.args
    stance = args.get("stance", "")
    view = args.get("view", "list")
    page = args.get("comments_page", 1, type=int)
    return (stance if stance in STANCE_NAMES else None, view if view in VIEWS else "list",
            max(page, 1))


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


