"""The one door to every object: 404 for what a user may not see, 403 for
what they may see but not change. Routes call these; templates only hide."""

from flask import abort, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .extensions import db
from .models import Club, Event, Membership

MANAGER_ROLES = ("owner", "organiser")


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
    return user.is_admin or club_role(user, club_id) == "owner"


def can_moderate_club(user, club_id: int) -> bool:
    """Moderate comments on the club's events: its moderators, site
    moderators and admins (DESIGN §4)."""
    if not user.is_authenticated:
        return False
    return user.is_site_moderator or club_role(user, club_id) == "moderator"


def get_club_or_404(slug: str, manage: bool = False, administer: bool = False) -> Club:
    club = db.session.scalar(select(Club).where(Club.slug == slug))
    if club is None:
        abort(404)
    if administer and not can_administer_club(current_user, club.id):
        abort(403)
    if manage and not can_manage_club(current_user, club.id):
        abort(403)
    return club


def get_event_or_404(event_id: int, manage: bool = False) -> Event:
    event = db.session.scalar(
        select(Event).options(joinedload(Event.club)).where(Event.id == event_id)
    )
    if event is None:
        abort(404)
    if event.is_draft and not can_manage_club(current_user, event.club_id):
        abort(404)
    if manage and not can_manage_club(current_user, event.club_id):
        abort(403)
    return event


def init_app(app):
    @app.context_processor
    def permissions():
        return {
            "can_manage_club": lambda club_id: can_manage_club(current_user, club_id),
            "can_administer_club": lambda club_id: can_administer_club(current_user, club_id),
            "can_moderate_club": lambda club_id: can_moderate_club(current_user, club_id),
        }
