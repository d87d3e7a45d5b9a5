"""The page cache (hrdebate/pagecache.py), tested the way it can break: a
write followed by a read (a moderator hides a comment while the page is
kept), a person's page reaching someone else, a flash message kept for
everyone, two workers each with its own memory, a cache that does not
answer."""

import os
import re
import urllib.request

import pytest
from sqlalchemy import select, update

from hrdebate import pagecache
from hrdebate.extensions import db
from hrdebate.models import Comment, Notification, NotificationKind, PageGeneration
from tests.conftest import PASSWORD
from tests.helpers import count_queries
from tests.server import server  # noqa: F401  (a fixture)

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(make_user, make_club, make_event, make_comment):
    organiser = make_user("organiser")
    moderator = make_user("sitemod", site_role="moderator")
    author = make_user("author")
    club = make_club(owner=organiser, slug="osh-club")
    debate = make_event(club, title="Motion on assembly", kind="debate")
    moot = make_event(club, title="Moot on speech", kind="moot_court")
    project = make_event(club, title="Ramps for the school", kind="civic_project")
    comment = make_comment(debate, author, body="Her home address is Toktogul 5")
    return {"organiser": organiser, "moderator": moderator, "author": author, "club": club,
            "debate": debate, "moot": moot, "project": project, "comment": comment}


def _kept(app, client, url, headers=EN):
    """The page twice; the second is answered from the cache: it costs only
    the read of the generations, and is the same page."""
    first = client.get(url, headers=headers)
    assert first.status_code == 200, url
    with count_queries(app) as statements:
        second = client.get(url, headers=headers)
    assert second.status_code == 200 and second.data == first.data, url
    return len(statements)


def test_every_public_page_is_kept_for_anonymous_readers(app, client, world):
    debate, club = world["debate"], world["club"]
    urls = ["/", "/events/", "/events/?kind=debate&when=all", f"/events/{debate.id}",
            f"/events/{world['moot'].id}", f"/events/{world['project'].id}", "/clubs/",
            f"/clubs/{club.slug}", "/topics/", "/events.ics", "/events.atom",
            f"/clubs/{club.slug}/events.ics", f"/events/{debate.id}.ics"]
    for url in urls:
        assert _kept(app, client, url) == 1, url
        response = client.get(url, headers=EN)
        assert "csrf" not in response.text.lower(), url
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=5", url


def test_a_moderator_hiding_a_comment_is_seen_by_the_next_reader(app, client, world):
    debate, comment = world["debate"], world["comment"]
    url = f"/events/{debate.id}"
    fragment = {"HX-Request": "true", **EN}
    assert "Toktogul 5" in client.get(url, headers=EN).text
    assert "Toktogul 5" in client.get(url, headers=fragment).text

    moderator = app.test_client()
    moderator.post_form("/auth/login", {"username": "sitemod", "password": PASSWORD})
    response = moderator.post_form(f"/moderation/comments/{comment.id}",
                                   {"action": "hide", "reason": "privacy"})
    assert response.status_code == 302

    for headers in (EN, fragment):
        assert "Toktogul 5" not in client.get(url, headers=headers).text
    assert "Toktogul 5" not in client.get("/", headers=EN).text


def test_a_new_comment_and_an_edited_event_are_seen_at_once(app, client, world):
    debate = world["debate"]
    for url in ("/", "/events/", f"/events/{debate.id}"):
        assert "Motion on assembly" in client.get(url, headers=EN).text
    author = app.test_client()
    author.post_form("/auth/login", {"username": "author", "password": PASSWORD})
    response = author.post_form(f"/events/{debate.id}/comments",
                                {"body": "Assembly is a right", "stance": "for"})
    assert response.status_code in (302, 303), response.status_code
    assert "Assembly is a right" in client.get(f"/events/{debate.id}", headers=EN).text

    with app.app_context():
        db.session.execute(update(type(debate)).where(type(debate).id == debate.id)
                           .values(title="Motion on peaceful assembly"))
        db.session.commit()
    for url in ("/", "/events/", f"/events/{debate.id}", "/events.ics"):
        assert "Motion on peaceful assembly" in client.get(url, headers=EN).text, url


