"""The home page: upcoming events, latest debate results and judgements, themes."""

from datetime import timedelta

import pytest

from hrdebate.models import TOPICS, utcnow
from tests.helpers import count_queries, page_text

EN = {"Accept-Language": "en"}
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
PAST = timedelta(days=-3)


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user(), name="Naryn Human Rights Club")


@pytest.fixture
def vote(make_user, make_vote):
    """``vote(event, before="ffa", after="fff")``: one voter per letter
    (f = for, a = against, u = undecided), the same voters in both phases."""
    choices = {"f": "for", "a": "against", "u": "undecided"}

    def cast(event, before="", after=""):
        voters = [make_user() for _ in range(max(len(before), len(after)))]
        for phase, letters in (("before", before), ("after", after)):
            for voter, letter in zip(voters, letters):
                make_vote(event, voter, phase, choices[letter])

    return cast


def section(page: str, section_id: str) -> str:
    """The visible text of one section of the home page."""
    html = page.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    return " ".join(page_text(html).split())


def test_home_shows_upcoming_published_events_only(client, club, make_event):
    make_event(club, title="Soon: voting age debate", starts_in=timedelta(days=2))
    make_event(club, title="Later: school ramp project", kind="civic_project",
               starts_in=timedelta(days=9))
    make_event(club, title="Draft debate", status="draft")
    make_event(club, title="Cancelled debate", status="cancelled")
    make_event(club, title="Last week's debate", starts_in=PAST)
    page = client.get("/", headers=EN).text
    upcoming = section(page, "home-upcoming")
    assert "Soon: voting age debate" in upcoming and "Later: school ramp project" in upcoming
    assert upcoming.index("Soon: voting age debate") < upcoming.index("Later: school ramp project")
    assert "Naryn Human Rights Club" in upcoming and "Civic project" in upcoming
    for absent in ("Draft debate", "Cancelled debate", "Last week"):
        assert absent not in page
    # Titles, dates and clubs only: no summaries on the home page.
    assert "Summary" not in page


def test_home_shows_at_most_six_upcoming_events(client, club, make_event):
    for n in range(8):
        make_event(club, title=f"Upcoming event {n}", starts_in=timedelta(days=n + 1))
    upcoming = section(client.get("/", headers=EN).text, "home-upcoming")
    assert [f"Upcoming event {n}" in upcoming for n in range(8)] == [True] * 6 + [False] * 2
    assert "All upcoming events" in upcoming


@pytest.mark.parametrize(("before", "after", "shares", "verdict"), [
    ("ffaa", "fffa", ("50% before, 75% after", "50% before, 25% after"), "The proposition won."),
    ("ffau", "faaa", ("50% before, 25% after", "25% before, 75% after"), "The opposition won."),
    ("fa", "fa", ("50% before, 50% after", "50% before, 50% after"), "A tie."),
])
def test_home_shows_a_closed_debate_with_its_winner(client, club, make_event, vote,
                                                    before, after, shares, verdict):
    debate = make_event(club, title="Lower the voting age to 16", starts_in=PAST,
                        voting_state="closed")
    vote(debate, before=before, after=after)
    results = section(client.get("/", headers=EN).text, "home-results")
    assert "Lower the voting age to 16" in results
    assert "Naryn Human Rights Club" in results
    assert f"For the motion: {shares[0]}." in results
    assert f"Against the motion: {shares[1]}." in results
    assert verdict in results


def test_home_results_only_show_final_results_with_both_votes(client, club, make_event,
                                                               vote):
    still_open = make_event(club, title="After-vote still open", starts_in=PAST,
                            voting_state="after_open")
    vote(still_open, before="fa", after="ff")
    no_after = make_event(club, title="Nobody voted after", starts_in=PAST,
                          voting_state="closed")
    vote(no_after, before="fa")
    draft = make_event(club, title="Draft with votes", status="draft", starts_in=PAST,
                       voting_state="closed")
    vote(draft, before="fa", after="ff")
    for n in range(4):
        debate = make_event(club, title=f"Finished debate {n}", starts_in=timedelta(days=-10 + n),
                            voting_state="closed")
        vote(debate, before="fa", after="ff")
    results = section(client.get("/", headers=EN).text, "home-results")
    for absent in ("still open", "Nobody voted", "Draft with votes", "Finished debate 0"):
        assert absent not in results
    # The latest three, newest first.
    assert results.index("Finished debate 3") < results.index("Finished debate 2") < \
        results.index("Finished debate 1")


