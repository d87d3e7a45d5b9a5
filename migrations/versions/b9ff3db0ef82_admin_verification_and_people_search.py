"""admin: club verification refused with a reason, people found by name

- clubs: refused_at and refusal_reason (an admin refused to verify
  the club, and why);
- moderation_actions: club_id (the club an admin verified or refused),
  and the admin's actions among the allowed action values (site role
  changes, sessions ended, club verification, a mute lifted);
- notifications: club_id (a club verified or refused, told its owners);
- users: search_key, the display name folded as hrdebate.search
  folds (the admins' people search), filled here for the accounts already
  there, with its index (trigram GIN on PostgreSQL).

Revision ID: b9ff3db0ef82
Revises: 5d2e8b1f47a3
Create Date: 2026-11-30

"""
import sqlalchemy as sa
from alembic import op

revision = "b9ff3db0ef82"
down_revision = "5d2e8b1f47a3"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("approve", "reject", "hide", "restore", "auto_hide", "hold", "appeal_upheld",
               "appeal_dismissed", "warn", "mute", "ban", "unban")
NEW_ACTIONS = OLD_ACTIONS + ("unmute", "made_citizen", "made_moderator", "made_admin",
                             "sessions_ended", "club_verified", "club_unverified",
                             "club_refused")

users = sa.table("users", sa.column("id"), sa.column("display_name"), sa.column("search_key"))


def _actions(values) -> str:
    return "action IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _fill_user_keys(bind) -> None:
    from hrdebate.search import stored_key

    rows = [{"row_id": row.id, "value": stored_key(row.display_name)}
            for row in bind.execute(sa.select(users.c.id, users.c.display_name))]
    statement = (sa.update(users).where(users.c.id == sa.bindparam("row_id"))
                 .values(search_key=sa.bindparam("value")))
    for start in range(0, len(rows), 1000):
        bind.execute(statement, rows[start:start + 1000])


def upgrade():
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("refusal_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_moderation_actions_club_id"), ["club_id"],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_moderation_actions_club_id_clubs"), "clubs",
                                    ["club_id"], ["id"], ondelete="SET NULL")
        batch_op.drop_constraint(batch_op.f("ck_moderation_actions_action"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_moderation_actions_action"), _actions(NEW_ACTIONS))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("club_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notifications_club_id"), ["club_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_notifications_club_id_clubs"), "clubs",
                                    ["club_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_key", sa.Text(), server_default="", nullable=False))
    _fill_user_keys(op.get_bind())
    op.create_index("ix_users_search_key", "users", ["search_key"], unique=False,
                    postgresql_using="gin", postgresql_ops={"search_key": "gin_trgm_ops"})


def downgrade():
    op.drop_index("ix_users_search_key", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("search_key")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notifications_club_id_clubs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notifications_club_id"))
        batch_op.drop_column("club_id")
    op.execute(sa.text("DELETE FROM moderation_actions WHERE " + _actions(
        tuple(v for v in NEW_ACTIONS if v not in OLD_ACTIONS))))
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_moderation_actions_action"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_moderation_actions_action"), _actions(OLD_ACTIONS))
        batch_op.drop_constraint(batch_op.f("fk_moderation_actions_club_id_clubs"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_moderation_actions_club_id"))
        batch_op.drop_column("club_id")
    with op.batch_alter_table("clubs", schema=None) as batch_op:
        batch_op.drop_column("refusal_reason")
        batch_op.drop_column("refused_at")
