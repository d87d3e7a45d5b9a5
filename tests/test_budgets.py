"""Page weight and query budgets (DESIGN §7). Sizes, not timings."""

import re

import pytest

from tests.helpers import count_queries

BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
PAGES = ["/", "/auth/login", "/auth/register", "/conduct", "/privacy"]


@pytest.mark.parametrize("url", PAGES + ["/account/"])
def test_page_html_is_at_most_20_kb_compressed(client, make_user, auth, url):
    if url == "/account/":
        make_user("timur")
        auth.login("timur")
    with client.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS}) as response:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding")
        assert len(response.get_data()) <= 20 * 1024


def test_first_visit_is_at_most_60_kb_compressed(client):
    page = client.get("/").text
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', page)
    assert any(".js" in a for a in assets) and any(".css" in a for a in assets)
    total = 0
    for url in ["/"] + assets:
        with client.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS}) as response:
            assert response.status_code == 200
            total += len(response.get_data())
    assert total <= 60 * 1024, total


@pytest.mark.parametrize("url", ["/privacy", "/conduct", "/account/"])
def test_query_budget_signed_in(app, client, make_user, auth, url):
    make_user("timur")
    auth.login("timur")
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    # Loading the signed-in user and the menu's facts (one statement); the
    # account page also reads the person's mail choices.
    assert len(statements) <= (3 if url == "/account/" else 2), statements


def test_query_budget_home(app, client, make_user, auth):
    """The home page's lists: a fixed number of statements (see test_home for
    the proof that it does not grow with the number of events)."""
    with count_queries(app) as statements:
        assert client.get("/").status_code == 200
    assert len(statements) <= 6, statements
    make_user("timur")
    auth.login("timur")
    with count_queries(app) as statements:
        assert client.get("/").status_code == 200
    assert len(statements) <= 8, statements


@pytest.mark.parametrize("url", [p for p in PAGES if p != "/"])
def test_query_budget_anonymous(app, client, url):
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    assert statements == []
