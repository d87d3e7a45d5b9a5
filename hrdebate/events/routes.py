"""Events: the list, create and edit, publish and cancel, the event page;
a debate's vote, a moot court's judgement, a civic project's progress.
Each route loads through ``access``, calls a service and answers; refusals
go to the one handler in ``errors``."""

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import NotFound

from .. import ratelimits
from ..access import get_club_or_404, get_event_or_404, get_milestone_or_404
from ..access import get_progress_update_or_404
from ..bounds import page_arg
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import TOPICS
from ..models.event import EventKind, VotingState
from ..pagecache import public_page
from ..rules import Refusal, RuleError
from ..timeutil import day_time, local_to_utc, utc_to_local
from . import bp, services
from .filters import EventFilters
from .forms import (
    CancelForm,
    EventForm,
    JudgementForm,
    MessageForm,
    MilestoneForm,
    MilestoneStatusForm,
    ProgressUpdateForm,
    VoteForm,
    VotingAttendanceForm,
)
from .page import event_page, voting_context

TOPIC_NAMES = {slug: name for slug, (name, _a) in TOPICS.items()}


def _event_url(event, anchor=None):
    return url_for(".show", event_id=event.id, _anchor=anchor)


# -- list -------------------------------------------------------------------

@bp.get("/events/")
@public_page
def index():
    filters = EventFilters.from_args(request.args)
    pagination = services.event_list(filters, page_arg())
    return render_page("events/list.html", "results", filters=filters, pagination=pagination,
                       clubs=services.club_options(), topic_names=TOPIC_NAMES)


# -- create and edit -------------------------------------------------------------

def _valid(form: EventForm, event=None) -> bool:
    """The form is sent and valid, and its start is one the person may give
    (``services.start_refusal``, ``end_refusal``): a refused date is the field's error, so
    the form comes back (422) as it was typed."""
    if not form.validate_on_submit():
        return False
    valid = True
    for field, refusal_of in ((form.starts_at, services.start_refusal),
                              (form.ends_at, services.end_refusal)):
        refusal = field.data and refusal_of(local_to_utc(field.data), current_user, event)
        if refusal:
            field.errors.append(refusal.message)
            valid = False
    return valid


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    club = get_club_or_404(request.args.get("club", ""), manage=True)
    form = EventForm()
    if request.method == "GET":  # the club's region, the organiser's language
        form.region.data = club.region
        form.language.data = str(get_locale())
    if _valid(form):
        data, topic_slugs = form.to_data()
        event = services.create_event(club, data, topic_slugs, by=current_user)
        flash(_("The draft is saved. Publish it when it is ready."), "success")
        return redirect(_event_url(event))
    return render_form("events/form.html", form, club=club, event=None)


def _editing_a_draft() -> bool:
    """Edits of drafts tell nobody and are not limited; edits of published
    events are (RATELIMIT_EVENT_EDIT): each may tell the event's people."""
    return not services.is_published(request.view_args["event_id"])


def _edit_limited(message):
    """The edit form as it was sent, and why it was not saved (429)."""
    event = get_event_or_404(request.view_args["event_id"], manage=True)
    return render_template("events/form.html", form=EventForm(), club=event.club, event=event)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_EVENT_EDIT", methods=["POST"], exempt_when=_editing_a_draft,
                        on_breach=ratelimits.keeping_form(_edit_limited))
def edit(event_id):
    event = get_event_or_404(event_id, manage=True)
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            form[name].data = utc_to_local(getattr(event, name))
        form.topics.data = [t.slug for t in event.topics]
        form.instruments.data = event.instrument_codes
    if _valid(form, event):
        data, topic_slugs = form.to_data()
        told = services.update_event(event, data, topic_slugs, by=current_user)
        if told:
            flash(ngettext("Your changes are saved. %(num)d person registered or waiting is "
                           "told about the new time or place.",
                           "Your changes are saved. %(num)d people registered or waiting are "
                           "told about the new time or place.", told), "success")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(_event_url(event))
    return render_form("events/form.html", form, club=event.club, event=event)


