"""The request commits once. Services add and flush; what a successful
state-changing request wrote is committed here, after the route returns, and
anything else (a refusal, a form with errors, an exception) is rolled back
when the request's session is removed. GET and HEAD never write: in tests a
GET that flushed a change fails loudly instead of being silently undone.

The one documented exception is a registration, whose seat count is taken
and written in its own locked transaction (``participation.services``)."""

from flask import current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _start():
    db.session.info.pop("wrote", None)


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
    app.before_request(_start)
    app.after_request(commit_on_success)
