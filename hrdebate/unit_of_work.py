"""The request commits once. Services add and flush; what a successful
state-changing request wrote is committed here, after the route returns, and
anything else (a refusal, a form with errors, an exception) is rolled back
when the request's session is removed. GET and HEAD never write: in tests a
GET that flushed a change fails loudly instead of being silently undone.

On SQLite a state-changing request takes the database's write lock when it
starts (BEGIN IMMEDIATE): a transaction that has read cannot start writing
once another worker has committed since (SQLite answers "locked" at once),
and one that waits for the lock first never meets that. Writers queue for
``busy_timeout``; readers (GET) never wait. On PostgreSQL, rows are locked
where a rule needs it (``participation.services.lock_event``) and counters
change in one UPDATE."""

from flask import current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _start():
    db.session.info.pop("wrote", None)
    if request.method not in SAFE_METHODS and db.engine.dialect.name == "sqlite":
        if db.session().in_transaction():
            db.session.rollback()  # only reads so far (a rate limit's user)
        db.session.connection(execution_options={"sqlite_immediate": True})


def commit_on_success(response):
    if request.method in SAFE_METHODS:
        if db.session.info.pop("wrote", False) and current_app.testing:
            raise RuntimeError(f"{request.method} {request.path} wrote to the database")
    elif response.status_code < 400:
        db.session.commit()
    return response


@event.listens_for(Session, "after_flush")
def _remember_write(session, _context):
    session.info["wrote"] = True


def init_app(app):
    # First of all before_request functions: the transaction begins here.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(commit_on_success)