@bp.post("/events/<int:event_id>/duplicate")
@login_required
def duplicate(event_id):
    """A copy of any event the person manages, as a new draft; its edit form
    opens, asking to check the date the copy was moved to."""
    source = get_event_or_404(event_id, manage=True)
    refusal_goes_to(_event_url(source))
    event = services.duplicate_event(source)
    flash(_("This is a copy, saved as a draft and moved to %(when)s. Check the date and "
            "the details, then publish it.", when=day_time(event.starts_at)), "success")
    return redirect(url_for(".edit", event_id=event.id))


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id):
    event = get_event_or_404(event_id, manage=True)
    refusal_goes_to(_event_url(event))
    services.publish_event(event, by=current_user)
    flash(_("The event is published."), "success")
    return redirect(_event_url(event))


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id):
    """Asks first (no JavaScript needed) and takes a reason; a draft is
    deleted instead (``delete``)."""
    event = get_event_or_404(event_id, manage=True)
    form = CancelForm()
    refusal_goes_to(_event_url(event))
    if event.is_cancelled and form.is_submitted():  # a double click: done already
        return redirect(_event_url(event))
    refusal = services.draft_cancel_refusal(event)
    if refusal and form.is_submitted():
        raise RuleError(refusal)
    if form.validate_on_submit():
        services.cancel_event(event, form.reason.data, by=current_user)
        flash(_("The event is cancelled. Its followers have been told."), "success")
        return redirect(_event_url(event))
    return render_form("events/cancel.html", form, event=event, refusal=refusal)


