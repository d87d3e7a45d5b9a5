"""Database connections killed under the app (faults.py): idle ones are
replaced unseen (pool pre-ping), a safe request whose connection dies half
way is run once more and answers 200, and a form whose connection dies
answers a translated 503 with Retry-After, keeps nothing, and can be sent
again.

On PostgreSQL the connections are killed the way an operator or a restart
does, with ``pg_terminate_backend``. SQLite has no server and no
connections to kill from outside; there a request's own connection is
closed under it, which SQLAlchemy sees as the same kind of loss."""

import socket
import threading

import psycopg
import pytest
from flask import has_request_context, request
from sqlalchemy import event, func, select, text

from hrdebate.extensions import db
from hrdebate.models import Comment
from tests.conftest import TEST_DATABASE_URL, make_test_app

ON_POSTGRES = TEST_DATABASE_URL is not None


def _admin_connection():
    return psycopg.connect(TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


def terminate_all_app_connections():
    """What an operator does before a restart: every other connection to
    this database ends, the app's idle pooled ones included."""
    with _admin_connection() as admin:
        pids = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()").fetchall()
        for (pid,) in pids:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
    return len(pids)


def _kill(dbapi_connection):
    if ON_POSTGRES:
        pid = dbapi_connection.info.backend_pid
        with _admin_connection() as admin:  # from another connection, and wait for it
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]
    else:
        dbapi_connection.close()


class Saboteur:
    """Kills the connection of the request to ``path`` right after its first
    statement that begins with ``after`` — once."""

    def __init__(self, app):
        self.path = None
        self.after = ""
        self.kills = 0
        self.lock = threading.Lock()
        with app.app_context():
            event.listen(db.engine, "after_cursor_execute", self._after)
            event.listen(db.engine, "commit", self._commit)

    def arm(self, path, after="SELECT"):
        self.path, self.after = path, after

    def _after(self, connection, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(self.after):
            return
        self._strike(connection)

    def _commit(self, connection):
        """``arm(path, after="COMMIT")``: the line goes down as the request commits."""
        if self.after == "COMMIT":
            self._strike(connection)

    def _strike(self, connection):
        if self.path is None or not has_request_context() or request.path != self.path:
            return
        with self.lock:
            if self.path is None:
                return
            self.path = None
        self.kills += 1
        _kill(connection.connection.dbapi_connection)


@pytest.fixture
def saboteur(app):
    return Saboteur(app)


@pytest.fixture
def world(rows):
    organiser = rows.user("organiser")
    club = rows.club(owner=organiser)
    return {"person": rows.user("aziza"), "event": rows.event(club)}


def comment_count(app, event_id):
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)).where(Comment.event_id == event_id))


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no server connections to terminate")
def test_idle_connections_killed_by_the_server_are_replaced(app, client, auth, world):
    auth.login("aziza")
    page = f"/events/{world['event'].id}"
    assert client.get(page).status_code == 200
    assert terminate_all_app_connections() >= 1
    assert client.get(page).status_code == 200
    assert client.get("/events/").status_code == 200


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no server connections to terminate")
def test_the_pool_is_tested_before_use_on_postgres(app):
    with app.app_context():
        assert db.engine.pool._pre_ping


def test_a_page_whose_connection_dies_half_way_is_served_anyway(app, client, auth, world, saboteur):
    auth.login("aziza")
    page = f"/events/{world['event'].id}"
    saboteur.arm(page)
    response = client.get(page)
    assert saboteur.kills == 1
    assert response.status_code == 200
    assert world["event"].title in response.text
    assert 'action="/auth/logout"' in response.text  # still signed in


def test_a_head_request_is_retried_too(app, client, world, saboteur):
    page = f"/events/{world['event'].id}"
    saboteur.arm(page)
    assert client.head(page).status_code == 200
    assert saboteur.kills == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_a_form_whose_connection_dies_before_committing_is_run_again(
        app, client, auth, world, saboteur, htmx):
    """Nothing of it was written (the transaction died with the line): it
    runs once more, and the person sees their comment published, once."""
    auth.login("aziza")
    client.set_cookie("lang", "en")
    event_id = world["event"].id
    url = f"/events/{event_id}/comments"
    headers = {"HX-Request": "true"} if htmx else {}
    saboteur.arm(url, after="INSERT")
    response = client.post_form(url, {"body": "Said once, when the line went down"},
                                headers=headers)
    assert saboteur.kills == 1
    assert response.status_code in (200, 302)
    assert comment_count(app, event_id) == 1
    if not htmx:  # one flash, not one per attempt
        page = client.get(response.location).text
        assert page.count("Your comment is published.") == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_a_form_whose_connection_dies_while_committing_answers_503_and_can_be_resent(
        app, client, auth, world, saboteur, htmx):
    """Only the database knows whether the commit got through: a translated
    503 with Retry-After; sending it again does the thing once."""
    auth.login("aziza")
    client.set_cookie("lang", "en")
    event_id = world["event"].id
    url = f"/events/{event_id}/comments"
    headers = {"HX-Request": "true"} if htmx else {}
    saboteur.arm(url, after="COMMIT")
    response = client.post_form(url, {"body": "Said once, when the line went down"},
                                headers=headers)
    assert saboteur.kills == 1
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "lost its connection to the database" in response.text
    assert comment_count(app, event_id) == 0  # the commit never reached the database

    response = client.post_form(url, {"body": "Said once, when the line went down"},
                                headers=headers)
    assert response.status_code in (200, 302)
    assert comment_count(app, event_id) == 1


