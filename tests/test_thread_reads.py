"""Reading a thread (issue #14): a moderation decision shows on the very
next read, for the public and for signed-in people; a held comment exists
only for its author and the club's moderators; what the page renders once
for every comment (the reply box, the report link) carries the reader's own
token and never another person's buttons; the statements stay few and
fixed; the queue's page is chosen before its rows are joined."""

import re

import pytest

from hrdebate.extensions import db
from hrdebate.models import Comment
from tests.factories import PASSWORD
from tests.helpers import Client, count_queries

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(make_user, make_club, make_event):
    owner = make_user("owner", display_name="Owner Olga")
    clubmod = make_user("clubmod", display_name="Club Moderator")
    othermod = make_user("othermod", display_name="Other Moderator")
    alice = make_user("alice", display_name="Alice Author")
    bob = make_user("bob", display_name="Bob Bystander")
    club = make_club(owner=owner, moderators=[clubmod], moderation_mode="post", slug="club")
    other = make_club(owner=owner, moderators=[othermod], slug="other")
    debate = make_event(club, kind="debate")
    make_event(other, kind="debate")
    return {"clubmod": clubmod, "othermod": othermod, "alice": alice, "bob": bob,
            "club": club, "other": other, "debate": debate}


def _client(app, username=None):
    client = app.test_client()
    assert isinstance(client, Client)
    client.set_cookie("lang", "en")
    if username:
        response = client.post_form("/auth/login", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, username
    return client


def _page(client, event, htmx=False):
    path = f"/events/{event.id}/comments" if htmx else f"/events/{event.id}"
    response = client.get(path, headers=HTMX if htmx else {})
    assert response.status_code == 200
    return response.text


# -- a decision shows at once -----------------------------------------------------------------

@pytest.mark.parametrize("reader", [None, "carol", "bob", "alice"])
def test_a_hidden_comment_disappears_on_the_next_read(app, world, make_comment, make_user,
                                                      reader):
    """Read, hide, read again: the text is gone from the page and from the
    thread's fragment at once, for the public, a person who wrote nothing
    there (the kept thread), another who did, and the author (who sees it
    marked as hidden)."""
    make_user("carol", display_name="Carol Reader")
    text = "A remark the moderators will hide"
    comment = make_comment(world["debate"], world["alice"], body=text, stance="for")
    reply = make_comment(world["debate"], world["bob"], body="A reply that stays",
                         parent=comment)
    client = _client(app, reader)
    assert text in _page(client, world["debate"])
    assert text in _page(client, world["debate"], htmx=True)
    moderator = _client(app, "clubmod")
    response = moderator.post_form(f"/moderation/comments/{comment.id}",
                                   {"action": "hide", "reason": "respect"})
    assert response.status_code == 302
    for htmx in (False, True):
        page = _page(client, world["debate"], htmx=htmx)
        assert "A reply that stays" in page  # the thread keeps its shape
        assert f'id="comment-{reply.id}"' in page
        if reader == "alice":
            assert text in page and "Hidden by the moderators" in page
        else:
            assert text not in page
            assert "This comment is not shown" in page


def test_a_restored_comment_comes_back_on_the_next_read(app, world, make_comment):
    text = "Hidden for a while, then restored"
    comment = make_comment(world["debate"], world["alice"], body=text, stance="for",
                           status="hidden")
    public = _client(app)
    assert text not in _page(public, world["debate"])
    moderator = _client(app, "clubmod")
    assert moderator.post_form(f"/moderation/comments/{comment.id}",
                               {"action": "restore"}).status_code == 302
    assert text in _page(public, world["debate"])


# -- a held comment exists only for its author and the moderators ----------------------------

READERS = {None: False, "bob": False, "othermod": False, "alice": True, "clubmod": True}


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
@pytest.mark.parametrize("reader, sees", READERS.items())
def test_a_held_comment_is_read_by_its_author_and_the_clubs_moderators(
        app, world, make_comment, status, reader, sees):
    text = f"A {status} remark nobody else reads"
    top = make_comment(world["debate"], world["alice"], body=text, stance="against",
                       status=status)
    reply = make_comment(world["debate"], world["alice"], body=f"Held reply {status}",
                         parent=make_comment(world["debate"], world["bob"], body="Open top",
                                             stance="for"), status=status)
    client = _client(app, reader)
    for htmx in (False, True):
        page = _page(client, world["debate"], htmx=htmx)
        assert (text in page) is sees
        assert (f"Held reply {status}" in page) is sees
        assert (f'id="comment-{top.id}"' in page) is sees  # no placeholder without replies
        assert (f'id="comment-{reply.id}"' in page) is sees
    # The count above the thread counts what the reader sees.
    assert ("3 comments" if sees else "1 comment") in _page(client, world["debate"])


def test_a_deep_visible_reply_keeps_its_held_ancestors_as_placeholders(app, world,
                                                                      make_comment):
    top = make_comment(world["debate"], world["alice"], body="Held top", stance="for",
                       status="pending")
    middle = make_comment(world["debate"], world["alice"], body="Deleted middle",
                          parent=top, status="deleted")
    leaf = make_comment(world["debate"], world["bob"], body="The visible leaf", parent=middle)
    page = _page(_client(app), world["debate"])
    assert "The visible leaf" in page and "Held top" not in page
    assert page.index(f'id="comment-{top.id}"') < page.index(f'id="comment-{middle.id}"') \
        < page.index(f'id="comment-{leaf.id}"')


# -- what the page renders once for every comment ----------------------------------------------

def test_a_kept_thread_never_carries_another_persons_comments_or_token(app, world,
                                                                       make_comment, make_user):
    """Carol (nothing written) fills the kept thread; Alice, whose comment
    waits for review, gets hers with it; Dan then gets the kept one: neither
    Alice's held comment nor her buttons nor Carol's token."""
    make_user("carol")
    make_user("dan")
    make_comment(world["debate"], world["bob"], body="Open remark", stance="for")
    held = make_comment(world["debate"], world["alice"], body="Alice's held remark",
                        stance="for", status="pending")
    carol = _client(app, "carol")
    carol_page = _page(carol, world["debate"])
    alice_page = _page(_client(app, "alice"), world["debate"])
    assert "Alice's held remark" in alice_page and f"/comments/{held.id}/delete" in alice_page
    dan_page = _page(_client(app, "dan"), world["debate"])
    assert "Alice's held remark" not in dan_page and f"/comments/{held.id}" not in dan_page
    assert "Open remark" in dan_page
    assert _tokens(dan_page) and not _tokens(dan_page) & _tokens(carol_page)
    assert not _tokens(dan_page) & _tokens(alice_page)


def _tokens(page):
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


def test_the_reply_boxes_carry_the_readers_own_token_and_comment_ids(app, world,
                                                                     make_comment):
    first = make_comment(world["debate"], world["alice"], body="First", stance="for")
    second = make_comment(world["debate"], world["bob"], body="Second", stance="against")
    pages = {}
    for name in ("alice", "bob"):
        client = _client(app, name)
        page = _page(client, world["debate"])
        pages[name] = page
        assert "!cid!" not in page
        # Each reply box names its own comment, once.
        for comment in (first, second):
            assert page.count(f'name="parent_id" value="{comment.id}"') == 1
            assert page.count(f'id="reply-{comment.id}-body"') == 1
        # Every form of the page carries this reader's token, and it works.
        assert len(_tokens(page)) == 1
        response = client.post(f"/events/{world['debate'].id}/comments",
                               data={"body": f"A reply by {name}", "parent_id": first.id,
                                     "csrf_token": _tokens(page).pop()})
        assert response.status_code == 302
    assert _tokens(pages["alice"]) != _tokens(pages["bob"])
    # Own buttons only on one's own comments.
    for name, mine, theirs in (("alice", first, second), ("bob", second, first)):
        page = pages[name]
        assert f"/comments/{mine.id}/delete" in page and f"/comments/{theirs.id}/delete" not in page
        assert f"/comments/{theirs.id}/flag" in page and f"/comments/{mine.id}/flag" not in page


def test_the_public_gets_no_form_and_no_button(app, world, make_comment):
    comment = make_comment(world["debate"], world["alice"], body="Public", stance="for")
    page = _page(_client(app), world["debate"])
    assert "csrf_token" not in page.split('id="comments"')[1]
    assert f"/comments/{comment.id}/flag" not in page
    assert 'name="parent_id"' not in page


def test_a_muted_person_gets_no_reply_box_but_may_report(app, world, make_comment):
    from datetime import timedelta

    from hrdebate.models import User, utcnow

    comment = make_comment(world["debate"], world["alice"], body="Read only", stance="for")
    with app.app_context():
        db.session.get(User, world["bob"].id).muted_until = utcnow() + timedelta(days=1)
        db.session.commit()
    page = _page(_client(app, "bob"), world["debate"])
    assert 'name="parent_id"' not in page
    assert f"/comments/{comment.id}/flag" in page


# -- statements ---------------------------------------------------------------------------------

# The event page of a debate, rendered anew: the event, (the reader and their
# registration, seats, role, votes,) the thread's page and its replies, the
# menu, the topics, (whether the reader wrote there,) and the page cache's
# numbers.
BUDGETS = {None: 7, "bob": 13, "clubmod": 13}


def _thread_statements(statements):
    return [s for s in statements if s.startswith("SELECT comments.id, comments.parent_id")]


@pytest.fixture
def long_thread(world, make_comment):
    for i in range(25):
        top = make_comment(world["debate"], world["alice"], body=f"Top {i}", stance="for")
        make_comment(world["debate"], world["bob"], body=f"Reply {i}", parent=top)


@pytest.mark.parametrize("reader", list(BUDGETS))
def test_the_event_page_runs_a_fixed_number_of_statements(app, world, long_thread, reader):
    app.config["PAGE_CACHE_ENABLED"] = False
    client = _client(app, reader)
    _page(client, world["debate"])
    with count_queries(app) as statements:
        _page(client, world["debate"])
    assert len(statements) <= BUDGETS[reader], statements
    # Each of the thread's statements reads through the event.
    thread = _thread_statements(statements)
    assert len(thread) == 2 and all("comments.event_id =" in s for s in thread), thread


@pytest.mark.parametrize("reader, kept", [("citizen", True), ("bob", False), ("clubmod", False)])
def test_a_kept_thread_is_read_without_its_statements(app, world, long_thread, make_user,
                                                    reader, kept):
    """A signed-in person who wrote nothing there gets the kept thread (no
    statement reads it); its author (bob wrote replies) and moderators get
    theirs rendered anew."""
    make_user("citizen", display_name="Chyngyz Citizen")
    client = _client(app, reader)
    first = _page(client, world["debate"])
    with count_queries(app) as statements:
        again = _page(client, world["debate"])
    assert bool(_thread_statements(statements)) is not kept
    assert _section(again) == _section(first) and "Top 0" in _section(again)
    assert "\x00" not in again and len(_tokens(again)) == 1


def _section(page):
    """The thread's section, its tokens left out."""
    section = page[page.index('<section id="comments"'):]
    return re.sub(r'name="csrf_token" value="[^"]+"', "", section[:section.index("</section>")])
