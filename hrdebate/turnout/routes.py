"""The turnout dashboard and its CSV export, for organisers (their own clubs)
and admins (the whole programme)."""

import csv
import io

from flask import Response, abort, request
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..htmx import render_page
from ..timeutil import local_today, utc_to_local
from . import bp, services
from .forms import TurnoutFilterForm

PER_PAGE = 25
MAX_PAGE = 10_000


def _load():
    """Load and check access: 403 for someone who organises no club, 403 for
    a club they may not see (404 for an admin: it does not exist). Returns
    the filter form and the scope, None when the filters are not valid."""
    clubs = services.visible_clubs(current_user)
    if not current_user.is_admin and not clubs:
        abort(403)
    slug = request.args.get("club", "")
    chosen = next((club for club in clubs if club.slug == slug), None)
    if slug and chosen is None:
        abort(404 if current_user.is_admin else 403)
    form = TurnoutFilterForm(request.args, clubs, every_club=current_user.is_admin)
    if not form.validate():
        return form, None
    if chosen is not None:
        club_ids = (chosen.id,)
    else:
        club_ids = None if current_user.is_admin else tuple(club.id for club in clubs)
    scope = services.Scope(club_ids=club_ids, start=form.start.data, end=form.end.data,
                           kind=form.kind.data, region=form.region.data)
    return form, scope


def _page(name: str) -> int:
    return min(max(request.args.get(name, 1, type=int), 1), MAX_PAGE)


@bp.get("/turnout/")
@login_required
def index():
    form, scope = _load()
    if scope is None:
        return render_page("turnout/index.html", "dashboard", form=form, data=None,
                           args={}, label=services.label), 422
    event_page, club_month_page = _page("page"), _page("cm_page")
    data = services.dashboard(scope, event_page=event_page, club_month_page=club_month_page,
                              per_page=PER_PAGE)
    args = form.as_args()
    # Each pager keeps the filters and the other table's page.
    event_args = {**args, **({"cm_page": club_month_page} if club_month_page > 1 else {}),
                  "_anchor": "per-event"}
    club_month_args = {**args, **({"page": event_page} if event_page > 1 else {}),
                       "_anchor": "per-club-month"}
    return render_page("turnout/index.html", "dashboard", form=form, data=data, args=args,
                       event_args=event_args, club_month_args=club_month_args,
                       label=services.label)


@bp.get("/turnout/export.csv")
@login_required
def export():
    form, scope = _load()
    if scope is None:
        abort(400)
    data = services.dashboard(scope, per_page=None)
    out = io.StringIO()
    out.write("\ufeff")  # the BOM: Excel then reads UTF-8 (Cyrillic) correctly
    writer = csv.writer(out)
    writer.writerow(["section", "key", "label", "measure", "value"])
    for row in _csv_rows(form, data):
        writer.writerow([_defused(value) for value in row])
    filename = f"turnout-{local_today().isoformat()}.csv"
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })


def _defused(value) -> str:
    """No spreadsheet formulas from event titles or club names."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _cell(value) -> str | int:
    if value is services.Hidden.SMALL:
        return _("fewer than 5")
    if value is services.Hidden.COMPLEMENT:
        return pgettext("a figure hidden to protect a small group", "hidden")
    return value


def _rate(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _month(value) -> str:
    return format_date(value, "LLLL y")


def _figure_rows(section, key, label, figures):
    yield section, key, label, "events", figures.events
    yield section, key, label, "participants", figures.attendances
    yield section, key, label, "unique_participants", figures.unique
    yield section, key, label, "repeat_participants", figures.repeat
    yield section, key, label, "attendance_rate", _rate(figures.rate)


def _csv_rows(form, data):
    """The dashboard's figures in a long format: section, key, label,
    measure, value. Aggregates only: no person appears."""
    for name in ("start", "end", "club", "kind", "region"):
        value = form[name].data
        if value:
            yield "filter", name, str(form[name].label.text), "value", \
                value.isoformat() if hasattr(value, "isoformat") else value

    s = data.summary
    for measure, value in (
        ("events", s.events), ("ended_events", s.ended_events), ("registered", s.registered),
        ("waitlisted", s.waitlisted), ("attended_online", s.attended_online),
        ("walk_ins", s.walk_ins), ("participants", s.attendances), ("no_shows", s.no_shows),
        ("attendance_rate", _rate(s.rate)), ("unique_participants", s.unique),
        ("repeat_participants", s.repeat),
    ):
        yield "summary", "", "", measure, value

    for figures in data.months:
        yield from _figure_rows("month", figures.month.strftime("%Y-%m"),
                                _month(figures.month), figures)
    if data.club_months is not None:
        for figures in data.club_months.items:
            yield from _figure_rows(
                "club_month", f"{figures.club_slug}/{figures.month.strftime('%Y-%m')}",
                f"{figures.club_name} · {_month(figures.month)}", figures)

    for dimension, counts in data.breakdowns.items():
        for key, n in counts.items():
            yield dimension, key, services.label(dimension, key), "participants", n

    for dimension, table in data.demographics.items():
        for key, value in table.cells.items():
            yield (dimension, key or "not_stated", services.label(dimension, key), "people",
                   _cell(value))
        yield dimension, "total", _("Total"), "people", _cell(table.total)

    for event in data.events.items:
        for measure, value in (
            ("date", utc_to_local(event.starts_at).date().isoformat()), ("club", event.club_name),
            ("kind", event.kind), ("registered", event.registered),
            ("waitlisted", event.waitlisted), ("attended_online", event.attended_online),
            ("walk_ins", event.walk_ins),
            ("no_shows", "" if event.no_shows is None else event.no_shows),
            ("attendance_rate", _rate(event.rate)),
        ):
            yield "event", event.id, event.title, measure, value
