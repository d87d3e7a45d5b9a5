"""Comment threads on event pages: reading with the right visibility,
posting, replying, editing, deleting, flagging, appealing, organisers'
settings, hostile input, and query budgets."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from hrdebate.extensions import db
from hrdebate.models import Comment, Event, Flag, User, WatchedWord, utcnow
from tests.helpers import count_queries, fetch

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


# -- fixtures and helpers -------------------------------------------------------------------

@pytest.fixture
def people(make_user, make_club):
    owner = make_user("owner", display_name="Owner Olga")
    clubmod = make_user("clubmod", display_name="Club Moderator")
    sitemod = make_user("sitemod", site_role="moderator")
    alice = make_user("alice", display_name="Alice Author")
    bob = make_user("bob", display_name="Bob Bystander")
    trusted = make_user("trusted", display_name="Trusted Talgat", approved_comment_count=3)
    post_club = make_club(owner=owner, moderators=[clubmod], moderation_mode="post",
                          slug="post-club")
    pre_club = make_club(owner=owner, moderators=[clubmod], moderation_mode="pre",
                         slug="pre-club")
    return {"owner": owner, "clubmod": clubmod, "sitemod": sitemod, "alice": alice,
            "bob": bob, "trusted": trusted, "post_club": post_club, "pre_club": pre_club}


@pytest.fixture
def debate(people, make_event):
    return make_event(people["post_club"], kind="debate")


def url(event):
    return f"/events/{event.id}"


def comments_url(event):
    return f"/events/{event.id}/comments"


def post(client, event, body, headers=None, **fields):
    data = {"body": body, **fields}
    if event.kind == "debate" and "stance" not in data and "parent_id" not in data:
        data["stance"] = "for"
    return client.post_form(comments_url(event), data, headers=headers or {})


def comments(app, event_id):
    with app.app_context():
        rows = db.session.scalars(db.select(Comment).where(Comment.event_id == event_id)
                                  .order_by(Comment.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def login_as(client, auth, username):
    auth.logout()
    assert auth.login(username).status_code == 302


def set_comment(app, comment_id, **fields):
    with app.app_context():
        c = db.session.get(Comment, comment_id)
        for k, v in fields.items():
            setattr(c, k, v)
        db.session.commit()


# -- posting and moderation modes ----------------------------------------------------------

def test_post_moderation_publishes_at_once(app, client, auth, debate):
    auth.login("alice")
    response = post(client, debate, "Voting at 16 builds **civic habits**.")
    assert response.status_code == 302
    [c] = comments(app, debate.id)
    assert response.headers["Location"].endswith(f"/events/{debate.id}#comment-{c.id}")
    assert c.status == "published" and c.stance == "for" and c.depth == 1
    assert "<strong>civic habits</strong>" in c.body_html
    auth.logout()
    page = client.get(url(debate)).text
    assert "civic habits" in page and "Alice Author" in page and "1 comment" in page


def test_pre_moderation_holds_an_untrusted_author(app, client, auth, people, make_event):
    event = make_event(people["pre_club"], kind="debate")
    auth.login("alice")
    response = post(client, event, "Held words here", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="comments"' in response.text
    assert "Held words here" in response.text and "Waiting for review" in response.text
    [c] = comments(app, event.id)
    assert c.status == "pending" and c.held_for == "pre_moderation"
    # The author sees it on the page, marked; nobody else but moderators does.
    page = client.get(url(event)).text
    assert "Held words here" in page and "Waiting for review" in page
    for who in (None, "bob", "owner"):
        auth.logout()
        if who:
            auth.login(who)
        page = client.get(url(event)).text
        assert "Held words here" not in page, who
        assert "0 comments" in page
        fragment = client.get(comments_url(event), headers=HTMX).text
        assert "Held words here" not in fragment and "0 comments" in fragment
    for who in ("clubmod", "sitemod"):
        login_as(client, auth, who)
        page = client.get(url(event)).text
        assert "Held words here" in page and "Waiting for review" in page and "1 comment" in page


def test_pre_moderation_publishes_a_trusted_author(app, client, auth, people, make_event):
    event = make_event(people["pre_club"], kind="civic_project")
    auth.login("trusted")
    assert post(client, event, "A trusted voice").status_code == 302
    [c] = comments(app, event.id)
    assert c.status == "published" and c.stance is None
    auth.logout()
    assert "A trusted voice" in client.get(url(event)).text


def test_a_watched_word_holds_the_comment(app, client, auth, debate):
    with app.app_context():
        db.session.add(WatchedWord(word="плохое"))
        db.session.commit()
    auth.login("trusted")
    post(client, debate, "Это ПЛОХОЕ слово")
    post(client, debate, "Это хорошее слово", stance="against")
    held, fine = comments(app, debate.id)
    assert (held.status, held.held_for) == ("pending", "watched_word")
    assert fine.status == "published"
    auth.logout()
    page = client.get(url(debate)).text
    assert "ПЛОХОЕ" not in page and "хорошее" in page and "1 comment" in page


def test_the_htmx_post_shows_the_new_comment(app, client, auth, debate):
    auth.login("alice")
    response = post(client, debate, "Fresh thought", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "HX-Request" in response.headers.get("Vary", "")
    assert "Fresh thought" in response.text and "1 comment" in response.text


# -- visibility of held comments -------------------------------------------------------------

@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
def test_held_comments_are_seen_by_their_author_and_moderators_only(
        app, client, auth, people, debate, status, make_comment):
    make_comment(debate, people["bob"], "Public remark")
    held = make_comment(debate, people["alice"], "Secret remark", status=status,
                       decision_reason="Personal data of a classmate" if status == "rejected"
                       else None)
    label = {"pending": "Waiting for review", "rejected": "Rejected: Personal data",
             "hidden": "Hidden by the moderators"}[status]
    for who in (None, "bob", "owner"):
        auth.logout()
        if who:
            auth.login(who)
        for response in (client.get(url(debate)),
                         client.get(comments_url(debate), headers=HTMX),
                         client.get(url(debate), headers=HTMX)):
            assert response.status_code == 200
            assert "Secret remark" not in response.text, who
            assert "Public remark" in response.text and "1 comment" in response.text
        for action in ("flag", "edit", "appeal"):
            if who:
                assert client.get(f"/comments/{held.id}/{action}").status_code == 404
    for who in ("alice", "clubmod", "sitemod"):
        login_as(client, auth, who)
        for response in (client.get(url(debate)), client.get(comments_url(debate), headers=HTMX)):
            assert "Secret remark" in response.text and label in response.text, who
            assert "2 comments" in response.text
    login_as(client, auth, "alice")
    page = client.get(url(debate)).text
    has_appeal = f"/comments/{held.id}/appeal" in page
    assert has_appeal == (status == "rejected")


def test_deleted_comments_keep_their_place_only_with_replies(app, client, auth, people,
                                                             debate, make_comment):
    lonely = make_comment(debate, people["alice"], "Lonely one")
    parent = make_comment(debate, people["alice"], "Parent one")
    make_comment(debate, people["bob"], "A reply below", parent=parent)
    auth.login("alice")
    for c in (lonely, parent):
        response = client.post_form(f"/comments/{c.id}/delete")
        assert response.status_code == 302
    deleted = fetch(app, Comment, id=parent.id)
    assert deleted.status == "deleted" and deleted.body == "" and deleted.body_html == ""
    auth.logout()
    page = client.get(url(debate)).text
    assert "Lonely one" not in page and "Parent one" not in page
    assert page.count("deleted by its author") == 1
    assert f'id="comment-{parent.id}"' in page and f'id="comment-{lonely.id}"' not in page
    assert "A reply below" in page and "1 comment" in page


def test_deleted_parent_with_only_held_replies_disappears(app, client, auth, people, debate, make_comment):
    parent = make_comment(debate, people["alice"], "Gone", status="deleted")
    make_comment(debate, people["bob"], "Held reply", status="pending", parent=parent)
    page = client.get(url(debate)).text
    assert "deleted by its author" not in page and "Held reply" not in page
    auth.login("bob")
    page = client.get(url(debate)).text
    assert "deleted by its author" in page and "Held reply" in page


def test_a_held_parent_with_a_public_reply_shows_a_placeholder(app, client, auth, people,
                                                                 debate, make_comment):
    parent = make_comment(debate, people["alice"], "Hidden parent", status="hidden")
    make_comment(debate, people["bob"], "Public reply", parent=parent)
    page = client.get(url(debate)).text
    assert "Hidden parent" not in page and "Public reply" in page
    assert "This comment is not shown" in page and "1 comment" in page
    auth.login("alice")
    page = client.get(url(debate)).text
    assert "Hidden parent" in page and "Hidden by the moderators" in page


# -- replies ---------------------------------------------------------------------------------

def test_replies_nest_to_depth_three(app, client, auth, people, debate, make_comment):
    top = make_comment(debate, people["bob"], "Level one", stance="for")
    auth.login("alice")
    assert post(client, debate, "Level two", parent_id=top.id).status_code == 302
    two = comments(app, debate.id)[-1]
    assert (two.depth, two.parent_id, two.stance) == (2, top.id, None)
    assert post(client, debate, "Level three", parent_id=two.id).status_code == 302
    three = comments(app, debate.id)[-1]
    assert three.depth == 3
    response = post(client, debate, "Level four", parent_id=three.id, headers=HTMX)
    assert response.status_code == 422
    assert "three levels deep" in response.text
    response = post(client, debate, "Level four", parent_id=three.id)
    assert response.status_code == 302
    assert len(comments(app, debate.id)) == 3
    assert "three levels deep" in client.get(url(debate)).text
    page = client.get(url(debate)).text
    # The nesting shows on the page, and there is no reply form at depth three.
    assert re.search(rf'id="comment-{top.id}".*<ol class="replies">.*id="comment-{two.id}"'
                     rf'.*<ol class="replies">.*id="comment-{three.id}"', page, re.DOTALL)
    assert f'name="parent_id" value="{two.id}"' in page
    assert f'name="parent_id" value="{three.id}"' not in page


@pytest.mark.parametrize("parent_id", ["999999", "abc", "held", "other-event"])
def test_replies_only_to_visible_comments_of_the_same_event(app, client, auth, people, debate,
                                                            make_event, parent_id, make_comment):
    other = make_event(people["post_club"], kind="civic_project")
    ids = {"held": make_comment(debate, people["bob"], status="pending").id,
           "other-event": make_comment(other, people["bob"]).id}
    auth.login("alice")
    response = post(client, debate, "Reply", parent_id=ids.get(parent_id, parent_id),
                    headers=HTMX)
    assert response.status_code == 422
    assert "cannot reply" in response.text
    assert [c.body for c in comments(app, debate.id)] == ["A comment"]


# -- bad input and refusals -------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "message"), [
    ({"body": ""}, "This field is required."),
    ({"body": "   "}, "This field is required."),
    ({"body": "x" * 5001}, "5000"),
    ({"body": "Fine", "stance": "maybe"}, "Choose for, against or neutral."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_refused_with_its_errors(app, client, auth, debate, fields, message,
                                              htmx):
    auth.login("alice")
    response = client.post_form(comments_url(debate), fields, headers=HTMX if htmx else {})
    assert response.status_code == 422
    assert message in response.text
    assert ("<html" in response.text) != htmx
    assert comments(app, debate.id) == []


def test_anonymous_posts_go_to_login(app, client, people, debate, make_comment):
    c = make_comment(debate, people["bob"])
    for path in (comments_url(debate), f"/comments/{c.id}/delete", f"/comments/{c.id}/flag",
                 f"/comments/{c.id}/edit", f"/comments/{c.id}/appeal",
                 f"/events/{debate.id}/discussion"):
        response = client.post_form(path, {"body": "x", "reason": "spam", "message": "m"})
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert len(comments(app, debate.id)) == 1


def test_closed_discussion_refuses(app, client, auth, people, make_event):
    event = make_event(people["post_club"], kind="moot_court", discussion_closed=True)
    auth.login("alice")
    page = client.get(url(event)).text
    assert "The discussion is closed." in page and 'name="body"' not in page
    response = post(client, event, "Let me in", headers=HTMX)
    assert response.status_code == 422 and "The discussion is closed." in response.text
    response = post(client, event, "Let me in")  # without JavaScript: the page, the text kept
    assert response.status_code == 422 and "closed this discussion" in response.text
    assert comments(app, event.id) == []


def test_slow_mode_refuses_a_second_comment(app, client, auth, people, make_event):
    event = make_event(people["post_club"], kind="civic_project", slow_mode_seconds=60)
    auth.login("alice")
    assert post(client, event, "First").status_code == 302
    response = post(client, event, "Second", headers=HTMX)
    assert response.status_code == 422 and "Slow mode is on" in response.text
    assert [c.body for c in comments(app, event.id)] == ["First"]


def test_muted_users_cannot_comment_or_flag(app, client, auth, people, debate, make_user, make_comment):
    make_user("muted", muted_until=utcnow() + timedelta(days=1))
    c = make_comment(debate, people["bob"])
    auth.login("muted")
    page = client.get(url(debate)).text
    assert "You are muted" in page and 'name="body"' not in page
    response = post(client, debate, "I am loud", headers=HTMX)
    assert response.status_code == 422 and "You are muted" in response.text
    response = client.post_form(f"/comments/{c.id}/flag", {"reason": "spam"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{debate.id}#comment-{c.id}")
    assert "You are muted" in client.get(response.headers["Location"]).text
    assert len(comments(app, debate.id)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


def test_drafts_have_no_thread(app, client, auth, people, make_event, make_comment):
    draft = make_event(people["post_club"], status="draft")
    c = make_comment(draft, people["owner"])
    auth.login("alice")
    assert client.get(comments_url(draft), headers=HTMX).status_code == 404
    assert client.get(f"/comments/{c.id}/flag").status_code == 404
    assert post(client, draft, "Sneaky").status_code == 404


# -- editing --------------------------------------------------------------------------------

def test_edit_within_the_window_marks_it_edited(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Frist draft")
    auth.login("alice")
    assert client.get(f"/comments/{c.id}/edit").status_code == 200
    response = client.post_form(f"/comments/{c.id}/edit", {"body": "First draft"})
    assert response.status_code == 302
    edited = fetch(app, Comment, id=c.id)
    assert edited.body == "First draft" and edited.edited_at is not None
    page = client.get(url(debate)).text
    assert "First draft" in page and "edited" in page


def test_edit_after_the_window_is_refused(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Old words",
                    created_at=utcnow() - timedelta(minutes=16))
    auth.login("alice")
    assert f"/comments/{c.id}/edit" not in client.get(url(debate)).text
    response = client.get(f"/comments/{c.id}/edit")  # nothing typed yet: back to the comment
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{debate.id}#comment-{c.id}")
    assert "first 15 minutes" in client.get(response.headers["Location"]).text
    for headers in ({}, HTMX):  # typed: the form again, with the text and the reason
        response = client.post_form(f"/comments/{c.id}/edit", {"body": "New words"},
                                    headers=headers)
        assert response.status_code == 422 and "first 15 minutes" in response.text
        assert "New words" in response.text
    assert fetch(app, Comment, id=c.id).body == "Old words"


def test_edit_bad_input(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Keep me")
    auth.login("alice")
    response = client.post_form(f"/comments/{c.id}/edit", {"body": ""})
    assert response.status_code == 422 and "This field is required." in response.text
    assert fetch(app, Comment, id=c.id).body == "Keep me"


@pytest.mark.parametrize("action", ["edit", "delete", "appeal"])
def test_only_the_author_changes_a_comment(app, client, auth, people, debate, action, make_comment):
    c = make_comment(debate, people["alice"], "Mine")
    for who in ("bob", "clubmod", "owner", "sitemod"):
        login_as(client, auth, who)
        response = client.post_form(f"/comments/{c.id}/{action}", {"body": "Yours",
                                                                   "message": "m"})
        assert response.status_code == 403, who
    assert fetch(app, Comment, id=c.id).body == "Mine"


# -- flags ----------------------------------------------------------------------------------

def test_flag_once_and_reporters_stay_anonymous(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Flag me")
    auth.login("bob")
    page = client.get(f"/comments/{c.id}/flag")
    assert page.status_code == 200 and "/conduct" in page.text and "Harassment or hate" in page.text
    response = client.post_form(f"/comments/{c.id}/flag", {"reason": "harassment",
                                                             "note": "Insults a speaker"})
    assert response.status_code == 302
    assert "Thank you, moderators will review it." in client.get(response.headers["Location"]).text
    # Again (a double click, or a second thought): the same answer, one flag.
    response = client.post_form(f"/comments/{c.id}/flag", {"reason": "spam"},
                                follow_redirects=True)
    assert "Thank you, moderators will review it." in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Flag.id))) == 1
    login_as(client, auth, "alice")
    page = client.get(url(debate)).text
    assert "Bob Bystander" not in page and "Insults a speaker" not in page


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Choose a reason."),
    ({"reason": "ugly"}, "Not a valid choice"),
    ({"reason": "other", "note": "n" * 501}, "500"),
])
def test_flag_bad_input(app, client, auth, people, debate, fields, message, make_comment):
    c = make_comment(debate, people["alice"])
    auth.login("bob")
    response = client.post_form(f"/comments/{c.id}/flag", fields)
    assert response.status_code == 422 and message in response.text
    assert fetch(app, Comment, id=c.id).open_flags == 0


def test_three_flags_hide_a_comment(app, client, auth, people, debate, make_user, make_comment):
    c = make_comment(debate, people["alice"], "Contested words")
    for name in ("f1", "f2", "f3"):
        make_user(name)
        login_as(client, auth, name)
        assert client.post_form(f"/comments/{c.id}/flag", {"reason": "spam"}).status_code == 302
    hidden = fetch(app, Comment, id=c.id)
    assert hidden.status == "hidden" and hidden.open_flags == 3
    auth.logout()
    assert "Contested words" not in client.get(url(debate)).text
    login_as(client, auth, "alice")
    page = client.get(url(debate)).text
    assert "Contested words" in page and "Hidden by the moderators" in page


def test_cannot_flag_own_comment(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"])
    auth.login("alice")
    response = client.post_form(f"/comments/{c.id}/flag", {"reason": "spam"})
    assert response.status_code == 302
    assert "your own comment" in client.get(response.headers["Location"]).text
    assert fetch(app, Comment, id=c.id).open_flags == 0


# -- appeals ---------------------------------------------------------------------------------

def test_appeal_a_rejection_once(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Rejected words", status="rejected",
                    decision_reason="Off-topic")
    auth.login("alice")
    assert client.get(f"/comments/{c.id}/appeal").status_code == 200
    response = client.post_form(f"/comments/{c.id}/appeal", {"message": ""})
    assert response.status_code == 422 and fetch(app, Comment, id=c.id).appealed_at is None
    response = client.post_form(f"/comments/{c.id}/appeal", {"message": "It is on topic."})
    assert response.status_code == 302
    appealed = fetch(app, Comment, id=c.id)
    assert appealed.appeal_message == "It is on topic." and appealed.appeal_pending
    assert "Your appeal is waiting for a decision." in client.get(url(debate)).text
    response = client.post_form(f"/comments/{c.id}/appeal", {"message": "Again!"})
    assert response.status_code == 302
    assert "only once" in client.get(response.headers["Location"]).text
    assert fetch(app, Comment, id=c.id).appeal_message == "It is on topic."


def test_only_rejections_are_appealed(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"])
    auth.login("alice")
    response = client.post_form(f"/comments/{c.id}/appeal", {"message": "Why?"})
    assert response.status_code == 302
    assert "Only a rejected comment" in client.get(response.headers["Location"]).text
    assert client.get(f"/comments/{c.id}/appeal").status_code == 302
    assert fetch(app, Comment, id=c.id).appealed_at is None


# -- organisers' settings -------------------------------------------------------------------

def test_organisers_close_the_discussion_and_set_slow_mode(app, client, auth, people, debate):
    path = f"/events/{debate.id}/discussion"
    # The club's moderators run it too (issue #12: tests/test_club_moderators.py).
    for who in ("alice",):
        login_as(client, auth, who)
        assert 'action="' + path not in client.get(url(debate)).text
        assert client.post_form(path, {"closed": "y", "slow_mode_seconds": "0"}).status_code == 403
    login_as(client, auth, "owner")
    assert 'action="' + path in client.get(url(debate)).text
    response = client.post_form(path, {"closed": "y", "slow_mode_seconds": "120"}, headers=HTMX)
    assert response.status_code == 200 and "The discussion is closed." in response.text
    event = fetch(app, Event, id=debate.id)
    assert event.discussion_closed and event.slow_mode_seconds == 120
    for bad in ("-1", "3601", "soon"):
        response = client.post_form(path, {"slow_mode_seconds": bad})
        assert response.status_code == 422 and "<html" in response.text
    response = client.post_form(path, {"slow_mode_seconds": "0"})
    assert response.status_code == 302
    event = fetch(app, Event, id=debate.id)
    assert not event.discussion_closed and event.slow_mode_seconds == 0


# -- the thread: fragments, stance, pagination -----------------------------------------------

def test_plain_thread_request_redirects_to_the_event_page(client, debate):
    response = client.get(comments_url(debate) + "?comments_page=2&stance=for")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert f"/events/{debate.id}?" in location and location.endswith("#comments")
    assert "comments_page=2" in location and "stance=for" in location


def test_stance_filter_and_side_by_side(app, client, people, debate, make_comment):
    make_comment(debate, people["alice"], "Pro argument", stance="for")
    make_comment(debate, people["bob"], "Contra argument", stance="against")
    make_comment(debate, people["trusted"], "Middle ground", stance="neutral")
    page = client.get(url(debate) + "?stance=against").text
    assert "Contra argument" in page and "Pro argument" not in page
    fragment = client.get(comments_url(debate) + "?stance=for", headers=HTMX).text
    assert "Pro argument" in fragment and "Contra argument" not in fragment
    sides = client.get(url(debate) + "?view=sides").text
    assert re.search(r'side-for.*Pro argument.*side-against.*Contra argument', sides, re.DOTALL)
    assert "Middle ground" not in sides
    assert "?view=sides#comments" in client.get(url(debate)).text


def test_show_more_pages_through_top_level_comments(app, client, people, debate):
    with app.app_context():
        start = utcnow() - timedelta(hours=1)
        for i in range(45):
            db.session.add(Comment(event_id=debate.id, author_id=people["bob"].id,
                                   body=f"Number {i:02d}", body_html=f"<p>Number {i:02d}</p>",
                                   created_at=start + timedelta(seconds=i)))
        db.session.commit()
    page = client.get(url(debate)).text
    assert "Number 19" in page and "Number 20" not in page and "45 comments" in page
    assert f"/events/{debate.id}?comments_page=2#comments" in page
    assert f"/events/{debate.id}/comments?part=more&amp;comments_page=2" in page
    more = client.get(comments_url(debate) + "?part=more&comments_page=2", headers=HTMX)
    assert more.status_code == 200 and "<html" not in more.text
    assert "Number 20" in more.text and "Number 39" in more.text
    assert "Number 19" not in more.text and 'id="comments"' not in more.text
    assert "comments_page=3" in more.text
    last = client.get(url(debate) + "?comments_page=3").text
    assert "Number 44" in last and "Number 39" not in last and "comments_page=4" not in last


# -- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<body onload=alert(1)>',
    '<a href="#" onclick="alert(1)">click</a>',
    '<div onmouseover="alert(1)">hover</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DATA:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">raw</a>',
    '<button hx-get="/account/delete" hx-trigger="load">x</button>',
    '<div hx-post="/auth/logout" hx-trigger="load" hx-swap="outerHTML">x</div>',
    '<span data-hx-get="/account/" data-hx-trigger="load">x</span>',
    "<svg onload=alert(1)><circle r=10 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    '<math href="javascript:alert(1)">x</math>',
    '<form action="/auth/logout" method="post"><button>Win</button></form>',
    '<input type="submit" formaction="/auth/logout">',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<style>body{display:none}</style>",
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<!--<script>alert(1)</script>-->",
    '<details open ontoggle="alert(1)">x</details>',
    '[x](https://example.org "title" onmouseover=alert(1))',
    '<a href="https://example.org" target="_blank" rel="opener">x</a>',
    "{{ 7*7 }} {% raw %}x{% endraw %}",
    "Marks stay: \u200fright-to-left mark\u200e and zero\u200bwidth",
]
# Refused by every text area (forms.multi_line, issue #9 item 10).
REFUSED = [
    "\u202egnp.exe",
    "Safe text \u202e and then reversed \u202c end",
    "\u2067isolated\u2069 and \u202d override",
    "Bell \x07 and escape \x1b[31m",
]

INLINE_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORBIDDEN_TAGS = {"script", "iframe", "form", "svg", "math", "style", "object", "embed",
                  "input", "button", "meta", "link", "base", "img", "details", "textarea",
                  "select", "frame", "frameset"}


class _BodyAudit(HTMLParser):
    """Collect what sits inside the comment bodies of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # > 0 inside a comment body
        self.bodies = 0
        self.tags, self.attributes, self.hrefs, self.text = [], [], [], []
        self.isolated = []  # per body: hx-disable and dir=auto on the wrapper

    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "base", "embed", "wbr",
                      "area", "col", "source", "track"})

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if self.depth:
            self.tags.append(tag)
            self.attributes.extend(name for name, _ in attrs)
            if "href" in names:
                self.hrefs.append(names["href"])
            if "src" in names:
                self.hrefs.append(names["src"])
            if tag not in self.VOID:
                self.depth += 1
        elif "comment-body" in (names.get("class") or "").split():
            self.bodies += 1
            self.isolated.append("data-hx-disable" in names and names.get("dir") == "auto")
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def _scheme(href):
    """The scheme a browser reads in a URL (WHATWG URL parsing: leading and
    trailing controls and spaces stripped, tabs and newlines removed
    anywhere), or None for a relative reference such as "#x" or
    "java%09script:x" (a percent sign cannot be part of a scheme)."""
    cleaned = re.sub(r"[\t\n\r]", "", href.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                 "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                 "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                 "\x1e\x1f \t\n\r"))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


