"""What the discussion section of an event page needs, read from the
request (the viewer, stance, view, page of comments): the one request-aware
builder, which ``events.page`` and the discussion's own routes share. The
thread itself is loaded by the service ``thread.load_thread``."""

from flask import request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from flask_babel import ngettext
from flask_login import current_user

from .. import pagecache
from ..access import can_moderate_club, can_run_discussion
from ..bounds import page_arg
from ..models.comment import Stance
from .forms import CommentForm, DiscussionSettingsForm, ReplyForm
from .services import comment_refusal
from .thread import MODERATOR, PUBLIC, VIEWS, LazyThread, has_comments, page_of

# What the rendered thread reads: its comments, their authors' names, the
# event (closed, slow mode). A write to any of them renders it anew.
THREAD_TABLES = ("comments", "users", "events")
# Where the reader's CSRF token goes in the reply boxes of a rendered thread:
# the kept HTML holds this (NUL never survives into a page), each answer its
# reader's token.
CSRF_SLOT = "\x00csrf\x00"


def _thread_args():
    args = request.args
    stance = args.get("stance", "")
    view = args.get("view", "list")
    page = page_arg("comments_page")
    return (stance if stance in Stance.values() else None, view if view in VIEWS else "list",
            max(page, 1))


def slow_mode_rule(seconds: int) -> str:
    """"Slow mode: one comment every 5 minutes." (in minutes when the
    interval is whole minutes, else in seconds)."""
    if seconds >= 60 and seconds % 60 == 0:
        return ngettext("Slow mode: one comment every %(num)d minute.",
                        "Slow mode: one comment every %(num)d minutes.", seconds // 60)
    return ngettext("Slow mode: one comment every %(num)d second.",
                    "Slow mode: one comment every %(num)d seconds.", seconds)


def thread_context(event, comment_form=None, settings_form=None, page=None,
                   comment_notice=None):
    """What the thread section of the event page needs (``events.page``
    and the discussion's fragments). ``page``: a page chosen by the route
    (where a new comment is), shown in the list of all comments.
    ``comment_notice``: why a sent comment was not posted (slow mode, say),
    shown as the one alert above the form that keeps the text."""
    stance, view, requested_page = _thread_args()
    if page is None:
        page = requested_page
    else:
        stance, view = None, "list"
    debate = event.is_debate
    reply_form = None
    if comment_form is not None and comment_form.parent_id.data is not None:
        reply_form, comment_form = comment_form, None
    thread = LazyThread(event, current_user, can_moderate_club(current_user, event.club_id),
                        stance, view, page)
    refusal = comment_refusal(event, current_user)
    context = {
        "thread": thread,
        "thread_part": _thread_part(event, thread, refusal,
                                    personal=bool(reply_form or comment_notice)),
        # Nobody signed in sees no form: none is made, so no CSRF token either
        # and the page can be cached (pagecache.py).
        "comment_form": comment_form or CommentForm(
            formdata=None, debate=debate, meta={"csrf": current_user.is_authenticated}),
        "reply_form": reply_form,
        "reply_body": ReplyForm.body_for,
        "comment_refusal": refusal,
        "csrf_slot": CSRF_SLOT,
        "comment_notice": comment_notice,
        "slow_mode_rule": slow_mode_rule(event.slow_mode_seconds) if event.slow_mode_seconds else None,
    }
    if can_run_discussion(current_user, event.club_id):
        context["settings_form"] = settings_form or DiscussionSettingsForm(
            formdata=None, closed=event.discussion_closed,
            slow_mode_seconds=event.slow_mode_seconds)
    return context


def _thread_part(event, thread, refusal, personal):
    """The template's wrapper of a part of the rendered thread
    (``{% call thread_part('list') %}``): kept in the page cache for
    everyone who reads the same thing the same way (the public; signed-in
    people who may or may not comment, and wrote nothing there), rendered
    for each reader otherwise (moderators, authors of comments there, a
    reply sent back with its error). Never a person in it: the reader's
    CSRF token goes in after (``CSRF_SLOT``)."""
    who = thread.audience
    parts = (event.id, thread.page, thread.stance, thread.view, who, bool(refusal))
    known = {}

    def cacheable():
        if "cacheable" not in known:  # asked once, by the first part rendered
            known["cacheable"] = who != MODERATOR and not personal and (
                who == PUBLIC or (not has_comments(event.id, thread.viewer_id)
                                  and thread.as_anyone()))
        return known["cacheable"]

    def part(name, caller):
        if cacheable():
            html = pagecache.fragment(f"thread-{name}", parts, THREAD_TABLES, caller)
        else:
            html = caller()
        return Markup(with_token(str(html)))
    return part


def with_token(html: str) -> str:
    """The rendered thread with its reader's CSRF token in the reply boxes
    (only a signed-in reader's thread has them)."""
    return html.replace(CSRF_SLOT, generate_csrf()) if CSRF_SLOT in html else html


def comment_page(comment, event) -> int:
    """The page of the thread where the current user sees ``comment``."""
    return page_of(comment, event, current_user, can_moderate_club(current_user, event.club_id))
