"""final attendance: the log of attendance changes, record keys for the cell-key method

Every account and every registration gets a random record key 0..255 (the
turnout report's noise, see hrdebate.models.attendance), drawn here for the
rows that exist from the operating system's randomness, as new rows get
theirs; attendance changes made after an event are logged.

Revision ID: b7e4a91c2d05
Revises: 3f1c0d2e8a41
Create Date: 2026-12-02

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "b7e4a91c2d05"
down_revision = "3f1c0d2e8a41"
branch_labels = None
depends_on = None

RECORD_KEYS = 256  # frozen copy of hrdebate.models.attendance.RECORD_KEYS
BATCH = 5000


def _draw_record_keys(table_name):
    """Give each existing row its own random key (in batches, so a million
    registrations take one pass and bounded memory)."""
    conn = op.get_bind()
    table = sa.table(table_name, sa.column("id"), sa.column("record_key"))
    ids = [row_id for (row_id,) in conn.execute(sa.select(table.c.id).order_by(table.c.id))]
    update = (table.update().where(table.c.id == sa.bindparam("row_id"))
              .values(record_key=sa.bindparam("new_key")))
    for start in range(0, len(ids), BATCH):
        conn.execute(update, [{"row_id": row_id, "new_key": secrets.randbelow(RECORD_KEYS)}
                              for row_id in ids[start:start + BATCH]])


def upgrade():
    for table_name in ("users", "registrations"):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("record_key", sa.SmallInteger(), nullable=True))
        _draw_record_keys(table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column("record_key", existing_type=sa.SmallInteger(), nullable=False)
            batch_op.create_check_constraint(
                op.f(f"ck_{table_name}_record_key"), "record_key >= 0 AND record_key < 256")

    op.create_table(
        "attendance_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('check_in', 'undo_check_in', 'walk_in')",
                           name=op.f("ck_attendance_changes_action")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_attendance_changes_actor_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_attendance_changes_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"],
                                name=op.f("fk_attendance_changes_registration_id_registrations"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_changes")),
    )
    with op.batch_alter_table("attendance_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_changes_actor_id"), ["actor_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_attendance_changes_event_id"), ["event_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("attendance_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_changes_event_id"))
        batch_op.drop_index(batch_op.f("ix_attendance_changes_actor_id"))
    op.drop_table("attendance_changes")
    for table_name in ("registrations", "users"):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table_name}_record_key"), type_="check")
            batch_op.drop_column("record_key")
