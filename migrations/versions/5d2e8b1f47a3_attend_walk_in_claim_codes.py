"""walk-ins' certificates: a one-time claim code and the account that claimed it

Revision ID: 5d2e8b1f47a3
Revises: c591f2d83499
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "5d2e8b1f47a3"
down_revision = "c591f2d83499"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_code", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("claimed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_registrations_claimed_by_id_users"),
                                    "users", ["claimed_by_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_registrations_claim_code", ["claim_code"], unique=True)
        batch_op.create_index(batch_op.f("ix_registrations_claimed_by_id"), ["claimed_by_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_claimed_by_id"))
        batch_op.drop_index("ix_registrations_claim_code")
        batch_op.drop_constraint(batch_op.f("fk_registrations_claimed_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("claimed_by_id")
        batch_op.drop_column("claim_code")
