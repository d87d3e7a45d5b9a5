import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from hrdebate import create_app
from hrdebate.extensions import db
from hrdebate.models import seed_topics
from tests.factories import PASSWORD, Rows
from tests.helpers import Client
from tests.smtp import smtp_server  # noqa: F401  (a fixture: tests/smtp.py)


def _per_worker(url: str | None) -> str | None:
    """Under pytest-xdist (``make test`` runs ``-n auto``) every worker has a
    PostgreSQL database of its own, named after the one given with the
    worker's id appended (``hr_ci`` -> ``hr_ci_gw0``): the session creates it
    at its start and drops it at its end (pytest_sessionstart/finish below),
    so CI only creates and drops the one it names. SQLite needs nothing: each
    test's file is in its own tmp_path."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


_GIVEN_DATABASE_URL = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
TEST_DATABASE_URL = _per_worker(_GIVEN_DATABASE_URL)
if TEST_DATABASE_URL:  # what the tests and the servers they start read
    os.environ["HRDEBATE_TEST_DATABASE_URL"] = TEST_DATABASE_URL
BASE_URL = "https://hrdebate.test"

# The schema is built once per test session. On SQLite each test gets its own
# file, a copy of a template holding the schema and the seeded themes (a copy
# costs well under a millisecond; create_all + seed_topics cost ~50 ms). On
# PostgreSQL the tables are created once and emptied after each test with
# DELETE and a restart of the id sequences: ~10 ms, where TRUNCATE took ~400 ms.
# Every test keeps real commits, so other connections (gunicorn workers in
# test_concurrency.py, the browser tests' server thread) see its data, and
# the fixtures do not depend on where the code under test commits.
_sqlite_template: Path | None = None
_postgres_ready = False
_postgres_sequences: list[str] = []


def _database_url(tmp_path):
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"


def make_test_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path),
        # Fast hashes in tests; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        # Not the test client's host (localhost): a link built from the
        # request's Host header would show.
        "BASE_URL": BASE_URL,
        # The worker's queue: tasks are queued in memory and never run; tests
        # deliver the outbox and run the jobs themselves (jobs.run_due).
        "JOBS_URL": "memory://",
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = Client
    return app


def _build_schema(app):
    with app.app_context():
        db.create_all()
        seed_topics()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _sqlite_template_file() -> Path:
    """The session's template database, built on first use."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="hrdebate-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _build_schema(make_test_app(folder))
        _sqlite_template = folder / "test.sqlite"
    return _sqlite_template


def _prepare_schema(app):
    global _postgres_ready
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if TEST_DATABASE_URL is None:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            template = _sqlite_template_file()
            shutil.copyfile(template, path)
            wal = template.with_name(template.name + "-wal")
            if wal.exists():  # normally checkpointed away when the template closed
                shutil.copyfile(wal, path.with_name(path.name + "-wal"))
    elif not _postgres_ready:
        with app.app_context():
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        _build_schema(app)
        with app.app_context():
            _postgres_sequences[:] = db.session.scalars(text(
                "SELECT pg_get_serial_sequence(quote_ident(table_name), column_name)"
                " FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND (column_default LIKE 'nextval%' OR is_identity = 'YES')"
                " AND table_name <> 'topics'")).all()
        _postgres_ready = True


def _empty_database(app, sqlite_too=False):
    """On PostgreSQL: empty the session's database for the next test. On
    SQLite each test has a file of its own, which is left as it is, unless
    ``sqlite_too`` (a file several tests share, see tests/server.py's
    shared_server): emptied the same way (SQLite gives the next row the
    highest id + 1, so ids start at 1 again)."""
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL is None and sqlite_too:
            tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "topics"]
            with db.engine.begin() as connection:
                for name in tables:
                    connection.exec_driver_sql(f'DELETE FROM "{name}"')
                if connection.exec_driver_sql("SELECT 1 FROM sqlite_master"
                                              " WHERE name = 'sqlite_sequence'").first():
                    connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name <> 'topics'")
        elif TEST_DATABASE_URL is not None:
            # Everything but the seeded themes, which every test shares; children
            # first, and the ids start at 1 again, as after TRUNCATE ... RESTART IDENTITY.
            tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name != "topics"]
            statements = [f'DELETE FROM "{name}"' for name in tables]
            statements += [f"SELECT setval('{seq}', 1, false)" for seq in _postgres_sequences]
            with db.engine.begin() as connection:
                connection.exec_driver_sql("; ".join(statements))
        db.engine.dispose()


def _postgres_admin(sql: str) -> None:
    """Run ``sql`` outside a transaction on the given (not the worker's) database."""
    import psycopg
    from sqlalchemy.engine import make_url

    given = make_url(_GIVEN_DATABASE_URL)
    with psycopg.connect(host=given.host, port=given.port, user=given.username,
                         password=given.password, dbname=given.database,
                         autocommit=True) as connection:
        connection.execute(sql)


def _worker_database() -> str | None:
    if TEST_DATABASE_URL is None or TEST_DATABASE_URL == _GIVEN_DATABASE_URL:
        return None
    from sqlalchemy.engine import make_url

    return make_url(TEST_DATABASE_URL).database


def pytest_sessionstart(session):
    if name := _worker_database():  # left over from a run that was killed: start afresh
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres_admin(f'CREATE DATABASE "{name}"')


