"""Capacity holds when many people register at the same instant through a
real multi-worker server: 30 people, 5 seats, 4 gunicorn workers, separate
connections. Runs on SQLite and, with HRDEBATE_TEST_DATABASE_URL, PostgreSQL."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from hrdebate.extensions import db
from hrdebate.models import Registration
from tests.conftest import PASSWORD

PEOPLE, SEATS, WORKERS = 30, 5, 4
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HRDEBATE_SECRET_KEY": "concurrency-test",
        "HRDEBATE_RATELIMIT_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "hrdebate:create_app()"],
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
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert "Traceback" not in output, output


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

    def post(self, path, data) -> int:
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def token(self, path) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)).group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_thirty_at_once_for_five_seats(app, server, make_user, make_club, make_event):
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    event = make_event(club, capacity=SEATS)
    browsers = []
    for n in range(PEOPLE):
        make_user(f"person{n}")
        browser = Browser(server)
        token = browser.token("/auth/login")
        assert browser.post("/auth/login", {"csrf_token": token, "username": f"person{n}",
                                            "password": PASSWORD}) == 302
        browser.register_token = browser.token(f"/events/{event.id}")
        browsers.append(browser)

    start = threading.Barrier(PEOPLE)
    statuses = [None] * PEOPLE

    def register(i):
        start.wait()
        statuses[i] = browsers[i].post(f"/events/{event.id}/register",
                                       {"csrf_token": browsers[i].register_token})

    threads = [threading.Thread(target=register, args=(i,)) for i in range(PEOPLE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [302] * PEOPLE  # every one answered, no 5xx

    def counts():
        with app.app_context():
            rows = db.session.scalars(
                db.select(Registration.status).where(Registration.event_id == event.id)
            ).all()
        return {s: rows.count(s) for s in ("registered", "waitlisted", "cancelled")}

    assert counts() == {"registered": SEATS, "waitlisted": PEOPLE - SEATS, "cancelled": 0}

    # One cancellation brings the count back to five: the first in line moves up.
    with app.app_context():
        first_waiting = db.session.scalar(
            db.select(Registration.user_id)
            .where(Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.registered_at, Registration.id).limit(1)
        )
        seated = db.session.scalar(
            db.select(Registration.user_id)
            .where(Registration.event_id == event.id, Registration.status == "registered")
            .limit(1)
        )
    leaver = next(b for i, b in enumerate(browsers) if f"person{i}" == _username(app, seated))
    assert leaver.post(f"/events/{event.id}/unregister",
                       {"csrf_token": leaver.register_token}) == 302
    assert counts() == {"registered": SEATS, "waitlisted": PEOPLE - SEATS - 1, "cancelled": 1}
    with app.app_context():
        assert db.session.scalar(
            db.select(Registration.status).where(Registration.user_id == first_waiting)
        ) == "registered"


def _username(app, user_id):
    from hrdebate.models import User

    with app.app_context():
        return db.session.get(User, user_id).username
