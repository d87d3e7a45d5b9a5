"""search keys: events and clubs are found by what people type

Events and clubs get a ``search_key`` column, the folded text they are found
by (hrdebate/search.py: apostrophes, case, Kyrgyz and Uzbek letters,
Cyrillic in Latin), filled here for the rows already there, and an index:
a trigram GIN index on PostgreSQL (the pg_trgm extension, added here), a
plain one on SQLite. The events' ``search_text`` (case-folded title,
summary, motion and case) is replaced by it (issue #11).

Revision ID: c4d1e7a9b3f2
Revises: 8637ff2f4221
Create Date: 2026-11-30

"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "c4d1e7a9b3f2"
down_revision = "8637ff2f4221"
branch_labels = None
depends_on = None

# The tables as this revision knows them: the models may have moved on.
clubs = sa.table("clubs", *map(sa.column, ("id", "name", "city", "region", "description",
                                           "search_key")))
events = sa.table("events", *map(sa.column, ("id", "club_id", "title", "summary", "motion",
                                             "case_title", "venue", "region", "search_key",
                                             "search_text")))
topics = sa.table("topics", sa.column("id"), sa.column("slug"))
event_topics = sa.table("event_topics", sa.column("event_id"), sa.column("topic_id"))


def _set(bind, table, column, values: dict) -> None:
    """``column`` = value for each id, in batches."""
    rows = [{"row_id": row_id, "value": value} for row_id, value in values.items()]
    statement = (sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                 .values({column: sa.bindparam("value")}))
    for start in range(0, len(rows), 1000):
        bind.execute(statement, rows[start:start + 1000])


def _fill_search_keys(bind) -> None:
    # The rule itself is the application's: the keys must fold like the queries.
    from hrdebate.search import club_key, event_key

    club_names, club_keys = {}, {}
    for row in bind.execute(sa.select(clubs.c.id, clubs.c.name, clubs.c.city, clubs.c.region,
                                      clubs.c.description)):
        club_names[row.id] = row.name
        club_keys[row.id] = club_key(name=row.name, city=row.city, region=row.region,
                                     description=row.description)
    _set(bind, clubs, "search_key", club_keys)

    slugs = defaultdict(list)
    for event_id, slug in bind.execute(sa.select(event_topics.c.event_id, topics.c.slug)
                                       .join(topics, topics.c.id == event_topics.c.topic_id)):
        slugs[event_id].append(slug)
    _set(bind, events, "search_key", {
        row.id: event_key(title=row.title, summary=row.summary, motion=row.motion,
                          case_title=row.case_title, venue=row.venue, region=row.region,
                          club_name=club_names.get(row.club_id), topic_slugs=slugs[row.id])
        for row in bind.execute(sa.select(
            events.c.id, events.c.club_id, events.c.title, events.c.summary, events.c.motion,
            events.c.case_title, events.c.venue, events.c.region))
    })


def _index(table: str) -> None:
    op.create_index(f"ix_{table}_search_key", table, ["search_key"], unique=False,
                    postgresql_using="gin", postgresql_ops={"search_key": "gin_trgm_ops"})


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), server_default="", nullable=False))
        batch_op.drop_column("search_text")
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), server_default="", nullable=False))
    _fill_search_keys(bind)
    _index("events")
    _index("clubs")


def downgrade():
    bind = op.get_bind()
    op.drop_index("ix_clubs_search_key", table_name="clubs")
    op.drop_index("ix_events_search_key", table_name="events")
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.drop_column("search_key")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.drop_column("search_key")
    # The earlier rule: title, summary, motion and case title, case-folded.
    _set(bind, events, "search_text", {
        row.id: " ".join(part for part in row[1:] if part).casefold()
        for row in bind.execute(sa.select(events.c.id, events.c.title, events.c.summary,
                                          events.c.motion, events.c.case_title))
    })
