"""The one door to every object a URL names: 404 for what a user may not
see, 403 for what they may see but not change. Routes load through these
functions (or guard a whole page with ``site_role_required``); templates
only hide buttons, by asking the same ``can_*`` functions."""

from dataclasses import dataclass
from functools import wraps

from flask import abort, g, has_request_context
from flask_login import current_user, login_required
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import Club, Comment, Event, Membership, Milestone, Registration, User
from .models import ProgressUpdate
from .models.club import ClubInvitation
from .models.club import MemberRole
from .models.comment import CommentStatus, HeldFor
from .models.registration import RegistrationStatus

MANAGER_ROLES = (MemberRole.OWNER, MemberRole.ORGANISER)


# -- who may do what (DESIGN §4) --------------------------------------------------------

def club_role(user, club_id: int) -> str | None:
    """The user's role in a club, looked up once per request."""
    if not user.is_authenticated:
        return None
    cache = g.setdefault("club_roles", {})
    if club_id not in cache:
        cache[club_id] = db.session.scalar(
            select(Membership.role).where(
                Membership.club_id == club_id, Membership.user_id == user.id
            )
        )
    return cache[club_id]


def can_manage_club(user, club_id: int) -> bool:
    """Create and edit the club's events, check people in, see its turnout."""
    if not user.is_authenticated:
        return False
    return user.is_admin or club_role(user, club_id) in MANAGER_ROLES


def can_administer_club(user, club_id: int) -> bool:
    """Edit the club itself and appoint its organisers and moderators."""
    if not user.is_authenticated:
        return False
    return user.is_admin or club_role(user, club_id) == MemberRole.OWNER


def can_moderate_club(user, club_id: int) -> bool:
    """Moderate comments on the club's events: its moderators, site
    moderators and admins (DESIGN §4)."""
    if not user.is_authenticated:
        return False
    return user.is_site_moderator or club_role(user, club_id) == MemberRole.MODERATOR


def can_run_discussion(user, club_id: int) -> bool:
    """Close or reopen an event's discussion and set its slow mode: the
    club's organisers and everyone who moderates its comments."""
    return can_manage_club(user, club_id) or can_moderate_club(user, club_id)


def moderated_club_ids(user) -> list[int] | None:
    """The clubs whose comments the user moderates: None for site moderators
    and admins (every club). 403 for someone who moderates nothing."""
    if user.is_authenticated and user.is_site_moderator:
        return None
    ids = []
    if user.is_authenticated:
        ids = list(db.session.scalars(select(Membership.club_id).where(
            Membership.user_id == user.id, Membership.role == MemberRole.MODERATOR)))
    if not ids:
        abort(403)
    return ids


def managed_clubs(user) -> list:
    """(id, slug, name) rows of the clubs where ``can_manage_club(user, id)``
    holds, by name, in one statement: every club for an admin, the clubs the
    user owns or organises for anyone else (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return []
    stmt = select(Club.id, Club.slug, Club.name).order_by(Club.name, Club.id)
    if not user.is_admin:
        stmt = stmt.join(Membership, Membership.club_id == Club.id).where(
            Membership.user_id == user.id, Membership.role.in_(MANAGER_ROLES))
    return list(db.session.execute(stmt))


@dataclass(frozen=True)
class MenuFacts:
    """What the menu shows a signed-in person (templates/base.html)."""

    unread: int  # unread notifications
    organiser: bool  # manages a club (or is an admin): "Turnout"
    moderator: bool  # moderates a club or the site: "Moderation"
    pending: int  # what waits in their moderation queue (0 for non-moderators)


def menu_facts(user) -> MenuFacts | None:
    """The menu's facts: one statement for anyone signed in (their unread
    notifications, and whether they run or moderate a club), and one more,
    for moderators only, counting what waits in their queue; None for an
    anonymous visitor."""
    if not user.is_authenticated:
        return None
    # Asked by the menu and by the pages that show what it shows (the mail
    # choices): once per request and person.
    known = g.setdefault("menu_facts", {}) if has_request_context() else {}
    if user.id not in known:
        known[user.id] = _menu_facts(user)
    return known[user.id]


def _menu_facts(user) -> MenuFacts:
    from .moderation.queue import pending_count
    from .notifications.services import unread_count_subquery

    def has_role(*roles):
        return exists().where(Membership.user_id == user.id, Membership.role.in_(roles))

    unread, manages, moderates = db.session.execute(select(
        unread_count_subquery(user.id), has_role(*MANAGER_ROLES), has_role(MemberRole.MODERATOR),
    )).one()
    moderator = user.is_site_moderator or bool(moderates)
    pending = pending_count(user) if moderator else 0
    return MenuFacts(unread=unread, organiser=user.is_admin or bool(manages),
                     moderator=moderator, pending=pending)


def site_role_required(*roles: str):
    """A page for some site roles only (``"moderator"`` includes admins):
    anonymous people are sent to log in, everyone else gets 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not any(_has_site_role(current_user, role) for role in roles):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorator


def _has_site_role(user, role: str) -> bool:
    return {"admin": user.is_admin, "moderator": user.is_site_moderator}[role]


# -- loaders --------------------------------------------------------------------------------

def get_club_or_404(slug: str, manage: bool = False, administer: bool = False) -> Club:
    club = db.session.scalar(select(Club).where(Club.slug == slug))
    if club is None:
        abort(404)
    if administer and not can_administer_club(current_user, club.id):
        abort(403)
    if manage and not can_manage_club(current_user, club.id):
        abort(403)
    return club


