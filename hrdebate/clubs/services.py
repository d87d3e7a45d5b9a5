"""Club rules: founding, editing, members, verification, follows, and the
queries behind the club pages. No Flask request objects here; nothing here
commits (the request does, once)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, exists, func, or_, select, update
from sqlalchemy.orm import contains_eager, selectinload

from ..events.filters import EventFilters
from ..extensions import db
from ..idempotent import RESENT_WITHIN, add_once, insert_once
from ..models import (
    Club,
    ClubFollow,
    ClubInvitation,
    Event,
    LoggedAction,
    Membership,
    ModerationAction,
    User,
    utcnow,
)
from ..models.club import InvitationStatus, MemberRole, Verification
from ..models.event import EventStatus
from ..models.notification import NotificationKind
from ..notifications.services import notify
from ..rules import Refusal, RuleError, refuse
from ..search import matches
from ..text import APOSTROPHES
from ..unit_of_work import lock_and_reread, lock_row

CLUBS_PER_PAGE = 20
PAST_PER_PAGE = 10
EDITABLE_FIELDS = ("name", "club_type", "city", "region", "description", "moderation_mode")
# Roles of the people who run a club beside its owners (the demo gives them).
APPOINTABLE_ROLES = (MemberRole.ORGANISER, MemberRole.MODERATOR)
# Roles an invitation may offer: an owner may share the club, and so hand it over.
INVITABLE_ROLES = (*APPOINTABLE_ROLES, MemberRole.OWNER)
# Roles an owner may pick on a member's row (``change_role``).
ROW_ROLES = (*INVITABLE_ROLES, MemberRole.MEMBER)
# Shown publicly by display name; plain members are only counted.
PUBLIC_ROLES = (MemberRole.OWNER, MemberRole.ORGANISER, MemberRole.MODERATOR)
# Slugs that would hide a fixed URL under /clubs/.
RESERVED_SLUGS = frozenset({"new"})
SLUG_MAX = 60


# -- slugs --------------------------------------------------------------------

# Russian, Kyrgyz (ң ө ү) and Uzbek Cyrillic (ў қ ғ ҳ) letters in Latin script.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h",
    "ı": "i",  # Latin dotless i, which has no ASCII decomposition
}
# Uzbek Latin writes oʻ and gʻ with a turned comma (or an apostrophe in a hurry).
_TRANSLATE = str.maketrans({**_CYRILLIC, **{a: "" for a in APOSTROPHES}})


def slugify(name: str) -> str:
    """A readable Latin slug for a club name in any of the four languages."""
    text = name.casefold().translate(_TRANSLATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    return slug or "club"


def unique_slug(name: str) -> str:
    """``slugify(name)``, with -2, -3… appended when it is taken or reserved."""
    base = slugify(name)
    taken = set(db.session.scalars(
        select(Club.slug).where(or_(Club.slug == base, Club.slug.like(f"{base}-%")))
    ))
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# -- founding and editing -------------------------------------------------------

def found_club(founder: User, data: dict) -> Club:
    """Create an unverified club owned by ``founder`` (flushed, so it has its
    id and slug). The same founder founding a club of the same name again
    within ``RESENT_WITHIN`` (a double click, a form sent twice) gets the
    club they founded, not a second one with a "-2" slug: the founder's row
    is locked, so two such requests go one after the other."""
    lock_row(User, founder.id)
    founded = db.session.scalar(
        select(Club).join(Membership, Membership.club_id == Club.id)
        .where(Membership.user_id == founder.id, Membership.role == MemberRole.OWNER,
               Club.name == data["name"], Club.created_at > utcnow() - RESENT_WITHIN)
        .order_by(Club.id).limit(1)
    )
    if founded is not None:
        return founded
    for _attempt in range(3):
        club = Club(slug=unique_slug(data["name"]), verified=False,
                    **{field: data[field] for field in EDITABLE_FIELDS})
        club.refresh_search_key()
        club.memberships.append(Membership(user_id=founder.id, role=MemberRole.OWNER))
        # Someone who took the same slug a moment ago: pick the next one.
        club, added = add_once(club, lambda: None)
        if added:
            return club
    raise RuleError(Refusal.SLUG_TAKEN)


def update_club(club: Club, data: dict) -> None:
    """Change the club's details. The slug stays, so links keep working.
    Its events are found by its name: a new name refreshes their search keys."""
    renamed = "name" in data and data["name"] != club.name
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(club, field, data[field])
    club.refresh_search_key()
    # Edited after a refusal: the club waits for an admin again.
    club.refused_at = club.refusal_reason = None
    if renamed:
        for event in db.session.scalars(
                select(Event).where(Event.club_id == club.id).options(selectinload(Event.topics))):
            event.refresh_search_key()


# -- verification (by an admin) ----------------------------------------------------
#
# One path for every change of a club's verification, whichever page the
# admin clicks on (the club page, /admin/clubs): each is written to the
# moderation log, and verifying or refusing is told to the club's owners.

def owner_ids(club_id: int) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).where(
        Membership.club_id == club_id, Membership.role == MemberRole.OWNER)))


def _log_verification(club: Club, admin: User, action: str, reason: str | None = None) -> None:
    db.session.add(ModerationAction(actor_id=admin.id, action=action, club_id=club.id,
                                    reason=reason or None))


def set_verified(club: Club, admin: User, verified: bool) -> None:
    """Verify the club (its owners are told) or withdraw its verification.
    Sent twice (a double click), the second changes and logs nothing."""
    lock_and_reread(club)
    if club.verified == verified:
        return
    club.verified = verified
    club.refused_at = club.refusal_reason = None
    if verified:
        _log_verification(club, admin, LoggedAction.CLUB_VERIFIED)
        notify(owner_ids(club.id), NotificationKind.CLUB_VERIFIED, club_id=club.id)
    else:
        _log_verification(club, admin, LoggedAction.CLUB_UNVERIFIED)
    db.session.flush()


def refuse_verification(club: Club, admin: User, reason: str) -> None:
    """Refuse to verify the club, with a reason its owners read in their
    notification. A verified club is first unverified (that is withdrawing,
    ``set_verified``); the same refusal sent twice is recorded once."""
    lock_and_reread(club)
    if club.verified:
        raise RuleError(Refusal.CLUB_IS_VERIFIED)
    if club.refused_at is not None and club.refusal_reason == reason:
        return
    club.refused_at, club.refusal_reason = utcnow(), reason
    _log_verification(club, admin, LoggedAction.CLUB_REFUSED, reason)
    notify(owner_ids(club.id), NotificationKind.CLUB_REFUSED, club_id=club.id, detail=reason)
    db.session.flush()


def clubs_for_verification(status: str, page: int):
    """One page of clubs by verification status ("all": every club, those
    waiting first), oldest first within a status, with their owners' display
    names (two statements)."""
    stmt = select(Club)
    if status == Verification.VERIFIED:
        stmt = stmt.where(Club.verified.is_(True))
    elif status == Verification.REFUSED:
        stmt = stmt.where(Club.verified.is_(False), Club.refused_at.is_not(None))
    elif status == Verification.UNVERIFIED:
        stmt = stmt.where(Club.verified.is_(False), Club.refused_at.is_(None))
    waiting_first = case((Club.verified.is_(False) & Club.refused_at.is_(None), 0),
                         (Club.verified.is_(False), 1), else_=2)
    pagination = db.paginate(stmt.order_by(waiting_first, Club.created_at, Club.id),
                             page=page, per_page=CLUBS_PER_PAGE)
    owners: dict[int, list[str]] = {club.id: [] for club in pagination.items}
    if owners:
        for club_id, name in db.session.execute(
                select(Membership.club_id, User.display_name)
                .join(User, User.id == Membership.user_id)
                .where(Membership.club_id.in_(list(owners)), Membership.role == MemberRole.OWNER)
                .order_by(User.display_name)):
            owners[club_id].append(name)
    return pagination, owners


# -- members ------------------------------------------------------------------
#
# Nobody becomes a member of a club, or takes a role that shows their name on
# its page, without accepting an invitation; and the members form never tells
# whether a username exists or whose it is (DESIGN §8).

def membership_of(club_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.club_id == club_id, Membership.user_id == user_id)
    )


def appointment_refusal(club: Club, user: User, role: str) -> Refusal | None:
    """Why ``user`` cannot take ``role`` in the club, or None. The owner's
    role is never taken away this way: an owner leaves by themselves."""
    if role not in INVITABLE_ROLES:
        return Refusal.BAD_ROLE
    membership = membership_of(club.id, user.id)
    if membership is not None and membership.role == MemberRole.OWNER \
            and role != MemberRole.OWNER:
        return Refusal.OWNER_ROLE
    return None


def appoint(club: Club, user: User, role: str) -> Membership:
    """Give ``user`` a role in the club, or change the one they have. Only
    for an accepted invitation (``answer_invitation``), and for the demo,
    whose people agreed to their roles in its story."""
    refuse(appointment_refusal(club, user, role))
    membership, new = insert_once(Membership, {"club_id": club.id, "user_id": user.id,
                                               "role": role}, key=("club_id", "user_id"))
    if not new:
        membership.role = role
    return membership


def remove_member(membership: Membership) -> None:
    if membership.role == MemberRole.OWNER:
        raise RuleError(Refusal.REMOVE_OWNER)
    db.session.delete(membership)


# -- invitations ---------------------------------------------------------------

def invitation_days() -> int:
    return int(current_app.config["INVITATION_DAYS"])


def invite_by_username(club: Club, inviter: User, username: str, role: str) -> None:
    """Invite whoever has ``username`` to take ``role`` in the club, if an
    invitation makes sense: the account exists, is not the inviter, is not
    yet in the club, and is not already invited (nor declined lately). It
    answers nothing, on purpose: whatever happened, the inviter is told the
    same, and the same queries run, so that neither the answer nor its
    timing tells whether the username exists (DESIGN §8). Nothing is stored
    for an unknown username. A member's role changes from their row
    (``change_role``), never by username."""
    refuse(None if role in INVITABLE_ROLES else Refusal.BAD_ROLE)
    invitee = User.by_username(username)
    invitee_id = invitee.id if invitee is not None else 0  # no account has id 0
    close_expired_invitations(club_id=club.id, invitee_id=invitee_id)
    already_member = membership_of(club.id, invitee_id) is not None
    blocked = _invitation_blocked(club.id, invitee_id)
    if invitee is None or invitee.id == inviter.id or already_member or blocked:
        return
    _invite(club, inviter, invitee, role)


def _invitation_blocked(club_id: int, invitee_id: int, now: datetime | None = None) -> bool:
    """The person already has an invitation of this club waiting, or
    declined one lately: they are not asked again (and notified again) until
    ``INVITATION_DAYS`` have passed."""
    since = (now or utcnow()) - timedelta(days=invitation_days())
    waiting = (ClubInvitation.status == InvitationStatus.PENDING) \
        & (ClubInvitation.created_at > since)
    declined = (ClubInvitation.status == InvitationStatus.DECLINED) \
        & (ClubInvitation.answered_at > since)
    return db.session.scalar(select(exists().where(
        ClubInvitation.club_id == club_id, ClubInvitation.invitee_id == invitee_id,
        or_(waiting, declined),
    )))


def close_expired_invitations(now: datetime | None = None, club_id: int | None = None,
                              invitee_id: int | None = None) -> int:
    """File invitations unanswered for ``INVITATION_DAYS`` as expired: all of
    them (the daily retention job), or one person's of one club (one waits
    for an answer per club and person, and an expired one makes room for a
    new one). Returns how many."""
    since = (now or utcnow()) - timedelta(days=invitation_days())
    whose = [] if club_id is None else [ClubInvitation.club_id == club_id,
                                        ClubInvitation.invitee_id == invitee_id]
    return db.session.execute(
        update(ClubInvitation)
        .where(*whose, ClubInvitation.status == InvitationStatus.PENDING,
               ClubInvitation.created_at <= since)
        .values(status=InvitationStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    ).rowcount


def _invite(club: Club, inviter: User, invitee: User, role: str) -> ClubInvitation | None:
    """A new invitation, and the invitee's notification; None when another
    request invited the same person a moment ago (the database keeps one
    waiting invitation per club and person)."""
    invitation, new = insert_once(
        ClubInvitation,
        {"club_id": club.id, "inviter_id": inviter.id, "invitee_id": invitee.id, "role": role,
         "status": InvitationStatus.PENDING, "created_at": utcnow()},
        key=("club_id", "invitee_id"), where=ClubInvitation.status == InvitationStatus.PENDING)
    if not new:
        return None
    notify([invitee.id], NotificationKind.CLUB_INVITATION, invitation_id=invitation.id)
    return invitation


def invitation_refusal(invitation: ClubInvitation, now: datetime | None = None) -> Refusal | None:
    """Why the invitation cannot be answered now, or None."""
    state = invitation.state(invitation_days(), now)
    if state == InvitationStatus.EXPIRED:
        return Refusal.INVITATION_EXPIRED
    if state != InvitationStatus.PENDING:
        return Refusal.INVITATION_ANSWERED
    return None


def answer_invitation(invitation: ClubInvitation, accept: bool) -> None:
    """The invitee accepts (and takes the role offered) or declines. The
    answer is written only if the invitation was still waiting, so a double
    click, or two tabs, cannot answer it twice; the same answer again (a
    double click) is answered as the first was, changing nothing."""
    now = utcnow()
    status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    if invitation.status == status:
        return
    refuse(invitation_refusal(invitation, now))
    answered = db.session.execute(
        update(ClubInvitation)
        .where(ClubInvitation.id == invitation.id,
               ClubInvitation.status == InvitationStatus.PENDING)
        .values(status=status, answered_at=now)
    ).rowcount
    if answered != 1:
        # Answered a moment ago by another request (this UPDATE waited for it).
        db.session.refresh(invitation)
        if invitation.status == status:
            return
        raise RuleError(Refusal.INVITATION_ANSWERED)
    if accept:
        if appointment_refusal(invitation.club, invitation.invitee, invitation.role):
            raise RuleError(Refusal.INVITATION_OWNER)
        appoint(invitation.club, invitation.invitee, invitation.role)


# -- changing a member's role, leaving -------------------------------------------

def role_needs_consent(current: str, new: str) -> bool:
    """A role that makes the person answer for the club (owner), or puts their
    name on its public page when it was not there, is only ever taken by
    accepting an invitation. Anything else an owner changes at once."""
    return new == MemberRole.OWNER or (current not in PUBLIC_ROLES and new in PUBLIC_ROLES)


def change_role(club: Club, by: User, membership: Membership, role: str) -> bool:
    """Change a member's role from their row of the members list, or, when
    the new role needs their consent, invite them to it. True if the role
    changed at once, False if they were invited (or already are)."""
    if role not in ROW_ROLES:
        raise RuleError(Refusal.BAD_ROLE)
    if membership.role == MemberRole.OWNER:
        raise RuleError(Refusal.OWNER_ROLE)
    if role == membership.role:
        return True
    if role_needs_consent(membership.role, role):
        close_expired_invitations(club_id=club.id, invitee_id=membership.user_id)
        if not _invitation_blocked(club.id, membership.user_id):
            _invite(club, by, membership.user, role)
        return False
    membership.role = role
    return True


def leave_refusal(membership: Membership) -> Refusal | None:
    """A club keeps at least one owner: the only owner hands the club over
    (invites another owner, who accepts) before leaving."""
    if membership.role != MemberRole.OWNER:
        return None
    owners = db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.club_id == membership.club_id, Membership.role == MemberRole.OWNER)
    )
    return Refusal.LAST_OWNER if owners <= 1 else None


def leave(membership: Membership) -> None:
    """A member leaves the club, whatever their role, unless they are its
    only owner."""
    lock_row(Club, membership.club_id)
    refuse(leave_refusal(membership))
    db.session.delete(membership)


_ROLE_ORDER = {role.value: n for n, role in enumerate(MemberRole)}


def members_for_management(club_id: int) -> list[tuple[Membership, User]]:
    """Every membership with its user, owner first, for the owner's page."""
    rows = db.session.execute(
        select(Membership, User)
        .join(User, Membership.user_id == User.id)
        .where(Membership.club_id == club_id)
    ).all()
    return sorted(
        ((m, u) for m, u in rows),
        key=lambda mu: (_ROLE_ORDER.get(mu[0].role, 9), mu[1].display_name.casefold(), mu[1].id),
    )


