"""The event page, assembled in one place from each area's context builder:
registration (participation), voting (events), the discussion (discussions)
and the civic project's forms. Routes of every area that answer with the
whole event page (a form with errors, say) call ``event_page``."""

from flask_login import current_user

from ..discussions.context import thread_context
from ..htmx import render_page
from ..participation.services import registration_context
from ..timeutil import local_today
from . import services
from .forms import MilestoneForm, ProgressUpdateForm


def event_page(event, status=200, block="event", **forms):
    context = {"event": event, "forms": forms,
               **registration_context(event, current_user)}
    if event.kind == "debate":
        context.update(voting_context(event))
    if not event.is_draft:
        context.update(thread_context(event, comment_form=forms.get("comment"),
                                      settings_form=forms.get("discussion")))
    if event.kind == "civic_project":
        forms.setdefault("milestone", MilestoneForm(prefix="milestone", formdata=None))
        forms.setdefault("progress", ProgressUpdateForm(prefix="update", formdata=None,
                                                      posted_on=local_today()))
    return render_page("events/show.html", block, **context), status


def voting_context(event):
    my_votes = {}
    if current_user.is_authenticated:
        my_votes = services.votes_of(event.id, current_user.id)
    return {"tally": services.tally(event.id), "my_votes": my_votes}
