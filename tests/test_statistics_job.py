"""The planner's statistics (hrdebate/periodic/statistics.py): ANALYZE on
SQLite once a Bishkek day from 4 o'clock; PostgreSQL left to autovacuum."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from hrdebate.extensions import db
from hrdebate.jobs import run_due
from hrdebate.models import utcnow

BISHKEK = ZoneInfo("Asia/Bishkek")


def bishkek(day_offset, hour):
    today = utcnow().astimezone(BISHKEK).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour), BISHKEK)


def _statistics(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return None
        found = db.session.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar()
        rows = db.session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars().all() \
            if found else []
        db.session.remove()
        return set(rows)


def test_statistics_are_gathered_once_a_day_from_four(app, club_with_events):
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:  # as a database that never ran ANALYZE
            db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
            db.session.commit()
        assert "statistics" not in run_due(bishkek(1, 3))
        assert run_due(bishkek(1, 4))["statistics"] == (
            "analysed" if sqlite else "left to autovacuum")
        assert "statistics" not in run_due(bishkek(1, 5))  # once that day
        assert "statistics" in run_due(bishkek(2, 4))
        db.session.remove()
    if sqlite:
        assert {"events", "registrations"} <= _statistics(app)


def test_the_migration_leaves_the_planner_statistics(app, runner):
    """``flask db upgrade`` to the head: SQLite's planner has its statistics."""
    from tests.helpers import empty_schema

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        empty_schema()
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    # ANALYZE ran: the themes the migrations seed have their statistics (an
    # empty table gets none until the daily job finds rows in it).
    assert "topics" in _statistics(app)


@pytest.fixture
def club_with_events(make_user, make_club, make_event, make_registration):
    club = make_club(owner=make_user())
    for n in range(3):
        event = make_event(club, starts_in=timedelta(days=n + 1))
        make_registration(event, make_user())
    return club