def test_the_503_page_is_translated(app, client, auth, world, saboteur):
    auth.login("aziza")
    client.set_cookie("lang", "ru")
    url = f"/events/{world['event'].id}/comments"
    saboteur.arm(url, after="COMMIT")
    response = client.post_form(url, {"body": "Текст"})
    assert response.status_code == 503
    assert "Временно недоступно" in response.text
    assert 'lang="ru"' in response.text


def test_other_database_errors_are_not_retried(app, client, world):
    """Only a lost connection is retried: a broken query stays a bug."""
    calls = []

    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, *args):
            if has_request_context() and request.path == "/events/" \
                    and not statement.startswith("BEGIN"):
                calls.append(statement)

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.before_request
    def broken():
        if request.path == "/events/":
            db.session.execute(text("SELECT no_such_column FROM events"))

    assert app.test_client().get("/events/").status_code == 500
    assert len(calls) == 1


def test_a_database_that_stays_away_answers_503_not_500(tmp_path, world, rows):
    """Every connection fails: the page answers 503 with Retry-After."""
    app = make_test_app(tmp_path)
    kills = []

    with app.app_context():
        @event.listens_for(db.engine, "after_cursor_execute")
        def _always(connection, _cursor, statement, *_args):
            if has_request_context() and request.path == "/events/":
                kills.append(statement)
                _kill(connection.connection.dbapi_connection)

    response = app.test_client().get("/events/")
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert len(kills) == 2  # the request and its one retry


def test_a_database_that_cannot_be_reached_answers_503_not_500(tmp_path):
    """The server is down or restarting: no connection can be made at all.
    Pages and forms answer the translated 503 with Retry-After, not a 500."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    app = make_test_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"postgresql://nobody@127.0.0.1:{port}/x")
    client = app.test_client()
    client.set_cookie("lang", "ru")
    token = client.csrf_token()  # the login page needs no database
    for response in (client.get("/events/"), client.get("/"),
                     client.post("/auth/login", data={"username": "aida", "password": "x" * 12,
                                                      "csrf_token": token})):
        assert response.status_code == 503, response.status_code
        assert "Retry-After" in response.headers
    with app.test_request_context("/?lang=ru"):
        from hrdebate.errors import UNAVAILABLE_MESSAGE
        assert str(UNAVAILABLE_MESSAGE) in response.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_connection_that_dies_after_the_answer_is_ready_is_no_500(
        app, client, auth, world, method):
    """The line goes down after the answer was built, before the request's
    session is closed: the answer stands; closing the dead session (its
    rollback) is no error of the request's."""
    event_id = world["event"].id
    path = f"/events/{event_id}" if method == "GET" else f"/events/{event_id}/comments"

    @app.teardown_request
    def _line_goes_down(_error):
        if request.path == path and request.method == method:
            db.session.execute(text("SELECT 1"))  # a transaction is open on the connection
            _kill(db.session.connection().connection.dbapi_connection)

    auth.login("aziza")

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post_form(path, {"body": "Said as the line went down"})
    assert response.status_code in (200, 302)
    assert client.get(f"/events/{event_id}").status_code == 200  # and the next one is served


@pytest.mark.parametrize("htmx", [False, True])
def test_a_signed_in_person_gets_the_503_when_the_database_is_down(app, client, auth, world,
                                                                   htmx):
    """Loading the signed-in person needs the database too: the 503 is made
    as for a visitor, in their language, and htmx gets it in the message
    area (the live tally or the form it came from stays in place)."""
    auth.login("aziza")
    client.set_cookie("lang", "ru")
    token = client.csrf_token()  # while the database answers (a page open before it went)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    app.config["SQLALCHEMY_DATABASE_URI"] = f"postgresql+psycopg://nobody@127.0.0.1:{port}/x"
    with app.app_context():
        engines = db.engines
        original, engines[None] = engines[None], db._make_engine(
            None, {"url": app.config["SQLALCHEMY_DATABASE_URI"]}, app)
    try:
        headers = {"HX-Request": "true"} if htmx else {}
        event_id = world["event"].id
        for response in (client.get(f"/events/{event_id}", headers=headers),
                         client.post_form(f"/events/{event_id}/vote",
                                          {"phase": "before", "choice": "for",
                                           "csrf_token": token}, headers=headers)):
            assert response.status_code == 503
            assert "связь с базой данных" in response.text
            if htmx:
                assert response.headers["HX-Retarget"] == "#flashes"
    finally:
        with app.app_context():
            engines[None].dispose()
            engines[None] = original