def get_event_or_404(event_id: int, manage: bool = False, kind: str | None = None) -> Event:
    """An event; drafts exist only for their club's organisers. With
    ``kind``, a page that belongs to one kind of event 404s for the others."""
    event = db.session.scalar(
        select(Event).options(joinedload(Event.club)).where(Event.id == event_id)
    )
    if event is None or (kind is not None and event.kind != kind):
        abort(404)
    if event.is_draft and not can_manage_club(current_user, event.club_id):
        abort(404)
    if manage and not can_manage_club(current_user, event.club_id):
        abort(403)
    return event


def get_discussion_or_404(event_id: int) -> Event:
    """An event whose discussion settings the user changes (``can_run_discussion``):
    404 as ``get_event_or_404``, 403 for everyone else."""
    event = get_event_or_404(event_id)
    if not can_run_discussion(current_user, event.club_id):
        abort(403)
    return event


def get_comment_or_404(comment_id: int, own: bool = False, moderate: bool = False,
                       flag: bool = False) -> Comment:
    """A comment with its event. Held comments exist only for their author
    and the club's moderators; ``own`` is for the author's changes (403 for
    others), ``moderate`` for a moderator's decisions (403 for others).
    ``flag`` is for a flag sent: a comment hidden by flags was public a
    moment ago, so whoever flags it as it hides is thanked like the others,
    not told it does not exist (its text is not shown by a flag's answer)."""
    comment = db.session.scalar(
        select(Comment).options(joinedload(Comment.event).joinedload(Event.club))
        .where(Comment.id == comment_id))
    if comment is None:
        abort(404)
    event = comment.event
    moderator = can_moderate_club(current_user, event.club_id)
    if event.is_draft and not can_manage_club(current_user, event.club_id):
        abort(404)
    if not (comment.readable_by(current_user, moderator)
            or (flag and comment.status == CommentStatus.HIDDEN
                     and comment.held_for == HeldFor.FLAGS)):
        abort(404)
    if own and not comment.written_by(current_user):
        abort(403)
    if moderate and not moderator:
        abort(403)
    return comment


def get_registration_or_404(event: Event, registration_id: int) -> Registration:
    """A registration of an event the caller already opened with ``manage``."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def can_see_online_link(user, event: Event, registration: Registration | None) -> bool:
    """Who is shown an event's online link: the person holding a seat
    (``registration``, theirs; not the waitlist: the link is for those given
    a place) and the club's organisers. Never the public: not the page's
    other visitors, not the public feeds; the personal calendar carries it
    for a seat."""
    if not event.online_url or not user.is_authenticated:
        return False
    if registration is not None and registration.user_id == user.id \
            and registration.event_id == event.id \
            and registration.status == RegistrationStatus.REGISTERED:
        return True
    return can_manage_club(user, event.club_id)


def get_waitlisted_or_404(event: Event, registration_id: int) -> Registration:
    """A registration of an event the caller already opened with ``manage``,
    for a promotion: 404 for another event's or a walk-in's (who never
    waits)."""
    registration = get_registration_or_404(event, registration_id)
    if registration.user_id is None:
        abort(404)
    return registration


def get_milestone_or_404(event: Event, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.event_id != event.id:
        abort(404)
    return milestone


def get_progress_update_or_404(event: Event, update_id: int) -> ProgressUpdate:
    """A progress update of an event the caller already opened with ``manage``."""
    update = db.session.get(ProgressUpdate, update_id)
    if update is None or update.event_id != event.id:
        abort(404)
    return update


def get_certificate_or_404(code: str, manage: bool = False):
    """A certificate by its public code, as ``(registration, state)``: 404
    for an unknown code and for one that no longer stands for an attendance;
    ``manage`` (revoke, restore) is for the event's organisers."""
    from .certificates.services import certificate_by_code, certificate_state

    registration = certificate_by_code(code)
    state = certificate_state(registration)
    if state is None:
        abort(404)
    if manage and not can_manage_club(current_user, registration.event.club_id):
        abort(403)
    return registration, state


def get_user_or_404(user_id: int) -> User:
    """A person, for the site moderators' and admins' pages (guarded by
    ``site_role_required``: /moderation/users/<id>, /admin/users/<id>)."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    return person


def find_membership(club: Club, user_id: int) -> Membership | None:
    """A person's membership of a club the caller already opened (with
    ``administer`` to change someone else's, or as themselves to leave), or
    None for anyone who is not a member. Looked up by account id, never by
    username."""
    return db.session.scalar(
        select(Membership).options(joinedload(Membership.user))
        .where(Membership.club_id == club.id, Membership.user_id == user_id))


def get_membership_or_404(club: Club, user_id: int) -> Membership:
    """``find_membership``, 404 for anyone who is not a member."""
    membership = find_membership(club, user_id)
    if membership is None:
        abort(404)
    return membership


def get_invitation_or_404(token: str) -> ClubInvitation:
    """An invitation to a club, by the token in its address, with its club:
    it exists only for the person invited (404 for everyone else, the
    inviter and admins included)."""
    invitation = db.session.scalar(
        select(ClubInvitation).options(joinedload(ClubInvitation.club))
        .where(ClubInvitation.token == token))
    if invitation is None or not current_user.is_authenticated \
            or invitation.invitee_id != current_user.id:
        abort(404)
    return invitation


def init_app(app):
    @app.context_processor
    def permissions():
        return {
            "can_manage_club": lambda club_id: can_manage_club(current_user, club_id),
            "can_administer_club": lambda club_id: can_administer_club(current_user, club_id),
            "can_moderate_club": lambda club_id: can_moderate_club(current_user, club_id),
            "sees_online_link": lambda event, registration=None:
                can_see_online_link(current_user, event, registration),
            "menu_facts": lambda: menu_facts(current_user),
            "can_run_discussion": lambda club_id: can_run_discussion(current_user, club_id),
        }
