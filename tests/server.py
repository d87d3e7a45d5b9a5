"""A real multi-worker server for concurrency tests: gunicorn on the test's
database (SQLite file or PostgreSQL), rate limits off, and a ``Browser`` per
person with their own cookies, like a phone. Used by test_concurrency.py,
test_concurrent_flags.py and test_double_submit.py."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

WORKERS = 4
ROOT = Path(__file__).resolve().parent.parent
# What must never reach a person, or the log.
FAULTS = ("Traceback", "database is locked", "IntegrityError", "UniqueViolation")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn with WORKERS workers on ``database_url``; its output is read
    as it comes, so that it can be checked after each test (``faults``)."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HRDEBATE_SECRET_KEY": "concurrency-test",
            "HRDEBATE_RATELIMIT_ENABLED": "false",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", "2",
             "--graceful-timeout", "5", "--bind", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "hrdebate:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self._lines: list[str] = []
        self._seen = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    self._reader.join(timeout=5)
                    pytest.fail(self.output())
                time.sleep(0.05)
        self.stop()
        pytest.fail("gunicorn did not start")

    def _read(self):
        for line in self.process.stdout:
            self._lines.append(line.decode(errors="replace"))

    def output(self) -> str:
        return "".join(self._lines)

    def new_output(self) -> str:
        """What it wrote since the last call."""
        lines = self._lines[self._seen:]
        self._seen += len(lines)
        return "".join(lines)

    def stop(self) -> str:
        """Stop it; everything it wrote."""
        self.process.send_signal(signal.SIGQUIT)  # quick shutdown: every answer has come
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a worker that would not stop
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        self.process.stdout.close()
        return self.output()


def assert_no_fault(output: str) -> None:
    for fault in FAULTS:
        assert fault not in output, output


@pytest.fixture
def server(app, tmp_path):
    """The base URL of a gunicorn with WORKERS workers; when it stops, its log
    must hold no traceback and no "database is locked". (A module whose tests
    may share one server: see shared_server below.)"""
    gunicorn = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        yield gunicorn.base
    finally:
        output = gunicorn.stop()
    assert_no_fault(output)


def shared_server():
    """Fixtures for a module whose tests share one gunicorn (starting one
    costs seconds, a test a fraction of that): ``app`` on one database for
    the module, emptied after each test as on PostgreSQL (ids start at 1
    again), and ``server`` on that database, whose log is checked after each
    test and when it stops. In the module:
    ``_module_database, _gunicorn, app, server = shared_server()``;
    its tests keep no state outside the database (a new ``Browser`` each)."""
    from tests.conftest import TEST_DATABASE_URL, _empty_database, _prepare_schema, make_test_app

    @pytest.fixture(scope="module")
    def _module_database(tmp_path_factory):
        """On SQLite one file for the module's tests; on PostgreSQL the session's."""
        if TEST_DATABASE_URL:
            return TEST_DATABASE_URL
        folder = tmp_path_factory.mktemp("shared-server")
        # Ready before the server opens it (module fixtures come first).
        _prepare_schema(make_test_app(folder))
        return f"sqlite:///{folder / 'test.sqlite'}"

    @pytest.fixture(scope="module")
    def _gunicorn(_module_database):
        gunicorn = Gunicorn(_module_database)
        try:
            yield gunicorn
        finally:
            output = gunicorn.stop()
        assert_no_fault(output)

    @pytest.fixture
    def app(tmp_path, _module_database):
        app = make_test_app(tmp_path, SQLALCHEMY_DATABASE_URI=_module_database)
        _prepare_schema(app)
        yield app
        _empty_database(app, sqlite_too=True)

    @pytest.fixture
    def server(app, _gunicorn):
        _gunicorn.new_output()  # what came before this test is not its own
        yield _gunicorn.base
        assert_no_fault(_gunicorn.new_output())

    return _module_database, _gunicorn, app, server


@dataclass(frozen=True)
class Answer:
    status: int
    location: str | None
    body: str


class Browser:
    """One person: their own cookies and connections, like a phone."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def send(self, path, data, headers=None) -> Answer:
        """POST ``data``; the answer as it came (redirects are not followed)."""
        request = urllib.request.Request(self.base + path, urllib.parse.urlencode(data).encode(),
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.headers.get("Location"),
                              response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers.get("Location"), error.read().decode())

    def post(self, path, data) -> int:
        return self.send(path, data).status

    def token(self, path) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)

    def login(self, username, password=PASSWORD) -> None:
        token = self.token("/auth/login")
        assert self.post("/auth/login", {"csrf_token": token, "username": username,
                                         "password": password}) == 302


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def at_once(calls) -> list:
    """Run every call in its own thread, released at the same instant by a
    barrier; their results in order."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i):
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
