"""Club rules: founding, editing, members, verification, follows, and the
queries behind the club pages. No Flask request objects here; nothing here
commits (the request does, once)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Club, ClubFollow, Event, Membership, User, utcnow
from ..models.club import MemberRole
from ..rules import Refusal, RuleError, refuse

CLUBS_PER_PAGE = 20
PAST_PER_PAGE = 10
EDITABLE_FIELDS = ("name", "club_type", "city", "region", "description", "moderation_mode")
# Roles an owner may give; the owner is whoever founded the club.
APPOINTABLE_ROLES = (MemberRole.ORGANISER, MemberRole.MODERATOR)
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
_APOSTROPHES = "ʻʼ’‘'`"
_TRANSLATE = str.maketrans({**_CYRILLIC, **{a: "" for a in _APOSTROPHES}})


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
    id and slug)."""
    for _attempt in range(3):
        club = Club(slug=unique_slug(data["name"]), verified=False,
                    **{field: data[field] for field in EDITABLE_FIELDS})
        club.memberships.append(Membership(user_id=founder.id, role=MemberRole.OWNER))
        try:
            # A savepoint: a clash undoes this attempt only.
            with db.session.begin_nested():
                db.session.add(club)
        except IntegrityError:
            # Someone took the same slug a moment ago: pick the next one.
            if club in db.session:
                db.session.expunge(club)
            continue
        return club
    raise RuleError(Refusal.SLUG_TAKEN)


def update_club(club: Club, data: dict) -> None:
    """Change the club's details. The slug stays, so links keep working."""
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(club, field, data[field])


def set_verified(club: Club, verified: bool) -> None:
    club.verified = verified


# -- members ------------------------------------------------------------------

def membership_of(club_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.club_id == club_id, Membership.user_id == user_id)
    )


def appointment_refusal(club: Club, user: User, role: str) -> Refusal | None:
    """Why ``user`` cannot be given ``role`` in the club, or None. The form
    asks this first, to show the answer beside the field; ``appoint`` asks
    it again."""
    if role not in APPOINTABLE_ROLES:
        return Refusal.BAD_ROLE
    membership = membership_of(club.id, user.id)
    if membership is not None and membership.role == MemberRole.OWNER:
        return Refusal.OWNER_ROLE
    return None


def appoint(club: Club, user: User, role: str) -> Membership:
    """Make ``user`` an organiser or club moderator, or change their role."""
    refuse(appointment_refusal(club, user, role))
    membership = membership_of(club.id, user.id)
    if membership is None:
        membership = Membership(club_id=club.id, user_id=user.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    return membership


def remove_member(membership: Membership) -> None:
    if membership.role == MemberRole.OWNER:
        raise RuleError(Refusal.REMOVE_OWNER)
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

def follow(user: User, club: Club) -> None:
    """Follow a club; following it twice changes nothing (safe on double clicks)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ClubFollow)
        .values(user_id=user.id, club_id=club.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "club_id"])
    )


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
    """Plain members, followers and whether the user follows, in one query."""
    members = (
        select(func.count()).select_from(Membership)
        .where(Membership.club_id == club_id, Membership.role == MemberRole.MEMBER)
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

def clubs_page(page: int):
    """One page of every club, verified ones first, then by name (404 past
    the last page)."""
    stmt = select(Club).order_by(Club.verified.desc(), Club.name, Club.id)
    return db.paginate(stmt, page=page, per_page=CLUBS_PER_PAGE)


def upcoming_counts(club_ids: list[int], now: datetime | None = None) -> dict[int, int]:
    """Published events not yet over, per club, in one aggregate query."""
    if not club_ids:
        return {}
    rows = db.session.execute(
        select(Event.club_id, func.count())
        .where(Event.club_id.in_(club_ids), Event.is_published,
               Event.ends_at >= (now or utcnow()))
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