def test_scheme_reading():
    assert _scheme("https://example.org") == "https"
    assert _scheme(" Java\tScript:alert(1)") == "javascript"
    assert _scheme("java%09script:alert(1)") is None
    assert _scheme("#top") is None


def test_hostile_inputs_render_inert(app, client, auth, people, debate):
    assert len(HOSTILE) >= 30
    auth.login("trusted")
    for body in REFUSED:
        response = post(client, debate, body, headers=HTMX)
        assert response.status_code == 422, body
        assert "change its direction" in response.text
    for body in HOSTILE:
        response = post(client, debate, body, headers=HTMX)
        assert response.status_code == 200, body
        assert "<script>alert" not in response.text
    stored = comments(app, debate.id)
    assert len(stored) == len(HOSTILE) and all(c.status == "published" for c in stored)
    auth.logout()
    pages = [client.get(url(debate) + f"?comments_page={n}").text for n in (1, 2, 3)]
    fragments = [client.get(comments_url(debate) + f"?part=more&comments_page={n}",
                            headers=HTMX).text for n in (1, 2, 3)]
    assert not any("<html" in f for f in fragments)
    for group in (pages, fragments):
        audit = _BodyAudit()
        for page in group:
            audit.feed(page)
        assert audit.bodies == len(HOSTILE)
        # Every body is wrapped so that htmx ignores it (data-hx-disable) and its
    # direction is isolated.
        assert all(audit.isolated)
        assert not FORBIDDEN_TAGS & set(audit.tags), FORBIDDEN_TAGS & set(audit.tags)
        bad = [a for a in audit.attributes
               if a.startswith(("on", "hx-", "data-")) or a in ("style", "target", "srcdoc",
                                                                  "formaction", "xlink:href")]
        assert not bad, bad
        for href in audit.hrefs:
            assert _scheme(href) in (None, "http", "https", "mailto"), href
        # No live markup leaked out of a body either (the page's own scripts
        # are external files).
        for page in group:
            assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)
            assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", page, re.IGNORECASE)
            assert not re.search(r"<[a-z][^<>]*\s(data-)?hx-[a-z]+=\"/(account|auth)", page)
        assert "49" not in " ".join(audit.text)  # templates never evaluate user text


