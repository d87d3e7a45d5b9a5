"""The moderation area: queue, decisions, bulk, log, sanctions, watched words."""

import re
from datetime import timedelta

import pytest

from hrdebate.discussions import services as discussions
from hrdebate.events.services import cast_vote
from hrdebate.extensions import db
from hrdebate.models import (
    Comment,
    Event,
    Flag,
    ModerationAction,
    User,
    WatchedWord,
    utcnow,
)
from hrdebate.moderation import services
from hrdebate.rules import RuleError
from hrdebate.timeutil import local_today
from tests.helpers import count_queries, fetch

pytestmark = pytest.mark.usefixtures("english")
HX = {"HX-Request": "true"}


@pytest.fixture
def world(make_user, make_club, make_event):
    """A pre-moderated club with its moderator, another club with its own,
    a site moderator, an admin, an organiser and a citizen author."""
    people = {
        "admin": make_user("admin", site_role="admin", display_name="Admin Asel"),
        "sitemod": make_user("sitemod", site_role="moderator", display_name="Site Mod"),
        "sitemod2": make_user("sitemod2", site_role="moderator", display_name="Other Site Mod"),
        "clubmod": make_user("clubmod", display_name="Club Mod"),
        "othermod": make_user("othermod", display_name="Other Club Mod"),
        "organiser": make_user("organiser", display_name="Organiser"),
        "citizen": make_user("citizen", display_name="Citizen Aibek"),
        "author": make_user("author", display_name="Author Nurlan"),
    }
    club = make_club(organisers=[people["organiser"]], moderators=[people["clubmod"]],
                     moderation_mode="pre")
    other = make_club(moderators=[people["othermod"]], moderation_mode="pre")
    return {**people, "club": club, "other": other,
            "event": make_event(club), "other_event": make_event(other)}


# A comment waiting for review, as a new member's in a pre-moderated club.
HELD = {"status": "pending", "held_for": "pre_moderation"}


def decide(app, comment_id, username, action, reason=None):
    with app.app_context():
        services.decide(db.session.get(Comment, comment_id), User.by_username(username),
                        action, reason)
        db.session.commit()  # services flush; the caller commits


# -- transitions (services, through the route) ---------------------------------------------

@pytest.mark.parametrize("start, action, end", [
    ("pending", "approve", "published"),
    ("pending", "reject", "rejected"),
    ("published", "hide", "hidden"),
    ("hidden", "restore", "published"),
])
def test_every_transition(app, client, auth, world, start, action, end, make_comment):
    comment_id = make_comment(world["event"], world["author"], **{**HELD, "status": start}).id
    auth.login("sitemod")
    response = client.post_form(f"/moderation/comments/{comment_id}",
                                {"action": action, "reason": "respect", "note": "Be kind"})
    assert response.status_code == 302
    comment = fetch(app, Comment, id=comment_id)
    assert comment.status == end
    assert comment.decision_reason == "respect: Be kind"
    entry = fetch(app, ModerationAction, comment_id=comment_id)
    assert entry.action == action and entry.reason == "respect: Be kind"
    assert entry.actor_id == world["sitemod"].id


REFUSED = "This decision is not possible for this comment now."


