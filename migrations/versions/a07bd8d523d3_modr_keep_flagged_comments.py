"""moderation: a flagged comment can be kept (its flags dismissed); an index
that finds flagged comments among the published ones (issue #12)

The moderation log's actions gain "keep", and "close", "reopen" and
"slow_mode" (club moderators and organisers run an event's discussion). Comments get an index on
open_flags: a flagged comment is in the queue from its first flag, and the
queue finds the few of them among many published comments by it.

Revision ID: a07bd8d523d3
Revises: 6eace5febd80
Create Date: 2026-11-30

"""
from alembic import op

revision = "a07bd8d523d3"
down_revision = "6eace5febd80"
branch_labels = None
depends_on = None

# Frozen copy of hrdebate.models.comment.LoggedAction before and after.
BEFORE = ("approve", "reject", "hide", "restore", "auto_hide", "hold", "appeal_upheld",
          "appeal_dismissed", "warn", "mute", "ban", "unban", "unmute", "made_citizen",
          "made_moderator", "made_admin", "sessions_ended", "club_verified", "club_unverified",
          "club_refused")
AFTER = (*BEFORE, "keep", "close", "reopen", "slow_mode")


def _actions(values):
    return f"action IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_moderation_actions_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_moderation_actions_action"), _actions(AFTER))
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_open_flags"), ["open_flags"], unique=False)


def downgrade():
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_open_flags"))
    op.execute("DELETE FROM moderation_actions "
               "WHERE action IN ('keep', 'close', 'reopen', 'slow_mode')")
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_moderation_actions_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_moderation_actions_action"), _actions(BEFORE))
