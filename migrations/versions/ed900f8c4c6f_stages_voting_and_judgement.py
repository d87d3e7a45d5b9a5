"""stages: the organiser drives the vote; checked-in voting; amended judgements

Debates get ``voting_changed_at`` (when an organiser last moved the vote on;
empty while nobody drives it) and ``voting_checked_in_only`` (only checked-in
attendees may vote). Moot courts get ``judgement_amended_at`` (a published
judgement changed afterwards). A debate already past its before-vote
(any other state than before_open) was driven by an organiser: it is given
its last update time, so its vote does not lapse at the end (issue #12).

Revision ID: ed900f8c4c6f
Revises: c4d1e7a9b3f2
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "ed900f8c4c6f"
down_revision = "c4d1e7a9b3f2"
branch_labels = None
depends_on = None

events = sa.table("events", sa.column("voting_state"), sa.column("voting_changed_at"),
                  sa.column("updated_at"), sa.column("kind"))


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voting_changed_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("voting_checked_in_only", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("judgement_amended_at", sa.DateTime(timezone=True),
                                      nullable=True))
    op.execute(events.update()
               .where(events.c.kind == "debate", events.c.voting_state != "before_open")
               .values(voting_changed_at=events.c.updated_at))


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("judgement_amended_at")
        batch_op.drop_column("voting_checked_in_only")
        batch_op.drop_column("voting_changed_at")
