"""Column types shared by every model, and the clock they all read."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# A moment that ``utcnow`` answers instead of the real time, while set. A
# context variable, so each thread (and each asyncio task) has its own clock.
_frozen_at: ContextVar[datetime | None] = ContextVar("hrdebate_frozen_at", default=None)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime: the real time, unless ``frozen_clock``
    has set another moment in this context. Every service and column default
    reads the time here."""
    moment = _frozen_at.get()
    return datetime.now(timezone.utc) if moment is None else moment


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[datetime]:
    """Make ``utcnow()`` answer ``moment`` inside the ``with`` block, in this
    thread only; the previous clock comes back afterwards, even on error.
    The demo uses it to do things "at" their time in the past."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    token = _frozen_at.set(moment.astimezone(timezone.utc))
    try:
        yield moment
    finally:
        _frozen_at.reset(token)


def one_of(column: str, values) -> str:
    """A CHECK constraint's condition: ``column`` holds one of ``values``
    (``one_of("kind", EventKind.values())``)."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both databases.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def render_migration_type(type_, obj, autogen_context):
    """Alembic hook: write our column types as plain SQLAlchemy types, so
    migrations never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# The largest id a row can have (PostgreSQL's integer): a larger number in a
# URL or a form names nothing, and must not reach the database.
MAX_ID = 2**31 - 1
