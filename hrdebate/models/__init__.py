"""All models, re-exported so Alembic and the app see every table."""

from ..dbtypes import UTCDateTime, utcnow
from .club import CLUB_TYPES, MEMBER_ROLES, Club, ClubFollow, Membership
from .comment import (
    COMMENT_STATUSES,
    FLAG_REASONS,
    HELD_STATUSES,
    MAX_DEPTH,
    MODERATION_ACTIONS,
    STANCES,
    Comment,
    Flag,
    ModerationAction,
    WatchedWord,
)
from .event import (
    DEBATE_FORMATS,
    EVENT_LANGUAGES,
    INSTRUMENTS,
    KINDS,
    MILESTONE_STATUSES,
    STATUSES,
    VOTE_CHOICES,
    VOTE_PHASES,
    VOTING_STATES,
    Event,
    Milestone,
    ProgressUpdate,
    Vote,
)
from .notification import NOTIFICATION_KINDS, Notification
from .registration import REGISTRATION_STATUSES, SOURCES, Registration
from .topic import TOPICS, Topic, event_topics, seed_topics
from .user import User

__all__ = [
    "COMMENT_STATUSES", "FLAG_REASONS", "HELD_STATUSES", "MAX_DEPTH", "MODERATION_ACTIONS", "STANCES", "Comment",
    "Flag", "ModerationAction", "WatchedWord",
    "CLUB_TYPES", "DEBATE_FORMATS", "EVENT_LANGUAGES", "INSTRUMENTS", "KINDS", "MEMBER_ROLES",
    "MILESTONE_STATUSES", "NOTIFICATION_KINDS", "STATUSES", "TOPICS", "VOTE_CHOICES",
    "VOTE_PHASES", "VOTING_STATES", "Club", "ClubFollow", "Event", "Membership", "Milestone",
    "Notification", "ProgressUpdate", "REGISTRATION_STATUSES", "Registration", "SOURCES", "Topic", "User", "UTCDateTime", "Vote", "event_topics",
    "seed_topics", "utcnow",
]
