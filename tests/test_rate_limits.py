"""Rate limits (hrdebate/ratelimits.py): signed-in actions count per account,
anonymous ones per address with room for a hall of 300 on one Wi-Fi, failed
logins per username tried whatever the address; X-Forwarded-For only behind
the configured proxies; the answer at a limit keeps what was typed and says
how long to wait; a Redis that is down degrades to memory; several workers
on memory:// are warned about. In memory and, with HRDEBATE_TEST_REDIS_URL,
in Redis."""

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from hrdebate import ratelimits
from hrdebate.errors import MESSAGES
from hrdebate.extensions import db
from hrdebate.models import Comment, Event, Registration, User, Vote
from tests.conftest import PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows

REDIS = os.environ.get("HRDEBATE_TEST_REDIS_URL")
STORAGES = ["memory://"] + ([REDIS] if REDIS else [])
ROOT = Path(__file__).resolve().parent.parent


def _app(tmp_path, storage="memory://", **limits):
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", **limits)
    _prepare_schema(app)
    return app


@pytest.fixture(params=STORAGES)
def storage(request):
    return request.param


@pytest.fixture
def limited(tmp_path, storage):
    """An app whose limits allow two requests a minute, on the given storage."""
    two = "2 per minute"
    app = _app(tmp_path, storage, RATELIMIT_VOTE=two, RATELIMIT_COMMENT=two,
               RATELIMIT_FLAG=two, RATELIMIT_SIGNUP=two, RATELIMIT_LOGIN=two,
               RATELIMIT_REGISTER=two, RATELIMIT_CHECKIN=two)
    yield app
    _empty_database(app)


@pytest.fixture
def production_limits(tmp_path, storage):
    """An app with the limits as configured for production."""
    app = _app(tmp_path, storage)
    yield app
    _empty_database(app)


def _setup(app, starts_in=timedelta(days=2)):
    """Aida, who will hit the limits, and an event with Bek's comment on it."""
    rows = Rows(app)
    rows.user("aida")
    club = rows.club(slug="c", club_type="ngo", city="Osh", region="osh_city")
    event = rows.event(club, starts_in=starts_in)
    comment = rows.comment(event, rows.user("bek"), body="x")
    return event.id, comment.id


def _login(app, username="aida"):
    client = app.test_client()
    client.set_cookie("lang", "ru")
    client.post_form("/auth/login", {"username": username, "password": PASSWORD})
    return client


def _ru(app, text):
    with app.test_request_context("/?lang=ru"):
        return str(text)


