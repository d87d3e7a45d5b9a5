"""turnout aggregates: per event, people per club and period, demographic cells

Revision ID: b7c1d2e3f4a5
Revises: 3a7c9e1f5b20
Create Date: 2026-12-01 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = '3a7c9e1f5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('turnout_events',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=12), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.Column('waitlisted', sa.Integer(), nullable=False),
    sa.Column('attended_online', sa.Integer(), nullable=False),
    sa.Column('walk_ins', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_turnout_events_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_turnout_events'))
    )
    with op.batch_alter_table('turnout_events', schema=None) as batch_op:
        batch_op.create_index('ix_turnout_events_figures', ['status', 'club_id', 'month', 'ends_at', 'starts_at', 'kind', 'region', 'registered', 'waitlisted', 'attended_online', 'walk_ins'], unique=False)

    op.create_table('turnout_visits',
    sa.Column('club_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('person', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('club_id', 'period', 'person', name=op.f('pk_turnout_visits'))
    )
    with op.batch_alter_table('turnout_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_turnout_visits_person'), ['person'], unique=False)

    op.create_table('turnout_groups',
    sa.Column('club_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('unique', sa.Integer(), nullable=False),
    sa.Column('repeat', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('club_id', 'period', name=op.f('pk_turnout_groups'))
    )
    op.create_table('turnout_persons',
    sa.Column('person', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('consented', sa.Boolean(), nullable=False),
    sa.Column('record_key', sa.SmallInteger(), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=True),
    sa.Column('gender', sa.String(length=12), nullable=True),
    sa.Column('affiliation', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('person', name=op.f('pk_turnout_persons'))
    )
    op.create_table('turnout_cells',
    sa.Column('club_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=12), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('key_sum', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('club_id', 'period', 'dimension', 'key', name=op.f('pk_turnout_cells'))
    )

    # Fill them from the registrations already there (what `flask turnout
    # rebuild` does; the same code, so the two cannot disagree).
    from hrdebate.turnout.aggregates import rebuild
    rebuild(op.get_bind())


def downgrade():
    op.drop_table('turnout_cells')
    op.drop_table('turnout_persons')
    op.drop_table('turnout_groups')
    with op.batch_alter_table('turnout_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_turnout_visits_person'))
    op.drop_table('turnout_visits')
    with op.batch_alter_table('turnout_events', schema=None) as batch_op:
        batch_op.drop_index('ix_turnout_events_figures')
    op.drop_table('turnout_events')