@pytest.mark.parametrize("start, action", [
    ("published", "approve"), ("published", "reject"), ("pending", "restore"),
    ("pending", "hide"), ("hidden", "approve"), ("rejected", "restore"), ("deleted", "approve"),
])
def test_forbidden_transitions_are_refused(app, client, auth, world, start, action, make_comment):
    """A plain form: back to the queue with the refusal as a flash; htmx:
    422 with the sentence, shown in the page's message area."""
    comment_id = make_comment(world["event"], world["author"], **{**HELD, "status": start}).id
    auth.login("sitemod")
    response = client.post_form(f"/moderation/comments/{comment_id}",
                                {"action": action, "reason": "respect",
                                 "next": "/moderation/?age=1h"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation/?age=1h")
    assert REFUSED in client.get(response.headers["Location"]).text
    response = client.post_form(f"/moderation/comments/{comment_id}",
                                {"action": action, "reason": "respect"}, headers=HX)
    assert response.status_code == 422 and REFUSED in response.text
    assert response.headers["HX-Retarget"] == "#flashes"
    assert fetch(app, Comment, id=comment_id).status == start
    assert fetch(app, ModerationAction, comment_id=comment_id) is None


@pytest.mark.parametrize("action", ["reject", "hide"])
def test_reject_and_hide_need_a_rule(app, client, auth, world, action, make_comment):
    status = "pending" if action == "reject" else "published"
    comment_id = make_comment(world["event"], world["author"], **{**HELD, "status": status}).id
    auth.login("sitemod")
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": action})
    assert response.status_code == 422
    assert "Choose the rule this comment breaks." in response.text
    assert fetch(app, Comment, id=comment_id).status == status


def test_unknown_action_and_comment(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], **HELD).id
    auth.login("sitemod")
    assert client.post_form(f"/moderation/comments/{comment_id}",
                            {"action": "delete"}).status_code == 422
    assert client.post_form("/moderation/comments/99999",
                            {"action": "approve"}).status_code == 404


def test_appeal_needs_another_moderator(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], **HELD).id
    decide(app, comment_id, "sitemod", "reject", "privacy")
    with app.app_context():
        discussions.appeal(db.session.get(Comment, comment_id),
                           db.session.get(User, world["author"].id), "I removed nothing private")
        db.session.commit()
    auth.login("sitemod")
    page = client.get("/moderation/").text
    assert "I removed nothing private" in page
    assert "a different moderator must decide the appeal" in page
    assert "Uphold the appeal" not in page  # no buttons that would be refused
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "approve"},
                                follow_redirects=True)
    assert "A different moderator must decide this appeal." in response.text
    assert fetch(app, Comment, id=comment_id).status == "rejected"
    auth.logout()
    auth.login("sitemod2")
    assert "Uphold the appeal" in client.get("/moderation/").text

    auth.logout()
    auth.login("sitemod2")
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "approve"})
    assert response.status_code == 302
    comment = fetch(app, Comment, id=comment_id)
    assert comment.status == "published" and comment.appeal_decided_at is not None
    with app.app_context():
        actions = db.session.scalars(db.select(ModerationAction.action).where(
            ModerationAction.comment_id == comment_id).order_by(ModerationAction.id)).all()
    assert actions == ["reject", "appeal_upheld"]
    assert "I removed nothing private" not in client.get("/moderation/").text


# -- the queue ----------------------------------------------------------------------------

def test_queue_shows_context_and_no_reporters(app, client, auth, world, make_user, make_comment):
    parent = make_comment(world["event"], world["citizen"], "The parent says something")
    pending_id = make_comment(world["event"], world["author"], parent=parent, **HELD).id
    flagged_id = make_comment(world["event"], world["author"]).id
    reporters = [make_user(f"reporter{i}", display_name=f"Reporter {i}") for i in range(3)]
    with app.app_context():
        for i, reporter in enumerate(reporters):
            discussions.flag_comment(db.session.get(Comment, flagged_id),
                                     db.session.get(User, reporter.id), "harassment",
                                     f"note number {i}")
            db.session.commit()
    assert fetch(app, Comment, id=flagged_id).status == "hidden"
    auth.login("clubmod")
    response = client.get("/moderation/")
    assert response.status_code == 200
    page = response.text
    assert f'id="queue-item-{pending_id}"' in page and f'id="queue-item-{flagged_id}"' in page
    assert "The parent says something" in page
    assert "Author Nurlan" in page and "approved comment" in page
    assert "Harassment or hate" in page and "note number 2" in page
    assert "Reporter" not in page
    assert '1 pending comment' in page and '1 flagged comment' in page


