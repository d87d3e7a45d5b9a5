"""The home page's queries, and the health check's. No Flask request objects
here; a fixed number of queries, whatever the number of events."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager

from ..events.filters import EventFilters, status_among
from ..events.services import tallies
from ..extensions import db, limiter
from ..models import (
    Comment,
    CommentStatus,
    Event,
    EventKind,
    EventStatus,
    Topic,
    Vote,
    VotePhase,
    utcnow,
)

HOME_UPCOMING = 6
HOME_RESULTS = 3
HOME_JUDGEMENTS = 3
HOME_DISCUSSIONS = 5
HOME_DISCUSSION_DAYS = 30


@dataclass(frozen=True)
class Home:
    upcoming: list
    results: list  # (debate, tally)
    judgements: list
    topics: list
    discussions: list  # (event id, title, language, published comments, latest)


def _public_with_club():
    # An outer join (every event has its club), so that the events lead in
    # the order asked for and each club is read by its key.
    return (
        select(Event).outerjoin(Event.club).options(contains_eager(Event.club))
        .where(Event.is_published)
    )


def _voted(phase):
    return exists().where(Vote.event_id == Event.id, Vote.phase == phase)


def home(now: datetime | None = None) -> Home:
    """What comes next, the latest results and judgements, the themes and
    the active discussions."""
    now = now or utcnow()
    upcoming = db.session.scalars(
        EventFilters(when="upcoming").query(now, statuses=(EventStatus.PUBLISHED,)).limit(HOME_UPCOMING)
    ).all()
    # Final results: the after-vote is closed and both phases have votes.
    debates = db.session.scalars(
        _public_with_club()
        .where(Event.is_debate, Event.voting_finished, Event.starts_at <= now,
               _voted(VotePhase.BEFORE), _voted(VotePhase.AFTER))
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(HOME_RESULTS)
    ).all()
    results = tallies([event.id for event in debates])
    judgements = db.session.scalars(  # read from ix_events_judgement_published_at, newest first
        select(Event).outerjoin(Event.club).options(contains_eager(Event.club))
        .where(status_among((EventStatus.PUBLISHED,)), Event.kind == EventKind.MOOT_COURT,
               Event.judgement_published_at.is_not(None))
        .order_by(Event.judgement_published_at.desc(), Event.id.desc())
        .limit(HOME_JUDGEMENTS)
    ).all()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)).all()
    return Home(
        upcoming=list(upcoming),
        results=[(event, results[event.id]) for event in debates],
        judgements=list(judgements),
        topics=list(topics),
        discussions=active_discussions(now),
    )


# How many of the newest published comments the home page looks through to
# find the discussions with the latest comments (``active_discussions``).
HOME_DISCUSSION_WINDOW = 500


def active_discussions(now: datetime) -> list:
    """The public events whose latest published comments are the most
    recent (of the last 30 days), with their published comment counts of
    those 30 days: one query.

    The newest ``HOME_DISCUSSION_WINDOW`` published comments are walked
    newest first (``ix_comments_status_created_at``), and their events
    ranked by their latest comment; each of the five counts is read from
    ``ix_comments_event_id_status_created_at``. So the page costs the same
    with 500 comments a month or 500,000. Only if fewer than
    ``HOME_DISCUSSIONS`` events had all of the newest 500 comments would the
    list be shorter than it could be."""
    since = now - timedelta(days=HOME_DISCUSSION_DAYS)
    recent = (
        select(Comment.event_id, Comment.created_at)
        .join(Event, Event.id == Comment.event_id)
        .where(Comment.status == CommentStatus.PUBLISHED, Comment.created_at >= since,
               Event.is_published)
        .order_by(Comment.created_at.desc())
        .limit(HOME_DISCUSSION_WINDOW)
        .subquery()
    )
    latest = func.max(recent.c.created_at).label("latest")
    top = (
        select(recent.c.event_id, latest)
        .group_by(recent.c.event_id)
        .order_by(latest.desc())
        .limit(HOME_DISCUSSIONS)
        .subquery()
    )
    count = (
        select(func.count()).select_from(Comment)
        .where(Comment.event_id == top.c.event_id, Comment.status == CommentStatus.PUBLISHED,
               Comment.created_at >= since)
        .scalar_subquery()
    )
    return db.session.execute(
        select(Event.id, Event.title, Event.language, count, top.c.latest)
        .join(top, top.c.event_id == Event.id)
        .order_by(top.c.latest.desc(), Event.id)
    ).all()


def health() -> tuple[bool, dict]:
    """Whether the site can serve, and each part's state: the database, and
    Redis when the rate limits are kept there. Without the database nothing
    works ("unavailable"); without Redis every page still does, the limits
    counting in each worker's memory meanwhile ("degraded"), so a load
    balancer must not take the host out for it, while monitoring sees it.
    Names and states only: no addresses, URLs or error texts (the answer
    is public)."""
    parts = {"database": "ok" if database_reachable() else "unreachable"}
    if rate_limits_in_redis():
        parts["redis"] = "ok" if redis_reachable() else "unreachable"
    serving = parts["database"] == "ok"
    status = "unavailable" if not serving else (
        "ok" if all(state == "ok" for state in parts.values()) else "degraded")
    return serving, {"status": status, **parts}


def rate_limits_in_redis() -> bool:
    config = current_app.config
    scheme = str(config.get("RATELIMIT_STORAGE_URI") or "").split(":", 1)[0]
    return bool(config.get("RATELIMIT_ENABLED", True)) and scheme.startswith(("redis", "valkey"))


def redis_reachable() -> bool:
    """A PING through the rate limiter's own storage (its pool, its settings)."""
    try:
        return bool(limiter.storage.check())
    except Exception:  # a storage that cannot even be asked is not reachable
        logging.getLogger(__name__).warning("Redis health check failed", exc_info=True)
        return False


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