def public_team(club_id: int) -> dict[str, list[str]]:
    """Display names of the owner, organisers and club moderators, by role."""
    team: dict[str, list[str]] = {role: [] for role in PUBLIC_ROLES}
    rows = db.session.execute(
        select(Membership.role, User.display_name)
        .join(User, Membership.user_id == User.id)
        .where(Membership.club_id == club_id, Membership.role.in_(PUBLIC_ROLES))
        .order_by(User.display_name, User.id)
    )
    for role, name in rows:
        team[role].append(name)
    return team


# -- follows ------------------------------------------------------------------

def follow(user: User, club: Club) -> ClubFollow:
    """Follow a club; following it twice changes nothing (safe on double clicks)."""
    return insert_once(ClubFollow, {"user_id": user.id, "club_id": club.id,
                                    "created_at": utcnow()}, key=("user_id", "club_id"))[0]


def unfollow(user: User, club: Club) -> None:
    db.session.execute(
        delete(ClubFollow).where(ClubFollow.user_id == user.id, ClubFollow.club_id == club.id)
    )


@dataclass(frozen=True)
class ClubCounts:
    members: int
    followers: int
    following: bool


def club_counts(club_id: int, user_id: int | None) -> ClubCounts:
    """Members (everyone in the club: its team, whom ``public_team`` names,
    and its plain members), followers and whether the user follows, in one
    query."""
    members = (
        select(func.count()).select_from(Membership)
        .where(Membership.club_id == club_id)
        .scalar_subquery()
    )
    followers = (
        select(func.count()).select_from(ClubFollow)
        .where(ClubFollow.club_id == club_id).scalar_subquery()
    )
    following = exists().where(ClubFollow.club_id == club_id, ClubFollow.user_id == user_id)
    row = db.session.execute(select(members, followers, following)).one()
    return ClubCounts(members=row[0], followers=row[1], following=bool(user_id) and bool(row[2]))


