"""Configuration, the database connection and /healthz."""

import os
import stat

import pytest
from sqlalchemy import text

from hrdebate import create_app
from hrdebate.extensions import db


def test_secret_key_is_generated_once_into_instance(tmp_path):
    from flask import Flask

    from hrdebate import _configure_secret_key

    def build():
        app = Flask("hrdebate", instance_path=str(tmp_path))
        app.config["SECRET_KEY"] = None
        _configure_secret_key(app)
        return app.config["SECRET_KEY"]

    first = build()
    key_file = tmp_path / "secret_key"
    assert len(first) >= 64 and key_file.read_text().strip() == first
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert build() == first
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_settings_come_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HRDEBATE_PASSWORD_MIN_LENGTH", "12")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.invalid/x")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["PASSWORD_MIN_LENGTH"] == 12
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.invalid/x"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_sqlite_connection_settings(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        for _ in range(2):  # every pooled connection, not just the first
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


@pytest.mark.parametrize("url", [
    "sqlite:///{tmp}/missing-dir/db.sqlite",
    "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2",
])
def test_healthz_reports_unreachable_database(tmp_path, url):
    app = create_app({
        "SECRET_KEY": "x", "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url.format(tmp=tmp_path),
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    with app.app_context():
        db.engine.dispose()


def test_error_pages_are_translated(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_htmx_error_is_a_fragment(client):
    response = client.get("/no-such-page?lang=en", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.text and "role=\"alert\"" in response.text
    boosted = client.get("/no-such-page", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


@pytest.mark.parametrize("url", [
    "/events/99999999999999999999", "/events/2147483648", "/events/2147483648/comments",
    "/comments/99999999999999999999/flag", "/events/99999999999999999999.ics",
    "/moderation/comments/99999999999999999999",
])
def test_an_id_too_large_for_the_database_is_not_found(client, url):
    """A number no row can have is a 404 like any unknown id, on SQLite and
    PostgreSQL alike (it used to overflow in the database driver: 500)."""
    assert client.get(url).status_code in (404, 405)
