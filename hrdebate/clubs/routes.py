from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import can_manage_club, get_club_or_404, site_role_required
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models.club import MemberRole
from ..text import render_markdown, safe_html
from . import bp, services
from .forms import ClubForm, MemberForm

UPCOMING_LIMIT = 20


def _page() -> int:
    return request.args.get("page", 1, type=int)


@bp.get("/clubs/")
def index():
    pagination = services.clubs_page(_page())
    counts = services.upcoming_counts([club.id for club in pagination.items])
    return render_page("clubs/index.html", "clubs", pagination=pagination, counts=counts)


@bp.route("/clubs/new", methods=["GET", "POST"])
@login_required
def new():
    form = ClubForm()
    if form.validate_on_submit():
        # Three clashes in a row on the slug: the form is shown again, empty.
        refusal_goes_to(url_for(".new"))
        club = services.found_club(current_user, form.data_for_service())
        flash(_("Your club %(name)s is created. An admin will verify it soon; until then "
                "it is marked as not yet verified.", name=club.name), "success")
        return redirect(url_for(".show", slug=club.slug))
    return render_form("clubs/form.html", form, club=None)


def _show_context(club):
    """Everything the club page and its follow button need."""
    user_id = current_user.id if current_user.is_authenticated else None
    return {"club": club, "counts": services.club_counts(club.id, user_id)}


@bp.get("/clubs/<slug>")
def show(slug):
    club = get_club_or_404(slug)
    with_drafts = can_manage_club(current_user, club.id)
    past = services.past_events_page(club, with_drafts, _page())
    context = {"club": club, "past": past}
    if not wants_fragment():
        # htmx asks only for another page of past events; the page needs the rest.
        context.update(
            _show_context(club),
            upcoming=services.upcoming_events(club, with_drafts, UPCOMING_LIMIT),
            team=services.public_team(club.id),
            description=safe_html(render_markdown(club.description)),
        )
    return render_page("clubs/show.html", "past_events", **context)


@bp.route("/clubs/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    club = get_club_or_404(slug, administer=True)
    form = ClubForm(obj=club)
    if form.validate_on_submit():
        services.update_club(club, form.data_for_service())
        flash(_("The club’s details are saved."), "success")
        return redirect(url_for(".show", slug=club.slug))
    return render_form("clubs/form.html", form, club=club)


def _members_page(club, form, status=200):
    context = {"club": club, "form": form,
               "members": services.members_for_management(club.id)}
    if status == 200:
        return render_page("clubs/members.html", "members", **context)
    return render_template("clubs/members.html", **context), status


@bp.route("/clubs/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug):
    club = get_club_or_404(slug, administer=True)
    # The form checks the club's rules too, so a refusal shows beside the field.
    form = MemberForm(club)
    if form.validate_on_submit():
        services.appoint(club, form.user, form.role.data)
        name = form.user.display_name
        if form.role.data == MemberRole.ORGANISER:
            flash(_("%(name)s is now an organiser of the club.", name=name), "success")
        else:
            flash(_("%(name)s is now a moderator of the club.", name=name), "success")
        return redirect(url_for(".members", slug=club.slug))
    return _members_page(club, form, 422 if form.is_submitted() else 200)


@bp.post("/clubs/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug, user_id):
    club = get_club_or_404(slug, administer=True)
    membership = services.membership_of(club.id, user_id)
    if membership is None:
        abort(404)
    name = membership.user.display_name
    refusal_goes_to(url_for(".members", slug=club.slug))
    services.remove_member(membership)
    if wants_fragment():
        return _members_page(club, MemberForm(club, formdata=None), 200)
    flash(_("%(name)s is no longer a member of the club.", name=name), "success")
    return redirect(url_for(".members", slug=club.slug))


def _set_verified(slug, verified):
    club = get_club_or_404(slug)
    services.set_verified(club, verified)
    if verified:
        flash(_("%(name)s is now a verified club.", name=club.name), "success")
    else:
        flash(_("%(name)s is marked as not yet verified.", name=club.name), "success")
    return redirect(url_for(".show", slug=club.slug))


@bp.post("/clubs/<slug>/verify")
@site_role_required("admin")
def verify(slug):
    return _set_verified(slug, True)


@bp.post("/clubs/<slug>/unverify")
@site_role_required("admin")
def unverify(slug):
    return _set_verified(slug, False)


def _after_follow_change(club, message):
    if wants_fragment():
        return render_page("clubs/show.html", "follow", **_show_context(club))
    flash(message, "success")
    return redirect(url_for(".show", slug=club.slug))


@bp.post("/clubs/<slug>/follow")
@login_required
def follow(slug):
    club = get_club_or_404(slug)
    services.follow(current_user, club)
    return _after_follow_change(
        club, _("You follow %(name)s. You will be told about its new events.", name=club.name)
    )


@bp.post("/clubs/<slug>/unfollow")
@login_required
def unfollow(slug):
    club = get_club_or_404(slug)
    services.unfollow(current_user, club)
    return _after_follow_change(club, _("You no longer follow %(name)s.", name=club.name))
