"""Clubs (university clubs, school clubs, NGOs) and their members."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from .user import User


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


class Club(db.Model):
    __tablename__ = "clubs"
    __table_args__ = (
        CheckConstraint(one_of("club_type", ClubType.values()), name="club_type"),
        CheckConstraint(one_of("moderation_mode", ModerationMode.values()), name="moderation_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    club_type: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[bool] = mapped_column(default=False)
    moderation_mode: Mapped[str] = mapped_column(String(4), default=ModerationMode.POST.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when nobody is left to run the club (its last owner and organisers
    # deleted their accounts): its events stay visible, no new one goes out.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="club", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Club {self.slug!r}>"

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
