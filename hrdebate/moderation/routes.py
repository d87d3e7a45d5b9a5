"""The moderation area: the queue, decisions (one or in bulk), the log,
sanctions and the watched-words list. Each request: load and check through
``access`` → call a service (moderation.services for decisions, queue.py
for what moderators read) → render or redirect. Refusals are answered by the
one handler (errors.py); the request commits once (unit_of_work.py)."""

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block, render_blocks

from .. import ratelimits
from ..bounds import as_id, page_arg
from ..access import (
    get_comment_or_404,
    get_user_or_404,
    moderated_club_ids,
    site_role_required,
)
from ..discussions.services import (
    add_watched_word,
    remove_watched_word,
    watched_word_rows,
)
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import utcnow
from ..models.comment import ModerationDecision
from ..security import safe_next
from . import bp, services
from . import queue as queues
from .forms import (
    DecisionForm,
    SanctionForm,
    WarningForm,
    WatchedWordForm,
    describe_reason,
)


def _queue_page(status=200):
    club_ids = moderated_club_ids(current_user)
    page = page_arg()
    context = queues.queue_page(club_ids, queues.QueueFilters.from_args(request.args), page,
                                user=current_user)
    return render_page("moderation/queue.html", "queue", form=DecisionForm(formdata=None),
                       describe_reason=describe_reason, oob_filters=wants_fragment(),
                       **context), status


def _back_to_queue() -> str:
    """The queue as the moderator left it (its filters), never another site."""
    target = safe_next(request.form.get("next"), url_for(".queue"))
    return target if target.startswith(url_for(".queue")) else url_for(".queue")


# -- the queue --------------------------------------------------------------------------

@bp.get("/moderation/")
@login_required
def queue():
    return _queue_page()


@bp.post("/moderation/comments/<int:comment_id>")
@login_required
def decide(comment_id):
    comment = get_comment_or_404(comment_id, moderate=True)
    form = DecisionForm()
    if not form.validate():
        errors = " ".join(str(e) for field in form for e in field.errors)
        if wants_fragment():
            return render_block("moderation/queue.html", "item", item_error=errors,
                                form=DecisionForm(formdata=None),
                                describe_reason=describe_reason,
                                **queues.item_context(comment)), 422
        flash(errors, "error")
        return _queue_page(422)
    refusal_goes_to(_back_to_queue())
    services.decide(comment, current_user, form.action.data, form.stored_reason)
    message = _decided(form.action.data)
    flash(message, "success")
    if wants_fragment():  # the item gives way to a line; the counters update out of band
        return render_blocks("moderation/queue.html", ["decided", "counts"], oob=True,
                             comment=comment, message=message,
                             counts=queues.queue_counts(moderated_club_ids(current_user)))
    return redirect(_back_to_queue())


def _decided(action: str) -> str:
    """What a decision did. Keeping a flagged comment tells nobody: its author
    never knew it was flagged."""
    if action == ModerationDecision.KEEP:
        return _("The flags are dismissed and the comment stays as it is. Nobody is told.")
    return _("Your decision is saved and the author is told.")


@bp.post("/moderation/bulk")
@login_required
def bulk():
    club_ids = moderated_club_ids(current_user)
    form = DecisionForm()
    ids = {as_id(i) for i in request.form.getlist("comment_ids")} - {None}
    if not form.validate() or not ids:
        message = " ".join(str(e) for field in form for e in field.errors) or _(
            "Tick at least one comment.")
        flash(message, "error")
        return _queue_page(422)
    done, refused = services.decide_many(ids, current_user, form.action.data,
                                         form.stored_reason, club_ids)
    if done:
        flash(ngettext("%(num)d comment decided.", "%(num)d comments decided.", done), "success")
    if refused:
        flash(ngettext("%(num)d comment could not be decided that way.",
                       "%(num)d comments could not be decided that way.", refused), "error")
    return redirect(_back_to_queue())


# -- the log ------------------------------------------------------------------------------

@bp.get("/moderation/log")
@login_required
def log():
    """The whole log for site moderators and admins; a club moderator's
    part of it (their clubs' events) for a club moderator; 403 for others."""
    club_ids = moderated_club_ids(current_user)
    filters = queues.LogFilters.from_args(request.args)
    page = page_arg()
    return render_page("moderation/log.html", "entries", describe_reason=describe_reason,
                       **queues.log_page(filters, page, club_ids,
                                         usernames=current_user.is_site_moderator))


# -- a warning from the club's moderators ----------------------------------------------------

def _warn_page(form, comment, back):
    return render_form("moderation/warn.html", form, comment=comment, back=back,
                       refused=services.warn_refusal(comment, current_user))


def _warn_page_at_limit(_message):
    """The warning page again with the reason typed, at the rate limit."""
    comment = get_comment_or_404(request.view_args["comment_id"], moderate=True)
    return _warn_page(WarningForm(), comment,
                      safe_next(request.values.get("next"), url_for(".queue")))[0]


@bp.route("/moderation/comments/<int:comment_id>/warn", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_WARN", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_warn_page_at_limit))
def warn(comment_id):
    comment = get_comment_or_404(comment_id, moderate=True)
    # Back where the moderator came from: the queue, or the event's thread.
    back = safe_next(request.values.get("next"), url_for(".queue"))
    form = WarningForm()
    if form.validate_on_submit():
        refusal_goes_to(back)
        services.warn_author(comment, current_user, form.reason.data)
        flash(_("The warning is saved and %(name)s is told.", name=comment.author.display_name),
              "success")
        return redirect(back)
    return _warn_page(form, comment, back)


# -- sanctions ------------------------------------------------------------------------------

@bp.route("/moderation/users/<int:user_id>", methods=["GET", "POST"])
@site_role_required("moderator")
@ratelimits.for_account("RATELIMIT_WARN", methods=["POST"])
def user(user_id):
    person = get_user_or_404(user_id)
    form = SanctionForm()
    if form.validate_on_submit():
        refusal_goes_to(url_for(".user", user_id=person.id))
        services.sanction(person, current_user, form.kind.data, form.reason.data,
                          days=form.days.data)
        flash(_("The sanction is saved and %(name)s is told.", name=person.display_name),
              "success")
        return redirect(url_for(".user", user_id=person.id))
    return render_form("moderation/user.html", form, person=person,
                       record=queues.record_of(person), now=utcnow(),
                       describe_reason=describe_reason,
                       refused=services.sanction_refusal(person, current_user))


# -- watched words ---------------------------------------------------------------------------

@bp.route("/moderation/words", methods=["GET", "POST"])
@site_role_required("moderator")
def words():
    form = WatchedWordForm()
    if form.validate_on_submit():
        word = add_watched_word(form.word.data)
        flash(_("“%(word)s” is on the watched list.", word=word), "success")
        return redirect(url_for(".words"))
    return render_form("moderation/words.html", form, rows=watched_word_rows())


@bp.post("/moderation/words/<int:word_id>/delete")
@site_role_required("moderator")
def delete_word(word_id):
    word = remove_watched_word(word_id)
    if word is None:
        # Removed a moment ago by this same form (a double click): only
        # site moderators get here, and they see the whole list, so a word that is not
        # there answers like its removal (whatever the id), never 404.
        flash(_("The word is off the watched list."), "success")
    else:
        flash(_("“%(word)s” is off the watched list.", word=word), "success")
    return redirect(url_for(".words"))
