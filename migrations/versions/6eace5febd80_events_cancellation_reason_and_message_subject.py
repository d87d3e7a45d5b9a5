"""events keep their cancellation's reason; notifications an organiser's subject

An event cancelled by its organisers shows why ("Cancelled: the hall is
flooded") and its people are told the same reason. An organiser's message to
an event's people keeps its subject line beside the text (``detail``).

Revision ID: 6eace5febd80
Revises: b9ff3db0ef82
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "6eace5febd80"
down_revision = "b9ff3db0ef82"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancellation_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=160), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("subject")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("cancellation_reason")
