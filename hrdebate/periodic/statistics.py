"""The query planner's statistics (issue #14), daily at 4 o'clock Bishkek
time (``jobs._claim_daily``: once a day, by whichever worker asks first).

SQLite's planner chooses indexes from ``sqlite_stat1``, which only ANALYZE
writes; a database that never ran it plans every query blind (at programme
scale it read a status index where the event's own was there). So the job
runs ANALYZE, its work bounded by ``analysis_limit`` (rows looked at per
index; a second or so on a million registrations), and the migration that
added the list indexes ran it once. PostgreSQL's autovacuum keeps its own
statistics: the job leaves it alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from ..extensions import db
from ..jobs import periodic

# Rows ANALYZE looks at per index: enough to tell a selective index from a
# poor one, bounded whatever the size of the tables.
ANALYSIS_LIMIT = 2000


def gather_statistics(connection) -> bool:
    """ANALYZE on SQLite (bounded), nothing elsewhere; whether it ran.
    ``connection`` is a SQLAlchemy connection (or session); the caller
    commits."""
    bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
    if bind.dialect.name != "sqlite":
        return False
    connection.execute(text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
    connection.execute(text("ANALYZE"))
    return True


@periodic("statistics", daily_at=4)
def refresh_statistics(now: datetime) -> str:
    ran = gather_statistics(db.session)
    db.session.commit()
    return "analysed" if ran else "left to autovacuum"
