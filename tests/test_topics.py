"""Human-rights themes: /topics/ with its counts, /topics/<slug> with its events."""

import re
from datetime import timedelta

import pytest

from hrdebate.models import TOPICS
from hrdebate.topics.services import topics_with_counts
from tests.helpers import count_queries, page_text

EN = {"Accept-Language": "en"}
UPCOMING = timedelta(days=3)
PAST = timedelta(days=-3)


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user(), name="Osh Debate Society")


def theme_card(page: str, slug: str) -> str:
    """The text of one theme's card on /topics/."""
    for card in page.split('<li class="card topic">')[1:]:
        if f'href="/topics/{slug}"' in card:
            return " ".join(page_text(card).split())
    raise AssertionError(f"no card for {slug}")


def split_sections(page: str) -> tuple[str, str]:
    """(upcoming section, past section) of a theme page."""
    upcoming = page.split('id="upcoming-events"', 1)[1].split('id="past-events"', 1)[0]
    past = page.split('id="past-events"', 1)[1]
    return upcoming, past


def make_mix(club, make_event):
    """Events on the women's-rights theme in every state, and one elsewhere."""
    make_event(club, title="Upcoming quotas debate", topics=["women", "participation"])
    make_event(club, title="Upcoming equal pay moot", kind="moot_court", topics=["women"],
               starts_in=timedelta(days=10))
    make_event(club, title="Past marriage age debate", topics=["women"], starts_in=PAST)
    make_event(club, title="Secret draft on women", status="draft", topics=["women"])
    make_event(club, title="Past draft on women", status="draft", topics=["women"], starts_in=PAST)
    make_event(club, title="Cancelled women event", status="cancelled", topics=["women"])
    make_event(club, title="Cancelled past women event", status="cancelled", topics=["women"],
               starts_in=PAST)
    make_event(club, title="Past press freedom debate", topics=["expression"], starts_in=PAST)


def test_counts_per_theme_exclude_drafts_and_cancelled(app, club, make_event):
    make_mix(club, make_event)
    with app.test_request_context():
        counts = {topic.slug: (upcoming, past) for topic, upcoming, past in topics_with_counts()}
    assert counts["women"] == (2, 1)
    assert counts["participation"] == (1, 0)
    assert counts["expression"] == (0, 1)
    assert counts["torture"] == (0, 0)
    assert set(counts) == set(TOPICS)


def test_an_event_under_way_counts_as_upcoming_like_the_event_list(app, club, make_event):
    make_event(club, topics=["privacy"], starts_in=timedelta(hours=-1),
               duration=timedelta(hours=3))
    with app.test_request_context():
        counts = {topic.slug: (upcoming, past) for topic, upcoming, past in topics_with_counts()}
    assert counts["privacy"] == (1, 0)


def test_index_lists_every_theme_in_order_with_articles_and_counts(client, club, make_event):
    make_mix(club, make_event)
    response = client.get("/topics/", headers=EN)
    assert response.status_code == 200
    page = response.text
    assert theme_card(page, "women") == (
        "Women's rights UDHR arts. 2, 16 2 upcoming events · 1 past event")
    assert "UDHR art. 19" in theme_card(page, "expression")
    assert "0 upcoming events · 1 past event" in theme_card(page, "expression")
    assert "0 upcoming events · 0 past events" in theme_card(page, "torture")
    positions = [page.index(f'href="/topics/{slug}"') for slug in TOPICS]
    assert positions == sorted(positions)
    assert "Secret draft" not in page


def test_index_htmx_fragment(client):
    response = client.get("/topics/", headers={"HX-Request": "true", **EN})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<ul id="themes"')
    assert "HX-Request" in response.headers["Vary"]


