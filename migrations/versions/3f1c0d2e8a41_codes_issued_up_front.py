"""check-in codes given when an event is created, certificate codes at check-in

Pages no longer write on GET: events that never had their check-in page
opened get their code now, and attended registrations of account holders get
the certificate code they would have been given on first view.

Revision ID: 3f1c0d2e8a41
Revises: 9e9212376931
Create Date: 2026-11-30

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "3f1c0d2e8a41"
down_revision = "9e9212376931"
branch_labels = None
depends_on = None

# Frozen copy of hrdebate.models.codes at this revision.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _code(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def upgrade():
    conn = op.get_bind()
    events = sa.table("events", sa.column("id"), sa.column("checkin_code"))
    for (event_id,) in conn.execute(sa.select(events.c.id).where(events.c.checkin_code.is_(None))):
        conn.execute(events.update().where(events.c.id == event_id).values(checkin_code=_code(6)))
    registrations = sa.table("registrations", sa.column("id"), sa.column("user_id"),
                             sa.column("checked_in_at"), sa.column("certificate_code"))
    rows = conn.execute(sa.select(registrations.c.id).where(
        registrations.c.user_id.is_not(None), registrations.c.checked_in_at.is_not(None),
        registrations.c.certificate_code.is_(None)))
    for (registration_id,) in rows:
        conn.execute(registrations.update().where(registrations.c.id == registration_id)
                     .values(certificate_code=_code(20)))


def downgrade():
    pass  # codes handed out stay valid
