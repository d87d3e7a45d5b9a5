"""Doing a thing once when the same request arrives twice, or ten times, at
the same instant (a double click, a retrying phone): the database's unique
key decides which request wrote the row, and the others answer with that
row, as if they had written it. A service does not read "is it there?"
before inserting (two requests both read "no", and on SQLite a transaction
that read before it became the writer would then insert a duplicate).

``insert_once`` is one ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and
PostgreSQL alike): on PostgreSQL it waits for a concurrent insert of the
same key to commit or roll back, on SQLite the insert makes the transaction
the writer first (``unit_of_work``), so either way the row it did not write
is committed and found by the next statement. ``add_once`` is for an ORM
object with children or computed fields (an account): it is flushed in a
savepoint, and a clash on its unique key undoes only that savepoint."""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .extensions import db

Row = TypeVar("Row")

# What the same person sends again this soon, the same way, is the same thing
# sent twice (a double click, a phone resending a form): a comment, a draft,
# a walk-in, a sanction, an account, a club answer with what the first made.
RESENT_WITHIN = timedelta(minutes=1)


def dialect_insert(model):
    """An INSERT of ``model`` that knows ``ON CONFLICT`` on this database."""
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


def insert_once(model: type[Row], values: dict, key: tuple[str, ...],
                where=None) -> tuple[Row, bool]:
    """The row of ``model`` whose ``key`` columns have ``values``'s values:
    inserted with ``values`` if there was none (True), else the one there
    (False, ``values`` ignored). ``where`` is the predicate of a partial
    unique index (e.g. only pending invitations)."""
    statement = (dialect_insert(model).values(**values)
                 .on_conflict_do_nothing(index_elements=list(key), index_where=where)
                 .returning(*model.__table__.primary_key.columns))
    existing = select(model).filter_by(**{column: values[column] for column in key})
    if where is not None:
        existing = existing.where(where)
    existing = existing.execution_options(populate_existing=True)
    for _attempt in range(3):
        inserted = db.session.execute(statement).first()
        if inserted is not None:
            return db.session.get(model, tuple(inserted)), True
        row = db.session.scalars(existing).one_or_none()
        if row is not None:  # else removed in between (an unfollow): insert again
            return row, False
    raise RuntimeError(f"{model.__name__}: no row for {key} after three attempts")


def add_once(row: Row, existing: Callable[[], Row | None]) -> tuple[Row | None, bool]:
    """Flush the new ``row`` (True); if its unique key was taken at the same
    instant, forget it and answer ``existing()`` instead (False)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        if row in db.session:
            db.session.expunge(row)
        return existing(), False
    return row, True
