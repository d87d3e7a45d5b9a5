"""Events: debates, moot courts and civic projects, with their parts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from .codes import new_checkin_code
from .club import Club
from .topic import Topic, event_topics

KINDS = ("debate", "moot_court", "civic_project")
STATUSES = ("draft", "published", "cancelled")
DEBATE_FORMATS = ("oxford", "karl_popper", "british_parliamentary", "other")
INSTRUMENTS = ("udhr", "iccpr", "icescr", "cedaw", "crc", "crpd", "cat", "constitution_kg", "other")
EVENT_LANGUAGES = ("ky", "ru", "uz", "en")
# Debate audience vote: before the debate, closed, after the debate, finished.
VOTING_STATES = ("before_open", "before_closed", "after_open", "closed")
VOTE_PHASES = ("before", "after")
VOTE_CHOICES = ("for", "against", "undecided")
MILESTONE_STATUSES = ("planned", "in_progress", "done")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("voting_state", VOTING_STATES), name="voting_state"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
        Index("ix_events_club_id_starts_at", "club_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(12), index=True)
    online_url: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2), index=True)
    capacity: Mapped[int | None]
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Case-folded title, summary, motion and case title: one LIKE that folds
    # Cyrillic and Latin the same way on SQLite and PostgreSQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Discussion: closed by the organiser; slow mode spaces one person's comments.
    discussion_closed: Mapped[bool] = mapped_column(default=False, server_default=false())
    slow_mode_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    # Short code people type or scan to check themselves in (no 0/O, 1/I/L),
    # given when the event is created.
    checkin_code: Mapped[str | None] = mapped_column(String(12), default=new_checkin_code)

    # Debate
    motion: Mapped[str | None] = mapped_column(String(300))
    debate_format: Mapped[str | None] = mapped_column(String(24))
    proposition_team: Mapped[str | None] = mapped_column(String(120))
    proposition_speakers: Mapped[str | None] = mapped_column(Text)
    opposition_team: Mapped[str | None] = mapped_column(String(120))
    opposition_speakers: Mapped[str | None] = mapped_column(Text)
    voting_state: Mapped[str] = mapped_column(String(14), default="before_open")

    # Moot court
    case_title: Mapped[str | None] = mapped_column(String(200))
    facts: Mapped[str | None] = mapped_column(Text)
    facts_html: Mapped[str | None] = mapped_column(Text)
    legal_questions: Mapped[str | None] = mapped_column(Text)
    instruments: Mapped[str | None] = mapped_column(String(200))  # comma-separated codes
    applicant_team: Mapped[str | None] = mapped_column(String(200))
    respondent_team: Mapped[str | None] = mapped_column(String(200))
    bench: Mapped[str | None] = mapped_column(Text)
    judgement_outcome: Mapped[str | None] = mapped_column(String(300))
    judgement_reasoning: Mapped[str | None] = mapped_column(Text)
    judgement_reasoning_html: Mapped[str | None] = mapped_column(Text)
    judgement_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Civic project
    goal: Mapped[str | None] = mapped_column(Text)
    community: Mapped[str | None] = mapped_column(String(200))

    club: Mapped[Club] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=event_topics, order_by=Topic.position)
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Milestone.due_date, Milestone.id",
    )
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProgressUpdate.posted_on.desc(), ProgressUpdate.id.desc()",
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.title!r}>"

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.starts_at

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.ends_at

    @property
    def instrument_codes(self) -> list[str]:
        return [c for c in (self.instruments or "").split(",") if c]

    @property
    def has_judgement(self) -> bool:
        return self.judgement_published_at is not None

    def refresh_search_text(self) -> None:
        parts = (self.title, self.summary, self.motion, self.case_title)
        self.search_text = " ".join(p for p in parts if p).casefold()

    # -- debate voting ---------------------------------------------------
    def vote_open(self, phase: str, now: datetime | None = None) -> bool:
        if self.kind != "debate" or not self.is_published:
            return False
        if phase == "before":
            return self.voting_state == "before_open" and not self.has_started(now)
        return phase == "after" and self.voting_state == "after_open"

    def any_vote_open(self, now: datetime | None = None) -> bool:
        return any(self.vote_open(phase, now) for phase in VOTE_PHASES)


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "phase", name="uq_votes_event_user_phase"),
        CheckConstraint(_in("phase", VOTE_PHASES), name="phase"),
        CheckConstraint(_in("choice", VOTE_CHOICES), name="choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # Kept as an anonymous count when the voter deletes their account.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    phase: Mapped[str] = mapped_column(String(6))
    choice: Mapped[str] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (CheckConstraint(_in("status", MILESTONE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")

    event: Mapped[Event] = relationship(back_populates="milestones")


class ProgressUpdate(db.Model):
    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    posted_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="updates")