def test_club_moderators_see_only_their_clubs(app, client, auth, world, make_comment):
    mine = make_comment(world["event"], world["author"], **HELD).id
    theirs = make_comment(world["other_event"], world["author"], **HELD).id
    auth.login("clubmod")
    page = client.get("/moderation/").text
    assert f"queue-item-{mine}" in page and f"queue-item-{theirs}" not in page
    # Another club's held comment does not exist for them.
    assert client.post_form(f"/moderation/comments/{theirs}",
                            {"action": "approve"}).status_code == 404
    auth.logout()
    auth.login("sitemod")
    page = client.get("/moderation/").text
    assert f"queue-item-{mine}" in page and f"queue-item-{theirs}" in page


def test_queue_filters(app, client, auth, world, make_comment):
    old = make_comment(world["event"], world["author"], **HELD,
                       created_at=utcnow() - timedelta(days=2)).id
    new = make_comment(world["other_event"], world["author"], status="pending",
                       held_for="watched_word").id
    auth.login("sitemod")
    page = client.get("/moderation/?age=24h").text
    assert f"queue-item-{old}" in page and f"queue-item-{new}" not in page
    page = client.get("/moderation/?reason=watched_word").text
    assert f"queue-item-{old}" not in page and f"queue-item-{new}" in page
    page = client.get(f"/moderation/?club={world['club'].slug}").text
    assert f"queue-item-{old}" in page and f"queue-item-{new}" not in page
    page = client.get(f"/moderation/?event={world['other_event'].id}").text
    assert f"queue-item-{old}" not in page and f"queue-item-{new}" in page
    fragment = client.get("/moderation/?reason=appeal", headers=HX)
    assert "<html" not in fragment.text and 'id="queue"' in fragment.text
    assert "queue-item-" not in fragment.text


def test_htmx_decide_removes_item_and_updates_counts(app, client, auth, world, make_comment):
    first = make_comment(world["event"], world["author"], **HELD).id
    make_comment(world["event"], world["author"], **HELD)
    auth.login("clubmod")
    response = client.post_form(f"/moderation/comments/{first}", {"action": "approve"},
                                headers=HX)
    assert response.status_code == 200
    # The item gives way to one line, which takes focus; the message area says it.
    assert "<html" not in response.text and 'class="decision"' not in response.text
    assert f'<li id="queue-item-{first}" class="queue-item decided" tabindex="-1" autofocus>' \
        in response.text
    assert response.text.count("Your decision is saved and the author is told.") == 2
    assert 'id="queue-counts"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "1 pending comment" in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert fetch(app, Comment, id=first).status == "published"


def test_htmx_refusal_goes_to_the_message_area(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"]).id
    auth.login("clubmod")
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "approve"},
                                headers=HX)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert response.headers["HX-Retarget"] == "#flashes"
    assert REFUSED in response.text
    assert fetch(app, Comment, id=comment_id).status == "published"


def test_htmx_bad_decision_renders_the_item_with_its_errors(app, client, auth, world, make_comment):
    comment_id = make_comment(world["event"], world["author"], **HELD).id
    auth.login("clubmod")
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "reject"},
                                headers=HX)
    assert response.status_code == 422 and "<html" not in response.text
    assert f'id="queue-item-{comment_id}"' in response.text
    assert "Choose the rule this comment breaks." in response.text


def test_bulk(app, client, auth, world, make_comment):
    ids = [make_comment(world["event"], world["author"], **HELD).id for _ in range(3)]
    published = make_comment(world["event"], world["author"]).id
    foreign = make_comment(world["other_event"], world["author"], **HELD).id
    auth.login("clubmod")
    response = client.post_form("/moderation/bulk", {
        "comment_ids": [*map(str, ids), str(published), str(foreign)],
        "action": "reject", "reason": "topic"}, follow_redirects=True)
    assert "3 comments decided." in response.text
    assert "2 comments could not be decided that way." in response.text
    assert {fetch(app, Comment, id=i).status for i in ids} == {"rejected"}
    assert fetch(app, Comment, id=foreign).status == "pending"
    assert fetch(app, Comment, id=published).status == "published"
    response = client.post_form("/moderation/bulk", {"action": "approve"})
    assert response.status_code == 422


