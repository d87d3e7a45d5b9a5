"""``flask turnout rebuild``: compute the turnout aggregates again from the
registrations (after a bulk import, or to repair them)."""

import click

from ..extensions import db
from . import aggregates, bp


@bp.cli.command("rebuild")
def rebuild():
    """Compute the turnout aggregates again from the registrations."""
    counts = aggregates.rebuild(db.session.connection())
    db.session.commit()
    for table, rows in counts.items():
        click.echo(f"{table}: {rows} rows")
