"""Issue #12, moderators: a flagged comment is in the queue from its first
flag (with its count and reasons), three flags from different people still
hide it; a moderator keeps it (the flags dismissed) or hides it, one by one
or in bulk; the menu's badge counts what waits for each person, in one
statement."""

import pytest

from hrdebate.discussions import services as discussions
from hrdebate.extensions import db
from hrdebate.models import Comment, Flag, ModerationAction, Notification, User
from hrdebate.moderation.queue import pending_count, queue_counts
from tests.helpers import count_queries, fetch

pytestmark = pytest.mark.usefixtures("english")
HX = {"HX-Request": "true"}


@pytest.fixture
def world(make_user, make_club, make_event):
    people = {
        "admin": make_user("admin", site_role="admin", display_name="Admin Asel"),
        "sitemod": make_user("sitemod", site_role="moderator", display_name="Site Mod"),
        "clubmod": make_user("clubmod", display_name="Club Mod"),
        "othermod": make_user("othermod", display_name="Other Club Mod"),
        "organiser": make_user("organiser", display_name="Organiser"),
        "citizen": make_user("citizen", display_name="Citizen Aibek"),
        "author": make_user("author", display_name="Author Nurlan"),
        "r1": make_user("reporter1", display_name="Reporter One"),
        "r2": make_user("reporter2", display_name="Reporter Two"),
        "r3": make_user("reporter3", display_name="Reporter Three"),
    }
    club = make_club(organisers=[people["organiser"]], moderators=[people["clubmod"]],
                     moderation_mode="post")
    other = make_club(moderators=[people["othermod"]], moderation_mode="post")
    return {**people, "club": club, "other": other,
            "event": make_event(club, kind="civic_project"),
            "other_event": make_event(other, kind="civic_project")}


def flag(client, auth, username, comment_id, reason="harassment", note=None):
    auth.login(username)
    response = client.post_form(f"/comments/{comment_id}/flag",
                                {"reason": reason, "note": note or ""}, follow_redirects=True)
    auth.logout()
    return response


def in_queue(client, auth, username, comment_id, query=""):
    auth.login(username)
    page = client.get(f"/moderation/{query}").text
    auth.logout()
    return f'id="queue-item-{comment_id}"' in page, page


def test_flow_one_flag_queues_it_three_hide_it(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "You are all sheep").id
    assert not in_queue(client, auth, "clubmod", comment_id)[0]

    response = flag(client, auth, "reporter1", comment_id, "harassment", "insulting people")
    assert response.status_code == 200 and "moderators will review it" in response.text
    # At once in the queue, still public, with its count and reason.
    stored = fetch(app, Comment, id=comment_id)
    assert (stored.status, stored.open_flags) == ("published", 1)
    listed, page = in_queue(client, auth, "clubmod", comment_id)
    assert listed
    assert "Flagged, still visible" in page and "1 flag" in page
    assert "Harassment or hate" in page and "insulting people" in page
    assert "1 flagged comment" in page
    assert "Reporter One" not in page  # reporters are never named, not even here
    assert "You are all sheep" in client.get(f"/events/{world['event'].id}").text

    flag(client, auth, "reporter2", comment_id, "spam")
    page = in_queue(client, auth, "clubmod", comment_id)[1]
    assert "2 flags" in page and "Spam or advertising" in page
    assert fetch(app, Comment, id=comment_id).status == "published"

    flag(client, auth, "reporter3", comment_id, "harassment")
    stored = fetch(app, Comment, id=comment_id)
    assert (stored.status, stored.held_for, stored.open_flags) == ("hidden", "flags", 3)
    listed, page = in_queue(client, auth, "clubmod", comment_id)
    assert listed and "Hidden after flags" in page and "3 flags" in page
    assert "You are all sheep" not in client.get(f"/events/{world['event'].id}").text
    # The same reporter flagging again counts once.
    flag(client, auth, "reporter1", comment_id, "spam")
    assert fetch(app, Comment, id=comment_id).open_flags == 3


