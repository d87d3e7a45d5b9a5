"""An edit is moderated like a new post (DESIGN §8, issue #9 item 3): what
would be held when posting is held again when editing, and what would be
refused when posting (a mute, a closed discussion) is refused when editing.
While an edit waits, the comment is hidden like any held comment (its replies
keep their place); a rejected edit never goes public."""

import ast
import inspect
import textwrap
from datetime import timedelta

import pytest

from hrdebate.discussions import services as discussion_services
from hrdebate.extensions import db
from hrdebate.models import Comment, ModerationAction, Notification, WatchedWord, utcnow
from hrdebate.models.comment import HeldFor
from tests.helpers import fetch

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}
SECRET = "Unreviewed replacement words"


@pytest.fixture
def people(make_user, make_club):
    owner = make_user("owner", display_name="Owner Olga")
    clubmod = make_user("clubmod", display_name="Club Moderator")
    clubmod2 = make_user("clubmod2", display_name="Second Moderator")
    alice = make_user("alice", display_name="Alice Author")
    bob = make_user("bob", display_name="Bob Bystander")
    trusted = make_user("trusted", display_name="Trusted Talgat", approved_comment_count=3)
    make_user("sitemod", site_role="moderator")
    pre_club = make_club(owner=owner, moderators=[clubmod, clubmod2], moderation_mode="pre",
                         slug="pre-club")
    post_club = make_club(owner=owner, moderators=[clubmod, clubmod2], moderation_mode="post",
                          slug="post-club")
    return {"owner": owner, "clubmod": clubmod, "alice": alice, "bob": bob,
            "trusted": trusted, "pre_club": pre_club, "post_club": post_club}


def login_as(auth, username):
    auth.logout()
    if username:
        assert auth.login(username).status_code == 302


def approved_comment(app, client, auth, event, body="Harmless first words"):
    """Alice's comment in a pre-moderated club, held, then approved by the
    club's moderator: the state the attack starts from."""
    login_as(auth, "alice")
    data = {"body": body, "stance": "for"} if event.kind == "debate" else {"body": body}
    assert client.post_form(f"/events/{event.id}/comments", data).status_code == 302
    with app.app_context():
        comment_id = db.session.scalar(db.select(Comment.id).where(Comment.event_id == event.id)
                                       .order_by(Comment.id.desc()))
    assert fetch(app, Comment, id=comment_id).status == "pending"
    login_as(auth, "clubmod")
    assert client.post_form(f"/moderation/comments/{comment_id}",
                            {"action": "approve"}).status_code == 302
    assert fetch(app, Comment, id=comment_id).status == "published"
    return comment_id


def public_views(client, event):
    """Every place a visitor may read the discussion: the page, the thread
    fragment (all, by side, side by side, the next page), the home page and
    the feeds."""
    yield client.get(f"/events/{event.id}").text
    yield client.get(f"/events/{event.id}/comments", headers=HTMX).text
    yield client.get(f"/events/{event.id}/comments?stance=for", headers=HTMX).text
    yield client.get(f"/events/{event.id}/comments?view=sides", headers=HTMX).text
    yield client.get(f"/events/{event.id}/comments?part=more&comments_page=1", headers=HTMX).text
    yield client.get("/").text
    yield client.get("/events.atom").text
    yield client.get(f"/events/{event.id}.ics").text


# -- the attack: an approved comment edited into something unreviewed -------------------------

