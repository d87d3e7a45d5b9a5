"""page cache generations

Revision ID: 3c0f5e1a9b27
Revises: 75e75e87be64
Create Date: 2026-12-01 03:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c0f5e1a9b27'
down_revision = '75e75e87be64'
branch_labels = None
depends_on = None


def upgrade():
    # One row per public table, written in the transaction of each write to
    # it (hrdebate/pagecache.py); a table never written has no row yet.
    op.create_table('page_generations',
    sa.Column('table', sa.String(length=64), nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('table', name=op.f('pk_page_generations'))
    )


def downgrade():
    op.drop_table('page_generations')