def test_direction_overrides_stay_inside_their_comment(app, client, auth, people, debate, make_comment):
    """The forms refuse direction overrides (forms.multi_line); a text stored
    before, or by another way in, is still isolated on the page (dir="auto"
    on the body wrapper, <bdi> around the name), so an override cannot
    reverse the page's text around it."""
    make_comment(debate, people["alice"], "\u202eevil")
    page = client.get(url(debate)).text
    body = re.search(r'<div class="comment-body prose" dir="auto" data-hx-disable>(.*?)</div>',
                     page, re.DOTALL).group(1)
    assert "\u202e" in body
    outside = page.replace(body, "")
    assert not INLINE_BIDI & set(outside)
    assert '<bdi class="comment-author">Alice Author</bdi>' in page


# -- query budget ------------------------------------------------------------------------------

def _fill_thread(app, event, authors, n):
    """n comments: about a third top-level, the rest replies at depths 2 and 3,
    in every state."""
    statuses = ["published"] * 6 + ["pending", "rejected", "hidden", "deleted"]
    with app.app_context():
        start = utcnow() - timedelta(days=1)
        made = 0
        while made < n:
            top = Comment(event_id=event.id, author_id=authors[made % len(authors)].id,
                          body="top", body_html="<p>top</p>", stance=("for", "against")[made % 2],
                          status=statuses[made % len(statuses)],
                          created_at=start + timedelta(seconds=made))
            db.session.add(top)
            db.session.flush()
            made += 1
            parent = top
            for depth in (2, 3):
                if made >= n:
                    break
                reply = Comment(event_id=event.id, author_id=authors[made % len(authors)].id,
                                body="reply", body_html="<p>reply</p>", depth=depth,
                                parent_id=parent.id, status=statuses[made % len(statuses)],
                                created_at=start + timedelta(seconds=made))
                db.session.add(reply)
                db.session.flush()
                made += 1
                parent = reply
        db.session.commit()


