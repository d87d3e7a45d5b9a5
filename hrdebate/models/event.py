"""Events: debates, moot courts and civic projects, with their parts."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
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
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..choices import Labelled
from ..config import LANGUAGE_NAMES
from ..dbtypes import UTCDateTime, one_of, utcnow
from ..extensions import db
from ..rules import Refusal
from ..search import event_key, search_index
from .club import Club
from .codes import new_checkin_code
from .topic import Topic, event_topics


class EventKind(Labelled):
    """The kinds of event. A new kind: a member here, its columns on ``Event``
    and their names in ``KIND_FIELDS``; its fields in ``events/forms.py``
    (``EventForm`` and ``KIND_SECTIONS``); its page part in
    ``templates/events/_<kind>.html``."""

    DEBATE = "debate", _l("Debate")
    MOOT_COURT = "moot_court", _l("Moot court")
    CIVIC_PROJECT = "civic_project", _l("Civic project")


# The columns that belong to one kind only; the first one is required for it.
# They are kept when the kind changes (moot court -> civic project -> moot
# court loses no case): the page and the search show only the kind's own.
KIND_FIELDS = {
    EventKind.DEBATE: ("motion", "debate_format", "proposition_team", "proposition_speakers",
                       "opposition_team", "opposition_speakers"),
    EventKind.MOOT_COURT: ("case_title", "facts", "legal_questions", "instruments",
                           "applicant_team", "respondent_team", "bench"),
    EventKind.CIVIC_PROJECT: ("goal", "community"),
}


class EventStatus(Labelled):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class DebateFormat(Labelled):
    OXFORD = "oxford", _l("Oxford")
    KARL_POPPER = "karl_popper", _l("Karl Popper")
    BRITISH_PARLIAMENTARY = "british_parliamentary", _l("British Parliamentary")
    OTHER = "other", _l("Other format")


class Instrument(Labelled):
    UDHR = "udhr", _l("Universal Declaration of Human Rights")
    ICCPR = "iccpr", _l("International Covenant on Civil and Political Rights")
    ICESCR = "icescr", _l("International Covenant on Economic, Social and Cultural Rights")
    CEDAW = "cedaw", _l("Convention on the Elimination of All Forms of Discrimination against Women")
    CRC = "crc", _l("Convention on the Rights of the Child")
    CRPD = "crpd", _l("Convention on the Rights of Persons with Disabilities")
    CAT = "cat", _l("Convention against Torture")
    CONSTITUTION_KG = "constitution_kg", _l("Constitution of the Kyrgyz Republic")
    OTHER = "other", _l("Other instruments")


class MilestoneStatus(Labelled):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Done")


class VotePhase(Labelled):
    BEFORE = "before", _l("Before the debate")
    AFTER = "after", _l("After the debate")

    @property
    def legend(self):
        """The heading of this phase's ballot."""
        return _VOTE_LEGENDS[self]


class VoteChoice(Labelled):
    FOR = "for", _l("For the motion")
    AGAINST = "against", _l("Against the motion")
    UNDECIDED = "undecided", _l("Undecided")

    @property
    def short(self):
        """The word in the tally's table."""
        return _SHORT_CHOICES[self]


_VOTE_LEGENDS = {VotePhase.BEFORE: _l("Your vote before the debate"),
                 VotePhase.AFTER: _l("Your vote after the debate")}
_SHORT_CHOICES = {VoteChoice.FOR: _l("For"), VoteChoice.AGAINST: _l("Against"),
                  VoteChoice.UNDECIDED: _l("Undecided")}


class VotingState(Labelled):
    """A debate's audience vote: before the debate, closed, after the debate, finished."""

    BEFORE_OPEN = "before_open"
    BEFORE_CLOSED = "before_closed"
    AFTER_OPEN = "after_open"
    CLOSED = "closed"


class VotingAction(Labelled):
    """What the organiser may do to the vote; the label is the button's."""

    CLOSE_BEFORE = "close_before", _l("Close the before-vote")
    REOPEN_BEFORE = "reopen_before", _l("Reopen the before-vote")
    OPEN_AFTER = "open_after", _l("Open the after-vote")
    CLOSE_AFTER = "close_after", _l("Close the after-vote and show the result")
    REOPEN_AFTER = "reopen_after", _l("Reopen the after-vote")