@pytest.mark.parametrize("headers", [{}, BOOSTED], ids=["plain-form", "htmx-boosted"])
def test_an_edit_of_an_approved_comment_never_reaches_the_public_before_review(
        app, client, auth, people, make_event, make_user, headers):
    event = make_event(people["pre_club"], kind="debate")
    comment_id = approved_comment(app, client, auth, event)
    # a reply by someone else hangs under it: it keeps its place
    login_as(auth, "trusted")
    client.post_form(f"/events/{event.id}/comments",
                     {"body": "A trusted reply", "parent_id": comment_id})
    login_as(auth, "alice")
    response = client.post_form(f"/comments/{comment_id}/edit", {"body": SECRET},
                                headers=headers)
    assert response.status_code == 302
    edited = fetch(app, Comment, id=comment_id)
    assert (edited.status, edited.held_for) == ("pending", "pre_moderation")
    for who in (None, "bob"):
        login_as(auth, who)
        for html in public_views(client, event):
            assert SECRET not in html
            assert "Harmless first words" not in html
        page = client.get(f"/events/{event.id}").text
        assert "A trusted reply" in page  # the thread keeps its shape
        assert "waiting for review or was removed" in page
    assert client.get(f"/comments/{comment_id}/flag").status_code == 404


def test_the_author_is_told_that_the_edit_waits_for_review(app, client, auth, people,
                                                           make_event):
    event = make_event(people["pre_club"], kind="debate")
    comment_id = approved_comment(app, client, auth, event)
    login_as(auth, "alice")
    form = client.get(f"/comments/{comment_id}/edit").text
    assert "your changes wait for review by a moderator" in form
    response = client.post_form(f"/comments/{comment_id}/edit", {"body": SECRET})
    page = client.get(response.headers["Location"]).text
    assert "Your changes are saved and wait for review by a moderator" in page
    assert "Your changes are saved." not in page
    assert "Your edit is waiting for review" in page and SECRET in page


def test_a_trusted_authors_edit_is_published_and_said_so(app, client, auth, people,
                                                          make_event, make_comment):
    event = make_event(people["pre_club"])
    c = make_comment(event, people["trusted"], "Trusted words")
    login_as(auth, "trusted")
    assert "wait for review" not in client.get(f"/comments/{c.id}/edit").text
    response = client.post_form(f"/comments/{c.id}/edit", {"body": "Trusted, edited"})
    assert "Your changes are saved." in client.get(response.headers["Location"]).text
    login_as(auth, None)
    assert "Trusted, edited" in client.get(f"/events/{event.id}").text


@pytest.mark.parametrize("club", ["pre_club", "post_club"])
def test_a_trusted_author_adding_a_watched_word_by_edit_is_held(app, client, auth, people,
                                                                make_event, make_comment, club):
    with app.app_context():
        db.session.add(WatchedWord(word="плохое"))
        db.session.commit()
    event = make_event(people[club])
    c = make_comment(event, people["trusted"], "Clean words")
    login_as(auth, "trusted")
    client.post_form(f"/comments/{c.id}/edit", {"body": "Теперь ПЛОХОЕ слово"},
                     headers=BOOSTED)
    assert (fetch(app, Comment, id=c.id).status, fetch(app, Comment, id=c.id).held_for) \
        == ("pending", "watched_word")
    login_as(auth, None)
    for html in public_views(client, event):
        assert "ПЛОХОЕ" not in html


# -- the queue: an edit is shown as an edit, and decided like a new post ------------------------

def test_the_queue_shows_a_held_edit_as_an_edit_and_the_log_records_the_hold(
        app, client, auth, people, make_event):
    event = make_event(people["pre_club"], kind="debate")
    comment_id = approved_comment(app, client, auth, event)
    login_as(auth, "clubmod")
    queue = client.get("/moderation/").text
    assert f'id="queue-item-{comment_id}"' not in queue
    login_as(auth, "alice")
    client.post_form(f"/comments/{comment_id}/edit", {"body": SECRET})
    login_as(auth, "clubmod")
    queue = client.get("/moderation/").text
    item = queue.split(f'id="queue-item-{comment_id}"')[1].split("</li>")[0]
    assert "Edited after publication" in item and SECRET in item
    with app.app_context():
        held = db.session.scalars(db.select(ModerationAction).where(
            ModerationAction.comment_id == comment_id, ModerationAction.action == "hold")).all()
        assert [(h.actor_id, h.reason) for h in held] == [(None, "edit_held")]
    login_as(auth, "sitemod")
    log = client.get("/moderation/log?action=hold").text
    assert "Edited after publication: waits for review again" in log and "Alice Author" in log