def test_home_shows_published_judgements(client, club, make_event):
    make_event(club, kind="moot_court", title="Moot court: press freedom",
               case_title="Asanova v. Kyrgyz Republic", starts_in=PAST,
               judgement_outcome="Violation of Article 19 found",
               judgement_published_at=utcnow() - timedelta(days=1))
    make_event(club, kind="moot_court", case_title="Pending v. Kyrgyz Republic", starts_in=PAST)
    make_event(club, kind="moot_court", status="draft", case_title="Draft v. Kyrgyz Republic",
               starts_in=PAST, judgement_outcome="Secret outcome", judgement_published_at=utcnow())
    judgements = section(client.get("/", headers=EN).text, "home-judgements")
    assert "Asanova v. Kyrgyz Republic" in judgements
    assert "Outcome: Violation of Article 19 found" in judgements
    assert "Naryn Human Rights Club" in judgements
    for absent in ("Pending", "Draft v.", "Secret outcome"):
        assert absent not in judgements


def test_home_links_every_theme(client):
    page = client.get("/", headers=EN).text
    themes = page.split('id="home-themes"', 1)[1].split("</section>", 1)[0]
    for slug in TOPICS:
        assert f'href="/topics/{slug}"' in themes
    assert "Freedom of expression and media" in themes
    assert 'href="/topics/"' in themes


def test_home_keeps_its_introduction(client):
    text = page_text(client.get("/", headers=EN).text)
    for words in ("Human rights, debated", "Three ways to take part", "Safe to take part",
                  "You may use a pseudonym"):
        assert words in text


def test_empty_home_explains_what_will_appear(client):
    page = client.get("/", headers=EN).text
    assert "No events are planned yet." in section(page, "home-upcoming")
    assert "No debate results yet." in section(page, "home-results")
    assert "No judgements yet." in section(page, "home-judgements")


def fill(club, make_event, vote, n):
    """n events of every kind and state; every fifth one a finished debate
    with votes, every fifth a moot court with its judgement."""
    for i in range(n):
        past = i % 2 == 1
        starts_in = timedelta(days=-(i + 1) if past else i + 1)
        if i % 5 == 0:
            debate = make_event(club, title=f"Finished debate {i}", starts_in=-abs(starts_in),
                                voting_state="closed")
            vote(debate, before="fau", after="ffa")
        elif i % 5 == 1:
            make_event(club, kind="moot_court", title=f"Moot {i}", starts_in=-abs(starts_in),
                       judgement_outcome=f"Outcome {i}", judgement_published_at=utcnow())
        else:
            make_event(club, kind=("civic_project", "debate")[i % 2], starts_in=starts_in,
                       status="draft" if i % 7 == 0 else "published", topics=["women"])


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_the_number_of_events(app, client, make_user, make_club,
                                                              make_event, vote, auth,
                                                              signed_in):
    if signed_in:
        make_user("timur")
        auth.login("timur")
    counts = []
    for n in (10, 200):
        club = make_club(owner=make_user())
        fill(club, make_event, vote, n)
        with count_queries(app) as statements:
            page = client.get("/", headers=EN).text
        counts.append(len(statements))
        assert "The proposition won." in page and "Outcome: Outcome" in page
    assert counts[0] == counts[1], counts
    # Upcoming events (+ their themes), debates, their tallies, judgements,
    # themes; a signed-in user adds the user and the unread-notification count.
    # Anonymous, the page cache reads its generations first (pagecache.py).
    assert counts[1] <= (8 if signed_in else 7), counts


def test_full_home_page_stays_under_20_kb_compressed(client, club, make_event, vote):
    long = "A very long title about human rights in Kyrgyzstan " * 3
    for n in range(8):
        make_event(club, title=f"{long}{n}"[:160], starts_in=timedelta(days=n + 1))
        debate = make_event(club, title=f"{long}{n}"[:160], starts_in=timedelta(days=-n - 1),
                            voting_state="closed")
        vote(debate, before="fa", after="ff")
        make_event(club, kind="moot_court", case_title=f"{long}{n}"[:200],
                   starts_in=timedelta(days=-n - 1),
                   judgement_outcome=("The bench found a violation " * 12)[:300],
                   judgement_published_at=utcnow())
    with client.get("/", headers={"Accept-Encoding": BROWSER_ENCODINGS}) as response:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding")
        assert len(response.get_data()) <= 20 * 1024


def test_home_service_answers_without_a_request(app, club, make_event):
    from hrdebate.main.services import HOME_UPCOMING, database_reachable, home

    for n in range(HOME_UPCOMING + 2):
        make_event(club, title=f"Event {n}")
    with app.app_context():
        page = home()
        assert len(page.upcoming) == HOME_UPCOMING
        assert [topic.slug for topic in page.topics] == list(TOPICS)
        assert page.results == [] and page.judgements == [] and page.discussions == []
        assert database_reachable()
