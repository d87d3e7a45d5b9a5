import os

import pytest
from sqlalchemy import text

from hrdebate import create_app
from hrdebate.extensions import db
from hrdebate.models import User
from tests.helpers import Client

TEST_DATABASE_URL = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
_schema_ready = False


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
        **overrides,
    }
    app = create_app(config)
    app.test_client_class = Client
    return app


def _prepare_schema(app):
    global _schema_ready
    with app.app_context():
        if TEST_DATABASE_URL is None:
            db.create_all()
        elif not _schema_ready:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            db.create_all()
            _schema_ready = True


def _empty_database(app):
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL is not None:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.engine.dispose()


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
def make_user(app):
    """Factory: ``make_user(username="aziza", site_role="admin", ...)``."""
    counter = iter(range(1, 1_000_000))

    def make(username=None, password=PASSWORD, **fields):
        n = next(counter)
        with app.app_context():
            user = User(
                username=username or f"user{n}",
                display_name=fields.pop("display_name", f"Person {n}"),
                **fields,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


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
