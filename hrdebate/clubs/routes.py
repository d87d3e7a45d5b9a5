from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import ratelimits
from ..access import (
    can_manage_club,
    club_role,
    find_membership,
    get_club_or_404,
    get_invitation_or_404,
    get_membership_or_404,
    site_role_required,
)
from ..bounds import page_arg
from ..errors import refusal_goes_to
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models.club import MemberRole
from ..pagecache import public_page
from ..rules import Refusal, RuleError
from ..security import safe_next
from ..text import clean_query, render_markdown, safe_html
from . import bp, services
from .forms import AnswerForm, ClubForm, InviteForm, RefusalForm, RoleForm

UPCOMING_LIMIT = 20


def _page() -> int:
    return page_arg()


@bp.get("/clubs/")
@public_page
def index():
    q = clean_query(request.args.get("q", ""))
    pagination = services.clubs_page(_page(), q)
    counts = services.upcoming_counts([club.id for club in pagination.items])
    return render_page("clubs/index.html", "clubs", pagination=pagination, counts=counts, q=q)


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
    return {"club": club, "counts": services.club_counts(club.id, user_id),
            "my_role": club_role(current_user, club.id)}


@bp.get("/clubs/<slug>")
@public_page
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
    context = {"club": club, "form": form, "row_roles": services.ROW_ROLES,
               "members": services.members_for_management(club.id)}
    if status == 200:
        return render_page("clubs/members.html", "members", **context)
    return render_template("clubs/members.html", **context), status


@bp.route("/clubs/<slug>/members", methods=["GET", "POST"])
@login_required
@ratelimits.for_account("RATELIMIT_INVITE", methods=["POST"])
def members(slug):
    club = get_club_or_404(slug, administer=True)
    form = InviteForm()
    if form.validate_on_submit():
        services.invite_by_username(club, current_user, form.username.data, form.role.data)
        # The same answer whatever happened: it must not tell whether the
        # username exists, or whose it is (DESIGN §8).
        flash(_("If an account with this username exists and is not yet in the club, it has "
                "been invited. The person appears in the list below once they accept."), "success")
        return redirect(url_for(".members", slug=club.slug))
    return _members_page(club, form, 422 if form.is_submitted() else 200)


@bp.post("/clubs/<slug>/members/<int:user_id>/role")
@login_required
def change_role(slug, user_id):
    club = get_club_or_404(slug, administer=True)
    membership = get_membership_or_404(club, user_id)
    refusal_goes_to(url_for(".members", slug=club.slug))
    form = RoleForm()
    if not form.validate():
        raise RuleError(Refusal.BAD_ROLE)
    role = MemberRole(form.role.data)
    name = membership.user.display_name
    if services.change_role(club, current_user, membership, role):
        flash(_("%(name)s’s role is now: %(role)s.", name=name, role=role.label), "success")
    else:
        flash(_("%(name)s is invited to take this role: %(role)s. It changes once they accept.",
                name=name, role=role.label), "success")
    return redirect(url_for(".members", slug=club.slug))


@bp.post("/clubs/<slug>/members/<int:user_id>/remove")
@login_required
def remove_member(slug, user_id):
    club = get_club_or_404(slug, administer=True)
    # Not a member (any more): removed by this same form a moment ago (a
    # double click). Only those who administer the club get here, and they
    # see its members anyway: the answer is the removal's, without a name
    # (an account id never tells whose it is).
    membership = find_membership(club, user_id)
    refusal_goes_to(url_for(".members", slug=club.slug))
    if membership is not None:
        name = membership.user.display_name
        services.remove_member(membership)
    if wants_fragment():
        return _members_page(club, InviteForm(formdata=None), 200)
    if membership is None:
        flash(_("This person is no longer a member of the club."), "success")
    else:
        flash(_("%(name)s is no longer a member of the club.", name=name), "success")
    return redirect(url_for(".members", slug=club.slug))


@bp.route("/clubs/<slug>/leave", methods=["GET", "POST"])
@login_required
def leave(slug):
    """Any member leaves the club; the page asks first (no JavaScript needed)."""
    club = get_club_or_404(slug)
    membership = get_membership_or_404(club, current_user.id)
    if request.method == "GET":
        return render_template("clubs/leave.html", club=club, membership=membership,
                               refusal=services.leave_refusal(membership))
    refusal_goes_to(url_for(".show", slug=club.slug))
    services.leave(membership)
    flash(_("You have left %(name)s.", name=club.name), "success")
    return redirect(url_for(".show", slug=club.slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token):
    """The invitee reads an invitation and accepts or declines it."""
    invitation = get_invitation_or_404(token)
    url = url_for(".invitation", token=invitation.token)
    if request.method == "POST":
        refusal_goes_to(url)
        form = AnswerForm()
        if not form.validate():
            raise RuleError(Refusal.BAD_ROLE)
        accept = form.action.data == "accept"
        services.answer_invitation(invitation, accept)
        if not wants_fragment():
            club, role = invitation.club.name, invitation.role
            if not accept:
                flash(_("You declined the invitation. The club is not told."), "success")
            elif role == MemberRole.OWNER:
                flash(_("You are now an owner of %(club)s.", club=club), "success")
            elif role == MemberRole.ORGANISER:
                flash(_("You are now an organiser of %(club)s.", club=club), "success")
            else:
                flash(_("You are now a moderator of %(club)s.", club=club), "success")
            return redirect(url)
    return render_page("clubs/invitation.html", "invitation", invitation=invitation,
                       state=invitation.state(services.invitation_days()),
                       expires_at=invitation.expires_at(services.invitation_days()))


def _set_verified(slug, verified):
    club = get_club_or_404(slug)
    # Back to the page the admin clicked on (the club page, /admin/clubs).
    back = safe_next(request.form.get("next"), url_for(".show", slug=club.slug))
    refusal_goes_to(back)
    services.set_verified(club, current_user, verified)
    if verified:
        flash(_("%(name)s is now a verified club. Its owners are told.", name=club.name),
              "success")
    else:
        flash(_("%(name)s is marked as not yet verified.", name=club.name), "success")
    return redirect(back)


@bp.post("/clubs/<slug>/verify")
@site_role_required("admin")
def verify(slug):
    return _set_verified(slug, True)


@bp.post("/clubs/<slug>/unverify")
@site_role_required("admin")
def unverify(slug):
    return _set_verified(slug, False)


@bp.route("/clubs/<slug>/refuse", methods=["GET", "POST"])
@site_role_required("admin")
def refuse(slug):
    """An admin refuses to verify a club, saying why (the owners are told);
    a page of its own, so that it works without JavaScript."""
    club = get_club_or_404(slug)
    form = RefusalForm()
    back = safe_next(request.values.get("next"), url_for("admin.clubs"))
    if form.validate_on_submit():
        refusal_goes_to(back)
        services.refuse_verification(club, current_user, form.reason.data)
        flash(_("%(name)s is refused verification. Its owners are told why.", name=club.name),
              "success")
        return redirect(back)
    return render_form("clubs/refuse.html", form, club=club, back=back)


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
