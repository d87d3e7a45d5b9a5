"""list indexes (event order, upcoming), foreign-key indexes, statistics

Revision ID: d41f7c2a9e15
Revises: 3c0f5e1a9b27
Create Date: 2026-12-01 03:30:00

The event list's order (start, id) and its upcoming events (end) get their
own indexes, so a deep page is a range of an index rather than an OFFSET
over a sort (issue #14). The columns that point at a person and had no
index get one: deleting an account sets them to NULL, which otherwise reads
the whole table (a million registrations, half a million comments).

On SQLite the planner then gets its statistics (ANALYZE, bounded by
``analysis_limit``), which no earlier revision gathered; the daily job
``statistics`` (hrdebate/periodic/statistics.py) keeps them current.
PostgreSQL's autovacuum keeps its own.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd41f7c2a9e15'
down_revision = '3c0f5e1a9b27'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_events_starts_at_id_status', 'events', ['starts_at', 'id', 'status']),
    ('ix_events_ends_at', 'events', ['ends_at']),
    ('ix_events_judgement_published_at', 'events', ['judgement_published_at']),
    ('ix_registrations_checked_in_by_id', 'registrations', ['checked_in_by_id']),
    ('ix_progress_updates_author_id', 'progress_updates', ['author_id']),
    ('ix_comments_decided_by_id', 'comments', ['decided_by_id']),
    ('ix_flags_reporter_id', 'flags', ['reporter_id']),
    ('ix_moderation_actions_event_id', 'moderation_actions', ['event_id']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA analysis_limit=2000')
        op.execute('ANALYZE')


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