def _statements(app, client, path, headers=None):
    with count_queries(app) as statements:
        response = client.get(path, headers=headers or {})
        assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("who", [None, "alice", "clubmod"])
def test_query_count_does_not_grow_with_the_thread(app, client, auth, people, make_event, who,
                                                   make_user):
    small = make_event(people["post_club"], kind="debate")
    large = make_event(people["post_club"], kind="debate")
    authors = [people["alice"], people["bob"]] + [make_user() for _ in range(8)]
    _fill_thread(app, small, authors, 10)
    _fill_thread(app, large, authors, 300)
    if who:
        auth.login(who)
    counts = {}
    for name, event in (("small", small), ("large", large)):
        counts[name] = (
            _statements(app, client, url(event)),
            _statements(app, client, comments_url(event), HTMX),
            _statements(app, client, url(event) + "?view=sides"),
            _statements(app, client, url(event) + "?stance=against"),
        )
    assert counts["small"] == counts["large"], counts
    # A second page: the 10-comment thread has none, so compare with 120 comments.
    medium = make_event(people["post_club"], kind="debate")
    _fill_thread(app, medium, authors, 120)
    more = [_statements(app, client, comments_url(event) + "?part=more&comments_page=2", HTMX)
            for event in (medium, large)]
    assert more[0] == more[1]