def test_show_lists_upcoming_and_past_events_of_the_theme(client, club, make_event):
    make_mix(club, make_event)
    response = client.get("/topics/women", headers=EN)
    assert response.status_code == 200
    page = response.text
    assert re.search(r"<h1>Women(&#39;|')s rights</h1>", page)
    assert "Universal Declaration of Human Rights, articles 2, 16." in page
    upcoming, past = split_sections(page)
    assert "Upcoming quotas debate" in upcoming and "Upcoming equal pay moot" in upcoming
    assert upcoming.index("Upcoming quotas debate") < upcoming.index("Upcoming equal pay moot")
    assert "Past marriage age debate" in past
    assert "Past marriage age debate" not in upcoming
    assert "Upcoming quotas debate" not in past
    for hidden in ("draft", "Cancelled", "press freedom"):
        assert hidden not in page_text(upcoming + past)
    assert 'href="/events/?topic=women"' in page
    assert "Osh Debate Society" in page


def test_show_empty_theme_explains_itself(client):
    page = client.get("/topics/torture", headers=EN).text
    assert "Nothing is planned on this theme yet." in page
    assert "No event on this theme has taken place yet." in page


def test_show_unknown_theme_is_404(client):
    assert client.get("/topics/no-such-theme").status_code == 404
    assert client.get("/topics/WOMEN").status_code == 404


def test_show_paginates_past_events_and_serves_the_block_to_htmx(client, club, make_event):
    for n in range(12):
        make_event(club, title=f"Past hearing {n:02d}", kind="moot_court", topics=["fair-trial"],
                   starts_in=timedelta(days=-30 + n))
    first = client.get("/topics/fair-trial", headers=EN).text
    _, past = split_sections(first)
    # Newest first, ten a page.
    assert [f"Past hearing {n:02d}" in past for n in range(12)] == [False] * 2 + [True] * 10
    assert past.index("Past hearing 11") < past.index("Past hearing 02")
    assert 'href="/topics/fair-trial?page=2"' in past and "Page 1 of 2" in past

    response = client.get("/topics/fair-trial?page=2", headers={"HX-Request": "true", **EN})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="past-events"')
    assert "HX-Request" in response.headers["Vary"]
    assert "Past hearing 01" in response.text and "Past hearing 00" in response.text
    assert "Past hearing 02" not in response.text
    assert 'href="/topics/fair-trial?page=1"' in response.text

    # Without htmx the same URL is the whole page.
    full = client.get("/topics/fair-trial?page=2", headers=EN)
    assert "<html" in full.text and "Past hearing 01" in full.text


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99"])
def test_show_odd_page_numbers_do_not_fail(client, club, make_event, page):
    make_event(club, title="Old debate", topics=["labour"], starts_in=PAST)
    response = client.get(f"/topics/labour?page={page}", headers=EN)
    assert response.status_code == 200
    if page == "99":
        assert "There are no more past events on this theme." in response.text
        assert 'href="/topics/labour?page=1"' in response.text
    else:
        assert "Old debate" in response.text


def make_many(club, make_event, n):
    """n published events on one theme, half upcoming and half past, plus drafts."""
    for i in range(n):
        make_event(club, kind=("debate", "moot_court", "civic_project")[i % 3],
                   topics=["education", "children"] if i % 2 else ["education"],
                   starts_in=timedelta(days=(i + 1) * (1 if i % 2 else -1)))
    make_event(club, status="draft", topics=["education"])


@pytest.mark.parametrize("url", ["/topics/", "/topics/education"])
def test_query_count_does_not_grow_with_the_number_of_events(app, client, make_user, make_club,
                                                              make_event, url):
    counts = []
    for n in (3, 40):
        club = make_club(owner=make_user())
        make_many(club, make_event, n)
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # With the page cache's generations (pagecache.py), anonymous.
    assert counts[1] <= (2 if url == "/topics/" else 7), counts


def test_query_counts_for_a_signed_in_user_match(app, client, make_user, make_club, make_event,
                                                 auth):
    make_user("timur")
    auth.login("timur")
    club = make_club(owner=make_user())
    make_many(club, make_event, 40)
    with count_queries(app) as statements:
        assert client.get("/topics/").status_code == 200
    # The signed-in user and the unread-notification count, then the one aggregate.
    assert len(statements) <= 3, statements
