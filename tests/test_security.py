"""Headers, CSP, and what pages may load."""

import re

import pytest

from hrdebate.security import safe_next
from tests.conftest import BASE_URL, DEMO_PASSWORD

PAGES = ["/", "/auth/login", "/auth/register", "/conduct", "/privacy", "/missing-page"]


@pytest.mark.parametrize("url", PAGES)
def test_security_headers_on_every_page(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_on_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_csp_on_static_files_and_json_too(client):
    with client.get("/static/css/site.css") as response:
        assert "Content-Security-Policy" in response.headers
    assert "Content-Security-Policy" in client.get("/healthz").headers


def _assert_clean(page):
    """No inline script, style or handler, and nothing loaded from elsewhere."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    assert not re.search(r"<[a-z][^>]*\sstyle=", page, re.I), "style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", page, re.I), "inline event handler"
    assert "<style" not in page
    for ref in re.findall(r'<(?:script|link|img|iframe|form)[^>]*(?:src|href|action)="([^"]*)"', page):
        same_origin = ref.startswith(f"{BASE_URL}/") or (ref[:1] == "/" and ref[:2] != "//")
        assert same_origin or ref == "", ref


@pytest.mark.parametrize("url", PAGES)
def test_no_inline_code_and_nothing_from_other_origins(client, make_user, auth, url):
    make_user("timur")
    auth.login("timur")
    for page in (client.get(url).text, client.get("/account/").text):
        _assert_clean(page)


def test_no_inline_code_on_a_full_site(client, demo_urls):
    client.post_form("/auth/login", {"username": "admin", "password": DEMO_PASSWORD})
    for url in demo_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_clean(response.text)


def test_htmx_is_configured_safely(client, auth, make_user):
    anonymous = client.get("/").text
    assert "X-CSRFToken" not in anonymous  # a page for anyone may be cached: no token
    make_user("timur")
    auth.login("timur")
    page = client.get("/").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1)
    assert '"includeIndicatorStyles":false' in config
    assert '"allowEval":false' in config
    assert '"selfRequestsOnly":true' in config
    assert 'hx-headers="{&#34;X-CSRFToken&#34;' in page


def test_static_files_are_versioned_and_cached_for_a_year(client):
    page = client.get("/").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert urls and all("?v=" in u for u in urls)
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200
            assert "max-age=31536000" in response.headers["Cache-Control"]
    with client.get("/static/css/site.css") as unversioned:
        assert "max-age=31536000" not in unversioned.headers["Cache-Control"]


def test_vendored_htmx_is_2_0_with_licence(app):
    from pathlib import Path

    js = Path(app.static_folder, "js")
    assert 'version:"2.0.' in (js / "htmx.min.js").read_text()
    assert "Zero-Clause BSD" in (js / "htmx.LICENSE.txt").read_text()


def test_pages_are_compressed(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


# -- caching: what is personal is never stored (issue #9, item 7) --------------------

NO_STORE = "private, no-store"


def test_signed_in_pages_are_not_stored(client, make_user, auth):
    assert "no-store" not in client.get("/").headers["Cache-Control"]
    make_user("timur")
    auth.login("timur")
    assert client.get("/").headers["Cache-Control"] == NO_STORE


@pytest.fixture
def organiser_event(make_user, make_club, make_event, make_registration):
    organiser = make_user("organiser")
    event = make_event(make_club(owner=organiser, slug="osh"), title="Clean river")
    make_registration(event, make_user("aida", display_name="Aida"), checked_in=True)
    return event


@pytest.mark.parametrize("path, mimetype, shows", [
    ("/account/export", "application/json", '"username": "organiser"'),
    ("/events/{id}/attendance.csv", "text/csv", "Aida"),
    ("/turnout/export.csv", "text/csv", "Clean river"),
    ("/events/{id}.ics", "text/calendar", "Clean river"),
    ("/events.ics", "text/calendar", "Clean river"),
    ("/healthz", "application/json", ""),
])
def test_every_answer_to_a_signed_in_person_is_never_stored(client, auth, organiser_event,
                                                            path, mimetype, shows):
    auth.login("organiser")
    response = client.get(path.format(id=organiser_event.id))
    assert response.status_code == 200
    assert response.mimetype == mimetype and shows in response.text
    assert response.headers.get("Cache-Control") == NO_STORE
    assert "Cookie" in response.headers["Vary"]


def test_errors_and_redirects_to_a_signed_in_person_are_never_stored(client, auth, make_user):
    make_user("timur")
    auth.login("timur")
    for url, status in (("/missing-page", 404), ("/turnout/", 403), ("/auth/login", 302)):
        response = client.get(url)
        assert response.status_code == status
        assert response.headers.get("Cache-Control") == NO_STORE, url


def test_the_personal_calendar_is_never_stored_though_it_has_no_session(app, client, auth,
                                                                        organiser_event):
    auth.login("aida")
    client.post_form("/me/calendar/token")
    url = re.search(r'id="feed-url" value="https://hrdebate.test([^"]+)"',
                    client.get("/me/events").text).group(1)
    calendar_app = app.test_client()  # sends no cookie at all
    response = calendar_app.get(url)
    assert response.status_code == 200 and "Clean river" in response.text
    assert response.headers.get("Cache-Control") == NO_STORE
    again = calendar_app.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers.get("Cache-Control") == NO_STORE


def test_a_certificate_page_opened_by_its_code_is_never_stored(app, client, make_user, make_club,
                                                                make_event, make_registration):
    """It names a person and the event they attended, for whoever holds the code."""
    from datetime import timedelta

    from hrdebate.models import Registration
    from tests.helpers import fetch

    event = make_event(make_club(), title="Clean river", starts_in=timedelta(days=-2))
    aida = make_user("aida", display_name="Aida")
    make_registration(event, aida, checked_in=True)
    code = fetch(app, Registration, user_id=aida.id).certificate_code
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 200 and "Aida" in response.text
    assert response.headers.get("Cache-Control") == NO_STORE


def test_public_answers_to_anonymous_people_may_be_kept(client, organiser_event):
    # A proxy may keep public pages a few seconds (pagecache.py); browsers ask again.
    assert client.get("/").headers["Cache-Control"] == "public, max-age=0, s-maxage=5"
    assert client.get("/events.ics").headers["Cache-Control"] == "public, max-age=0, s-maxage=5"
    # Pages not marked public, anonymous: the browser only.
    assert client.get("/privacy").headers["Cache-Control"] == "private, no-cache"
    assert "Cache-Control" not in client.get("/healthz").headers


def test_static_files_keep_their_long_cache_for_signed_in_people(client, auth, make_user):
    make_user("timur")
    auth.login("timur")
    url = re.search(r'href="(/static/[^"]+\?v=[^"]+)"', client.get("/").text).group(1)
    with client.get(url) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_no_signed_in_page_is_ever_stored(client, demo_urls, htmx):
    """A walk over a page of every kind, as the admin sees them."""
    client.post_form("/auth/login", {"username": "admin", "password": DEMO_PASSWORD})
    headers = {"HX-Request": "true"} if htmx else {}
    for url in demo_urls:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == NO_STORE, url


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/home"), ("", "/home"), ("/events/?q=a", "/events/?q=a"), ("/", "/"),
        ("//evil", "/home"), ("\\\\evil", "/home"), ("/\\evil", "/home"),
        ("https:evil", "/home"), ("http://evil/", "/home"), ("evil", "/home"),
        (" //evil", "/home"), ("/\x00//evil", "/home"), ("/\r\n//evil", "/home"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target, "/home") == expected


def test_a_long_next_comes_back_without_its_query(client):
    """A long search carried to the language switcher: the answer's Location
    stays short enough for any proxy, on the page the person was on."""
    response = client.post_form("/language/uz", {"next": "/events/?q=" + "ош" * 50_000})
    assert response.status_code == 302
    assert response.headers["Location"] == "/events/"
    assert safe_next("/" + "a" * 5000, "/home") == "/home"
    # Counted as sent: each byte of "Ж" is three characters there.
    assert safe_next("/" + "Ж" * 500, "/home") == "/home"
