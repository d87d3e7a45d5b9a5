"""All models, re-exported so Alembic and the app see every table."""

from ..dbtypes import UTCDateTime, utcnow
from .club import CLUB_TYPES, MEMBER_ROLES, Club, Membership
from .user import User

__all__ = ["CLUB_TYPES", "MEMBER_ROLES", "Club", "Membership", "User", "UTCDateTime", "utcnow"]
