"""Issue #12, club moderators: for their club's events they close and reopen
the discussion, set slow mode and warn a person; they read their club's part
of the moderation log (site moderators read all of it), found by person, not
by number. Mute and ban stay with site moderators."""

import pytest

from hrdebate.extensions import db
from hrdebate.models import Event, ModerationAction, Notification
from tests.helpers import fetch

pytestmark = pytest.mark.usefixtures("english")
HX = {"HX-Request": "true"}
ROLES = ["anonymous", "citizen", "author", "organiser", "clubmod", "othermod", "sitemod",
         "admin"]


@pytest.fixture
def world(make_user, make_club, make_event):
    people = {
        "admin": make_user("admin", site_role="admin", display_name="Admin Asel"),
        "sitemod": make_user("sitemod", site_role="moderator", display_name="Site Mod"),
        "clubmod": make_user("clubmod", display_name="Club Mod"),
        "othermod": make_user("othermod", display_name="Other Club Mod"),
        "organiser": make_user("organiser", display_name="Organiser"),
        "citizen": make_user("citizen", display_name="Citizen Aibek"),
        "author": make_user("author", display_name="Айбек Нурланов"),
    }
    club = make_club(organisers=[people["organiser"]], moderators=[people["clubmod"]],
                     moderation_mode="post")
    other = make_club(moderators=[people["othermod"]], moderation_mode="post")
    return {**people, "club": club, "other": other,
            "event": make_event(club, kind="civic_project"),
            "other_event": make_event(other, kind="civic_project")}


def login(auth, role):
    if role != "anonymous":
        auth.login(role)


def outcome(response):
    if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
        return "login"
    return response.status_code


# -- discussion settings ---------------------------------------------------------------------