def test_a_full_thread_page_stays_under_20_kb(app, client, auth, people, debate):
    """20 top-level comments with two replies each, as a signed-in person sees
    them (with a reply form per comment), compressed as browsers ask."""
    import random
    rng = random.Random(5)
    words = ["право", "голос", "свобода", "выражения", "мнения", "молодёжь", "закон", "суд", "адвокат", "freedom", "speech", "vote", "justice", "court", "rights", "education", "youth", "kyrgyzstan"]
    with app.app_context():
        for i in range(20):
            top = Comment(event_id=debate.id, author_id=people["bob"].id, stance="for",
                          body="x", body_html="<p>" + " ".join(rng.choices(words, k=60)) + "</p>")
            db.session.add(top)
            db.session.flush()
            parent = top
            for depth in (2, 3):
                reply = Comment(event_id=debate.id, author_id=people["trusted"].id, body="x",
                                body_html="<p>" + " ".join(rng.choices(words, k=40)) + "</p>",
                                depth=depth, parent_id=parent.id)
                db.session.add(reply)
                db.session.flush()
                parent = reply
        db.session.commit()
    auth.login("alice")
    with client.get(url(debate), headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as r:
        assert r.status_code == 200 and r.headers.get("Content-Encoding")
        size = len(r.get_data())
    print("compressed thread page:", size)
    assert size <= 20 * 1024


@pytest.mark.parametrize("reply", [False, True])
def test_the_author_sees_a_comment_posted_beyond_the_first_page(app, client, auth, people,
                                                              debate, reply):
    with app.app_context():
        start = utcnow() - timedelta(hours=1)
        for i in range(25):
            db.session.add(Comment(event_id=debate.id, author_id=people["bob"].id,
                                   body=f"Old {i}", body_html=f"<p>Old {i}</p>",
                                   created_at=start + timedelta(seconds=i)))
        db.session.commit()
    last = comments(app, debate.id)[-1]
    auth.login("alice")
    fields = {"parent_id": last.id} if reply else {}
    response = post(client, debate, "My late word", headers=HTMX, **fields)
    assert response.status_code == 200 and "My late word" in response.text
    assert 'id="comments"' in response.text
    response = post(client, debate, "My second word", **fields)
    new = comments(app, debate.id)[-1]
    location = response.headers["Location"]
    assert "comments_page=2" in location and location.endswith(f"#comment-{new.id}")
    assert "My second word" in client.get(location).text


def test_hidden_comments_stay_out_of_home_counts_and_feeds(client, make_user, make_club,
                                                           make_event, make_comment):
    """Only published comments count on the home page; no feed carries comments."""

    author = make_user("writer")
    event = make_event(make_club(owner=make_user()), title="Votes at sixteen")
    for status, body in (("published", "Visible words"), ("pending", "Secret pending words"),
                         ("rejected", "Secret rejected words"),
                         ("hidden", "Secret hidden words")):
        make_comment(event, author, body, status=status)
    home = client.get("/").text
    assert "Votes at sixteen" in home.split('id="home-discussions"')[1].split("</section>")[0]
    assert "1 comment" in home
    for url in ("/", "/events.atom", "/events.ics", f"/events/{event.id}.ics",
                f"/events/{event.id}"):
        assert "Secret" not in client.get(url).text, url


# -- an edit is moderated like a new post (DESIGN §8) -----------------------------------------

def test_an_approved_comment_edited_in_a_pre_moderated_club_is_held_again(
        app, client, auth, people, make_event):
    """The drift bug: an untrusted author's comment, approved in a
    pre-moderated club, was edited within 15 minutes into anything and went
    public unreviewed."""
    event = make_event(people["pre_club"], kind="debate")
    auth.login("alice")
    assert post(client, event, "Harmless first words").status_code == 302
    [c] = comments(app, event.id)
    assert (c.status, c.held_for) == ("pending", "pre_moderation")
    login_as(client, auth, "clubmod")
    assert client.post_form(f"/moderation/comments/{c.id}",
                            {"action": "approve"}).status_code == 302
    assert fetch(app, Comment, id=c.id).status == "published"
    login_as(client, auth, "alice")
    response = client.post_form(f"/comments/{c.id}/edit", {"body": "Unreviewed new words"})
    assert response.status_code == 302
    edited = fetch(app, Comment, id=c.id)
    assert (edited.status, edited.held_for) == ("pending", "pre_moderation")
    assert edited.body == "Unreviewed new words"
    for who in (None, "bob"):
        auth.logout()
        if who:
            auth.login(who)
        page = client.get(url(event)).text
        assert "Unreviewed new words" not in page and "Harmless first words" not in page
    login_as(client, auth, "clubmod")
    assert f'id="queue-item-{c.id}"' in client.get("/moderation/").text


def test_an_edit_with_a_watched_word_is_held_again(app, client, auth, people, debate,
                                                  make_comment):
    with app.app_context():
        db.session.add(WatchedWord(word="плохое"))
        db.session.commit()
    c = make_comment(debate, people["trusted"], "Clean words")
    auth.login("trusted")
    assert client.post_form(f"/comments/{c.id}/edit",
                            {"body": "Теперь ПЛОХОЕ слово"}).status_code == 302
    edited = fetch(app, Comment, id=c.id)
    assert (edited.status, edited.held_for) == ("pending", "watched_word")
    auth.logout()
    assert "ПЛОХОЕ" not in client.get(url(debate)).text


def test_a_moderator_approves_the_text_they_read(app, client, auth, people, make_event):
    """The attack: a held comment, read by the moderator, then edited by its
    author into something else just before the moderator approves it. A
    comment waiting for review cannot change, so what is approved is what
    was read; the author may delete it and write it again."""
    event = make_event(people["pre_club"], kind="debate")
    auth.login("alice")
    post(client, event, "A harmless opinion")
    [c] = comments(app, event.id)
    login_as(client, auth, "clubmod")
    assert "A harmless opinion" in client.get("/moderation/").text
    login_as(client, auth, "alice")
    assert f"/comments/{c.id}/edit" not in client.get(url(event)).text
    response = client.post_form(f"/comments/{c.id}/edit", {"body": "UNREVIEWED ABUSIVE TEXT"})
    assert response.status_code == 422 and "waiting for review" in response.text
    assert fetch(app, Comment, id=c.id).body == "A harmless opinion"
    login_as(client, auth, "clubmod")
    client.post_form(f"/moderation/comments/{c.id}", {"action": "approve"})
    assert fetch(app, Comment, id=c.id).body == "A harmless opinion"


def test_trust_counts_approved_comments_not_approvals(app, client, auth, people, make_event):
    """The attack: one comment edited and approved again and again must not
    make its author trusted (DESIGN §5: N approved comments)."""
    event = make_event(people["pre_club"], kind="debate")
    auth.login("alice")
    post(client, event, "Version 0")
    [c] = comments(app, event.id)
    for n in range(1, 4):
        login_as(client, auth, "clubmod")
        client.post_form(f"/moderation/comments/{c.id}", {"action": "approve"})
        login_as(client, auth, "alice")
        client.post_form(f"/comments/{c.id}/edit", {"body": f"Version {n}"})
        assert fetch(app, Comment, id=c.id).status == "pending"
    assert fetch(app, User, username="alice").approved_comment_count == 1
    post(client, event, "A new comment")
    newest = max(comments(app, event.id), key=lambda comment: comment.id)
    assert newest.status == "pending"


def test_a_trusted_authors_edit_stays_published(app, client, auth, people, make_event, make_comment):
    event = make_event(people["pre_club"])
    c = make_comment(event, people["trusted"], "Trusted words")
    auth.login("trusted")
    assert client.post_form(f"/comments/{c.id}/edit",
                            {"body": "Trusted, edited"}).status_code == 302
    assert fetch(app, Comment, id=c.id).status == "published"
    auth.logout()
    assert "Trusted, edited" in client.get(url(event)).text


# -- each rule once: unit tests -----------------------------------------------------------

def _person(user_id=1, **fields):
    from types import SimpleNamespace
    return SimpleNamespace(id=user_id, is_authenticated=True, **fields)


ANONYMOUS = __import__("types").SimpleNamespace(id=None, is_authenticated=False)


@pytest.mark.parametrize(("status", "age", "who", "refusal"), [
    ("published", timedelta(minutes=1), 1, None),
    ("pending", timedelta(minutes=1), 1, "comment_held"),
    ("published", timedelta(minutes=15), 1, None),
    ("published", timedelta(minutes=15, seconds=1), 1, "edit_window_over"),
    ("rejected", timedelta(minutes=1), 1, "edit_window_over"),
    ("hidden", timedelta(minutes=1), 1, "edit_window_over"),
    ("deleted", timedelta(minutes=1), 1, "edit_window_over"),
    ("published", timedelta(minutes=1), 2, "not_yours"),
    ("published", timedelta(minutes=1), None, "not_yours"),
])
def test_rule_editable_by(status, age, who, refusal):
    """Comment.editable_by: the author, a published comment, the first 15
    minutes (the edit route, the edit service and the edit link); a comment
    waiting for review cannot change."""
    now = utcnow()
    comment = Comment(author_id=1, status=status, created_at=now - age)
    user = ANONYMOUS if who is None else _person(who)
    assert comment.edit_refusal(user, now) == refusal
    assert comment.editable_by(user, now) == (refusal is None)


@pytest.mark.parametrize(("status", "appealed", "who", "refusal"), [
    ("rejected", False, 1, None),
    ("rejected", True, 1, "already_appealed"),
    ("published", False, 1, "cannot_appeal"),
    ("hidden", False, 1, "cannot_appeal"),
    ("rejected", False, 2, "not_yours"),
    ("rejected", False, None, "not_yours"),
])
def test_rule_appealable_by(status, appealed, who, refusal):
    comment = Comment(author_id=1, status=status, appealed_at=utcnow() if appealed else None)
    user = ANONYMOUS if who is None else _person(who)
    assert comment.appeal_refusal(user) == refusal
    assert comment.appealable_by(user) == (refusal is None)


@pytest.mark.parametrize(("depth", "status", "refusal"), [
    (1, "published", None), (2, "published", None), (3, "published", "too_deep"),
    (1, "deleted", "cannot_reply"), (2, "pending", None),
])
def test_rule_reply_depth(depth, status, refusal):
    from hrdebate.models import MAX_DEPTH

    assert MAX_DEPTH == 3
    comment = Comment(depth=depth, status=status)
    assert comment.reply_refusal() == refusal
    assert comment.takes_replies == (refusal is None)


def test_rule_is_muted():
    from hrdebate.models import User

    now = utcnow()
    assert not User(muted_until=None).is_muted(now)
    assert User(muted_until=now + timedelta(seconds=1)).is_muted(now)
    assert not User(muted_until=now).is_muted(now)
    assert not User(muted_until=now - timedelta(days=1)).is_muted()


@pytest.mark.parametrize(("mode", "approved", "body", "held"), [
    ("post", 0, "Fine words", None),
    ("pre", 0, "Fine words", "pre_moderation"),
    ("pre", 2, "Fine words", "pre_moderation"),
    ("pre", 3, "Fine words", None),
    ("post", 9, "Это ПЛОХОЕ слово", "watched_word"),
    ("pre", 0, "Это ПЛОХОЕ слово", "watched_word"),
])
def test_rule_hold_reason(app, make_user, make_club, make_event, mode, approved, body, held):
    """One decision, pending or published, for posting and editing alike."""
    from hrdebate.discussions.services import hold_reason
    from hrdebate.models import User

    author = make_user(approved_comment_count=approved)
    event = make_event(make_club(moderation_mode=mode))
    with app.app_context():
        db.session.add(WatchedWord(word="плохое"))
        db.session.flush()
        assert hold_reason(db.session.get(Event, event.id), db.session.get(User, author.id),
                           body) == held


def test_rule_flags_to_hide(app, make_user, people, debate, make_comment):
    """FLAGS_TO_HIDE flags from different people hide a published comment,
    decided from the counter raised in SQL; one fewer does not."""
    from hrdebate.discussions.services import flag_comment
    from hrdebate.models import ModerationAction, User
    from hrdebate.models.comment import FLAGS_TO_HIDE

    c = make_comment(debate, people["alice"], "Flag me")
    reporters = [make_user() for _ in range(FLAGS_TO_HIDE)]
    for n, reporter in enumerate(reporters, start=1):
        with app.app_context():
            flag_comment(db.session.get(Comment, c.id), db.session.get(User, reporter.id),
                         "spam", None)
            db.session.commit()
        stored = fetch(app, Comment, id=c.id)
        assert stored.open_flags == n
        assert stored.status == ("hidden" if n == FLAGS_TO_HIDE else "published")
    assert fetch(app, Comment, id=c.id).held_for == "flags"
    entry = fetch(app, ModerationAction, action="auto_hide")
    assert entry.actor_id is None and entry.reason == "three_flags"


def test_fixed_lists_are_one_enumeration_each(app):
    """Forms, CHECK constraints and labels come from models.comment."""
    from hrdebate import models
    from hrdebate.discussions.forms import CommentForm, FlagForm
    from hrdebate.models import FlagReason, Stance

    assert Stance.values() == ("for", "against", "neutral")
    assert models.FlagReason is FlagReason and models.Stance is Stance
    assert not hasattr(models, "STANCES") and not hasattr(models, "FLAG_REASONS")
    constraints = {c.name: str(c.sqltext) for c in Comment.__table__.constraints
                   if c.name and "stance" in str(c.name)}
    assert any("'for', 'against', 'neutral'" in text for text in constraints.values())
    with app.test_request_context():
        assert [c.value for c in FlagForm(meta={"csrf": False}).reason.choices] == list(FlagReason.values())
        form = CommentForm(meta={"csrf": False}, debate=True)
        assert [c.value for c in form.stance.choices] == list(Stance.values())


# -- refusals keep what was typed (the phone review) ----------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_slow_mode_keeps_the_typed_comment(app, client, auth, people, debate, htmx):
    with app.app_context():
        db.session.get(Event, debate.id).slow_mode_seconds = 600
        db.session.commit()
    auth.login("alice")
    post(client, debate, "My first comment")
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post_form(f"/events/{debate.id}/comments",
                                {"body": "A long second thought, typed on a phone"},
                                headers=headers)
    assert response.status_code == 422
    assert "A long second thought, typed on a phone" in response.text
    assert "Slow mode is on" in response.text
    assert len(comments(app, debate.id)) == 1


def test_an_edit_refused_keeps_the_typed_text(app, client, auth, people, debate, make_comment):
    c = make_comment(debate, people["alice"], "Old words",
                     created_at=utcnow() - timedelta(minutes=16))
    auth.login("alice")
    response = client.post_form(f"/comments/{c.id}/edit", {"body": "My careful new words"})
    assert response.status_code == 422
    assert "My careful new words" in response.text
    assert "first 15 minutes" in response.text
    assert fetch(app, Comment, id=c.id).body == "Old words"


@pytest.mark.parametrize("parent_id", ["99999999999999999999", "2147483648", "-5", "0", "x"])
def test_a_reply_to_an_impossible_id_is_refused_not_a_server_error(client, auth, people, debate,
                                                                  parent_id):
    auth.login("alice")
    response = client.post_form(f"/events/{debate.id}/comments",
                                {"body": "A reply", "parent_id": parent_id}, headers=HTMX)
    assert response.status_code == 422
    assert "You cannot reply to this comment." in response.text
