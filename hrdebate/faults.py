"""A lost database connection is not a server error.

The pool tests each connection before lending it (``pool_pre_ping``, set in
``create_app``), so connections killed while idle are replaced unseen. A
connection that dies while a request is using it (the server restarted, an
operator ran ``pg_terminate_backend``, a network glitch) raises a
``DBAPIError`` whose ``connection_invalidated`` is true; SQLAlchemy has
already thrown that connection away and marked the rest of the pool stale.
A database that cannot be reached at all (down, restarting) raises an
``OperationalError`` while connecting; it is answered the same way.

Here, around the whole request (hooks, view, commit): a safe request (GET,
HEAD, OPTIONS) writes nothing, so it is run once more from the start on a
fresh session and connection, and the person never notices. A state-changing
request is not replayed: its transaction was rolled back, so nothing of it
was written (unless the commit itself was under way, when only the database
knows), and it answers 503 with ``Retry-After``, translated, so the person
sends it again. If the database is still gone, a safe request gets the same
503 after its one retry."""

from flask import current_app, g, request
from sqlalchemy.exc import DBAPIError, OperationalError

from .extensions import db
from .unit_of_work import SAFE_METHODS

RETRY_AFTER_SECONDS = 5


def lost_connection(error: BaseException) -> bool:
    """The connection died under the request, or none could be made (the
    server is down or restarting: an error raised while connecting names no
    statement). A statement the database refused is not one: that is a bug."""
    if not isinstance(error, DBAPIError):
        return False
    return bool(error.connection_invalidated) or (
        isinstance(error, OperationalError) and error.statement is None)


def _start_afresh() -> None:
    """Let go of the dead session and of everything this request loaded
    through it (the signed-in user, cached in ``g``, is loaded again)."""
    try:
        db.session.rollback()
    except DBAPIError:  # pragma: no cover - the rollback of a dead connection
        pass
    db.session.remove()
    for name in list(vars(g)):
        delattr(g, name)


def _unavailable():
    from .errors import UNAVAILABLE_MESSAGE, render_error

    try:
        body, code = render_error(503, UNAVAILABLE_MESSAGE)
    except DBAPIError:
        # The page itself needs the database (the signed-in user's menu):
        # say it in plain text rather than fail.
        db.session.rollback()
        db.session.remove()
        body, code = str(UNAVAILABLE_MESSAGE), 503
    return current_app.make_response(
        (body, code, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    )


def init_app(app) -> None:
    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        try:
            return dispatch()
        except DBAPIError as error:
            if not lost_connection(error):
                raise
            _start_afresh()
            if request.method in SAFE_METHODS:
                app.logger.warning("Database connection lost during %s %s; trying once more",
                                   request.method, request.path)
                try:
                    return dispatch()
                except DBAPIError as again:
                    if not lost_connection(again):
                        raise
                    _start_afresh()
            app.logger.warning("Database connection lost during %s %s; answered 503",
                               request.method, request.path)
            return app.finalize_request(_unavailable(), from_error_handler=True)

    app.full_dispatch_request = full_dispatch_request
