"""Covers and logos in a real browser (issue #12), with JavaScript on and
off: the upload forms send the file, the pictures show on a 360 px phone
without overflow or a CSP complaint, and a file over the limit gets the
413 page over real HTTP (not a reset connection)."""

import io

import pytest
from PIL import Image

from tests.conftest import _empty_database, _prepare_schema, make_test_app
from tests.test_images import jpeg_with_gps, png_bytes

WIDTH = 360


@pytest.fixture
def app(tmp_path):
    app = make_test_app(tmp_path, IMAGE_FOLDER=str(tmp_path / "images"))
    _prepare_schema(app)
    yield app
    _empty_database(app)


@pytest.fixture
def club_and_event(make_user, make_club, make_event):
    owner = make_user("owner", display_name="Owner")
    club = make_club(owner=owner, slug="osh", name="Osh Debaters")
    return club, make_event(club, title="Clean river")


def _file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_upload_a_cover_and_a_logo_and_see_them_on_a_phone(page, tmp_path, club_and_event):
    from tests.factories import PASSWORD

    _club, event = club_and_event
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto("/auth/login")
    page.locator("main input[name=username]").fill("owner")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)

    page.goto(f"/events/{event.id}/edit")
    page.set_input_files("#cover-file", _file(tmp_path, "holiday.jpg", jpeg_with_gps()))
    page.get_by_role("button", name="Upload the cover").click()
    page.wait_for_url(f"**/events/{event.id}/edit#cover-image")
    assert page.get_by_text("The cover image is saved.").is_visible()
    assert _fits(page)

    page.goto(f"/events/{event.id}")
    cover = page.locator("img.event-cover")
    cover.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", cover.element_handle())
    box = cover.bounding_box()
    assert box["width"] <= WIDTH and _fits(page)

    page.goto("/clubs/osh/edit")
    page.set_input_files("#logo-file", _file(tmp_path, "logo.png", png_bytes((600, 300))))
    page.get_by_role("button", name="Upload the logo").click()
    page.wait_for_url("**/clubs/osh/edit#club-logo")
    for url, selector in (("/clubs/osh", "img.club-logo"), ("/clubs/", "img.club-logo-small")):
        page.goto(url)
        logo = page.locator(selector)
        logo.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=logo.element_handle())
        assert _fits(page), url

    # A file that is no picture: the form comes back with the sentence.
    page.goto(f"/events/{event.id}/edit")
    page.set_input_files("#cover-file", _file(tmp_path, "x.jpg", b"<svg onload=alert(1)>"))
    page.get_by_role("button", name="Replace the cover").click()
    page.get_by_text("This file is not a JPEG, PNG or WebP image.").wait_for()
    assert _fits(page)

    # Removing asks first.
    page.goto(f"/events/{event.id}/edit")
    page.get_by_role("link", name="Remove the cover").click()
    page.get_by_role("button", name="Remove the cover").click()
    page.wait_for_url(f"**/events/{event.id}/edit#cover-image")
    assert page.get_by_text("The cover image is removed.").is_visible()


def test_a_file_over_the_limit_gets_the_413_page_over_http(browser, live_server, tmp_path,
                                                           club_and_event):
    """Its own browser context: the console's "status of 413" is expected here."""
    from tests.factories import PASSWORD

    _club, event = club_and_event
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/auth/login")
    page.locator("main input[name=username]").fill("owner")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    page.goto(f"/events/{event.id}/edit")
    big = io.BytesIO()
    Image.effect_noise((2600, 2600), 128).convert("RGB").save(big, "PNG")
    assert big.tell() > 6 * 1024 * 1024
    page.set_input_files("#cover-file", _file(tmp_path, "big.png", big.getvalue()))
    page.get_by_role("button", name="Upload the cover").click()
    page.get_by_text("This image is larger than 5 MB. Please choose a smaller one.").wait_for()
    context.close()