def test_a_write_to_a_private_table_keeps_the_pages(app, client, world):
    url = f"/events/{world['debate'].id}"
    client.get(url, headers=EN)
    with app.app_context():
        db.session.add(Notification(user_id=world["author"].id, kind=NotificationKind.values()[0],
                                    event_id=world["debate"].id))
        db.session.commit()
    with count_queries(app) as statements:
        client.get(url, headers=EN)
    assert len(statements) == 1  # still kept: nothing public changed


def test_each_write_raises_the_numbers_of_what_it_wrote_in_its_own_transaction(app, world):
    with app.app_context():
        before = dict(db.session.execute(select(PageGeneration.table, PageGeneration.number)).all())
        db.session.execute(update(Comment).where(Comment.id == world["comment"].id)
                           .values(body="edited"))
        db.session.rollback()  # undone: nothing changed, nothing raised
        db.session.execute(update(Comment).where(Comment.id == world["comment"].id)
                           .values(body="edited"))
        db.session.commit()
        after = dict(db.session.execute(select(PageGeneration.table, PageGeneration.number)).all())
    assert after["comments"] == before["comments"] + 1
    assert {name: n for name, n in after.items() if name != "comments"} == \
        {name: n for name, n in before.items() if name != "comments"}


def test_a_signed_in_page_is_never_stored_nor_served_from_the_cache(app, client, world, auth):
    url = f"/events/{world['debate'].id}"
    anonymous = client.get(url, headers=EN).text
    assert "Log out" not in anonymous
    auth.login("organiser")
    mine = client.get(url, headers=EN)
    assert "Log out" in mine.text and "/edit" in mine.text
    assert mine.headers["Cache-Control"] == "private, no-store"
    someone = app.test_client()
    theirs = someone.get(url, headers=EN).text
    assert "Log out" not in theirs and f"/events/{world['debate'].id}/edit" not in theirs
    assert theirs == anonymous


def test_a_flash_message_is_shown_once_to_its_reader_and_kept_for_nobody(app, client, world, auth):
    client.set_cookie("lang", "en")
    auth.login("author")
    auth.logout()
    shown = client.get("/", headers=EN)
    assert "logged out" in shown.text.lower()
    assert "public" not in shown.headers["Cache-Control"]
    assert "logged out" not in client.get("/", headers=EN).text.lower()
    assert "logged out" not in app.test_client().get("/", headers=EN).text.lower()


def test_the_language_and_htmx_choose_the_page(app, client, world):
    url = f"/events/{world['debate'].id}"
    english = client.get(url, headers=EN).text
    russian = client.get(url, headers={"Accept-Language": "ru"}).text
    assert 'lang="en"' in english and 'lang="ru"' in russian
    client.set_cookie("lang", "ky")
    assert 'lang="ky"' in client.get(url, headers=EN).text
    part = client.get("/events/", headers={"HX-Request": "true", **EN}).text
    assert "<html" not in part and "<html" in client.get("/events/", headers=EN).text


def test_a_browser_that_has_the_page_gets_304_until_it_changes(app, client, world):
    url = f"/events/{world['debate'].id}"
    first = client.get(url, headers=EN)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag, **EN}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified, **EN}).status_code == 304
    with app.app_context():
        db.session.execute(update(Comment).values(body_html="<p>changed</p>"))
        db.session.commit()
    again = client.get(url, headers={"If-None-Match": etag, **EN})
    assert again.status_code == 200 and "changed" in again.text


