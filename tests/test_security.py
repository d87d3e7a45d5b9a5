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


def test_htmx_is_configured_safely(client):
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


def test_signed_in_pages_are_not_stored(client, make_user, auth):
    assert "no-store" not in client.get("/").headers["Cache-Control"]
    make_user("timur")
    auth.login("timur")
    assert "no-store" in client.get("/").headers["Cache-Control"]


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
