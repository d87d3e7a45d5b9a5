"""The request commits once. Services add and flush; what a successful
state-changing request wrote is committed here, after the route returns, and
anything else (a refusal, a form with errors, an exception) is rolled back
when the request's session is removed. GET and HEAD never write: in tests a
GET that flushed a change fails loudly instead of being silently undone.

SQLite allows one writer at a time, and a transaction that has read cannot
start writing once another connection has committed since (it answers
"database is locked" at once instead of waiting). So every transaction
begins as a reader, and becomes a writer at its first write statement: what
it read is let go (nothing was written yet) and ``BEGIN IMMEDIATE`` waits
for the write lock (``busy_timeout``). The lock is held only from the first
write to the commit: never while a request body arrives or a password is
hashed. A rule whose reads must not change before its write (counting seats,
"was this just done?") calls ``lock_row`` first: the row on PostgreSQL
(SELECT … FOR UPDATE), the write lock on SQLite; ``lock_and_reread`` also
reads the row again. Counters change in one UPDATE. A row that must exist once (a follow, a flag) is
inserted with ``idempotent.insert_once``, so the same request sent twice at
once answers twice with the one row."""

from flask import current_app, request
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
COMMIT_STARTED = "hrdebate.commit_started"


def _start():
    db.session.info.pop("wrote", None)


def commit_on_success(response):
    if request.method in SAFE_METHODS:
        if db.session.info.pop("wrote", False) and current_app.testing:
            raise RuntimeError(f"{request.method} {request.path} wrote to the database")
    elif response.status_code < 400:
        request.environ[COMMIT_STARTED] = True
        db.session.commit()
    return response


def commit_started() -> bool:
    """Whether this request has begun to commit (from then on, only the
    database knows whether what it wrote was kept)."""
    return request.environ.get(COMMIT_STARTED, False)


@event.listens_for(Session, "after_flush")
def _remember_write(session, _context):
    session.info["wrote"] = True


def lock_row(model, row_id: int) -> None:
    """Whoever else locks the same row waits until this request has
    committed, and then reads what it wrote: the row itself on PostgreSQL
    (``SELECT … FOR UPDATE``), the database's write lock on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        _become_writer(connection)
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def lock_and_reread(row, *attributes: str) -> None:
    """Lock ``row`` (``lock_row``) and read it (or the named attributes)
    again as the last request to commit left it: of two requests changing it
    at once (a double click), the second sees what the first one did."""
    row = row._get_current_object() if hasattr(row, "_get_current_object") else row  # current_user
    lock_row(type(row), row.id)
    db.session.refresh(row, list(attributes) or None)


def _become_writer(connection) -> None:
    if connection.info.get("sqlite_writer", True):
        return
    raw = connection.connection.dbapi_connection
    raw.execute("COMMIT")  # only reads so far: nothing is lost
    raw.execute("BEGIN IMMEDIATE")
    connection.info["sqlite_writer"] = True


def watch_sqlite_writes(engine) -> None:
    """SQLite: we emit BEGIN ourselves (the driver is in autocommit mode), as
    a reader; the first write statement makes the transaction the writer."""

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")
        connection.info["sqlite_writer"] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _first_write(connection, _cursor, statement, _parameters, _context, _executemany):
        if connection.info.get("sqlite_writer", True) is False \
                and statement.lstrip()[:9].upper().startswith(WRITE_STATEMENTS):
            _become_writer(connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(connection):
        if connection.invalidated:  # lost (faults.py): a new connection starts afresh
            return
        connection.info["sqlite_writer"] = True  # outside a transaction: nothing to do


def init_app(app):
    app.before_request(_start)
    app.after_request(commit_on_success)
