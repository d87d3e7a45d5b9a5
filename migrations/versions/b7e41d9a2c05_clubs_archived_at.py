"""clubs are archived when nobody is left to run them

A club whose last owner and organisers deleted their accounts is archived:
its events stay visible, no new one is published under its name.

Revision ID: b7e41d9a2c05
Revises: b7e4a91c2d05
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = "b7e41d9a2c05"
down_revision = "b7e4a91c2d05"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