def test_a_rejected_edit_does_not_go_public(app, client, auth, people, make_event):
    event = make_event(people["pre_club"], kind="debate")
    comment_id = approved_comment(app, client, auth, event)
    login_as(auth, "alice")
    client.post_form(f"/comments/{comment_id}/edit", {"body": SECRET})
    login_as(auth, "clubmod")
    assert client.post_form(f"/moderation/comments/{comment_id}",
                            {"action": "reject", "reason": "respect"}).status_code == 302
    assert fetch(app, Comment, id=comment_id).status == "rejected"
    for who in (None, "bob"):
        login_as(auth, who)
        for html in public_views(client, event):
            assert SECRET not in html
    with app.app_context():
        kinds = db.session.scalars(db.select(Notification.kind).where(
            Notification.user_id == people["alice"].id).order_by(Notification.id)).all()
        actions = db.session.scalars(db.select(ModerationAction.action).where(
            ModerationAction.comment_id == comment_id).order_by(ModerationAction.id)).all()
    assert kinds == ["comment_approved", "comment_rejected"]
    assert actions == ["approve", "hold", "reject"]
    login_as(auth, "alice")  # the author may appeal, as for a new post
    assert f"/comments/{comment_id}/appeal" in client.get(f"/events/{event.id}").text


def test_an_approved_edit_is_public_and_the_reply_is_not_announced_twice(
        app, client, auth, people, make_event, make_comment):
    event = make_event(people["pre_club"], kind="debate")
    top = make_comment(event, people["bob"], "Bob's opening", stance="for")
    login_as(auth, "alice")
    client.post_form(f"/events/{event.id}/comments", {"body": "Alice answers", "parent_id": top.id})
    with app.app_context():
        reply_id = db.session.scalar(db.select(Comment.id).where(Comment.parent_id == top.id))
    for body in (None, "Alice answers, better"):
        if body:
            login_as(auth, "alice")
            client.post_form(f"/comments/{reply_id}/edit", {"body": body})
            assert fetch(app, Comment, id=reply_id).status == "pending"
        login_as(auth, "clubmod")
        client.post_form(f"/moderation/comments/{reply_id}", {"action": "approve"})
    login_as(auth, None)
    assert "Alice answers, better" in client.get(f"/events/{event.id}").text
    with app.app_context():
        replies = db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.user_id == people["bob"].id, Notification.kind == "reply"))
        approvals = db.session.scalar(db.select(db.func.count(Notification.id)).where(
            Notification.user_id == people["alice"].id, Notification.kind == "comment_approved"))
    assert (replies, approvals) == (1, 2)


# -- what is refused when posting is refused when editing ----------------------------------------

def test_a_muted_author_cannot_edit(app, client, auth, people, make_event, make_comment):
    """The attack: a trusted author, muted by a moderator, rewrote their
    published comment within its 15 minutes and the new text went public."""
    event = make_event(people["post_club"])
    c = make_comment(event, people["trusted"], "Before the mute")
    with app.app_context():
        db.session.execute(db.update(type(people["trusted"])).where(
            type(people["trusted"]).id == people["trusted"].id)
            .values(muted_until=utcnow() + timedelta(days=1)))
        db.session.commit()
    login_as(auth, "trusted")
    assert f"/comments/{c.id}/edit" not in client.get(f"/events/{event.id}").text
    response = client.post_form(f"/comments/{c.id}/edit", {"body": SECRET})
    assert response.status_code == 422 and "You are muted" in response.text
    assert fetch(app, Comment, id=c.id).body == "Before the mute"
    response = client.get(f"/comments/{c.id}/edit")
    assert response.status_code == 302
    assert "You are muted" in client.get(response.headers["Location"]).text
    login_as(auth, None)
    assert SECRET not in client.get(f"/events/{event.id}").text


