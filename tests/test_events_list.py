"""The event list's pages by keyset (issue #14): ``?after=`` and ``?before=``
cursors from its links, ``?page=N`` from older ones; what a bad cursor gets;
a constant number of statements on any page."""

import html
import re
from datetime import timedelta

import pytest

from hrdebate.events.filters import Cursor
from hrdebate.events.services import PER_PAGE
from hrdebate.models import utcnow
from tests.helpers import count_queries

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user("owner"), slug="auca", verified=True)


@pytest.fixture
def upcoming(club, make_event):
    """45 upcoming events, "Event 00" soonest; 17 to 22 start at the same
    moment, across the end of the first page (ties are settled by id)."""
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    return [make_event(club, title=f"Event {n:02d}",
                       starts_at=start + timedelta(hours=17 if 17 <= n <= 22 else n))
            for n in range(45)]


def titles(page: str) -> list[str]:
    return re.findall(r">(Event \d\d)</a>", page)


def link(page: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def walk(client, url):
    """Every page from ``url`` on by the Next links: (titles, url) each."""
    pages = []
    while url:
        page = client.get(url, headers=EN).text
        pages.append((titles(page), url))
        url = link(page, "next")
    return pages


def test_next_links_walk_every_event_once_in_order(client, upcoming):
    pages = walk(client, "/events/")
    assert [len(names) for names, _url in pages] == [20, 20, 5]
    assert sum((names for names, _url in pages), []) == [f"Event {n:02d}" for n in range(45)]
    assert "after=" in pages[1][1] and "page=" not in pages[1][1]


def test_previous_links_come_back_to_the_first_page(client, upcoming):
    last = walk(client, "/events/")[-1][1]
    page = client.get(last, headers=EN).text
    back = link(page, "prev")
    assert "before=" in back
    middle = client.get(back, headers=EN).text
    assert titles(middle) == [f"Event {n:02d}" for n in range(20, 40)]
    first = client.get(link(middle, "prev"), headers=EN).text
    assert titles(first) == [f"Event {n:02d}" for n in range(20)]
    assert link(first, "prev") is None and "Page 1 of 3" in first


@pytest.mark.parametrize("when", ["past", "all"])
def test_newest_first_lists_page_both_ways(client, club, make_event, when):
    for n in range(25):
        make_event(club, title=f"Event {n:02d}", starts_in=timedelta(days=-n - 1))
    first = client.get(f"/events/?when={when}", headers=EN).text
    assert titles(first)[:2] == ["Event 00", "Event 01"]
    second = client.get(link(first, "next"), headers=EN).text
    assert titles(second) == [f"Event {n:02d}" for n in range(20, 25)]
    assert f"when={when}" in link(first, "next")
    assert titles(client.get(link(second, "prev"), headers=EN).text) == titles(first)


def test_old_page_numbers_still_answer(client, upcoming):
    """A bookmarked ?page=N shows that page; past the end, the last one."""
    second = client.get("/events/?page=2", headers=EN).text
    assert titles(second) == [f"Event {n:02d}" for n in range(20, 40)]
    assert "Page 2 of 3" in second and "after=" in link(second, "next")
    assert link(second, "prev") == "/events/"
    for page in ("3", "999", "10000000000000000000000"):
        assert titles(client.get(f"/events/?page={page}", headers=EN).text) == [
            f"Event {n:02d}" for n in range(40, 45)]


@pytest.mark.parametrize("cursor", [
    "garbage", "2030-13-45T00:00:00Z,1", "0001-01-01T00:00:00Z,1", "2030-01-01T00:00:00Z,²",
    "2030-01-01T00:00:00Z,0", "2030-01-01T00:00:00Z,99999999999999", ",", "", "2030-01-01,5",
    "２０３０-01-01T00:00:00Z,1", "2030-01-01T00:00:00+05:00,1",
])
@pytest.mark.parametrize("name", ["after", "before"])
def test_a_cursor_that_cannot_be_read_shows_the_first_page(client, upcoming, name, cursor):
    response = client.get("/events/", query_string={name: cursor}, headers=EN)
    assert response.status_code == 200
    assert titles(response.text) == [f"Event {n:02d}" for n in range(20)]


def test_a_cursor_past_the_end_shows_an_empty_page_not_an_error(client, upcoming):
    response = client.get("/events/?after=2099-01-01T00:00:00Z,1", headers=EN)
    assert response.status_code == 200 and titles(response.text) == []


def test_cursors_round_trip():
    cursor = Cursor(utcnow().replace(microsecond=123456), 42)
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse(str(Cursor(cursor.starts_at.replace(microsecond=0), 7))).id == 7


def test_links_keep_the_filters_and_htmx_swaps_the_results(client, upcoming):
    page = client.get("/events/?kind=debate&q=event", headers=EN).text
    nxt = link(page, "next")
    assert "kind=debate" in nxt and "q=event" in nxt
    assert f'data-hx-get="{html.escape(nxt)}"' in page or 'data-hx-target="#results"' in page
    fragment = client.get(nxt, headers={**HTMX, **EN})
    assert "<html" not in fragment.text and 'id="results"' in fragment.text
    assert titles(fragment.text) == [f"Event {n:02d}" for n in range(20, 40)]


def test_the_statements_do_not_grow_with_the_depth_of_the_page(app, client, club, make_event):
    def statements(url):
        with count_queries(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    for n in range(5):
        make_event(club, title=f"Event {n:02d}", starts_in=timedelta(days=-n - 1))
    few = [statements("/events/?when=all"), statements("/events/?when=all&page=1")]
    for n in range(5, 5 + 3 * PER_PAGE):
        make_event(club, title=f"Event {n:02d}", starts_in=timedelta(days=-n - 1))
    many = [statements("/events/?when=all"), statements("/events/?when=all&page=1")]
    first = client.get("/events/?when=all").text
    assert few == many
    # The page cache's generations, the count, the page, the clubs of the
    # filter; a numbered page finds its first key with one more.
    assert many[0] <= 4
    assert statements(link(first, "next")) <= 4
    assert statements("/events/?when=all&page=3") <= 5
    assert statements("/events/?when=all&before=2000-01-02T00:00:00Z,1") <= 5