def test_anonymous_readers_switch_language_without_a_token(app, client, world, auth):
    page = client.get("/events/", headers=EN).text
    switcher = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    assert 'method="get"' in switcher and "csrf" not in switcher
    response = client.get("/language/ky?next=/events/")
    assert response.status_code == 302 and response.headers["Location"] == "/events/"
    assert 'lang="ky"' in client.get("/events/").text
    auth.login("author")
    switcher = re.search(r'<nav class="languages".*?</nav>',
                         client.get("/events/").text, re.S).group(0)
    assert 'method="post"' in switcher and 'name="csrf_token"' in switcher


def test_a_fragment_is_rendered_again_after_a_write_to_what_it_reads(app, world):
    renders = []

    def render():
        renders.append(1)
        return f"<p>{len(renders)}</p>"

    with app.test_request_context("/", headers=EN):
        assert pagecache.fragment("t", (1,), ["comments"], render) == "<p>1</p>"
    with app.test_request_context("/", headers=EN):
        assert pagecache.fragment("t", (1,), ["comments"], render) == "<p>1</p>"
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert pagecache.fragment("t", (1,), ["comments"], render) == "<p>2</p>"
    with app.app_context():
        db.session.execute(update(Comment).values(body="x"))
        db.session.commit()
    with app.test_request_context("/", headers=EN):
        assert pagecache.fragment("t", (1,), ["comments"], render) == "<p>3</p>"


def test_two_workers_each_with_its_own_memory_show_a_hidden_comment_to_nobody(
        app, server, world):  # noqa: F811
    url = f"{server}/events/{world['debate'].id}"

    def read() -> str:
        request = urllib.request.Request(url, headers=EN)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode()

    for _ in range(12):  # every worker keeps the page
        assert "Toktogul 5" in read()
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == world["comment"].id)
                           .values(status="hidden"))
        db.session.commit()
    for _ in range(12):
        assert "Toktogul 5" not in read()


@pytest.mark.skipif(not os.environ.get("HRDEBATE_TEST_REDIS_URL"),
                    reason="needs Redis (HRDEBATE_TEST_REDIS_URL); .ci/run sets it")
def test_redis_keeps_pages_for_every_worker(tmp_path, world, app):
    from tests.conftest import make_test_app
    shared = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": os.environ["HRDEBATE_TEST_REDIS_URL"],
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    one, two = make_test_app(tmp_path, **shared), make_test_app(tmp_path, **shared)
    with one.app_context():
        from hrdebate.extensions import cache
        cache.clear()
    url = f"/events/{world['debate'].id}"
    one.test_client().get(url, headers=EN)
    assert _kept(two, two.test_client(), url) == 1
    with app.app_context():
        db.session.execute(update(Comment).values(status="hidden"))
        db.session.commit()
    assert "Toktogul 5" not in two.test_client().get(url, headers=EN).text
    _close(one, two)


def _close(*apps):
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def test_a_cache_that_does_not_answer_costs_a_rendering_not_an_error(tmp_path, world, app):
    from tests.conftest import make_test_app
    down = make_test_app(tmp_path, CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0",
                         SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    client = down.test_client()
    for _ in range(2):
        response = client.get(f"/events/{world['debate'].id}", headers=EN)
        assert response.status_code == 200 and "Toktogul 5" in response.text
    _close(down)


def test_a_page_with_a_token_or_a_cookie_is_never_kept(app):
    """Guards for views to come: a public page that renders a form (its CSRF
    token) or sets a cookie is answered fresh each time."""
    from flask import make_response, render_template_string

    def with_token():
        return render_template_string("<p>{{ csrf_token() }}</p>")

    def with_cookie():
        response = make_response("<p>hello</p>")
        response.set_cookie("seen", "1")
        return response

    app.add_url_rule("/t/token", "t_token", pagecache.public_page(with_token))
    app.add_url_rule("/t/cookie", "t_cookie", pagecache.public_page(with_cookie))
    one, two = app.test_client(), app.test_client()
    assert one.get("/t/token").text != two.get("/t/token").text
    assert "public" not in two.get("/t/token").headers["Cache-Control"]
    for client in (one, two):
        assert "seen=1" in client.get("/t/cookie").headers["Set-Cookie"]
