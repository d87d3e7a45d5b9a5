"""The moderation queue at scale (issue #14): its page is chosen from the
comments alone before anything is joined, its counts are the menu badge's
(one statement for both), its filters offer the clubs with something
waiting and the chosen club's events, and its pages follow the waiting
order."""

from datetime import timedelta

import pytest

from hrdebate.models import utcnow
from tests.helpers import count_queries

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def queue_world(make_user, make_club, make_event, make_comment):
    sitemod = make_user("sitemod", site_role="moderator")
    author = make_user("author", display_name="Aibek Author")
    clubmod = make_user("clubmod")
    first = make_club(slug="first", name="First Club", moderators=[clubmod])
    second = make_club(slug="second", name="Second Club")
    quiet = make_club(slug="quiet", name="Quiet Club")
    events = {"first": make_event(first, title="First debate"),
              "second": make_event(second, title="Second debate"),
              "quiet": make_event(quiet, title="Quiet debate")}
    start = utcnow() - timedelta(days=3)
    held = [make_comment(events["first" if i % 2 else "second"], author, body=f"Held {i}",
                         status="pending", held_for="pre_moderation",
                         created_at=start + timedelta(minutes=i))
            for i in range(45)]
    make_comment(events["quiet"], author, body="Published, never flagged")
    make_comment(events["quiet"], author, body="Rejected, no appeal", status="rejected")
    return {"sitemod": sitemod, "clubmod": clubmod, "events": events, "held": held}


def _queue(client, auth, who, path="/moderation/"):
    auth.login(who)
    client.get(path)
    with count_queries(client.application) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return response.text, statements


def test_the_page_is_chosen_before_any_join(client, auth, queue_world):
    page, statements = _queue(client, auth, "sitemod")
    chosen = [s for s in statements if s.startswith("SELECT comments.id \nFROM comments")]
    assert len(chosen) == 1 and "JOIN" not in chosen[0] and "LIMIT" in chosen[0]
    # The counts above the queue and the menu's badge: one statement.
    sums = [s for s in statements if "sum(CASE" in s and "FROM comments" in s]
    assert len(sums) == 1, sums
    assert "45 pending comments" in page


def test_pages_follow_the_waiting_order(client, auth, queue_world):
    held = queue_world["held"]
    auth.login("sitemod")
    first = client.get("/moderation/").text
    third = client.get("/moderation/?page=3").text
    assert f"queue-item-{held[0].id}\"" in first and f"queue-item-{held[19].id}\"" in first
    assert f"queue-item-{held[20].id}\"" not in first
    assert f"queue-item-{held[40].id}\"" in third and f"queue-item-{held[44].id}\"" in third
    assert "Page 3 of 3" in third
    beyond = client.get("/moderation/?page=9")
    assert beyond.status_code == 200 and "queue-item-" not in beyond.text


def test_the_filters_offer_what_waits(client, auth, queue_world):
    auth.login("sitemod")
    page = client.get("/moderation/").text
    assert 'value="first"' in page and 'value="second"' in page
    assert 'value="quiet"' not in page  # nothing waits there
    chosen = client.get("/moderation/?club=first").text
    first_id, second_id = queue_world["events"]["first"].id, queue_world["events"]["second"].id
    assert f'<option value="{first_id}"' in chosen and f'<option value="{second_id}"' not in chosen
    listed = chosen.split('id="queue"')[1]
    assert "<p>Held 1</p>" in listed and "<p>Held 2</p>" not in listed


def test_a_club_moderator_sees_their_club_and_its_events(client, auth, queue_world):
    page, statements = _queue(client, auth, "clubmod")
    first_id = queue_world["events"]["first"].id
    assert f'<option value="{first_id}"' in page
    assert 'value="second"' not in page
    assert "22 pending comments" in page
    assert len(statements) <= 12


def test_choosing_a_club_with_htmx_brings_its_events_to_choose(client, auth, queue_world):
    """The queue swapped by htmx brings the event filter with it (out of
    band): the events offered are the chosen club's (phone review of #14)."""
    auth.login("sitemod")
    part = client.get("/moderation/?club=second", headers={"HX-Request": "true"}).text
    oob = part[part.index('<div id="event-filter" data-hx-swap-oob="true">'):]
    oob = oob[:oob.index("</select>")]
    assert "Second debate" in oob and "First debate" not in oob
    whole = client.get("/moderation/?club=second").text
    assert whole.count('id="event-filter"') == 1  # a whole page: in the form only
