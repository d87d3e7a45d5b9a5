"""Attacks on the page cache (issue #14's first review): each test asserts
the safe behaviour the attack looked for; the findings (a gzipped fragment
with plain text after it, a hanging Redis, one account emptying everyone's
cache, a write outside a Session, Last-Modified telling of private
activity, gzip;q=0) are fixed."""

import gzip
from contextlib import contextmanager

import pytest

from tests.test_pagecache import EN, world  # noqa: F401  (a fixture)

FRAGMENT = {"HX-Request": "true", **EN}


@contextmanager
def other_app(tmp_path, **config):
    """An app of the test's own settings, on the test's database; its
    connections closed after (on PostgreSQL they would outlive the test)."""
    from hrdebate.extensions import db
    from tests.conftest import _prepare_schema, make_test_app

    app = make_test_app(tmp_path, **config)
    if "SQLALCHEMY_DATABASE_URI" not in config:
        _prepare_schema(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("cookie", [False, True], ids=["fast path", "app path"])
def test_gzip_fragment_is_a_valid_gzip_stream(app, world, cookie):
    """An htmx fragment of a public page, asked for with gzip: the cache
    gzips it in the view (pagecache._public) and then refresh_flashes (an
    after_request hook) appends the plain-HTML flash area to the gzip bytes."""
    client = app.test_client()
    if cookie:
        client.get("/auth/login")
    url = "/events/"
    for _ in range(2):
        response = client.get(url, headers={**FRAGMENT, "Accept-Encoding": "gzip"})
        assert response.status_code == 200
        if response.headers.get("Content-Encoding") == "gzip":
            gzip.decompress(response.data)  # raises on trailing plain text


def test_a_hanging_redis_does_not_hang_the_site(tmp_path):
    """Redis that accepts the connection and never answers (a full or
    frozen server, a half-open firewall): the page cache's client has no
    socket timeout (unlike the limiter's and the jobs' Redis), so every
    anonymous GET waits for ever; gunicorn then kills the worker (30 s)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    threading.Thread(target=lambda: [held.append(listener.accept()) for _ in range(16)],
                     daemon=True).start()
    port = listener.getsockname()[1]
    with other_app(tmp_path, CACHE_TYPE="RedisCache",
                   CACHE_REDIS_URL=f"redis://127.0.0.1:{port}/0") as app:
        result = {}

        def ask():
            result["status"] = app.test_client().get("/events/", headers=EN).status_code

        asker = threading.Thread(target=ask, daemon=True)
        asker.start()
        asker.join(10)
        assert result.get("status") == 200, "no answer within 10 s: the request hangs on Redis"
    listener.close()


def test_one_signed_in_person_cannot_empty_everyone_s_cache(app, world, auth, client):
    """Every write to any public table raises that table's number, and a
    whole page is kept under the numbers of EVERY public table. A signed-in
    person clicking the language switcher (users.locale), logging out (the
    session token) or anyone signing up writes ``users``: every kept page of
    the site is dropped. In a loop (no rate limit on the switcher) one
    account keeps the whole site uncached for the crowd the cache is for."""
    from tests.helpers import count_queries

    reader = app.test_client()
    url = f"/events/{world['debate'].id}"
    reader.get(url, headers=EN)
    auth.login("author")
    misses = 0
    for code in ("ky", "ru", "ky", "ru"):
        client.post_form(f"/language/{code}", {"next": "/"})
        with count_queries(app) as statements:
            reader.get(url, headers=EN)
        misses += len(statements) > 1
    assert misses == 0, f"{misses} of 4 anonymous reads re-rendered the page"


# -- what held (these pass) -------------------------------------------------------------------

def _signed_in_cookies(app, username):
    from tests.conftest import PASSWORD

    browser = app.test_client()
    browser.post_form("/auth/login", {"username": username, "password": PASSWORD,
                                      "remember": "y"})
    return {name: browser.get_cookie(name).value
            for name in ("hrdebate_session", "hrdebate_remember")}


@pytest.mark.parametrize("cookie_header", [
    "hrdebate_remember={remember}",
    "lang=en; hrdebate_session={session}",
    "hrdebate_session={session}; lang=en",
    'lang=en; hrdebate_session="{session}"',
])
def test_no_signed_in_page_reaches_a_cookieless_reader(app, world, cookie_header):
    cookies = _signed_in_cookies(app, "organiser")
    header = cookie_header.format(session=cookies["hrdebate_session"],
                                  remember=cookies["hrdebate_remember"])
    url = f"/clubs/{world['club'].slug}"
    person = app.test_client(use_cookies=False)
    for _ in range(2):
        page = person.get(url, headers={**EN, "Cookie": header})
        assert "/auth/logout" in page.text
    for headers in (EN, {**EN, "Cookie": "lang=en"}, {**EN, "Accept-Encoding": "gzip"}):
        other = app.test_client().get(url, headers=headers)
        assert b"/auth/logout" not in other.data and b"organiser" not in other.data.lower()


def test_forwarded_host_cannot_poison_with_or_without_proxy_fix(tmp_path, world):
    for proxies in (0, 1):
        with other_app(tmp_path, PROXY_COUNT=proxies) as app:
            evil = {**EN, "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
                    "X-Forwarded-Prefix": "/evil"}
            for _ in range(2):
                app.test_client().get("/events.atom", headers=evil)
                app.test_client().get("/", headers={**EN, "Host": "evil.example"})
            for path in ("/events.atom", "/"):
                clean = app.test_client().get(path, headers=EN)
                assert b"evil" not in clean.data
                assert "Strict-Transport-Security" not in clean.headers


def test_redis_refusing_and_database_down_on_the_fast_path(tmp_path):
    with other_app(tmp_path, CACHE_TYPE="RedisCache",
                   CACHE_REDIS_URL="redis://127.0.0.1:1/0") as app:
        assert app.test_client().get("/events/", headers=EN).status_code == 200
    with other_app(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql://nobody@127.0.0.1:1/x") as down:
        response = down.test_client().get("/events/", headers=EN)
        assert response.status_code == 503, response.status_code


def test_gzip_only_to_those_who_ask_and_304s(app, world):
    url = f"/events/{world['debate'].id}"
    for _ in range(2):
        plain = app.test_client().get(url, headers={**EN, "Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and b"<html" in plain.data
        only_br = app.test_client().get(url, headers={**EN, "Accept-Encoding": "br"})
        assert only_br.headers.get("Content-Encoding") in (None, "br")
    zipped = app.test_client().get(url, headers={**EN, "Accept-Encoding": "gzip"})
    assert gzip.decompress(zipped.data) == plain.data
    etag = zipped.headers["ETag"]
    # The gzip ETag is not the plain one's: no 304 across encodings.
    assert app.test_client().get(url, headers={**EN, "If-None-Match": etag}).status_code == 200
    assert app.test_client().get(url, headers={**EN, "Accept-Encoding": "gzip",
                                               "If-None-Match": etag}).status_code == 304
    both = {**EN, "If-None-Match": '"nope"', "If-Modified-Since": "Tue, 01 Dec 2099 00:00:00 GMT"}
    assert app.test_client().get(url, headers=both).status_code == 200


def test_language_switcher_get_keeps_to_the_site(client):
    for target in ("//evil.example", "/\\evil.example", "https:evil.example", "/%5Cevil.example",
                   "\t//evil.example", "/\x00/evil"):
        response = client.get("/language/en", query_string={"next": target})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), location


def test_gzip_refused_with_q0_is_not_sent(app, world):
    """Not the cache's: Flask-Compress's _choose_algorithm takes "gzip;q=0"
    (the client refuses gzip) as a wish for gzip, on every answer, cached or not."""
    url = f"/events/{world['debate'].id}"
    refused = app.test_client().get(url, headers={**EN, "Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_a_write_outside_the_session_is_seen_by_the_next_reader(app, world):
    """README: "An engine hook sees every INSERT, UPDATE and DELETE, from the
    ORM or not". It sees them, but only a Session's commit raises the
    numbers: a Core write (engine.begin(), a script, an Alembic data
    migration) leaves every kept page as it was for PAGE_CACHE_SECONDS, and
    its note stays on the pooled connection, to be raised by whichever
    transaction next commits there (or dropped by its rollback)."""
    from sqlalchemy import update

    from hrdebate.extensions import db
    from hrdebate.models import Comment

    url = f"/events/{world['debate'].id}"
    reader = app.test_client()
    assert "Toktogul 5" in reader.get(url, headers=EN).text
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(update(Comment).where(Comment.id == world["comment"].id)
                           .values(body="[removed]", body_html="<p>[removed]</p>"))
    assert "Toktogul 5" not in reader.get(url, headers=EN).text


def test_last_modified_does_not_tell_when_someone_acts_in_private(app, world, auth):
    """Last-Modified of every public page is the last write to ANY public
    table, to the second: a logout (users.session_token), a language choice,
    a flag, a comment held for pre-moderation, a registration all move it,
    though no public page changed. An observer polling /topics/ learns when
    private activity happens."""
    import time

    reader = app.test_client()
    before = reader.get("/topics/", headers=EN)
    auth.login("author")
    time.sleep(1.1)
    auth.logout()
    after = reader.get("/topics/", headers=EN)
    assert after.data == before.data
    assert "Last-Modified" not in after.headers and after.headers["ETag"] == before.headers["ETag"]