SETTINGS = {"anonymous": "login", "citizen": 403, "author": 403, "organiser": 302,
            "clubmod": 302, "othermod": 403, "sitemod": 302, "admin": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_closes_a_discussion(app, client, auth, world, role):
    event_id = world["event"].id
    login(auth, role)
    page = client.get(f"/events/{event_id}").text
    assert (f'action="/events/{event_id}/discussion"' in page) == (SETTINGS[role] == 302)
    response = client.post_form(f"/events/{event_id}/discussion",
                                {"closed": "y", "slow_mode_seconds": "0"})
    assert outcome(response) == SETTINGS[role]
    assert fetch(app, Event, id=event_id).discussion_closed == (SETTINGS[role] == 302)


def test_club_moderator_closes_reopens_sets_slow_mode_and_it_is_logged(app, client, auth,
                                                                        world):
    event_id = world["event"].id
    auth.login("clubmod")
    path = f"/events/{event_id}/discussion"
    response = client.post_form(path, {"closed": "y", "slow_mode_seconds": "0"}, headers=HX)
    assert response.status_code == 200 and "The discussion is closed." in response.text
    client.post_form(path, {"slow_mode_seconds": "120"})
    event = fetch(app, Event, id=event_id)
    assert (event.discussion_closed, event.slow_mode_seconds) == (False, 120)
    client.post_form(path, {"slow_mode_seconds": "120"})  # nothing changes: nothing logged
    with app.app_context():
        entries = db.session.execute(db.select(ModerationAction.action, ModerationAction.actor_id,
                                               ModerationAction.event_id)
                                     .order_by(ModerationAction.id)).all()
    me = world["clubmod"].id
    assert [tuple(e) for e in entries] == [("close", me, event_id), ("reopen", me, event_id),
                                           ("slow_mode", me, event_id)]
    log = client.get("/moderation/log").text
    assert "Discussion closed" in log and "Discussion reopened" in log
    assert "one comment every 120 seconds" in log
    # Closed by a moderator: a person who comments reads why.
    client.post_form(path, {"closed": "y", "slow_mode_seconds": "0"})
    auth.login("citizen")
    response = client.post_form(f"/events/{event_id}/comments", {"body": "Hello"})
    assert response.status_code == 422 and "closed this discussion" in response.text


# -- warnings ---------------------------------------------------------------------------------

WARN = {"anonymous": "login", "citizen": 403, "author": 403, "organiser": 403, "clubmod": 302,
        "othermod": 403, "sitemod": 302, "admin": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_warns_the_author_of_a_comment(app, client, auth, world, role, make_comment):
    comment_id = make_comment(world["event"], world["author"], "Rude words").id
    login(auth, role)
    page = client.get(f"/moderation/comments/{comment_id}/warn")
    assert outcome(page) == ("login" if role == "anonymous" else
                             200 if WARN[role] == 302 else 403)
    response = client.post_form(f"/moderation/comments/{comment_id}/warn",
                                {"reason": "Mind your words, please."})
    expected = WARN[role]
    if role == "author":
        expected = 403  # nobody warns themselves: they are no moderator here anyway
    assert outcome(response) == expected
    with app.app_context():
        warned = db.session.scalars(db.select(ModerationAction).where(
            ModerationAction.action == "warn")).all()
    assert len(warned) == (1 if expected == 302 else 0)
    if warned:
        entry = warned[0]
        assert (entry.target_user_id, entry.comment_id, entry.event_id, entry.reason) == (
            world["author"].id, comment_id, world["event"].id, "Mind your words, please.")


def test_warning_is_told_to_the_author_once_and_shows_in_the_club_log(app, client, auth, world,
                                                                      make_comment):
    comment_id = make_comment(world["event"], world["author"], "Rude words").id
    auth.login("clubmod")
    queue_link = client.get("/moderation/")  # nothing waits, but the thread links to it
    assert queue_link.status_code == 200
    thread = client.get(f"/events/{world['event'].id}").text
    assert f"/moderation/comments/{comment_id}/warn" in thread
    form = client.get(f"/moderation/comments/{comment_id}/warn?next=/events/{world['event'].id}")
    assert "Айбек Нурланов" in form.text and "Rude words" in form.text
    assert client.post_form(f"/moderation/comments/{comment_id}/warn", {"reason": ""}) \
        .status_code == 422
    for _ in range(2):  # a double click
        response = client.post_form(f"/moderation/comments/{comment_id}/warn",
                                    {"reason": "Mind your words.",
                                     "next": f"/events/{world['event'].id}"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/events/{world['event'].id}")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.user_id == world["author"].id, Notification.kind == "warned")) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(ModerationAction)) == 1
    log = client.get("/moderation/log").text
    assert "Warning" in log and "Mind your words." in log and "Айбек Нурланов" in log
    # A club moderator cannot open a person's record (mute and ban stay with site moderators).
    assert f"/moderation/users/{world['author'].id}" not in log
    assert client.get(f"/moderation/users/{world['author'].id}").status_code == 403
    assert client.post_form(f"/moderation/users/{world['author'].id}",
                            {"kind": "mute", "days": "3", "reason": "x"}).status_code == 403


def test_nobody_warns_a_deleted_account_or_an_admin(app, client, auth, world, make_comment):
    orphan = make_comment(world["event"], None, "").id
    by_admin = make_comment(world["event"], world["admin"], "An admin speaks").id
    auth.login("clubmod")
    for comment_id in (orphan, by_admin):
        page = client.get(f"/moderation/comments/{comment_id}/warn")
        assert page.status_code == 200 and "You cannot sanction" in page.text
        response = client.post_form(f"/moderation/comments/{comment_id}/warn",
                                    {"reason": "No"})
        assert response.status_code == 302  # refused: back with the reason
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ModerationAction)) == 0


# -- the log: a club's part, by person -------------------------------------------------------

@pytest.fixture
def logged(app, world, make_comment):
    """A warning in each club, and a site mute with no event."""
    from hrdebate.models import User
    from hrdebate.moderation import services

    here = make_comment(world["event"], world["author"], "Here")
    there = make_comment(world["other_event"], world["citizen"], "There")
    with app.app_context():
        services.warn_author(db.session.get(type(here), here.id),
                             db.session.get(User, world["clubmod"].id), "Warned here")
        services.warn_author(db.session.get(type(there), there.id),
                             db.session.get(User, world["othermod"].id), "Warned there")
        services.sanction(db.session.get(User, world["author"].id),
                          db.session.get(User, world["sitemod"].id), "mute", "Muted site-wide",
                          days=2)
        db.session.commit()


@pytest.mark.parametrize("role, seen", [
    ("clubmod", {"Warned here"}),
    ("othermod", {"Warned there"}),
    ("sitemod", {"Warned here", "Warned there", "Muted site-wide"}),
    ("admin", {"Warned here", "Warned there", "Muted site-wide"}),
])
def test_each_moderator_reads_their_part_of_the_log(client, auth, world, logged, role, seen):
    auth.login(role)
    page = client.get("/moderation/log").text
    assert {r for r in ("Warned here", "Warned there", "Muted site-wide") if r in page} == seen


@pytest.mark.parametrize("role", ["citizen", "organiser", "author"])
def test_the_log_is_not_for_others(client, auth, world, logged, role):
    auth.login(role)
    assert client.get("/moderation/log").status_code == 403


def test_log_by_display_name_not_number(client, auth, world, logged):
    auth.login("sitemod")
    page = client.get("/moderation/log").text
    assert 'name="person"' in page and "(number)" not in page
    # Words of a display name, folded as search folds them: any letter case,
    # either alphabet, any apostrophe ("Aibek" is also "Айбек").
    for typed in ("нурланов", "НУРЛАНОВ", "Nurlanov", "айбек нур", "Aybek Nurlanov"):
        page = client.get("/moderation/log", query_string={"person": typed}).text
        assert "Warned here" in page and "Warned there" not in page, typed
    for typed in ("Citizen", "citizen aibek", "CITIZEN AYBEK"):
        page = client.get("/moderation/log", query_string={"person": typed}).text
        assert "Warned there" in page and "Warned here" not in page, typed
    page = client.get("/moderation/log", query_string={"person": "aibek"}).text
    assert "Warned here" in page and "Warned there" in page
    page = client.get("/moderation/log", query_string={"person": "нурланов"}).text
    assert "Muted site-wide" in page
    # The people found link to their record, with the username for site moderators.
    assert f'/moderation/users/{world["author"].id}' in page and "@author" in page
    # An exact username, for site moderators.
    page = client.get("/moderation/log", query_string={"person": "citizen"}).text
    assert "Warned there" in page and "Warned here" not in page
    # LIKE's wildcards are taken literally.
    page = client.get("/moderation/log", query_string={"person": "%"}).text
    assert "Warned here" not in page and "Warned there" not in page
    # The record page's link (by id) still works.
    page = client.get("/moderation/log", query_string={"target": world["citizen"].id}).text
    assert "Warned there" in page and "Warned here" not in page


def test_club_moderators_never_find_people_by_username(client, auth, world, logged):
    auth.login("clubmod")
    page = client.get("/moderation/log", query_string={"person": "author"}).text
    assert "Warned here" not in page  # "author" is a username, not a display name
    page = client.get("/moderation/log", query_string={"person": "Нурланов"}).text
    assert "Warned here" in page and "@author" not in page
    assert "/moderation/users/" not in page
