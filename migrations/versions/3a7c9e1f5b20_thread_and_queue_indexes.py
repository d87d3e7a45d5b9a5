"""indexes that read a thread through its event and its replies by parent

The thread's pages of top-level comments and its replies are read through
``(event_id, depth, created_at)``; whether a comment has a published reply
(the thread's placeholders) through ``(parent_id, status)``, which replaces
the index on ``parent_id`` alone (the foreign key's cascade uses it too).

The moderation queue reads the comments that may wait (held, flagged,
or rejected with an appeal) through a partial index with the columns it asks, and
their open flags through a partial index of the flags not yet resolved.

Revision ID: 3a7c9e1f5b20
Revises: d41f7c2a9e15
Create Date: 2026-12-01

"""
import sqlalchemy as sa
from alembic import op

# As hrdebate.models.comment.may_wait() says it on the day of this migration.
MAY_WAIT = ("status = 'pending' "
            "OR (open_flags > 0 AND status IN ('published', 'hidden')) "
            "OR (status = 'rejected' AND appealed_at IS NOT NULL AND appeal_decided_at IS NULL)")

revision = "3a7c9e1f5b20"
down_revision = "d41f7c2a9e15"
branch_labels = None
depends_on = None


def upgrade():
    # Plain index statements (not batch mode): nothing here rebuilds the table.
    op.create_index("ix_comments_event_id_depth_created_at", "comments",
                    ["event_id", "depth", "created_at"], unique=False)
    op.create_index("ix_comments_parent_id_status", "comments", ["parent_id", "status"],
                    unique=False)
    op.drop_index("ix_comments_parent_id", table_name="comments")
    op.create_index("ix_comments_waiting", "comments",
                    ["event_id", "status", "open_flags", "appealed_at", "appeal_decided_at",
                     "decided_by_id", "edited_at", "created_at", "id"], unique=False,
                    sqlite_where=sa.text(MAY_WAIT), postgresql_where=sa.text(MAY_WAIT))
    op.create_index("ix_flags_open", "flags", ["comment_id", "reason"], unique=False,
                    sqlite_where=sa.text("resolved_at IS NULL"),
                    postgresql_where=sa.text("resolved_at IS NULL"))


def downgrade():
    op.drop_index("ix_flags_open", table_name="flags")
    op.drop_index("ix_comments_waiting", table_name="comments")
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"], unique=False)
    op.drop_index("ix_comments_parent_id_status", table_name="comments")
    op.drop_index("ix_comments_event_id_depth_created_at", table_name="comments")