def _flash_errors(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-error"[^>]*>(.*?)</p>', page, re.S)


def _expect_429(app, client, url, data):
    """A form whose page comes back at the limit: 429, the page, the text."""
    statuses = [client.post_form(url, data).status_code for _ in range(3)]
    assert statuses[-1] == 429, statuses
    page = client.post_form(url, data)
    assert page.status_code == 429 and "<html" in page.text
    fragment = client.post_form(url, data, headers={"HX-Request": "true"})
    assert fragment.status_code == 429 and "<html" not in fragment.text
    # htmx: the sentence goes to the message area; the form keeps its text.
    assert fragment.headers["HX-Retarget"] == "#flashes"
    return page, fragment


def _expect_back(app, client, url, data, back):
    """Any other form at the limit goes back to the page it was sent from
    (303, like a refusal), where the sentence is shown: no dead end. So does
    a boosted form (htmx follows the redirect and shows that page)."""
    referer = {"Referer": f"http://localhost{back}"}
    statuses = [client.post_form(url, data, headers=referer).status_code for _ in range(3)]
    assert statuses[-1] == 303, statuses
    for extra in ({}, {"HX-Request": "true", "HX-Boosted": "true"}):
        token = client.csrf_token()
        answer = client.post(url, data={**data, "csrf_token": token},
                             headers={**referer, **extra})
        assert answer.status_code == 303, extra
        assert answer.headers["Location"] == back
        page = client.get(back)
        assert page.status_code == 200
        with app.test_request_context("/?lang=ru"):
            waits = [str(ratelimits.wait_message(s)) for s in range(1, 61)]
        assert any(w in _flash_errors(page.text) for w in waits), _flash_errors(page.text)
    fragment = client.post_form(url, data, headers={**referer, "HX-Request": "true"})
    assert fragment.status_code == 429 and fragment.headers["HX-Retarget"] == "#flashes"
    return page


# -- each limit answers 429, translated, with how long to wait -------------------

def test_votes(limited):
    event_id, _comment_id = _setup(limited)
    _expect_back(limited, _login(limited), f"/events/{event_id}/vote",
                 {"phase": "before", "choice": "for"}, f"/events/{event_id}")


def test_flags(limited):
    event_id, comment_id = _setup(limited)
    _expect_back(limited, _login(limited), f"/comments/{comment_id}/flag",
                 {"reason": "spam", "note": ""}, f"/comments/{comment_id}/flag")


def test_register_and_unregister(limited):
    event_id, _comment_id = _setup(limited)
    client = _login(limited)
    _expect_back(limited, client, f"/events/{event_id}/register", {}, f"/events/{event_id}")
    _expect_back(limited, client, f"/events/{event_id}/unregister", {},
                 f"/events/{event_id}")


def test_a_get_over_a_limit_gets_the_error_page_in_plain_words(limited):
    with limited.test_request_context("/?lang=en"):
        assert str(MESSAGES[429][0]) == "Please wait a little"


def test_self_check_in_at_the_limit_keeps_the_code(limited):
    # Self check-in is offered while its window is open (from an hour before the start).
    event_id, _comment_id = _setup(limited, starts_in=timedelta(minutes=30))
    client = _login(limited)
    client.post_form(f"/events/{event_id}/register")
    url = f"/events/{event_id}/checkin"
    page, fragment = _expect_429(limited, client, url, {"code": "QX7KP2"})
    # The check-in page again, the code as typed, and how long to wait.
    assert 'value="QX7KP2"' in page.text and f'action="{url}"' in page.text
    assert _flash_errors(page.text)


def test_a_comment_at_the_limit_keeps_its_text(limited):
    event_id, _comment_id = _setup(limited)
    client = _login(limited)
    for n in range(2):
        assert client.post_form(f"/events/{event_id}/comments",
                                {"body": f"Comment {n}"}).status_code == 302
    page, fragment = _expect_429(limited, client, f"/events/{event_id}/comments",
                                 {"body": "My long careful argument"})
    # The event page again, the comment form holding the text, and why; the
    # browser lands on the text (autofocus scrolls to it, also without JS).
    assert "My long careful argument</textarea>" in page.text
    textarea = re.search(r"<textarea[^>]*>", page.text).group(0)
    assert "autofocus" in textarea and page.text.count("autofocus") == 1
    with limited.test_request_context("/?lang=ru"):
        waits = [ratelimits.wait_message(s) for s in range(1, 61)]
    assert any(w in page.text for w in waits)
    assert any(w in fragment.text for w in waits)


def test_sign_up_at_the_limit_keeps_what_was_typed(limited):
    client = limited.test_client()
    client.set_cookie("lang", "ru")
    data = {"username": "newcomer", "display_name": "New Comer", "email": "n@example.org",
            "password": "secret password one", "confirm": "different"}
    page, _ = _expect_429(limited, client, "/auth/register", data)
    assert 'value="newcomer"' in page.text and 'value="New Comer"' in page.text
    assert "secret password one" not in page.text
    assert _flash_errors(page.text)


def test_login_at_the_address_limit_keeps_the_username(limited):
    client = limited.test_client()
    client.set_cookie("lang", "ru")
    data = {"username": "someone", "password": "secret password one"}
    page, _ = _expect_429(limited, client, "/auth/login", data)
    assert 'value="someone"' in page.text and "secret password one" not in page.text
    with limited.test_request_context("/?lang=ru"):
        waits = [ratelimits.attempts_message(s) for s in range(1, 61)]
    assert any(w in page.text for w in waits)


def test_wait_message_counts_seconds_then_minutes(app):
    with app.test_request_context("/?lang=en"):
        assert ratelimits.wait_message(1) == (
            "You are sending too quickly. Please send again in 1 second.")
        assert ratelimits.wait_message(61) == (
            "You are sending too quickly. Please send again in 2 minutes.")
        # the login form keeps its own words: attempts
        assert ratelimits.attempts_message(61) == (
            "Too many attempts. Please wait 2 minutes and try again.")
    with app.test_request_context("/?lang=ru"):
        assert "too quickly" not in ratelimits.wait_message(61)


# -- a hall of 300 on one address --------------------------------------------------

HALL = 300


def test_a_hall_of_300_on_one_address_all_get_through(production_limits):
    """300 people on the venue's Wi-Fi (one address), within a minute: each
    logs in, registers, checks in, votes and comments. Before, the 11th login,
    the 21st vote and the 11th check-in from the address got a 429."""
    app = production_limits
    rows = Rows(app)
    club = rows.club(slug="hall", club_type="ngo", city="Osh", region="osh_city")
    event = rows.event(club, starts_in=timedelta(minutes=30), voting_state="before_open")
    with app.app_context():
        code = db.session.get(Event, event.id).checkin_code
        first = User(username="p0", display_name="P 0")
        first.set_password(PASSWORD)
        db.session.add_all([first] + [
            User(username=f"p{n}", display_name=f"P {n}", password_hash=first.password_hash)
            for n in range(1, HALL)])
        db.session.commit()
    base = f"/events/{event.id}"
    statuses = set()
    for n in range(HALL):
        person = app.test_client()  # every one from 127.0.0.1
        token = person.csrf_token()
        login = person.post("/auth/login", data={"username": f"P{n}", "password": PASSWORD,
                                                 "csrf_token": token})
        assert login.status_code == 302, (n, login.status_code)
        token = person.csrf_token()
        for url, data in ((f"{base}/register", {}), (f"{base}/checkin", {"code": code}),
                          (f"{base}/vote", {"phase": "before", "choice": "for"}),
                          (f"{base}/comments", {"body": f"Well argued, from {n}"})):
            response = person.post(url, data={**data, "csrf_token": token})
            statuses.add((url.rsplit("/", 1)[1], response.status_code))
    assert statuses == {("register", 302), ("checkin", 302), ("vote", 302),
                        ("comments", 302)}
    with app.app_context():
        for model in (Registration, Vote, Comment):
            assert db.session.query(model).filter_by(event_id=event.id).count() == HALL
        assert db.session.query(Registration).filter(
            Registration.checked_in_at.is_not(None)).count() == HALL
    # One account is still limited: the 21st vote in a minute is refused.
    last = person.post(f"{base}/vote", data={"phase": "before", "choice": "against",
                                             "csrf_token": token})
    votes = [person.post(f"{base}/vote", data={"phase": "before", "choice": "for",
                                               "csrf_token": token}).status_code
             for _ in range(20)]
    assert last.status_code == 302 and votes[-1] == 303 and 302 in votes  # 303: back, at the limit


# -- per-target login limit ------------------------------------------------------

def _target_app(tmp_path, storage, **config):
    config.setdefault("RATELIMIT_LOGIN_TARGET", "10 per 15 minutes")
    return _app(tmp_path, storage, **config)


def _attempt(client, username, password, **kwargs):
    return client.post_form("/auth/login", {"username": username, "password": password},
                            **kwargs)


def test_guessing_one_account_from_40_forwarded_addresses_stops_at_10(tmp_path, storage):
    """Behind a proxy (PROXY_COUNT=1) each X-Forwarded-For is an address of its
    own; the guesses for one username are still counted together."""
    app = _target_app(tmp_path, storage, PROXY_COUNT=1)
    try:
        Rows(app).user("aida")
        statuses = []
        for n in range(40):
            client = app.test_client()
            client.set_cookie("lang", "ru")
            forwarded = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
            statuses.append(_attempt(client, "Aida", f"guess {n}", headers=forwarded).status_code)
        assert statuses == [422] * 10 + [429] * 30
        # Even the right password waits for the window to end...
        right = _attempt(client, " aida ", PASSWORD, headers={"X-Forwarded-For": "203.0.113.9"})
        assert right.status_code == 429
        message = _flash_errors(right.text)
        assert message and "Too many" not in message[0]  # translated
        with app.test_request_context("/?lang=ru"):
            assert message[0] == str(ratelimits.login_target_message()) or "15" in message[0]
        # ...while another account, from the same addresses, is not affected.
        Rows(app).user("bek")
        other = _attempt(client, "bek", PASSWORD, headers={"X-Forwarded-For": "198.51.100.1"})
        assert other.status_code == 302
    finally:
        _empty_database(app)


def test_guessing_from_40_real_addresses_stops_at_10(tmp_path, storage):
    app = _target_app(tmp_path, storage)
    try:
        Rows(app).user("aida")
        statuses = []
        for n in range(40):
            client = app.test_client()
            address = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
            client.environ_base.update(address)
            statuses.append(_attempt(client, "aida", f"guess {n}").status_code)
        assert statuses == [422] * 10 + [429] * 30
    finally:
        _empty_database(app)


def test_only_failures_count(tmp_path, storage):
    app = _target_app(tmp_path, storage, RATELIMIT_LOGIN_TARGET="3 per 15 minutes")
    try:
        Rows(app).user("aida")
        for _ in range(5):  # five good logins: none counted
            client = app.test_client()
            assert _attempt(client, "aida", PASSWORD).status_code == 302
        client = app.test_client()
        statuses = [_attempt(client, "aida", "wrong").status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
    finally:
        _empty_database(app)


def test_the_limit_tells_nothing_about_whether_the_account_exists(tmp_path, storage):
    app = _target_app(tmp_path, storage)
    try:
        Rows(app).user("aida")
        answers = {}
        for username in ("aida", "nobody-has-this-name"):
            client = app.test_client()
            client.set_cookie("lang", "ru")
            before = [_attempt(client, username, "wrong") for _ in range(10)]
            at_limit = _attempt(client, username, "wrong")
            answers[username] = (
                [r.status_code for r in before], _flash_errors(before[-1].text),
                at_limit.status_code, _flash_errors(at_limit.text),
                # the page, but for the session's CSRF token and the name typed
                re.sub(r"[\w.-]{40,}", "TOKEN", at_limit.text).replace(username, "NAME"),
            )
        assert answers["aida"] == answers["nobody-has-this-name"]
        assert answers["aida"][2] == 429
    finally:
        _empty_database(app)


# -- device cookies: guessing does not lock the owner out ---------------------------

def _device_cookie(client):
    cookie = client.get_cookie(ratelimits.DEVICE_COOKIE)
    return cookie.value if cookie else None


def _exhaust(app, username, n=12):
    """An attacker: wrong passwords from as many addresses, no cookies."""
    statuses = []
    for i in range(n):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{i + 1}"
        statuses.append(_attempt(client, username, f"guess {i}").status_code)
    assert statuses[-1] == 429, statuses
    return statuses


def test_guessing_does_not_lock_the_owner_out_of_a_known_device(tmp_path, storage):
    """The organiser logged in on her phone last week; a student exhausts the
    limit for her username just before check-in. Her phone logs in at once
    with the right password; a new device still waits."""
    app = _target_app(tmp_path, storage)
    try:
        Rows(app).user("aida")
        phone = app.test_client()
        assert _attempt(phone, "aida", PASSWORD).status_code == 302
        assert _device_cookie(phone)
        phone.post_form("/auth/logout")  # the device cookie is no session: it stays
        assert _device_cookie(phone) and phone.get("/account/").status_code == 302
        _exhaust(app, "aida")
        assert _attempt(phone, " Aida", PASSWORD).status_code == 302
        assert phone.get("/account/").status_code == 200
        new_device = app.test_client()
        assert _attempt(new_device, "aida", PASSWORD).status_code == 429
    finally:
        _empty_database(app)


def test_a_forged_or_tampered_device_cookie_is_an_unknown_device(tmp_path, storage):
    from itsdangerous import URLSafeSerializer

    app = _target_app(tmp_path, storage)
    try:
        Rows(app).user("aida")
        phone = app.test_client()
        assert _attempt(phone, "aida", PASSWORD).status_code == 302
        genuine = _device_cookie(phone)
        _exhaust(app, "aida")
        with app.app_context():
            target = ratelimits.login_target("aida")
        forged = URLSafeSerializer("not the secret", salt="known-device").dumps(
            {"id": "x", "targets": [target]})
        payload, _dot, signature = genuine.rpartition(".")
        tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
        for value in (forged, tampered, "garbage", genuine + "x"):
            client = app.test_client()
            client.set_cookie(ratelimits.DEVICE_COOKIE, value)
            assert _attempt(client, "aida", PASSWORD).status_code == 429, value
        # A genuine cookie of another account's login does not help either.
        Rows(app).user("bek")
        other = app.test_client()
        assert _attempt(other, "bek", PASSWORD).status_code == 302
        assert _attempt(other, "aida", PASSWORD).status_code == 429
    finally:
        _empty_database(app)


def test_failures_on_a_known_device_count_on_its_own(tmp_path, storage):
    app = _target_app(tmp_path, storage, RATELIMIT_LOGIN_TARGET="3 per 15 minutes")
    try:
        Rows(app).user("aida")
        phone = app.test_client()
        assert _attempt(phone, "aida", PASSWORD).status_code == 302
        phone.post_form("/auth/logout")
        statuses = [_attempt(phone, "aida", "wrong").status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        assert _attempt(phone, "aida", PASSWORD).status_code == 429
        # ...and they did not use up the other devices' bucket.
        assert _attempt(app.test_client(), "aida", PASSWORD).status_code == 302
    finally:
        _empty_database(app)


def test_the_device_cookie_holds_hashes_only(tmp_path):
    app = _target_app(tmp_path, "memory://")
    try:
        rows = Rows(app)
        names = [f"person{n}" for n in range(7)]
        for name in names:
            rows.user(name)
        client = app.test_client()
        for name in names:
            assert _attempt(client, name, PASSWORD).status_code == 302
            client.post_form("/auth/logout")
        header = next(c for c in client.post_form(
            "/auth/login", {"username": names[-1], "password": PASSWORD}
        ).headers.getlist("Set-Cookie") if c.startswith(ratelimits.DEVICE_COOKIE + "="))
        assert "HttpOnly" in header and "SameSite=Lax" in header
        assert "Max-Age=31536000" in header
        with app.test_request_context(headers={"Cookie": header.split(";")[0]}):
            device = ratelimits.known_device()
            targets = [ratelimits.login_target(n) for n in names]
        assert device["targets"] == targets[-ratelimits.DEVICE_ACCOUNTS:]
        assert not any(name in header for name in names)
        # The same device id throughout.
        assert len({device["id"]}) == 1 and device["id"]
    finally:
        _empty_database(app)


def test_the_login_target_message_says_known_devices_still_work(app):
    with app.test_request_context("/?lang=en"):
        message = ratelimits.login_target_message()
    assert "new devices" in message and "logged in before" in message


# -- X-Forwarded-For only behind configured proxies --------------------------------

def test_forged_forwarded_for_does_not_help_without_a_proxy(tmp_path):
    app = _app(tmp_path, RATELIMIT_LOGIN="3 per minute")
    try:
        statuses = [
            _attempt(app.test_client(), f"user{n}", "wrong",
                     headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}).status_code
            for n in range(6)]
        assert statuses == [422, 422, 422, 429, 429, 429]
    finally:
        _empty_database(app)


def test_forwarded_for_is_the_address_behind_the_configured_proxy(tmp_path):
    app = _app(tmp_path, RATELIMIT_LOGIN="3 per minute", PROXY_COUNT=1)
    try:
        statuses = [
            _attempt(app.test_client(), f"user{n}", "wrong",
                     headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}).status_code
            for n in range(6)]
        assert statuses == [422] * 6
        same = [_attempt(app.test_client(), f"other{n}", "wrong",
                         headers={"X-Forwarded-For": "203.0.113.7"}).status_code
                for n in range(4)]
        assert same == [422, 422, 422, 429]
    finally:
        _empty_database(app)


# -- Redis down --------------------------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_down_degrades_to_memory_with_a_warning(tmp_path, caplog, capsys):
    app = _app(tmp_path, f"redis://127.0.0.1:{_closed_port()}/0",
               RATELIMIT_VOTE="2 per minute")
    try:
        event_id, _comment_id = _setup(app)
        with caplog.at_level(logging.WARNING):
            client = _login(app)
            assert client.get("/").status_code == 200
            statuses = [client.post_form(f"/events/{event_id}/vote",
                                         {"phase": "before", "choice": "for"}).status_code
                        for _ in range(3)]
        assert statuses == [302, 302, 303]  # the third at the limit: back, with why
        assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
        # ...and it reaches the server's error log, as the app's own warnings do.
        assert "falling back to in-memory" in capsys.readouterr().err
    finally:
        _empty_database(app)


# -- several workers on memory:// ------------------------------------------------------

def test_worker_count_from_the_command_line_and_environment():
    count = ratelimits.worker_count
    assert count(["gunicorn", "-w", "4", "app"], {}) == 4
    assert count(["gunicorn", "--workers", "3"], {}) == 3
    assert count(["gunicorn", "--workers=2"], {}) == 2
    assert count(["gunicorn", "-w5"], {}) == 5
    assert count(["gunicorn"], {"WEB_CONCURRENCY": "6"}) == 6
    assert count(["flask", "run"], {}) == 1


def _gunicorn_log(app, workers, storage, config_file=None):
    """Start gunicorn (workers given on the command line, or in a
    configuration file), wait until it serves, stop it; its log."""
    port = _closed_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "HRDEBATE_SECRET_KEY": "worker-test", "HRDEBATE_RATELIMIT_STORAGE_URI": storage}
    env.pop("WEB_CONCURRENCY", None)
    if config_file:
        config_file.write_text(f"workers = {workers}\n")
        how = ["--config", str(config_file)]
    else:
        how = ["--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *how, "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "hrdebate:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert "Traceback" not in output, output
    return output


def test_two_workers_on_memory_storage_are_warned_about(app, tmp_path):
    assert "RATE LIMITS ARE NOT SHARED" in _gunicorn_log(app, 2, "memory://")
    # Workers set in gunicorn's configuration file, not on the command line:
    # read from the arbiter.
    log = _gunicorn_log(app, 2, "memory://", config_file=tmp_path / "gunicorn.conf.py")
    assert "RATE LIMITS ARE NOT SHARED: 2 workers" in log


def test_one_worker_or_redis_is_not_warned_about(app):
    assert "RATE LIMITS ARE NOT SHARED" not in _gunicorn_log(app, 1, "memory://")
    if REDIS:
        assert "RATE LIMITS ARE NOT SHARED" not in _gunicorn_log(app, 2, REDIS)


# -- the message area after a 429 (htmx) -------------------------------------------

OOB = re.compile(r'<div id="flashes"[^>]*data-hx-swap-oob="innerHTML"[^>]*>(.*?)</div>', re.S)


def test_a_success_after_an_htmx_429_clears_the_wait_message(limited):
    """The htmx 429 puts "please wait" in #flashes; the next successful htmx
    answer carries the message area out of band, with its own message or
    empty, so it goes away."""
    event_id, _comment_id = _setup(limited)
    client = _login(limited)
    htmx = {"HX-Request": "true"}
    vote = {"phase": "before", "choice": "for"}
    answers = [client.post_form(f"/events/{event_id}/vote", vote, headers=htmx)
               for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    for ok in answers[:2]:
        area = OOB.findall(ok.text)
        # What the vote did (a live region says it), in place of what was there.
        assert len(area) == 1 and area[0].count('class="flash flash-success"') == 1
    assert not OOB.search(answers[2].text)  # the 429 fills the area itself
    # A later success (here: another htmx request that succeeds) clears it.
    thread = client.get(f"/events/{event_id}/comments", headers=htmx)
    assert thread.status_code == 200 and len(OOB.findall(thread.text)) == 1
    # Whole pages and the page's own polling do not carry it.
    assert not OOB.search(client.get(f"/events/{event_id}").text)
    tally = client.get(f"/events/{event_id}/tally", headers=htmx)
    assert not OOB.search(tally.text)


def test_the_oob_message_area_holds_what_was_flashed_meanwhile(limited):
    event_id, _comment_id = _setup(limited)
    client = _login(limited)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Something to say")]
    thread = client.get(f"/events/{event_id}/comments", headers={"HX-Request": "true"})
    area = OOB.findall(thread.text)
    assert len(area) == 1 and '<p class="flash flash-info">Something to say</p>' in area[0]


def test_a_comment_sent_back_with_an_error_lands_on_the_form(limited):
    event_id, _comment_id = _setup(limited)
    client = _login(limited)
    assert "autofocus" not in client.get(f"/events/{event_id}").text
    page = client.post_form(f"/events/{event_id}/comments", {"body": ""})
    assert page.status_code == 422
    textarea = re.search(r"<textarea[^>]*>", page.text).group(0)
    assert "autofocus" in textarea and page.text.count("autofocus") == 1