def _queue_statements(app, client, n, world):
    with app.app_context():
        users = [User(username=f"q{n}-{i}", display_name=f"Q {i}", password_hash="x")
                 for i in range(n)]
        db.session.add_all(users)
        db.session.flush()
        for i, user in enumerate(users):
            db.session.add(Comment(event_id=world["event"].id, author_id=user.id, body="b",
                                   body_html="<p>b</p>", status="pending",
                                   held_for="pre_moderation"))
            db.session.add(ModerationAction(actor_id=None, action="reject",
                                            target_user_id=user.id))
        db.session.commit()
        hidden = Comment(event_id=world["event"].id, author_id=users[0].id, body="h",
                         body_html="<p>h</p>", status="hidden", held_for="flags", open_flags=1)
        db.session.add(hidden)
        db.session.flush()
        db.session.add(Flag(comment_id=hidden.id, reporter_id=users[1].id, reason="spam"))
        db.session.commit()
    with count_queries(app) as statements:
        response = client.get("/moderation/")
    assert response.status_code == 200
    return len(statements)


def test_queue_statements_do_not_grow(app, client, auth, world):
    auth.login("clubmod")
    small = _queue_statements(app, client, 5, world)
    large = _queue_statements(app, client, 60, world)
    print(f"queue statements: {small} with 5 items, {large} with 60")
    assert small == large <= 12


# -- permissions ---------------------------------------------------------------------------

ROLES = ["anonymous", "citizen", "organiser", "clubmod", "othermod", "sitemod", "admin"]
QUEUE = {"anonymous": 302, "citizen": 403, "organiser": 403, "clubmod": 200, "othermod": 200,
         "sitemod": 200, "admin": 200}
# A held comment exists only for its author and its club's moderators (DESIGN §4).
DECIDE = {"anonymous": 302, "citizen": 404, "organiser": 404, "clubmod": 302, "othermod": 404,
          "sitemod": 302, "admin": 302}
SITE = {"anonymous": 302, "citizen": 403, "organiser": 403, "clubmod": 403, "othermod": 403,
        "sitemod": 200, "admin": 200}
# Issue #12: site moderators manage the watched words; club moderators read
# their clubs' part of the log (``QUEUE``).
WORDS = SITE


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, client, auth, world, role, make_comment):
    comment_id = make_comment(world["event"], world["author"], **HELD).id
    with app.app_context():
        db.session.add(WatchedWord(word="spam"))
        db.session.commit()
        word_id = db.session.scalar(db.select(WatchedWord.id))
    if role != "anonymous":
        auth.login(role)

    def status(response):
        if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
            return "login"
        return response.status_code

    login = "login" if role == "anonymous" else None
    assert status(client.get("/moderation/")) == (login or QUEUE[role])
    assert status(client.get("/moderation/log")) == (login or QUEUE[role])
    assert status(client.get(f"/moderation/users/{world['author'].id}")) == (login or SITE[role])
    assert status(client.post_form(f"/moderation/users/{world['author'].id}",
                                   {"kind": "warn", "reason": "Mind the rules"})) \
        == (login or {200: 302}.get(SITE[role], SITE[role]))
    assert status(client.get("/moderation/words")) == (login or WORDS[role])
    assert status(client.post_form(f"/moderation/words/{word_id}/delete")) \
        == (login or {200: 302}.get(WORDS[role], WORDS[role]))
    assert status(client.post_form(f"/moderation/comments/{comment_id}",
                                   {"action": "approve"})) == (login or DECIDE[role])
    assert status(client.post_form("/moderation/bulk", {"comment_ids": str(comment_id),
                                                        "action": "approve"})) \
        == (login or {200: 302, 403: 403}.get(QUEUE[role]))
    decided = fetch(app, Comment, id=comment_id).status == "published"
    assert decided == (role in ("clubmod", "sitemod", "admin"))