# -- listings ---------------------------------------------------------------------

def clubs_page(page: int, q: str = ""):
    """One page of the clubs found by ``q`` (every club when it is empty),
    verified ones first, then by name (404 past the last page)."""
    stmt = (select(Club).where(*matches(Club.search_key, q))
            .order_by(Club.verified.desc(), Club.name, Club.id))
    return db.paginate(stmt, page=page, per_page=CLUBS_PER_PAGE)


def upcoming_counts(club_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Published events not yet over, per club, in one aggregate query."""
    if not club_ids:
        return {}
    # The list's own "upcoming" (``EventFilters``): read from the few events
    # not yet over, not from every published one.
    upcoming = EventFilters(when="upcoming").conditions(now, statuses=(EventStatus.PUBLISHED,))
    rows = db.session.execute(
        select(Event.club_id, func.count())
        .where(Event.club_id.in_(club_ids), *upcoming)
        .group_by(Event.club_id)
    )
    return dict(rows.all())


def _club_events(club: Club, with_drafts: bool):
    statuses = ("draft", "published", "cancelled") if with_drafts else ("published", "cancelled")
    return (
        select(Event)
        .join(Event.club)
        .options(contains_eager(Event.club))
        .where(Event.club_id == club.id, Event.status.in_(statuses))
    )


def upcoming_events(club: Club, with_drafts: bool, limit: int,
                    now: datetime | None = None) -> list[Event]:
    """Events not yet over, soonest first."""
    stmt = (
        _club_events(club, with_drafts)
        .where(Event.ends_at >= (now or utcnow()))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def past_events_page(club: Club, with_drafts: bool, page: int, now: datetime | None = None):
    """One page of the events that are over, newest first (404 past the
    last page)."""
    stmt = (
        _club_events(club, with_drafts)
        .where(Event.ends_at < (now or utcnow()))
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=PAST_PER_PAGE)
