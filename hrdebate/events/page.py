"""The event page, assembled in one place from each area's context builder:
registration (participation), the discussion (discussions) and what the
event's kind adds (``KIND_CONTEXT``: a debate's vote, a civic project's
forms). Routes of every area that answer with the whole event page (a form
with errors, say) call ``event_page``. The kind's part of the page is the
template ``events/_<kind>.html``."""

from flask_babel import gettext as _
from flask_login import current_user

from ..access import can_manage_club
from ..discussions.context import thread_context
from ..htmx import render_page
from ..models.event import EventKind, VotingState
from ..participation.services import registration_context
from ..timeutil import local_today
from . import services
from .forms import MilestoneForm, ProgressUpdateForm


def event_page(event, status=200, block="event", comment_notice=None, **forms):
    context = {"event": event, "forms": forms,
               **registration_context(event, current_user)}
    kind_context = KIND_CONTEXT.get(event.kind)
    if kind_context is not None:
        context.update(kind_context(event, forms))
    if not event.is_draft:
        context.update(thread_context(event, comment_form=forms.get("comment"),
                                      settings_form=forms.get("discussion"),
                                      comment_notice=comment_notice))
    return render_page("events/show.html", block, **context), status


def voting_context(event, forms=None):
    """The tally, the user's own votes and why they may not vote (not
    checked in), for a debate's vote; for the event's staff, where each
    phase stands (``voting_status``). Staff get no voter prompt: they run
    the vote. ``votes_cast``: once anyone voted, who may vote stays as it is."""
    my_votes, voter_refusal = {}, None
    staff = current_user.is_authenticated and can_manage_club(current_user, event.club_id)
    if current_user.is_authenticated:
        my_votes = services.votes_of(event.id, current_user.id)
        voter_refusal = services.voter_refusal(event, current_user)
    tally = services.tally(event.id)
    return {"tally": tally, "my_votes": my_votes,
            "voter_refusal": voter_refusal,
            "voting_staff": staff,
            "voting_status": voting_status(event) if staff else [],
            "votes_cast": tally.before.total + tally.after.total > 0}


def voting_status(event) -> list[str]:
    """One line per phase, in words: "Before-debate vote: open"."""
    state = event.voting_state
    lapsed = event.voting_lapsed()
    if state == VotingState.BEFORE_OPEN and not lapsed:
        before = _("Before-debate vote: open")
    else:
        before = _("Before-debate vote: closed")
    if state == VotingState.AFTER_OPEN and not lapsed:
        after = _("After-debate vote: open")
    elif state == VotingState.CLOSED:
        after = _("After-debate vote: closed, the result is shown")
    else:
        after = _("After-debate vote: not open yet")
    return [before, after]


def civic_project_context(event, forms):
    """Blank forms for a civic project's milestones and progress updates,
    unless the route passes them back with their errors. Only the club's
    staff see them: for anyone else none is made (no CSRF token either, so
    the page can be cached: pagecache.py)."""
    if not can_manage_club(current_user, event.club_id):
        return {}
    forms.setdefault("milestone", MilestoneForm(prefix="milestone", formdata=None))
    forms.setdefault("progress", ProgressUpdateForm(prefix="update", formdata=None,
                                                  posted_on=local_today()))
    return {}


# What each kind adds to the page's context (a kind with nothing to add needs
# no entry).
KIND_CONTEXT = {
    EventKind.DEBATE: voting_context,
    EventKind.CIVIC_PROJECT: civic_project_context,
}