# The voting state machine, the one table: action -> (the states it may start
# from, the new state). The organiser's buttons drive it whatever the clock
# says (the scheduled start is often not when the debate really starts). The
# before-vote never reopens once the after-vote has opened: the swing compares
# two votes taken one after the other.
VOTING_TRANSITIONS = {
    VotingAction.CLOSE_BEFORE: ((VotingState.BEFORE_OPEN,), VotingState.BEFORE_CLOSED),
    VotingAction.REOPEN_BEFORE: ((VotingState.BEFORE_CLOSED,), VotingState.BEFORE_OPEN),
    VotingAction.OPEN_AFTER: ((VotingState.BEFORE_OPEN, VotingState.BEFORE_CLOSED),
                              VotingState.AFTER_OPEN),
    VotingAction.CLOSE_AFTER: ((VotingState.AFTER_OPEN,), VotingState.CLOSED),
    VotingAction.REOPEN_AFTER: ((VotingState.CLOSED,), VotingState.AFTER_OPEN),
}
# The phase each state has open (the others have none).
OPEN_PHASE = {VotingState.BEFORE_OPEN: VotePhase.BEFORE, VotingState.AFTER_OPEN: VotePhase.AFTER}

EVENT_LANGUAGES = tuple(LANGUAGE_NAMES)


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(one_of("kind", EventKind.values()), name="kind"),
        CheckConstraint(one_of("status", EventStatus.values()), name="status"),
        CheckConstraint(one_of("voting_state", VotingState.values()), name="voting_state"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_events_status_starts_at", "status", "starts_at"),
        # The event list's order, (start, id), read from either end whatever
        # the statuses asked for (the status is in it, to skip drafts): a
        # page after a cursor is a range of it.
        Index("ix_events_starts_at_id_status", "starts_at", "id", "status"),
        # Upcoming (not yet over) events, a small part of all of them.
        Index("ix_events_ends_at", "ends_at"),
        # The home page's latest judgements.
        Index("ix_events_judgement_published_at", "judgement_published_at"),
        Index("ix_events_club_id_starts_at", "club_id", "starts_at"),
        search_index("events"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    club_id: Mapped[int] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default=EventStatus.DRAFT.value)
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
    # What the event is found by, folded (``search.event_key``).
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the organisers cancelled it, shown on its page and told to its people.
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
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
    voting_state: Mapped[str] = mapped_column(String(14), default=VotingState.BEFORE_OPEN.value)
    # When an organiser last moved the vote on (None: nobody drives it, see
    # ``voting_lapsed``); whether only checked-in attendees may vote.
    voting_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_checked_in_only: Mapped[bool] = mapped_column(default=False, server_default=false())

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
    # Set when a published judgement is changed (its first publication is not).
    judgement_amended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Civic project
    goal: Mapped[str | None] = mapped_column(Text)
    community: Mapped[str | None] = mapped_column(String(200))

    # The cover image's key (hrdebate/images: a random name and its size), or None.
    cover_image: Mapped[str | None] = mapped_column(String(48))

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

    @hybrid_property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED

    @hybrid_property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @hybrid_property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT

    def has_started(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.starts_at

    @hybrid_method
    def has_ended(self, now: datetime | None = None):
        """The event is over (in SQL too: ``Event.has_ended(now)``)."""
        return self.ends_at <= (now or utcnow())

    @property
    def instrument_codes(self) -> list[str]:
        return [c for c in (self.instruments or "").split(",") if c]

    @property
    def has_judgement(self) -> bool:
        return self.judgement_published_at is not None

    @property
    def judgement_amended(self) -> bool:
        return self.judgement_amended_at is not None

    def refresh_search_key(self) -> None:
        """After any change to what ``search.event_key`` reads: the club's
        services call it for their events when the club is renamed."""
        self.search_key = event_key(
            title=self.title, summary=self.summary,
            motion=self.motion if self.kind == EventKind.DEBATE else None,
            case_title=self.case_title if self.kind == EventKind.MOOT_COURT else None, venue=self.venue, region=self.region,
            club_name=self.club.name, topic_slugs=[topic.slug for topic in self.topics])

    @property
    def progress_open(self) -> bool:
        """A civic project that is not cancelled takes milestones and updates."""
        return self.kind == EventKind.CIVIC_PROJECT and not self.is_cancelled

    # -- registration ------------------------------------------------------
    def registration_refusal(self, now: datetime | None = None) -> Refusal | None:
        """Why nobody can register now, or None when
        registration is open."""
        now = now or utcnow()
        if self.is_cancelled:
            return Refusal.EVENT_CANCELLED
        if not self.is_published:
            return Refusal.NOT_PUBLISHED
        if self.has_ended(now):
            return Refusal.EVENT_OVER
        if self.registration_opens_at and now < self.registration_opens_at:
            return Refusal.REGISTRATION_NOT_OPEN
        if self.registration_closes_at and now >= self.registration_closes_at:
            return Refusal.REGISTRATION_CLOSED
        return None

    def is_full(self, seats_taken: int) -> bool:
        """With ``seats_taken`` seats taken, a newcomer goes to the waitlist."""
        return self.capacity is not None and seats_taken >= self.capacity

    # -- debate voting (the table is ``VOTING_TRANSITIONS``) -----------------
    @hybrid_property
    def is_debate(self) -> bool:
        return self.kind == EventKind.DEBATE

    def voting_refusal(self, action: str) -> Refusal | None:
        """Why the organiser cannot take ``action`` on the vote now, or None:
        only the state matters, never the clock."""
        if not self.is_debate or not self.is_published:
            return Refusal.NOT_A_PUBLISHED_DEBATE
        if action not in VOTING_TRANSITIONS:
            return Refusal.WRONG_STATE
        allowed_from, _new_state = VOTING_TRANSITIONS[action]
        if self.voting_state not in allowed_from:
            return Refusal.WRONG_STATE
        return None

    def voting_actions(self) -> list[VotingAction]:
        """The organiser's voting buttons: the actions possible now."""
        return [action for action in VotingAction if self.voting_refusal(action) is None]

    def voting_lapsed(self, now: datetime | None = None) -> bool:
        """A vote nobody drives (no organiser ever pressed a voting button)
        has its before-vote open from publication until the event ends, and
        then closes by itself. Once an organiser drives it, only their
        buttons open and close phases."""
        return self.voting_changed_at is None and self.has_ended(now)

    def vote_open(self, phase: str, now: datetime | None = None) -> bool:
        if not self.is_debate or not self.is_published:
            return False
        return OPEN_PHASE.get(self.voting_state) == phase and not self.voting_lapsed(now)

    def open_phases(self, now: datetime | None = None) -> list[VotePhase]:
        return [phase for phase in VotePhase if self.vote_open(phase, now)]

    def any_vote_open(self, now: datetime | None = None) -> bool:
        return bool(self.open_phases(now))

    def voting_followed(self, now: datetime | None = None) -> bool:
        """The event page follows the vote (polls it): a published debate
        whose vote is neither finished nor lapsed, so an organiser may move
        it on at any moment."""
        return (self.is_debate and self.is_published and not self.voting_finished
                and not self.voting_lapsed(now))

    def voting_key(self, now: datetime | None = None) -> str:
        """What the ballot shown depends on, as one word: a page that
        polls with an older key gets the whole vote again."""
        phases = ",".join(self.open_phases(now)) or "none"
        return f"{self.voting_state}.{phases}.{int(bool(self.voting_checked_in_only))}"

    @hybrid_property
    def voting_finished(self) -> bool:
        """The organiser closed the after-vote: the result is shown (in SQL
        too: ``Event.voting_finished``)."""
        return self.voting_state == VotingState.CLOSED


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "phase", name="uq_votes_event_user_phase"),
        CheckConstraint(one_of("phase", VotePhase.values()), name="phase"),
        CheckConstraint(one_of("choice", VoteChoice.values()), name="choice"),
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
    __table_args__ = (CheckConstraint(one_of("status", MilestoneStatus.values()), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=MilestoneStatus.PLANNED.value)

    event: Mapped[Event] = relationship(back_populates="milestones")


class ProgressUpdate(db.Model):
    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    posted_on: Mapped[date] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="updates")
