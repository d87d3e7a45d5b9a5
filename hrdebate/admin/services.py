"""The admins' rules about people: finding them, changing their site role,
ending their sessions. Sanctions are moderation.services.sanction's and club
verification is clubs.services'; the admin pages call those, never a copy.
Every change here is written to the append-only moderation log. No request
objects; flush only (the request commits once)."""

from sqlalchemy import and_, func, or_, select

from ..auth.services import end_sessions as end_all_sessions
from ..choices import SiteRole
from ..extensions import db
from ..models import Club, LoggedAction, Membership, ModerationAction, User
from ..models.club import Verification
from ..rules import Refusal, RuleError
from ..search import matches
from ..unit_of_work import lock_row

PEOPLE_PER_PAGE = 25
QUERY_MAX = 100
# The log entry of each site role given.
MADE = {SiteRole.CITIZEN: LoggedAction.MADE_CITIZEN,
        SiteRole.MODERATOR: LoggedAction.MADE_MODERATOR,
        SiteRole.ADMIN: LoggedAction.MADE_ADMIN}


def _log(admin: User, action: str, person: User, reason: str | None) -> None:
    db.session.add(ModerationAction(actor_id=admin.id, action=action, target_user_id=person.id,
                                    reason=reason or None))


# -- finding people ------------------------------------------------------------------------

def people_page(q: str, page: int):
    """One page of the people found by ``q`` (everyone when it is empty), by
    display name: a username or an email that starts with it (letter case
    aside), or a display name whose words start with its words, folded as
    the site's search folds them ("aigerim" finds "Айгерим")."""
    stmt = select(User)
    q = q.strip()
    if q:
        found = [User.username.startswith(q.casefold(), autoescape=True),
                 func.lower(User.email).startswith(q.lower(), autoescape=True)]
        by_name = matches(User.search_key, q)
        if by_name:
            found.append(and_(*by_name))
        stmt = stmt.where(or_(*found))
    stmt = stmt.order_by(User.display_name, User.id)
    return db.paginate(stmt, page=page, per_page=PEOPLE_PER_PAGE)


def clubs_of(person: User) -> list[tuple[str, Club]]:
    """(role, club) of every club the person belongs to, by club name."""
    return list(db.session.execute(
        select(Membership.role, Club).join(Club, Club.id == Membership.club_id)
        .where(Membership.user_id == person.id).order_by(Club.name, Club.id)))


def clubs_waiting() -> int:
    """How many clubs wait for an admin's verification."""
    return db.session.scalar(select(func.count()).select_from(Club).where(
        Club.verified.is_(False), Club.refused_at.is_(None)))


VERIFICATION_FILTERS = (*Verification.values(), "all")


# -- site roles ----------------------------------------------------------------------------

def site_role_refusal(person: User, role: str) -> Refusal | None:
    """Why ``person`` cannot be given ``role`` now: the site keeps at least
    one admin, so the last one stays an admin (whoever asks, themselves
    included)."""
    if role not in SiteRole.values():
        return Refusal.BAD_ROLE
    if person.is_admin and role != SiteRole.ADMIN and _admin_count() <= 1:
        return Refusal.LAST_ADMIN
    return None


def _admin_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.site_role == SiteRole.ADMIN))


def change_site_role(person: User, admin: User, role: str, reason: str) -> bool:
    """Give ``person`` a site role, with the admin's reason in the log. False
    when they have it already (a double click: nothing is written). The
    admins' rows are locked first, so two admins who take each other's role
    at the same moment cannot leave the site without one."""
    admin_ids = set(db.session.scalars(select(User.id).where(User.site_role == SiteRole.ADMIN)))
    for user_id in sorted(admin_ids | {person.id}):
        lock_row(User, user_id)
    db.session.refresh(person)
    if role == person.site_role:
        return False
    refusal = site_role_refusal(person, role)
    if refusal is not None:
        raise RuleError(refusal)
    person.site_role = SiteRole(role).value
    _log(admin, MADE[SiteRole(role)], person, reason)
    db.session.flush()
    return True


# -- sessions ----------------------------------------------------------------------------

def end_sessions(person: User, admin: User, reason: str | None) -> None:
    """Log the person out on every device (a stolen phone, an account taken
    over), as their own "log out everywhere" does, and log it."""
    end_all_sessions(person)
    _log(admin, LoggedAction.SESSIONS_ENDED, person, reason)
    db.session.flush()
