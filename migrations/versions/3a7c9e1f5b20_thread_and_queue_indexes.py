"""indexes that read a thread through its event and its replies by parent

The thread's pages of top-level comments and its replies are read through
``(event_id, depth, created_at)``; whether a comment has a published reply
(the thread's placeholders) through ``(parent_id, status)``, which replaces
the index on ``parent_id`` alone (the foreign key's cascade uses it too).

Revision ID: 3a7c9e1f5b20
Revises: 75e75e87be64
Create Date: 2026-12-01

"""
from alembic import op

revision = "3a7c9e1f5b20"
down_revision = "75e75e87be64"
branch_labels = None
depends_on = None


def upgrade():
    # Plain index statements (not batch mode): nothing here rebuilds the table.
    op.create_index("ix_comments_event_id_depth_created_at", "comments",
                    ["event_id", "depth", "created_at"], unique=False)
    op.create_index("ix_comments_parent_id_status", "comments", ["parent_id", "status"],
                    unique=False)
    op.drop_index("ix_comments_parent_id", table_name="comments")


def downgrade():
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"], unique=False)
    op.drop_index("ix_comments_parent_id_status", table_name="comments")
    op.drop_index("ix_comments_event_id_depth_created_at", table_name="comments")
