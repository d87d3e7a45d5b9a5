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


@pytest.fixture
def server(app, tmp_path):
    """The base URL of a gunicorn with WORKERS workers; when it stops, its log
    must hold no traceback and no "database is locked"."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HRDEBATE_SECRET_KEY": "concurrency-test",
        "HRDEBATE_RATELIMIT_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", "2",
         "--graceful-timeout", "5", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "hrdebate:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stdout.read().decode())
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        process.send_signal(signal.SIGQUIT)  # quick shutdown: every answer has come
        try:
            output = process.communicate(timeout=30)[0].decode()
        except subprocess.TimeoutExpired:  # a worker that would not stop
            process.kill()
            output = process.communicate()[0].decode()
    for fault in FAULTS:
        assert fault not in output, output


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