def test_an_edit_in_a_closed_discussion_is_refused(app, client, auth, people, make_event,
                                                   make_comment):
    event = make_event(people["post_club"], discussion_closed=True)
    c = make_comment(event, people["trusted"], "Before the close")
    login_as(auth, "trusted")
    response = client.post_form(f"/comments/{c.id}/edit", {"body": SECRET})
    assert response.status_code == 422 and "closed this discussion" in response.text
    assert fetch(app, Comment, id=c.id).body == "Before the close"


# -- one rule, one place --------------------------------------------------------------------------

def test_posting_and_editing_ask_the_same_function(app, client, auth, people, make_event,
                                                   make_comment, monkeypatch):
    """Behaviour: whatever ``hold_reason`` answers decides both a new post and
    an edit (here it holds everything, in a post-moderated club, for a
    trusted author)."""
    asked = []

    def hold_everything(event, author, body):
        asked.append(body)
        return HeldFor.WATCHED_WORD

    monkeypatch.setattr(discussion_services, "hold_reason", hold_everything)
    event = make_event(people["post_club"])
    c = make_comment(event, people["trusted"], "Published words")
    login_as(auth, "trusted")
    client.post_form(f"/events/{event.id}/comments", {"body": "A new post"})
    client.post_form(f"/comments/{c.id}/edit", {"body": "An edit"})
    assert "A new post" in asked and "An edit" in asked
    with app.app_context():
        statuses = db.session.scalars(db.select(Comment.status).where(
            Comment.event_id == event.id).order_by(Comment.id)).all()
    assert statuses == ["pending", "pending"]


def _calls(function) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def test_holding_is_decided_in_one_place():
    """Architecture: post_comment and edit_comment call hold_reason, and the
    pieces of the rule (watched words, trust, pre-moderation) are asked
    nowhere else in the application."""
    assert "hold_reason" in _calls(discussion_services.post_comment)
    assert "hold_reason" in _calls(discussion_services.edit_comment)
    assert "posting_refusal" in _calls(discussion_services.check_can_comment)
    import pathlib

    import hrdebate
    root = pathlib.Path(hrdebate.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name != "hold_reason":
                used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
                    n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                if path.name == "services.py" and path.parent.name == "discussions" \
                        and node.name in ("matches_watched_word", "trusted"):
                    continue
                assert not used & {"matches_watched_word", "trusted", "PRE"}, \
                    f"{path.relative_to(root)}: {node.name} decides holding again"


@pytest.mark.parametrize(("author", "muted", "closed", "refusal"), [
    (1, False, False, None),
    (1, True, False, "muted"),
    (1, False, True, "discussion_closed"),
    (2, True, True, "not_yours"),
])
def test_rule_edit_refusal(author, muted, closed, refusal):
    """services.edit_refusal: the comment's rule first, then the event's."""
    from hrdebate.models import Event, User
    now = utcnow()
    user = User(id=author, muted_until=now + timedelta(days=1) if muted else None)
    event = Event(status="published", discussion_closed=closed)
    comment = Comment(author_id=1, status="published", created_at=now, event=event)
    assert discussion_services.edit_refusal(comment, user, now) == refusal


@pytest.mark.parametrize("body", [
    "Это ПЛ\u200bОХОЕ слово",  # a zero-width space inside the word
    "Это пло\u00adхое слово",  # a soft hyphen
    "Это ＰＬＯＨＯＥ word",  # full-width letters (the watched word "plohoe")
    "Это плохое\u200e слово",  # a direction mark glued to it
])
def test_a_watched_word_cannot_hide_behind_invisible_or_wide_letters(app, make_user, make_club,
                                                                    make_event, body):
    """Text areas keep zero-width characters and are not NFKC-normalised,
    so the watched-word check reads the text as it looks."""
    from hrdebate.discussions.services import matches_watched_word

    with app.app_context():
        assert matches_watched_word(body, ["плохое", "plohoe"])
        assert not matches_watched_word("Это хорошее слово", ["плохое", "plohoe"])