# -- the log -------------------------------------------------------------------------------

def test_log_lists_every_decision_newest_first(app, client, auth, world, make_comment):
    first = make_comment(world["event"], world["author"], **HELD).id
    second = make_comment(world["event"], world["author"]).id
    decide(app, first, "clubmod", "reject", "safety: Threatens someone")
    decide(app, second, "sitemod", "hide", "truth")
    with app.app_context():
        services.sanction(db.session.get(User, world["author"].id),
                          User.by_username("sitemod"), "warn", "Please be civil")
        db.session.commit()
    auth.login("sitemod")
    page = client.get("/moderation/log").text
    assert page.index("Please be civil") < page.index("Stay honest") < page.index(
        "Threatens someone")
    assert "Club Mod" in page and "Keep everyone safe" in page and "#law" in page
    assert "Author Nurlan" in page
    filtered = client.get(f"/moderation/log?action=hide&actor={world['sitemod'].id}").text
    assert "Stay honest" in filtered and "Threatens someone" not in filtered
    by_target = client.get(f"/moderation/log?target={world['citizen'].id}").text
    assert "Stay honest" not in by_target
    today = local_today().isoformat()  # the log's days are Bishkek days
    assert "Stay honest" in client.get(f"/moderation/log?date={today}").text
    assert "Stay honest" not in client.get("/moderation/log?date=2001-01-01").text
    fragment = client.get("/moderation/log", headers=HX).text
    assert "<html" not in fragment and 'id="log-entries"' in fragment
    assert client.post_form("/moderation/log").status_code == 405


def test_log_shows_system(app, client, auth, world, make_user, make_comment):
    comment_id = make_comment(world["event"], world["author"]).id
    with app.app_context():
        for i in range(3):
            reporter = make_user(f"flagger{i}")
            discussions.flag_comment(db.session.get(Comment, comment_id),
                                     db.session.get(User, reporter.id), "spam", None)
            db.session.commit()
    other = make_comment(world["event"], world["author"], **HELD).id
    decide(app, other, "clubmod", "approve")
    entry = fetch(app, ModerationAction, action="auto_hide")
    assert entry.actor_id is None
    auth.login("admin")

    def row(page, entry_id):
        """The cells of one log entry, as text (None if it is not listed)."""
        match = re.search(rf'<tr id="log-{entry_id}">(.*?)</tr>', page, re.DOTALL)
        if match is None:
            return None
        return [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
                for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.DOTALL)]

    approval = fetch(app, ModerationAction, action="approve")
    for path in ("/moderation/log", "/moderation/log?actor=system"):
        cells = row(client.get(path).text, entry.id)
        assert cells is not None, path
        _when, who, what, target, reason = cells
        assert (who, what, reason) == ("system", "Hidden automatically",
                                       "Three people flagged it"), path
        assert "Author Nurlan" in target
    # The system filter shows the system's entries only.
    assert row(client.get("/moderation/log").text, approval.id) is not None
    assert row(client.get("/moderation/log?actor=system").text, approval.id) is None


# -- sanctions -----------------------------------------------------------------------------

def test_mute_blocks_commenting_flagging_and_voting(app, client, auth, world, make_comment):
    auth.login("sitemod")
    response = client.post_form(f"/moderation/users/{world['author'].id}",
                                {"kind": "mute", "days": "3", "reason": "Cool down"})
    assert response.status_code == 302
    author = fetch(app, User, id=world["author"].id)
    assert author.muted_until > utcnow() + timedelta(days=2)
    comment_id = make_comment(world["event"], world["citizen"]).id
    with app.app_context():
        author = db.session.get(User, world["author"].id)
        event = db.session.get(Event, world["event"].id)
        with pytest.raises(RuleError, match="muted"):
            discussions.post_comment(event, author, "Hello")
        with pytest.raises(RuleError, match="muted"):
            discussions.flag_comment(db.session.get(Comment, comment_id), author, "spam", None)
        with pytest.raises(RuleError, match="muted"):
            cast_vote(event, author, "before", "for")
    entry = fetch(app, ModerationAction, action="mute")
    assert entry.reason == "Cool down" and entry.until is not None


