"""A lost database connection is not a server error.

The pool tests each connection before lending it (``pool_pre_ping``, set in
``create_app``), so connections killed while idle are replaced unseen. A
connection that dies while a request is using it (the server restarted, an
operator ran ``pg_terminate_backend``, a network glitch) raises a
``DBAPIError`` whose ``connection_invalidated`` is true; SQLAlchemy has
already thrown that connection away and marked the rest of the pool stale.
A database that cannot be reached at all (down, restarting) raises an
``OperationalError`` while connecting; it is answered the same way.

Here, around the whole request (hooks, view, commit): a request that had not
begun to commit wrote nothing (its transaction died with the connection), so
it is run once more from the start, on a fresh session and connection, with
the cookie session and the after-request callbacks as they were when it
arrived, and the person never notices: a page, and a form as well. Only a
form whose connection died while committing is not replayed, since only the
database knows whether the commit got through: it answers a translated 503
with ``Retry-After``, so the person sends it again (a form sent twice
does its thing once, README "Double submits"). If the database is still gone after
the one retry, the answer is the same 503. A connection that dies after the
answer was built only makes the session's closing rollback fail: the
answer stands."""

from flask import current_app, g, request, session
from flask.globals import request_ctx
from sqlalchemy.exc import DBAPIError, OperationalError

from .extensions import db
from .unit_of_work import commit_started

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
    """The translated 503. Without a database the signed-in person cannot be
    loaded (the page's menu, their language): the page is then made as for
    an anonymous visitor, in the language of their cookie or browser. htmx
    gets the sentence in the message area, so the form or the live tally it
    came from stays in place."""
    from .errors import UNAVAILABLE_MESSAGE, render_error
    from .extensions import login
    from .htmx import wants_fragment

    try:
        body, code = render_error(503, UNAVAILABLE_MESSAGE)
    except DBAPIError:
        _start_afresh()
        g._login_user = login.anonymous_user()  # Flask-Login's per-request user
        body, code = render_error(503, UNAVAILABLE_MESSAGE)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_fragment():
        headers.update({"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"})
    return current_app.make_response((body, code, headers))


def init_app(app) -> None:
    dispatch = app.full_dispatch_request

    def full_dispatch_request():
        context = request_ctx._get_current_object()
        # The cookie session as it arrived (a few keys; flashes are a list).
        arrived_with = {key: list(value) if isinstance(value, list) else value
                        for key, value in session.items()}
        callbacks = len(context._after_request_functions)
        try:
            return dispatch()
        except DBAPIError as error:
            if not lost_connection(error):
                raise
            replay = not commit_started()  # pages never commit
            _start_afresh()
            if replay:
                app.logger.warning("Database connection lost during %s %s; trying once more",
                                   request.method, request.path)
                session.clear()
                session.update(arrived_with)
                del context._after_request_functions[callbacks:]
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

    @app.teardown_appcontext
    def close_session(_error):
        """Close the request's session before Flask-SQLAlchemy's own teardown
        (which then finds nothing to do): a connection that died after the
        answer was built makes the rollback fail, and that must not turn a
        good answer into a 500."""
        try:
            db.session.remove()
        except DBAPIError as error:
            if not lost_connection(error):
                raise
            app.logger.warning("Database connection lost as a request ended; its answer stands")
            db.session.registry.clear()
