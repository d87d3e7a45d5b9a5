"""Clubs (university clubs, school clubs, NGOs) and their members."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..search import club_key, search_index
from .user import User, new_token


class ClubType(Labelled):
    UNIVERSITY_CLUB = "university_club", _l("University club")
    SCHOOL_CLUB = "school_club", _l("School club")
    NGO = "ngo", _l("NGO")
    OTHER = "other", _l("Other organisation")


class ModerationMode(Labelled):
    """Pre-moderation holds new members' comments for review; post-moderation
    publishes at once and reviews what is flagged (DESIGN §5)."""

    PRE = "pre", _l("Pre-moderation")
    POST = "post", _l("Post-moderation")


class MemberRole(Labelled):
    """A person's role in one club (DESIGN §4). The owner founded the club."""

    OWNER = "owner", _l("Owner")
    ORGANISER = "organiser", _l("Organiser")
    MODERATOR = "moderator", _l("Club moderator")
    MEMBER = "member", _l("Member")


class Verification(Labelled):
    """Where a club stands with the admins: waiting (new, or edited after a
    refusal), verified, or refused with a reason (``Club.verification``)."""

    UNVERIFIED = "unverified", _l("Waiting for verification")
    VERIFIED = "verified", _l("Verified")
    REFUSED = "refused", _l("Refused")


class Club(db.Model):
    __tablename__ = "clubs"
    __table_args__ = (
        CheckConstraint(one_of("club_type", ClubType.values()), name="club_type"),
        CheckConstraint(one_of("moderation_mode", ModerationMode.values()), name="moderation_mode"),
        search_index("clubs"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    club_type: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(default=False)
    # An admin's refusal to verify the club, and why (its owners are told);
    # cleared when the club is verified or its owners edit its details.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    moderation_mode: Mapped[str] = mapped_column(String(4), default=ModerationMode.POST.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when nobody is left to run the club (its last owner and organisers
    # deleted their accounts): its events stay visible, no new one goes out.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the club is found by on /clubs/, folded (``search.club_key``).
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The logo's key (hrdebate/images: a random name and its size), or None.
    logo_image: Mapped[str | None] = mapped_column(String(48))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="club", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Club {self.slug!r}>"

    @property
    def verification(self) -> Verification:
        if self.verified:
            return Verification.VERIFIED
        return Verification.REFUSED if self.refused_at else Verification.UNVERIFIED

    def refresh_search_key(self) -> None:
        """After any change to what ``search.club_key`` reads; a new name
        also changes the keys of the club's events (``clubs.services``)."""
        self.search_key = club_key(name=self.name, city=self.city, region=self.region,
                                   description=self.description)

    def add_member(self, user: User, role: str) -> Membership:
        membership = Membership(user=user, role=role)
        self.memberships.append(membership)
        return membership


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("club_id", "user_id", name="uq_memberships_club_user"),
        CheckConstraint(one_of("role", MemberRole.values()), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    club: Mapped[Club] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class ClubFollow(db.Model):
    """A user who wants to hear about a club's new events."""

    __tablename__ = "club_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    club_id: Mapped[int] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvitationStatus(Labelled):
    """An invitation waits for its answer until it expires (DESIGN §8)."""

    PENDING = "pending", _l("Waiting for an answer")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    EXPIRED = "expired", _l("Expired")


class ClubInvitation(db.Model):
    """An offer of a role in a club. Nobody becomes a member, or gets another
    public role, without accepting one (DESIGN §8). At most one waits for an
    answer per club and person."""

    __tablename__ = "club_invitations"
    __table_args__ = (
        CheckConstraint(one_of("role", MemberRole.values()), name="role"),
        CheckConstraint(one_of("status", InvitationStatus.values()), name="status"),
        Index("uq_club_invitations_pending", "club_id", "invitee_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The invitation's address (/invitations/<token>). Not the id: ids that
    # count up would let whoever sees two invitations of their own tell
    # whether one was written in between, for a username they typed.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_token)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    inviter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    invitee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=InvitationStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    club: Mapped[Club] = relationship()
    inviter: Mapped[User | None] = relationship(foreign_keys=[inviter_id])
    invitee: Mapped[User] = relationship(foreign_keys=[invitee_id])

    def __repr__(self) -> str:
        return f"<ClubInvitation {self.id} {self.status}>"

    def expires_at(self, days: int) -> datetime:
        return self.created_at + timedelta(days=days)

    def state(self, days: int, now: datetime | None = None) -> InvitationStatus:
        """The status as the invitee sees it: a pending invitation older than
        ``days`` is expired, whether or not that was written down yet."""
        if self.status == InvitationStatus.PENDING and (now or utcnow()) >= self.expires_at(days):
            return InvitationStatus.EXPIRED
        return InvitationStatus(self.status)