def test_reporters_are_never_revealed_to_the_author(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "Some view").id
    flag(client, auth, "reporter1", comment_id, "other", "a note from me")
    auth.login("author")
    page = client.get(f"/events/{world['event'].id}").text
    assert "Reporter One" not in page and "a note from me" not in page
    assert "Reporter One" not in client.get("/notifications/").text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.user_id == world["author"].id)) == 0


def test_keep_dismisses_the_flags_and_the_comment_stays(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], "A sharp but fair view").id
    flag(client, auth, "reporter1", comment_id)
    flag(client, auth, "reporter2", comment_id)
    auth.login("clubmod")
    page = client.get("/moderation/").text
    assert 'value="keep"' in page and "Keep: dismiss the flags" in page
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "keep"},
                                headers=HX)
    assert response.status_code == 200 and "0 flagged comments" in response.text
    # The moderator is not told that the author was told (phone review of #12).
    assert "Nobody is told" in response.text and "author is told" not in response.text
    stored = fetch(app, Comment, id=comment_id)
    assert (stored.status, stored.open_flags) == ("published", 0)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Flag).where(
            Flag.resolved_at.is_(None))) == 0
        assert {f.resolution for f in db.session.scalars(db.select(Flag))} == {"keep"}
        entry = db.session.scalar(db.select(ModerationAction).where(
            ModerationAction.comment_id == comment_id))
        assert (entry.action, entry.actor_id) == ("keep", world["clubmod"].id)
        # Nothing changed for the author, who is not told (nor that it was flagged).
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
    assert f"queue-item-{comment_id}" not in client.get("/moderation/").text
    assert "A sharp but fair view" in client.get(f"/events/{world['event'].id}").text
    # Kept twice (a double click): the same answer, no second log entry.
    assert client.post_form(f"/moderation/comments/{comment_id}",
                            {"action": "keep"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ModerationAction)) == 1
    # New flags count from zero: three new reporters hide it again.
    auth.logout()
    flag(client, auth, "reporter3", comment_id)
    assert fetch(app, Comment, id=comment_id).status == "published"


def test_hide_a_flagged_visible_comment_needs_a_rule(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"]).id
    flag(client, auth, "reporter1", comment_id)
    auth.login("clubmod")
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "hide"})
    assert response.status_code == 422
    assert fetch(app, Comment, id=comment_id).status == "published"
    response = client.post_form(f"/moderation/comments/{comment_id}",
                                {"action": "hide", "reason": "respect"})
    assert response.status_code == 302
    assert fetch(app, Comment, id=comment_id).status == "hidden"
    assert f"queue-item-{comment_id}" not in client.get("/moderation/").text


def test_keep_is_refused_where_nothing_was_flagged(app, client, auth, world, make_comment):
    pending = make_comment(world["event"], world["author"], status="pending",
                           held_for="pre_moderation").id
    plain = make_comment(world["event"], world["author"]).id
    auth.login("clubmod")
    for comment_id in (pending, plain):
        response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "keep"},
                                    headers=HX)
        assert response.status_code == 422
        assert "not possible for this comment" in response.text
    assert fetch(app, Comment, id=pending).status == "pending"


