from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import exists, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import contains_eager

from ..config import LANGUAGES
from ..events.filters import EventFilters
from ..events.services import tallies
from ..extensions import db, limiter
from ..i18n import remember_language
from ..models import Comment, Event, Topic, Vote, utcnow
from ..security import safe_next
from . import bp

HOME_UPCOMING = 6
HOME_RESULTS = 3
HOME_JUDGEMENTS = 3
HOME_DISCUSSIONS = 5
HOME_DISCUSSION_DAYS = 30


def _public_with_club():
    return (
        select(Event).join(Event.club).options(contains_eager(Event.club))
        .where(Event.status == "published")
    )


def _voted(phase):
    return exists().where(Vote.event_id == Event.id, Vote.phase == phase)


@bp.get("/")
def index():
    """Home: what comes next, the latest results and judgements, the themes.
    A fixed number of queries, whatever the number of events."""
    now = utcnow()
    upcoming = db.session.scalars(
        EventFilters(when="upcoming").query(now, statuses=("published",)).limit(HOME_UPCOMING)
    ).all()
    # Final results: the after-vote is closed and both phases have votes.
    debates = db.session.scalars(
        _public_with_club()
        .where(Event.kind == "debate", Event.voting_state == "closed", Event.starts_at <= now,
               _voted("before"), _voted("after"))
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(HOME_RESULTS)
    ).all()
    results = tallies([event.id for event in debates])
    judgements = db.session.scalars(
        _public_with_club()
        .where(Event.kind == "moot_court", Event.judgement_published_at.is_not(None))
        .order_by(Event.judgement_published_at.desc(), Event.id.desc())
        .limit(HOME_JUDGEMENTS)
    ).all()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.id)).all()
    return render_template(
        "main/index.html", upcoming=upcoming,
        results=[(event, results[event.id]) for event in debates],
        judgements=judgements, topics=topics, discussions=_active_discussions(now),
    )


def _active_discussions(now):
    """Public events with the most recent published comments of the last
    30 days, with their published comment counts: one query."""
    latest = func.max(Comment.created_at)
    return db.session.execute(
        select(Event.id, Event.title, Event.language, func.count(Comment.id), latest)
        .join(Comment, Comment.event_id == Event.id)
        .where(Event.status == "published", Comment.status == "published",
               Comment.created_at >= now - timedelta(days=HOME_DISCUSSION_DAYS))
        .group_by(Event.id, Event.title, Event.language)
        .order_by(latest.desc())
        .limit(HOME_DISCUSSIONS)
    ).all()


@bp.get("/conduct")
def conduct():
    return render_template("main/conduct.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/language/<code>")
def set_language(code):
    """Switch the interface language, then go back (used where ?lang= is a filter)."""
    if code not in LANGUAGES:
        abort(404)
    remember_language(code)
    return redirect(safe_next(request.args.get("next"), url_for(".index")))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
