"""All models, re-exported so Alembic and the app see every table, with the
fixed lists (``Labelled`` enumerations) each model module defines."""

from ..dbtypes import UTCDateTime, utcnow
from .attendance import AttendanceAction, AttendanceChange
from .cache import PageGeneration
from .club import Club, ClubFollow, ClubType, MemberRole, Membership, ModerationMode
from .club import ClubInvitation, InvitationStatus
from .comment import (
    HELD_STATUSES,
    MAX_DEPTH,
    Comment,
    CommentStatus,
    ConductRule,
    Flag,
    FlagReason,
    HeldFor,
    LoggedAction,
    ModerationAction,
    ModerationDecision,
    Sanction,
    Stance,
    SystemReason,
    WatchedWord,
)
from .event import (
    EVENT_LANGUAGES,
    DebateFormat,
    Event,
    EventKind,
    EventStatus,
    Instrument,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    Vote,
    VoteChoice,
    VotePhase,
    VotingAction,
    VotingState,
)
from .mail import JobRun, MailKind, MailOptOut, OutboxMail, OutboxStatus
from .notification import Notification, NotificationKind
from .registration import CertificateState, Registration, RegistrationStatus, Source
from .topic import TOPICS, Topic, event_topics, seed_topics
from .turnout import TurnoutCell, TurnoutEvent, TurnoutGroup, TurnoutPerson, TurnoutVisit
from .user import User

__all__ = [
    # models
    "AttendanceChange", "Club", "ClubFollow", "Comment", "Event", "Flag", "Membership", "Milestone",
    "ModerationAction", "Notification", "ProgressUpdate", "Registration", "Topic", "User",
    "Vote", "WatchedWord", "event_topics",
    "TurnoutCell", "TurnoutEvent", "TurnoutGroup", "TurnoutPerson", "TurnoutVisit",
    # fixed lists
    "AttendanceAction", "CertificateState", "ClubType", "CommentStatus", "ConductRule", "DebateFormat",
    "EventKind", "EventStatus", "FlagReason", "HeldFor", "Instrument", "LoggedAction",
    "MemberRole", "MilestoneStatus", "ModerationDecision", "ModerationMode",
    "NotificationKind", "RegistrationStatus", "Sanction", "Source", "Stance", "SystemReason",
    "VoteChoice", "VotePhase", "VotingAction", "VotingState",
    # constants and helpers
    "EVENT_LANGUAGES", "HELD_STATUSES", "MAX_DEPTH", "TOPICS", "UTCDateTime", "seed_topics",
    "utcnow",
    # mail and jobs
    "JobRun", "MailKind", "MailOptOut", "OutboxMail", "OutboxStatus",
    # club invitations
    "ClubInvitation", "InvitationStatus",
    # the page cache
    "PageGeneration",
]