def test_ban_ends_sessions_and_blocks_login(app, client, auth, world):
    author_client = app.test_client()
    author_client.set_cookie("lang", "en")
    author_client.post_form("/auth/login", {"username": "author",
                                            "password": "correct horse battery"})
    assert author_client.get("/account/").status_code == 200
    auth.login("sitemod")
    client.post_form(f"/moderation/users/{world['author'].id}",
                     {"kind": "ban", "reason": "Threats"})
    assert fetch(app, User, id=world["author"].id).banned
    assert author_client.get("/account/").status_code == 302
    response = author_client.post_form("/auth/login", {"username": "author",
                                                       "password": "correct horse battery"})
    assert "This account has been suspended." in response.text
    client.post_form(f"/moderation/users/{world['author'].id}",
                     {"kind": "unban", "reason": "Appeal accepted"})
    assert not fetch(app, User, id=world["author"].id).banned


def test_a_sanction_changed_within_a_minute_is_applied(app, client, auth, world):
    """Double clicks are recognised by the person's last sanction, not by any
    of its kind: a ban lifted and given again, or a mute corrected from one
    day to thirty, within the same minute, takes effect (attack finding)."""
    auth.login("sitemod")
    url = f"/moderation/users/{world['author'].id}"
    for kind, banned in (("ban", True), ("unban", False), ("ban", True)):
        client.post_form(url, {"kind": kind, "reason": "Threats"})
        assert fetch(app, User, id=world["author"].id).banned is banned, kind
    client.post_form(url, {"kind": "unban", "reason": "Threats"})
    client.post_form(url, {"kind": "mute", "reason": "Spam", "days": "1"})
    client.post_form(url, {"kind": "mute", "reason": "Spam", "days": "30"})
    muted_until = fetch(app, User, id=world["author"].id).muted_until
    assert muted_until > utcnow() + timedelta(days=29)
    with app.app_context():
        assert db.session.query(ModerationAction).filter_by(
            target_user_id=world["author"].id, action="mute").count() == 2


