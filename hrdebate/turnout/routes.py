"""The turnout dashboard and its CSV export, for organisers (their own clubs)
and admins (the whole programme)."""

from flask import abort, request
from flask_login import current_user, login_required

from ..bounds import page_arg
from ..csvfile import csv_response
from ..htmx import render_page
from ..timeutil import local_today
from . import bp, services
from .forms import TurnoutFilterForm


# What a hidden cell says, for the page as for the export.
bp.add_app_template_global(services.hidden_text, "turnout_hidden_text")
bp.add_app_template_global(services.withheld_text, "turnout_withheld_text")
bp.add_app_template_global(services.perturbation_note, "turnout_perturbation_note")


def _load():
    """Load and check access (403 for someone who organises no club; 404 or
    403 for a club out of reach), then the filters. Returns the reach, the
    filter form, the scope and the quarter of the demographic tables (one
    closed quarter: README, "Small groups"); None for both when the filters
    are not valid."""
    reach = services.reach(current_user)
    club_ids = reach.club_ids(request.args.get("club", ""))
    form = TurnoutFilterForm(request.args, reach, services.closed_quarters(club_ids))
    if not form.validate():
        return reach, form, None, None
    scope = services.Scope(club_ids=club_ids, start=form.start.data, end=form.end.data,
                           kind=form.kind.data, region=form.region.data)
    return reach, form, scope, services.Quarter.parse(form.quarter.data)


def _page(name: str) -> int:
    return page_arg(name)


@bp.get("/turnout/")
@login_required
def index():
    reach, form, scope, quarter = _load()
    if scope is None:
        return render_page("turnout/index.html", "dashboard", form=form, data=None, args={},
                           every_club=reach.every_club), 422
    event_page, club_month_page = _page("page"), _page("cm_page")
    data = services.dashboard(scope, event_page=event_page, club_month_page=club_month_page,
                              quarter=quarter)
    args = form.as_args()
    # Each pager keeps the filters and the other table's page.
    event_args = {**args, **({"cm_page": club_month_page} if club_month_page > 1 else {}),
                  "_anchor": "per-event"}
    club_month_args = {**args, **({"page": event_page} if event_page > 1 else {}),
                       "_anchor": "per-club-month"}
    return render_page("turnout/index.html", "dashboard", form=form, data=data, args=args,
                       event_args=event_args, club_month_args=club_month_args,
                       every_club=reach.every_club)


@bp.get("/turnout/export.csv")
@login_required
def export():
    _reach, form, scope, quarter = _load()
    if scope is None:
        abort(400)
    return csv_response(f"turnout-{local_today().isoformat()}.csv", services.EXPORT_HEADER,
                        services.export_rows(scope, list(form.in_use()), quarter=quarter),
                        stream=True)
