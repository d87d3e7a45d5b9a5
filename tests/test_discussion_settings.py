"""Issue #12, smaller defects in discussions and the queue: slow mode says how
long to wait; deleting a comment without JavaScript asks first; the
moderator who rejected a comment is offered no decision on its appeal, and is
told why."""

import re
from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.models import Comment, Event, utcnow
from tests.helpers import fetch

pytestmark = pytest.mark.usefixtures("english")
HX = {"HX-Request": "true"}


@pytest.fixture
def world(make_user, make_club, make_event):
    people = {
        "sitemod": make_user("sitemod", site_role="moderator", display_name="Site Mod"),
        "sitemod2": make_user("sitemod2", site_role="moderator", display_name="Other Site Mod"),
        "clubmod": make_user("clubmod", display_name="Club Mod"),
        "citizen": make_user("citizen", display_name="Citizen Aibek"),
        "author": make_user("author", display_name="Author Nurlan", approved_comment_count=5),
    }
    club = make_club(moderators=[people["clubmod"]], moderation_mode="post")
    return {**people, "club": club, "event": make_event(club, kind="civic_project")}


# -- slow mode ---------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, ago, told", [
    # The exact roundings are tested in the rule below; here the seconds go by.
    (300, 150, r"you can post again in 3 minutes\."),
    (120, 30, r"you can post again in 2 minutes\."),
    (60, 15, r"you can post again in 4\d seconds\."),
])
def test_slow_mode_says_how_long_to_wait(app, client, auth, world, make_comment, seconds, ago,
                                         told):
    with app.app_context():
        db.session.get(Event, world["event"].id).slow_mode_seconds = seconds
        db.session.commit()
    make_comment(world["event"], world["author"], "Earlier",
                 created_at=utcnow() - timedelta(seconds=ago))
    auth.login("author")
    path = f"/events/{world['event'].id}/comments"
    response = client.post_form(path, {"body": "Again"})
    assert response.status_code == 422
    assert re.search("Slow mode is on: " + told, response.text)
    response = client.post_form(path, {"body": "Again"}, headers=HX)
    assert response.status_code == 422 and re.search(told, response.text)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 1


@pytest.mark.parametrize("wait, told", [
    (1, "Slow mode is on: you can post again in 1 second."),
    (59, "Slow mode is on: you can post again in 59 seconds."),
    (60, "Slow mode is on: you can post again in 1 minute."),
    (61, "Slow mode is on: you can post again in 2 minutes."),
    (3600, "Slow mode is on: you can post again in 60 minutes."),
])
def test_rule_slow_mode_message_rounds_up_with_plurals(app, monkeypatch, world, wait, told):
    from hrdebate.discussions import routes, services
    from hrdebate.rules import Refusal

    monkeypatch.setattr(services, "slow_mode_wait", lambda event, user: wait)
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert routes._refusal_text(Refusal.SLOW_MODE, None) == told
        assert routes._refusal_text(Refusal.MUTED, None) == Refusal.MUTED.message


def test_slow_mode_lets_the_next_comment_through_when_the_wait_is_over(app, client, auth, world,
                                                                       make_comment):
    with app.app_context():
        db.session.get(Event, world["event"].id).slow_mode_seconds = 60
        db.session.commit()
    make_comment(world["event"], world["author"], "Earlier",
                 created_at=utcnow() - timedelta(seconds=61))
    auth.login("author")
    response = client.post_form(f"/events/{world['event'].id}/comments", {"body": "Now"})
    assert response.status_code == 302


# -- deleting without JavaScript ---------------------------------------------------------------

@pytest.mark.parametrize("role, expected", [
    ("anonymous", "login"), ("citizen", 403), ("clubmod", 403), ("sitemod", 403), ("author", 200),
])
def test_delete_confirmation_page_for_each_role(app, client, auth, world, make_comment, role,
                                                expected):
    comment_id = make_comment(world["event"], world["author"], "My own words").id
    if role != "anonymous":
        auth.login(role)
    response = client.get(f"/comments/{comment_id}/delete")
    if expected == "login":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == expected
    # Looking at the page changes nothing.
    assert fetch(app, Comment, id=comment_id).status == "published"
    if expected == 200:
        page = response.text
        assert "Do you really want to delete your comment" in page and "My own words" in page
        assert f'action="/comments/{comment_id}/delete"' in page and 'method="post"' in page
        assert "Yes, delete it" in page and "No, keep it" in page


def test_no_js_delete_goes_through_the_confirmation(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "My own words").id
    auth.login("author")
    thread = client.get(f"/events/{world['event'].id}").text
    # The thread links to the page (no JavaScript); htmx posts after hx-confirm.
    assert f'href="/comments/{comment_id}/delete"' in thread
    assert f'data-hx-post="/comments/{comment_id}/delete"' in thread
    assert "data-hx-confirm=" in thread
    response = client.post_form(f"/comments/{comment_id}/delete")
    assert response.status_code == 302
    assert fetch(app, Comment, id=comment_id).status == "deleted"
    # The page of a deleted comment leads back to the event.
    again = client.get(f"/comments/{comment_id}/delete")
    assert again.status_code == 302 and f"/events/{world['event'].id}" in again.headers["Location"]


def test_htmx_delete_answers_with_the_thread(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "My own words").id
    auth.login("author")
    response = client.post_form(f"/comments/{comment_id}/delete", headers=HX)
    assert response.status_code == 200 and 'id="comments"' in response.text
    assert fetch(app, Comment, id=comment_id).status == "deleted"


def test_delete_without_csrf_is_refused(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "My own words").id
    auth.login("author")
    response = client.post(f"/comments/{comment_id}/delete")
    assert response.status_code == 400
    assert fetch(app, Comment, id=comment_id).status == "published"


# -- appeals: not to the moderator who rejected -----------------------------------------------

def test_appeal_is_not_offered_to_the_moderator_who_rejected(app, client, auth, world,
                                                             make_comment):
    comment_id = make_comment(world["event"], world["author"], "Appealed words",
                              status="rejected", decided_by_id=world["sitemod"].id,
                              decision_reason="respect", appeal_message="Please reconsider",
                              appealed_at=utcnow()).id
    auth.login("sitemod")
    page = client.get("/moderation/?kind=appeals").text
    assert f'id="queue-item-{comment_id}"' in page
    assert "You rejected this comment: a different moderator must decide the appeal." in page
    item = page[page.index(f'id="queue-item-{comment_id}"'):]
    item = item[:item.index("</li>")]
    assert "Uphold the appeal" not in item and "Dismiss the appeal" not in item
    assert 'name="comment_ids"' not in item  # nor a box for the bulk decision
    # Sent anyway: refused, with the reason.
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "approve"},
                                headers=HX)
    assert response.status_code == 422 and "A different moderator" in response.text
    response = client.post_form("/moderation/bulk", {"comment_ids": str(comment_id),
                                                     "action": "approve"},
                                follow_redirects=True)
    assert "1 comment could not be decided that way." in response.text
    assert fetch(app, Comment, id=comment_id).status == "rejected"
    # Another moderator (the club's, or another site moderator) decides it.
    for other in ("clubmod", "sitemod2"):
        auth.logout()
        auth.login(other)
        page = client.get("/moderation/?kind=appeals").text
        assert "Uphold the appeal" in page, other
        assert "You rejected this comment" not in page
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "approve"})
    assert response.status_code == 302
    assert fetch(app, Comment, id=comment_id).status == "published"
