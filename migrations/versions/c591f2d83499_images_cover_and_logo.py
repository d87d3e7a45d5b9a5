"""an event's cover image and a club's logo

Each column holds the stored image's key (``hrdebate/images``): a random
name and the picture's size, e.g. ``3f0c…e1-1200x675``; NULL when there is
none. The files live in IMAGE_FOLDER, not in the database.

Revision ID: c591f2d83499
Revises: ed900f8c4c6f
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "c591f2d83499"
down_revision = "ed900f8c4c6f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cover_image", sa.String(length=48), nullable=True))
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logo_image", sa.String(length=48), nullable=True))


def downgrade():
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.drop_column("logo_image")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("cover_image")
