"""With JavaScript, a 429's "please wait" in the message area goes away at the
next successful htmx answer (htmx.refresh_flashes), and the comment typed at
the limit stays in its form."""

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, _empty_database, _prepare_schema, make_test_app


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="2 per minute",
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    _prepare_schema(app)
    yield app
    _empty_database(app)


def test_the_wait_message_goes_at_the_next_success(app, browser, live_server, rows):
    rows.user("aziza")
    club = rows.club(slug="c", club_type="ngo", city="Osh", region="osh_city")
    event = rows.event(club, starts_in=timedelta(days=2))
    context = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/auth/login")
        page.get_by_label("Username").fill("aziza")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("link", name="My account")).to_be_visible()
        page.goto(f"/events/{event.id}")
        flashes = page.locator("#flashes")
        for n in range(2):
            page.locator("textarea#body").fill(f"Point number {n}")
            page.get_by_role("group", name="Your side").get_by_label("For the motion").check()
            page.get_by_role("button", name="Post the comment").click()
            expect(page.locator("#comments")).to_contain_text(f"Point number {n}")
        page.locator("textarea#body").fill("A careful third point")
        page.get_by_role("group", name="Your side").get_by_label("For the motion").check()
        page.get_by_role("button", name="Post the comment").click()
        expect(flashes).to_contain_text("You are sending too quickly")
        expect(page.locator("textarea#body")).to_have_value("A careful third point")
        # A later successful htmx request: the side-by-side view of the thread.
        page.locator(".comment-views").get_by_role("link", name="Side by side").click()
        expect(flashes).not_to_contain_text("You are sending too quickly")
        expect(flashes.locator("p")).to_have_count(0)
        assert not errors, errors
    finally:
        context.close()