@bp.route("/events/<int:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete(event_id):
    """Delete a draft; the page asks first (no JavaScript needed). The form
    names the club (``?club=``): sent twice (a double click), the second
    finds the draft gone and answers as the first did, to those who manage
    that club."""
    slug = request.args.get("club", "")
    try:
        event = get_event_or_404(event_id, manage=True)
    except NotFound:
        if request.method != "POST" or not slug:
            raise
        club = get_club_or_404(slug, manage=True)
        if services.event_exists(event_id):  # there, but not this person's to see
            raise
        flash(_("The draft is deleted."), "success")
        return redirect(url_for("clubs.show", slug=club.slug))
    if request.method == "GET":
        return render_template("events/delete.html", event=event,
                               refusal=services.delete_refusal(event))
    club_url = url_for("clubs.show", slug=event.club.slug)
    refusal_goes_to(_event_url(event))
    services.delete_draft(event)
    flash(_("The draft is deleted."), "success")
    return redirect(club_url)


def _message_page(event, form, status=200):
    return render_template("events/message.html", event=event, form=form,
                           counts=services.audience_counts(event),
                           refusal=services.message_refusal(event)), status


def _message_limited(message):
    """The message form as it was sent, and why it was not sent (429)."""
    event = get_event_or_404(request.view_args["event_id"], manage=True)
    form = MessageForm()
    form.body.errors = [message]
    return _message_page(event, form, 429)[0]


@bp.route("/events/<int:event_id>/message", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_ORGANISER_MESSAGE", methods=["POST"],
                        on_breach=ratelimits.keeping_form(_message_limited))
def message(event_id):
    """The organisers write to the people registered, waiting, or both:
    each gets a notification (and mail); nobody's name is shown here."""
    event = get_event_or_404(event_id, manage=True)
    form = MessageForm()
    refusal_goes_to(_event_url(event))
    refusal = services.message_refusal(event)
    if refusal and form.is_submitted():
        raise RuleError(refusal)
    if form.validate_on_submit():
        sent = services.message_people(event, form.subject.data, form.body.data,
                                       form.audience.data)
        flash(ngettext("Your message is sent to %(num)d person.",
                       "Your message is sent to %(num)d people.", sent), "success")
        return redirect(_event_url(event))
    return _message_page(event, form, 422 if form.is_submitted() else 200)


@bp.get("/events/<int:event_id>")
@public_page
def show(event_id):
    return event_page(get_event_or_404(event_id))


# -- debate vote -------------------------------------------------------------------

@bp.get("/events/<int:event_id>/tally")
@public_page
def tally(event_id):
    """The live tally, polled by htmx while the vote may change. A poll that
    saw an older state of the vote (``seen``, ``Event.voting_key``) gets the
    whole vote instead, swapped in place of the old one."""
    event = get_event_or_404(event_id, kind=EventKind.DEBATE)
    if not wants_fragment():
        return redirect(_event_url(event, "voting"))
    if request.args.get("seen", "") != event.voting_key():
        response = make_response(render_block("events/_debate.html", "voting", event=event,
                                              polled=True, **voting_context(event)))
        response.headers["HX-Retarget"] = "#voting"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return render_block("events/_debate.html", "tally", event=event, **voting_context(event))


def _voting_response(event):
    if wants_fragment():
        return render_block("events/_debate.html", "voting", event=event,
                            **voting_context(event))
    return redirect(_event_url(event, "voting"))


@bp.post("/events/<int:event_id>/vote")
@login_required
@ratelimits.for_account("RATELIMIT_VOTE")
def vote(event_id):
    event = get_event_or_404(event_id)
    refusal_goes_to(_event_url(event, "voting"))
    form = VoteForm()
    if not form.validate():
        raise RuleError(Refusal.BAD_VOTE)
    services.cast_vote(event, current_user, form.phase.data, form.choice.data)
    flash(_("Your vote is counted. You can change it while the vote is open."), "success")
    return _voting_response(event)


@bp.post("/events/<int:event_id>/voting")
@login_required
def voting(event_id):
    event = get_event_or_404(event_id, manage=True)
    refusal_goes_to(_event_url(event, "voting"))
    was = event.voting_state
    services.change_voting(event, request.form.get("action", ""))
    if event.voting_state != was:
        flash(_voting_change_text(was, event.voting_state), "success")
    return _voting_response(event)


def _voting_change_text(was, now) -> str:
    """What an organiser's voting button changed, in words."""
    if now == VotingState.BEFORE_OPEN:
        return _("The before-vote is open again.")
    if now == VotingState.BEFORE_CLOSED:
        return _("The before-vote is closed. The after-vote is not open yet.")
    if now == VotingState.AFTER_OPEN and was == VotingState.BEFORE_OPEN:
        return _("The after-vote is open, and the before-vote is now closed.")
    if now == VotingState.AFTER_OPEN and was == VotingState.CLOSED:
        return _("The after-vote is open again; the result is hidden until you close it.")
    if now == VotingState.AFTER_OPEN:
        return _("The after-vote is open.")
    return _("The after-vote is closed and the result is shown.")


@bp.post("/events/<int:event_id>/voting/attendance")
@login_required
def voting_attendance(event_id):
    """Only checked-in attendees vote, or everyone again."""
    event = get_event_or_404(event_id, manage=True)
    refusal_goes_to(_event_url(event, "voting"))
    form = VotingAttendanceForm()
    if not form.validate():
        raise RuleError(Refusal.BAD_ROLE)
    checked_in_only = form.checked_in_only.data == "1"
    if checked_in_only != bool(event.voting_checked_in_only):
        tally = services.tally(event.id)
        if tally.before.total + tally.after.total:  # voting has started: it stays as it is
            raise RuleError(Refusal.WRONG_STATE)
    services.restrict_voting(event, checked_in_only)
    flash(_("Only people checked in at the event can vote now.") if checked_in_only
          else _("Everyone who is logged in can vote now."), "success")
    return _voting_response(event)


# -- moot court judgement ----------------------------------------------------

@bp.route("/events/<int:event_id>/judgement", methods=["GET", "POST"])
@login_required
def judgement(event_id):
    event = get_event_or_404(event_id, manage=True, kind=EventKind.MOOT_COURT)
    form = JudgementForm(obj=event)
    if form.validate_on_submit():
        refusal_goes_to(url_for(".judgement", event_id=event.id))
        was = (event.judgement_published_at, event.judgement_amended_at)
        services.publish_judgement(event, form.judgement_outcome.data,
                                   form.judgement_reasoning.data)
        if was[0] is None:
            flash(_("The judgement is published."), "success")
        elif event.judgement_amended_at != was[1]:
            flash(_("The judgement is amended: the page says on which day."), "success")
        else:
            flash(_("Nothing has changed: the judgement stays as it was."), "success")
        return redirect(_event_url(event, "judgement"))
    return render_form("events/judgement.html", form, event=event)


# -- civic project ---------------------------------------------------------------

def _civic_project(event_id, anchor):
    event = get_event_or_404(event_id, manage=True, kind=EventKind.CIVIC_PROJECT)
    refusal_goes_to(_event_url(event, anchor))
    return event


@bp.post("/events/<int:event_id>/milestones")
@login_required
def add_milestone(event_id):
    event = _civic_project(event_id, "milestones")
    form = MilestoneForm(prefix="milestone")
    if not form.validate():
        return event_page(event, 422, milestone=form)
    services.add_milestone(event, form.title.data, form.due_date.data, form.status.data)
    flash(_("The milestone is added."), "success")
    return redirect(_event_url(event, "milestones"))


@bp.post("/events/<int:event_id>/milestones/<int:milestone_id>")
@login_required
def update_milestone(event_id, milestone_id):
    event = _civic_project(event_id, "milestones")
    milestone = get_milestone_or_404(event, milestone_id)
    form = MilestoneStatusForm()
    if form.validate():
        services.set_milestone_status(milestone, form.status.data)
    else:
        flash(_("Choose a valid status."), "error")
    return redirect(_event_url(event, "milestones"))


@bp.route("/events/<int:event_id>/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@login_required
def edit_milestone(event_id, milestone_id):
    event = _civic_project(event_id, "milestones")
    milestone = get_milestone_or_404(event, milestone_id)
    form = MilestoneForm(obj=milestone)
    if form.validate_on_submit():
        services.edit_milestone(milestone, form.title.data, form.due_date.data, form.status.data)
        flash(_("The milestone is saved."), "success")
        return redirect(_event_url(event, "milestones"))
    return render_form("events/milestone_edit.html", form, event=event, milestone=milestone)


@bp.route("/events/<int:event_id>/milestones/<int:milestone_id>/delete",
          methods=["GET", "POST"])
@login_required
def delete_milestone(event_id, milestone_id):
    event = _civic_project(event_id, "milestones")
    milestone = get_milestone_or_404(event, milestone_id)
    if request.method == "GET":
        return render_template("events/milestone_delete.html", event=event, milestone=milestone)
    services.delete_milestone(milestone)
    flash(_("The milestone is deleted."), "success")
    return redirect(_event_url(event, "milestones"))


@bp.post("/events/<int:event_id>/updates")
@login_required
def add_update(event_id):
    event = _civic_project(event_id, "updates")
    form = ProgressUpdateForm(prefix="update")
    if not form.validate():
        return event_page(event, 422, progress=form)
    services.add_progress_update(event, current_user, form.posted_on.data, form.body.data)
    flash(_("The update is posted."), "success")
    return redirect(_event_url(event, "updates"))


@bp.route("/events/<int:event_id>/updates/<int:update_id>/edit", methods=["GET", "POST"])
@login_required
def edit_update(event_id, update_id):
    event = _civic_project(event_id, "updates")
    update = get_progress_update_or_404(event, update_id)
    form = ProgressUpdateForm(obj=update)
    if form.validate_on_submit():
        services.edit_progress_update(update, form.posted_on.data, form.body.data)
        flash(_("The update is saved."), "success")
        return redirect(_event_url(event, "updates"))
    return render_form("events/update_edit.html", form, event=event, update=update)


@bp.route("/events/<int:event_id>/updates/<int:update_id>/delete", methods=["GET", "POST"])
@login_required
def delete_update(event_id, update_id):
    event = _civic_project(event_id, "updates")
    update = get_progress_update_or_404(event, update_id)
    if request.method == "GET":
        return render_template("events/update_delete.html", event=event, update=update)
    services.delete_progress_update(update)
    flash(_("The update is deleted."), "success")
    return redirect(_event_url(event, "updates"))