@pytest.mark.parametrize("target", ["sitemod", "admin"])
def test_nobody_sanctions_themselves_or_an_admin(app, client, auth, world, target):
    auth.login("sitemod")
    response = client.post_form(f"/moderation/users/{world[target].id}",
                                {"kind": "ban", "reason": "No"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/users/{world[target].id}")
    page = client.get(response.headers["Location"]).text
    assert "You cannot sanction yourself or an administrator." in page
    assert 'class="flash flash-error"' in page
    assert not fetch(app, User, id=world[target].id).banned
    assert fetch(app, ModerationAction, action="ban") is None


def test_sanction_needs_a_reason(app, client, auth, world):
    auth.login("admin")
    response = client.post_form(f"/moderation/users/{world['author'].id}", {"kind": "warn"})
    assert response.status_code == 422
    assert fetch(app, ModerationAction, action="warn") is None
    page = client.get(f"/moderation/users/{world['author'].id}").text
    assert "Author Nurlan" in page and ">author<" not in page


def test_unknown_user_is_404(client, auth, world):
    auth.login("sitemod")
    assert client.get("/moderation/users/99999").status_code == 404


# -- watched words -------------------------------------------------------------------------

def test_watched_words_add_remove_and_effect(app, client, auth, world, make_club, make_event):
    auth.login("admin")
    response = client.post_form("/moderation/words", {"word": "  СПАМ "})
    assert response.status_code == 302
    assert "спам" in client.get("/moderation/words").text
    assert client.post_form("/moderation/words", {"word": ""}).status_code == 422
    post_club = make_club(moderation_mode="post")
    event_id = make_event(post_club).id
    with app.app_context():
        author = db.session.get(User, world["author"].id)
        event = db.session.get(Event, event_id)
        assert discussions.post_comment(event, author, "Это СПАМ!").status == "pending"
        assert discussions.post_comment(event, author, "Это антиспам-фильтр").status == "published"
        assert discussions.post_comment(event, author, "spam spam").status == "published"
    client.post_form("/moderation/words", {"word": "Spam"})
    with app.app_context():
        author = db.session.get(User, world["author"].id)
        event = db.session.get(Event, event_id)
        held = discussions.post_comment(event, author, "Buy SPAM now")
        assert (held.status, held.held_for) == ("pending", "watched_word")
        # Issue #12: a listed word catches its endings, never the middle of a word.
        assert discussions.post_comment(event, author, "spammy").status == "pending"
        assert discussions.post_comment(event, author, "antispam").status == "published"
        word_id = db.session.scalar(db.select(WatchedWord.id).where(WatchedWord.word == "спам"))
    assert client.post_form(f"/moderation/words/{word_id}/delete").status_code == 302
    # Removed again (a double click): the same answer, not 404.
    assert client.post_form(f"/moderation/words/{word_id}/delete").status_code == 302
    with app.app_context():
        author = db.session.get(User, world["author"].id)
        event = db.session.get(Event, event_id)
        assert discussions.post_comment(event, author, "Это СПАМ!").status == "published"


def test_dismissed_appeal_stays_rejected_and_is_notified(app, client, auth, world, make_comment):
    from hrdebate.models import Notification

    comment_id = make_comment(world["event"], world["author"], **HELD).id
    decide(app, comment_id, "clubmod", "reject", "topic")
    with app.app_context():
        discussions.appeal(db.session.get(Comment, comment_id),
                           db.session.get(User, world["author"].id), "It was on topic")
        db.session.commit()
    auth.login("admin")
    response = client.post_form(f"/moderation/comments/{comment_id}",
                                {"action": "reject", "reason": "topic", "note": "Still not"})
    assert response.status_code == 302
    comment = fetch(app, Comment, id=comment_id)
    assert comment.status == "rejected" and not comment.appeal_pending
    entry = fetch(app, ModerationAction, action="appeal_dismissed")
    assert entry.actor_id == world["admin"].id and entry.reason == "topic: Still not"
    with app.app_context():
        kinds = db.session.scalars(db.select(Notification.kind).where(
            Notification.user_id == world["author"].id)).all()
    assert "comment_rejected" in kinds and "appeal_dismissed" in kinds


def test_restoring_a_flagged_comment_clears_it_from_the_queue(app, client, auth, world,
                                                               make_user, make_comment):
    comment_id = make_comment(world["event"], world["author"]).id
    with app.app_context():
        for i in range(3):
            reporter = make_user(f"flagger{i}")
            discussions.flag_comment(db.session.get(Comment, comment_id),
                                     db.session.get(User, reporter.id), "off_topic", None)
            db.session.commit()
    auth.login("clubmod")
    page = client.get("/moderation/?reason=off_topic").text
    assert f"queue-item-{comment_id}" in page
    assert f"queue-item-{comment_id}" not in client.get("/moderation/?reason=spam").text
    response = client.post_form(f"/moderation/comments/{comment_id}", {"action": "restore"},
                                headers=HX)
    assert "0 flagged comments" in response.text
    assert fetch(app, Comment, id=comment_id).status == "published"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Flag).where(
            Flag.resolved_at.is_(None))) == 0
    assert f"queue-item-{comment_id}" not in client.get("/moderation/").text


