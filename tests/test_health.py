"""/healthz: JSON naming each part (the database, and Redis when the rate
limits live there); 503 when the database is down, 200 "degraded" when only
Redis is (the site still serves, so a load balancer must keep the host);
never rate limited, and nothing secret in it."""

import os
import socket
import uuid

import pytest

from hrdebate.main import services
from tests.conftest import _empty_database, _prepare_schema, make_test_app

REDIS = os.environ.get("HRDEBATE_TEST_REDIS_URL")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app(tmp_path, storage):
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                        RATELIMIT_LOGIN="1 per minute")
    _prepare_schema(app)
    return app


def test_up_with_memory_storage(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.is_json
    assert response.json == {"status": "ok", "database": "ok"}


def test_database_down(client, monkeypatch):
    monkeypatch.setattr(services, "database_reachable", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}


def test_database_down_for_real(app, client):
    """A database that refuses connections (the engine pointed elsewhere)."""
    from sqlalchemy import create_engine

    from hrdebate.extensions import db

    with app.app_context():
        broken = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/x")
        engines = db.engines
        original = engines[None]
        engines[None] = broken
        try:
            response = client.get("/healthz")
        finally:
            engines[None] = original
            broken.dispose()
    assert response.status_code == 503 and response.json["database"] == "unreachable"


@pytest.mark.skipif(not REDIS, reason="needs HRDEBATE_TEST_REDIS_URL")
def test_up_with_redis(tmp_path):
    app = _app(tmp_path, REDIS)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}
    finally:
        _empty_database(app)


def test_redis_down_is_named_and_nothing_secret_is_shown(tmp_path):
    port = _closed_port()
    app = _app(tmp_path, f"redis://:hunter2secret@127.0.0.1:{port}/3")
    try:
        client = app.test_client()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json == {"status": "degraded", "database": "ok",
                                 "redis": "unreachable"}
        for secret in ("hunter2secret", str(port), "127.0.0.1", "sqlite", "postgres"):
            assert secret not in response.text
        # The rest of the site still works, limited in memory.
        assert client.get("/").status_code == 200
    finally:
        _empty_database(app)


def test_never_rate_limited(tmp_path):
    app = _app(tmp_path, "memory://")
    try:
        client = app.test_client()
        assert [client.get("/healthz").status_code for _ in range(30)] == [200] * 30
        token = client.csrf_token()
        logins = [client.post("/auth/login", data={"username": "x", "password": "y",
                                                   "csrf_token": token}).status_code
                  for _ in range(2)]
        assert logins == [422, 429]  # the limiter is on
    finally:
        _empty_database(app)
