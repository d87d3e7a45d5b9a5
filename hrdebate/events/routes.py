from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from ..access import get_club_or_404, get_event_or_404
from ..extensions import db, limiter
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import TOPICS, Club, Milestone
from ..rules import RuleError
from ..rules import message as rule_message
from ..timeutil import utc_to_local
from . import bp, services
from .filters import EventFilters
from .page import event_page, voting_context
from .forms import (
    FORMAT_NAMES,
    INSTRUMENT_NAMES,
    KIND_NAMES,
    MILESTONE_STATUS_NAMES,
    EventForm,
    JudgementForm,
    MilestoneForm,
    MilestoneStatusForm,
    ProgressUpdateForm,
    VoteForm,
)

PER_PAGE = 20

def _event_url(event, anchor=None):
    return url_for(".show", event_id=event.id, _anchor=anchor)


# -- list -------------------------------------------------------------------

@bp.get("/events/")
def index():
    filters = EventFilters.from_args(request.args)
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(filters.query(), page=page, per_page=PER_PAGE, error_out=False)
    clubs = db.session.execute(select(Club.slug, Club.name).order_by(Club.name)).all()
    return render_page("events/list.html", "results", filters=filters, pagination=pagination,
                       clubs=clubs,
                       topic_names={slug: name for slug, (name, _a) in TOPICS.items()})


# -- create and edit -------------------------------------------------------------

@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    club = get_club_or_404(request.args.get("club", ""), manage=True)
    form = EventForm()
    if request.method == "GET":
        form.region.data = club.region
    if form.validate_on_submit():
        data, topic_slugs = form.to_data()
        event = services.create_event(club, data, topic_slugs)
        flash(_("The draft is saved. Publish it when it is ready."), "success")
        return redirect(_event_url(event))
    return render_form("events/form.html", form, club=club, event=None)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id):
    event = get_event_or_404(event_id, manage=True)
    form = EventForm(obj=event)
    if request.method == "GET":
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            form[name].data = utc_to_local(getattr(event, name))
        form.topics.data = [t.slug for t in event.topics]
        form.instruments.data = event.instrument_codes
    if form.validate_on_submit():
        data, topic_slugs = form.to_data()
        services.update_event(event, data, topic_slugs)
        flash(_("Your changes are saved."), "success")
        return redirect(_event_url(event))
    return render_form("events/form.html", form, club=event.club, event=event)


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id):
    event = get_event_or_404(event_id, manage=True)
    try:
        services.publish_event(event)
        flash(_("The event is published."), "success")
    except RuleError as error:
        flash(rule_message(error), "error")
    return redirect(_event_url(event))


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id):
    event = get_event_or_404(event_id, manage=True)
    if request.method == "GET":
        return render_template("events/cancel.html", event=event)
    try:
        services.cancel_event(event)
        flash(_("The event is cancelled. Its followers have been told."), "success")
    except RuleError as error:
        flash(rule_message(error), "error")
    return redirect(_event_url(event))


@bp.get("/events/<int:event_id>")
def show(event_id):
    return event_page(get_event_or_404(event_id))


@bp.get("/events/<int:event_id>/tally")
def tally(event_id):
    """The live tally, polled by htmx while a vote is open."""
    event = get_event_or_404(event_id)
    if event.kind != "debate":
        abort(404)
    if not wants_fragment():
        return redirect(_event_url(event, "voting"))
    return render_block("events/show.html", "tally", event=event, **voting_context(event))


def _voting_response(event, error=None):
    if wants_fragment():
        html = render_block("events/show.html", "voting", event=event, vote_error=error,
                            **voting_context(event))
        return html, 422 if error else 200
    if error:
        flash(error, "error")
    return redirect(_event_url(event, "voting"))


@bp.post("/events/<int:event_id>/vote")
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTE"])
def vote(event_id):
    event = get_event_or_404(event_id)
    form = VoteForm()
    if not form.validate():
        return _voting_response(event, _("Choose for, against or undecided."))
    try:
        services.cast_vote(event, current_user, form.phase.data, form.choice.data)
    except RuleError as error:
        return _voting_response(event, rule_message(error))
    if not wants_fragment():
        flash(_("Your vote is counted. You can change it while the vote is open."), "success")
    return _voting_response(event)


@bp.post("/events/<int:event_id>/voting")
@login_required
def voting(event_id):
    event = get_event_or_404(event_id, manage=True)
    action = request.form.get("action", "")
    if action not in services.VOTING_ACTIONS:
        return _voting_response(event, _("Voting cannot change that way now."))
    try:
        services.change_voting(event, action)
    except RuleError as error:
        return _voting_response(event, rule_message(error))
    return _voting_response(event)


# -- moot court judgement ----------------------------------------------------

@bp.route("/events/<int:event_id>/judgement", methods=["GET", "POST"])
@login_required
def judgement(event_id):
    event = get_event_or_404(event_id, manage=True)
    if event.kind != "moot_court":
        abort(404)
    form = JudgementForm(obj=event)
    if form.validate_on_submit():
        try:
            services.publish_judgement(event, form.judgement_outcome.data,
                                       form.judgement_reasoning.data)
            flash(_("The judgement is published."), "success")
            return redirect(_event_url(event, "judgement"))
        except RuleError as error:
            form.judgement_outcome.errors.append(rule_message(error))
    return render_form("events/judgement.html", form, event=event)


# -- civic project ---------------------------------------------------------------

def _civic_event(event_id):
    event = get_event_or_404(event_id, manage=True)
    if event.kind != "civic_project":
        abort(404)
    return event


@bp.post("/events/<int:event_id>/milestones")
@login_required
def add_milestone(event_id):
    event = _civic_event(event_id)
    form = MilestoneForm(prefix="milestone")
    if form.validate():
        try:
            services.add_milestone(event, form.title.data, form.due_date.data, form.status.data)
            flash(_("The milestone is added."), "success")
            return redirect(_event_url(event, "milestones"))
        except RuleError as error:
            form.title.errors.append(rule_message(error))
    return event_page(event, 422, milestone=form)


@bp.post("/events/<int:event_id>/milestones/<int:milestone_id>")
@login_required
def update_milestone(event_id, milestone_id):
    event = _civic_event(event_id)
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.event_id != event.id:
        abort(404)
    form = MilestoneStatusForm()
    if not form.validate():
        flash(_("Choose a valid status."), "error")
    else:
        try:
            services.set_milestone_status(milestone, form.status.data)
        except RuleError as error:
            flash(rule_message(error), "error")
    return redirect(_event_url(event, "milestones"))


@bp.post("/events/<int:event_id>/updates")
@login_required
def add_update(event_id):
    event = _civic_event(event_id)
    form = ProgressUpdateForm(prefix="update")
    if form.validate():
        try:
            services.add_progress_update(event, current_user, form.posted_on.data, form.body.data)
            flash(_("The update is posted."), "success")
            return redirect(_event_url(event, "updates"))
        except RuleError as error:
            form.body.errors.append(rule_message(error))
    return event_page(event, 422, progress=form)


bp.add_app_template_global(KIND_NAMES, "kind_names")
bp.add_app_template_global(FORMAT_NAMES, "format_names")
bp.add_app_template_global(INSTRUMENT_NAMES, "instrument_names")
bp.add_app_template_global(MILESTONE_STATUS_NAMES, "milestone_status_names")