def test_plain_decide_keeps_filters_and_refuses_foreign_next(app, client, auth, world,
                                                              make_comment):
    first = make_comment(world["event"], world["author"], **HELD).id
    second = make_comment(world["event"], world["author"], **HELD).id
    auth.login("clubmod")
    response = client.post_form(f"/moderation/comments/{first}",
                                {"action": "approve", "next": "/moderation/?age=1h"})
    assert response.headers["Location"].endswith("/moderation/?age=1h")
    response = client.post_form(f"/moderation/comments/{second}",
                                {"action": "approve", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/moderation/")
    page = client.get("/moderation/").text
    assert "Your decision is saved" in page and "Nothing is waiting" in page


# -- one table of decisions: the service and the queue ask Comment.moderation_actions ----

STATES = {
    "pending": ({"status": "pending"}, ("approve", "reject")),
    "published": ({"status": "published", "held_for": None}, ("hide",)),
    "hidden": ({"status": "hidden", "held_for": None}, ("restore",)),
    "hidden by flags": ({"status": "hidden", "held_for": "flags", "open_flags": 3},
                        ("hide", "restore")),
    "rejected": ({"status": "rejected"}, ()),
    "appealed": ({"status": "rejected", "appeal_message": "Please"}, ("approve", "reject")),
    "deleted": ({"status": "deleted", "held_for": None}, ()),
    "deleted after an appeal": ({"status": "deleted"}, ()),
}


def _state_comment(app, world, make_comment, fields):
    fields = dict(fields)
    if "appeal_message" in fields or fields.get("status") == "deleted" and "held_for" not in fields:
        fields.setdefault("appealed_at", utcnow())
    comment_id = make_comment(world["event"], world["author"], **{**HELD, **fields}).id
    if fields.get("held_for") == "flags":
        with app.app_context():
            db.session.add(Flag(comment_id=comment_id, reporter_id=world["citizen"].id,
                                reason="spam"))
            db.session.commit()
    return comment_id


@pytest.mark.parametrize("state", list(STATES))
def test_rule_moderation_actions(app, client, auth, world, state, make_comment):
    from hrdebate.models.comment import ModerationDecision

    fields, allowed = STATES[state]
    comment_id = _state_comment(app, world, make_comment, fields)
    assert fetch(app, Comment, id=comment_id).moderation_actions() == allowed
    # The service accepts exactly these decisions...
    for decision in ModerationDecision:
        with app.app_context():
            comment = db.session.get(Comment, comment_id)
            try:
                services.decide(comment, User.by_username("sitemod"), decision, "respect")
                accepted = True
            except RuleError as error:
                assert error.code == "cannot_moderate"
                accepted = False
            db.session.rollback()
        assert accepted == (decision in allowed), decision
    # ... and the queue offers exactly these buttons.
    auth.login("sitemod")
    page = client.get("/moderation/").text
    item = re.search(rf'id="queue-item-{comment_id}"(.*?)</form>', page, re.DOTALL)
    if item is None:
        assert state not in ("pending", "hidden by flags", "appealed")
    else:
        buttons = re.findall(r'<button type="submit" name="action" value="([a-z]+)"',
                             item.group(1))
        assert tuple(buttons) == allowed


def test_bulk_savepoints_keep_the_others(app, world, make_comment):
    """One refused comment rolls back alone; the others stay decided."""
    ids = [make_comment(world["event"], world["author"], **HELD).id for _ in range(2)]
    published = make_comment(world["event"], world["author"]).id
    with app.app_context():
        done, refused = services.decide_many([ids[0], published, ids[1], 99999],
                                             User.by_username("clubmod"), "approve", None,
                                             [world["club"].id])
        db.session.commit()
    assert (done, refused) == (2, 2)
    assert {fetch(app, Comment, id=i).status for i in ids} == {"published"}
    assert fetch(app, User, id=world["author"].id).approved_comment_count == 2
    with app.app_context():
        logged = db.session.scalar(db.select(db.func.count()).select_from(ModerationAction))
    assert logged == 2