def pytest_sessionfinish(session, exitstatus):
    if name := _worker_database():
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _sqlite_schema():
    """Build the SQLite template before any test builds its app: creating an
    app re-initialises the shared extensions (the rate limiter's settings),
    so the template's own app must not come in the middle of a test."""
    if TEST_DATABASE_URL is None:
        _sqlite_template_file()


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path)
    _prepare_schema(app)
    yield app
    _empty_database(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def rows(app):
    """The factories of tests/factories.py, bound to the test's app."""
    return Rows(app)


@pytest.fixture
def make_user(rows):
    """Factory: ``make_user(username="aziza", site_role="admin", ...)``."""
    return rows.user


@pytest.fixture
def mailing(app):
    """Mail goes out, to the console: the worker's delivery
    (``helpers.deliver_mail``) prints it, ``helpers.console_mails`` reads it."""
    app.config["MAIL_CONSOLE"] = True
    return app


@pytest.fixture
def english(client):
    """Read pages in English through the language cookie, as a browser keeps
    it (on /events/ and the feeds, ?lang= filters events instead)."""
    client.set_cookie("lang", "en")


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD, remember=False, next=None):
        data = {"username": username, "password": password}
        if remember:
            data["remember"] = "y"
        url = "/auth/login" + (f"?next={next}" if next else "")
        return self.client.post_form(url, data)

    def logout(self):
        return self.client.post_form("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_club(rows):
    """Factory: ``make_club(owner=user, slug="osh-club", verified=True, ...)``.
    ``organisers`` and ``moderators`` take lists of users."""
    return rows.club


@pytest.fixture
def make_event(rows):
    """Factory: ``make_event(club, kind="debate", status="published",
    starts_in=timedelta(days=3), topics=["women"], ...)``."""
    return rows.event


@pytest.fixture
def make_comment(rows):
    """Factory: ``make_comment(event, author, body="A comment", status="published",
    parent=None, stance=None, **fields)``, e.g. ``status="pending",
    held_for="pre_moderation"``; a reply is one level under its ``parent``."""
    return rows.comment


@pytest.fixture
def make_registration(rows):
    """Factory: ``make_registration(event, user=None, status="registered",
    checked_in=False, source="online", **fields)``; ``checked_in=True`` (or a
    datetime) checks in through ``Registration.check_in``, so an account
    holder gets a certificate code as at the door."""
    return rows.registration


@pytest.fixture
def make_vote(rows):
    """Factory: ``make_vote(event, user, phase, choice)``, e.g.
    ``make_vote(event, user, "before", "for")``."""
    return rows.vote


DEMO_PASSWORD = "demo password 1"
# Seeding the demo site costs ~1.5 s of CPU; on SQLite a session seeds it
# once (per variant: as seeded, or with what ``then`` adds) and copies the
# result into each test's file. The demo's dates are relative to when it was
# seeded, so a copy older than this is seeded afresh.
DEMO_COPY_SECONDS = 180
_demo_copies: dict[str, tuple[Path, float]] = {}


def seed_demo_site(app, runner, then=None, variant="demo"):
    """``flask seed-demo`` into the test's database, then ``then(app)`` if
    given (``variant`` names what it adds). Every test sees the data just as
    if it had seeded it itself."""
    import sqlite3
    import time

    def copy(source: Path, target: Path):
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # no connection open while the file is replaced
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        src.close()
        dst.close()

    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    cached = _demo_copies.get(variant) if TEST_DATABASE_URL is None else None
    if cached and time.monotonic() - cached[1] < DEMO_COPY_SECONDS:
        copy(cached[0], path)
        return
    seeded_at = time.monotonic()
    result = runner.invoke(args=["seed-demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    if then is not None:
        then(app)
    if TEST_DATABASE_URL is None:
        folder = Path(tempfile.mkdtemp(prefix="hrdebate-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        copy(path, folder / "demo.sqlite")
        _demo_copies[variant] = (folder / "demo.sqlite", seeded_at)


@pytest.fixture
def demo_urls(app, runner):
    """Seed the demo site; return a page of every kind, as the admin sees them."""
    from hrdebate.models import Club, Event, Registration

    seed_demo_site(app, runner)
    with app.app_context():
        events = db.session.scalars(db.select(Event).order_by(Event.id)).all()
        club = db.session.scalars(db.select(Club).order_by(Club.id)).first()
        event_urls = [f"/events/{e.id}" for e in events]
        event_urls += [f"/events/{e.id}/edit" for e in events[:3]]
        event_urls += [f"/events/{e.id}/judgement" for e in events if e.kind == "moot_court"][:1]
        event_urls += [f"/events/{e.id}/attendance" for e in events if e.status == "published"][:2]
        event_urls += [f"/events/{events[0].id}/checkin/qr", f"/events/{events[0].id}/checkin"]
        from hrdebate.certificates.services import eligible
        from hrdebate.models import utcnow

        code = db.session.scalar(  # a certificate that stands: the event is over
            db.select(Registration.certificate_code).join(Registration.event)
            .where(Registration.certificate_code.is_not(None),
                   Registration.certificate_revoked_at.is_(None),
                   eligible(Registration, Event, utcnow())).limit(1))
        event_urls += [f"/certificates/{code}", "/me/events", "/turnout/", "/moderation/",
                       "/moderation/log", "/moderation/words"]
        return ["/", "/events/", "/events/?when=past", "/clubs/", f"/clubs/{club.slug}",
                f"/clubs/{club.slug}/members", f"/clubs/{club.slug}/edit", "/clubs/new",
                f"/events/new?club={club.slug}", "/topics/", "/topics/women", "/notifications/",
                "/account/", *event_urls]