def test_bulk_keep_and_hide_handle_flagged_visible_comments(app, client, auth, world,
                                                            make_comment):
    flagged = [make_comment(world["event"], world["author"], f"Flagged {i}").id for i in range(3)]
    held = make_comment(world["event"], world["author"], status="pending",
                        held_for="pre_moderation").id
    foreign = make_comment(world["other_event"], world["author"]).id
    for comment_id in (*flagged, foreign):
        flag(client, auth, "reporter1", comment_id)
    auth.login("clubmod")
    response = client.post_form("/moderation/bulk", {
        "comment_ids": [str(flagged[0]), str(flagged[1]), str(held), str(foreign)],
        "action": "keep"}, follow_redirects=True)
    assert "2 comments decided." in response.text
    assert "2 comments could not be decided that way." in response.text
    assert [fetch(app, Comment, id=i).open_flags for i in flagged] == [0, 0, 1]
    assert fetch(app, Comment, id=held).status == "pending"
    assert fetch(app, Comment, id=foreign).open_flags == 1  # another club's: untouched
    response = client.post_form("/moderation/bulk", {
        "comment_ids": [str(flagged[2])], "action": "hide", "reason": "topic"},
        follow_redirects=True)
    assert "1 comment decided." in response.text
    assert fetch(app, Comment, id=flagged[2]).status == "hidden"


def test_queue_filters_and_counts_include_flagged_visible(app, client, auth, world,
                                                          make_comment):
    visible = make_comment(world["event"], world["author"], "Visible one").id
    hidden = make_comment(world["event"], world["author"], "Hidden one").id
    flag(client, auth, "reporter1", visible, "spam")
    for who in ("reporter1", "reporter2", "reporter3"):
        flag(client, auth, who, hidden, "harassment")
    assert fetch(app, Comment, id=hidden).status == "hidden"
    with app.app_context():
        assert queue_counts([world["club"].id]) == {"pending": 0, "flagged": 2, "appeals": 0}
        assert queue_counts([world["other"].id])["flagged"] == 0
    assert in_queue(client, auth, "clubmod", visible, "?kind=flagged")[0]
    assert in_queue(client, auth, "clubmod", hidden, "?kind=flagged")[0]
    assert not in_queue(client, auth, "clubmod", visible, "?kind=pending")[0]
    assert in_queue(client, auth, "clubmod", visible, "?reason=spam")[0]
    assert not in_queue(client, auth, "clubmod", hidden, "?reason=spam")[0]
    assert in_queue(client, auth, "clubmod", hidden, "?reason=harassment")[0]
    # "Hidden after flags" is the hidden ones only.
    assert in_queue(client, auth, "clubmod", hidden, "?reason=flags")[0]
    assert not in_queue(client, auth, "clubmod", visible, "?reason=flags")[0]
    # Another club's moderator sees neither.
    assert not in_queue(client, auth, "othermod", visible)[0]


# -- the badge ------------------------------------------------------------------------------

@pytest.mark.parametrize("role, expected", [
    ("citizen", 0), ("organiser", 0), ("author", 0),
    ("clubmod", 3), ("othermod", 1), ("sitemod", 3), ("admin", 4),
])
def test_pending_count_for_each_role(app, world, make_comment, role, expected):
    """clubmod's club: one held, one flagged (visible), one appealed against
    the site moderator's rejection; the other club: one held. The site
    moderator rejected the appealed one, so it is not theirs to decide."""
    make_comment(world["event"], world["author"], status="pending", held_for="pre_moderation")
    make_comment(world["other_event"], world["author"], status="pending",
                 held_for="watched_word")
    flagged = make_comment(world["event"], world["author"])
    make_comment(world["event"], world["author"], status="rejected",
                 decided_by_id=world["sitemod"].id, appeal_message="Please",
                 appealed_at=flagged.created_at)
    make_comment(world["event"], world["author"])  # published, never flagged
    with app.app_context():
        discussions.flag_comment(db.session.get(Comment, flagged.id),
                                 db.session.get(User, world["r1"].id), "spam", None)
        db.session.commit()
    with app.app_context():
        person = db.session.get(User, world[role].id)
        with count_queries(app) as statements:
            assert pending_count(person) == expected
        assert len(statements) == (1 if role else 0)


def test_pending_count_anonymous_runs_no_statement(app, client):
    from flask_login import AnonymousUserMixin

    with app.test_request_context():
        with count_queries(app) as statements:
            assert pending_count(AnonymousUserMixin()) == 0
        assert statements == []
