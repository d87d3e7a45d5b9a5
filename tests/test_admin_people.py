"""/admin/: who may open it, finding people, a person's page (site role,
sanctions, sessions) and the moderation log entries each admin action
writes (issue #12)."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.models import ModerationAction, Notification, User
from tests.helpers import count_queries, fetch, page_text

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(make_user, make_club):
    """An admin, a site moderator, an organiser (runs a club), a club
    moderator, a citizen with an email, and a second club's owner."""
    people = SimpleNamespace(
        admin=make_user("adil", display_name="Adil Admin", site_role="admin"),
        moderator=make_user("mira", display_name="Мира Модератор", site_role="moderator"),
        organiser=make_user("omar", display_name="Omar the Organiser"),
        club_moderator=make_user("kamila", display_name="Камила Клубная"),
        citizen=make_user("tima", display_name="Тимур Асанов", email="Tima@Example.org"),
    )
    people.club = make_club(owner=people.organiser, moderators=[people.club_moderator],
                            slug="ordo", name="Ordo Debate Club")
    return people


ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users?q=tima", "/admin/users/{citizen}",
               "/admin/clubs", "/admin/clubs?status=all", "/clubs/ordo/refuse"]
ADMIN_POSTS = [
    ("/admin/users/{citizen}/role", {"role-role": "moderator", "role-reason": "Trusted"}),
    ("/admin/users/{citizen}/sanction", {"sanction-kind": "warn", "sanction-reason": "Rude"}),
    ("/admin/users/{citizen}/sessions", {"sessions-reason": "Phone stolen"}),
    ("/clubs/ordo/verify", {}),
    ("/clubs/ordo/unverify", {}),
    ("/clubs/ordo/refuse", {"reason": "Who runs it?"}),
]


def _url(template, world):
    return template.format(citizen=world.citizen.id)


def _log(app, **where):
    with app.app_context():
        return db.session.scalars(select(ModerationAction).filter_by(**where)
                                  .order_by(ModerationAction.id)).all()


# -- who may open the admin pages ---------------------------------------------------------

@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_is_sent_to_log_in(client, world, url):
    response = client.get(_url(url, world))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["citizen", "moderator", "organiser", "club_moderator"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_everyone_but_admins_is_refused(client, auth, world, who, url):
    auth.login(getattr(world, who).username)
    assert client.get(_url(url, world)).status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "citizen", "moderator", "organiser",
                                 "club_moderator"])
@pytest.mark.parametrize(("url", "data"), ADMIN_POSTS)
def test_no_admin_action_for_others(app, client, auth, world, who, url, data):
    if who != "anonymous":
        auth.login(getattr(world, who).username)
    response = client.post_form(_url(url, world), data)
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert _log(app) == []
    citizen = fetch(app, User, id=world.citizen.id)
    assert citizen.site_role == "citizen" and citizen.session_token == world.citizen.session_token


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_opens_every_page(client, auth, world, url):
    auth.login("adil")
    response = client.get(_url(url, world))
    assert response.status_code == 200
    assert "Something went wrong" not in response.text


def test_unknown_person_is_404(client, auth, world):
    auth.login("adil")
    assert client.get("/admin/users/9999").status_code == 404
    assert client.post_form("/admin/users/9999/role",
                            {"role-role": "admin", "role-reason": "x"}).status_code == 404
    assert client.get("/admin/users/99999999999999999999").status_code == 404


# -- finding people -----------------------------------------------------------------------

@pytest.mark.parametrize("q", ["tim", "TIMA", "Тимур", "timur", "asanov", "tima@ex", "TIMA@EXAMPLE.ORG",
                               "Тимур Асан"])
def test_search_finds_by_username_display_name_or_email(client, auth, world, q):
    auth.login("adil")
    text = client.get("/admin/users", query_string={"q": q}).text
    assert f'href="/admin/users/{world.citizen.id}"' in text
    assert f'href="/admin/users/{world.organiser.id}"' not in text


def test_search_shows_usernames_and_emails_to_admins(client, auth, world):
    auth.login("adil")
    text = page_text(client.get("/admin/users?q=tima").text)
    assert "tima" in text and "Tima@Example.org" in text


@pytest.mark.parametrize("q", ["example.org", "%", "_", "ima", "@"])
def test_search_does_not_match_the_middle_of_a_username_or_email(client, auth, world, q):
    auth.login("adil")
    assert f'href="/admin/users/{world.citizen.id}"' not in client.get(
        "/admin/users", query_string={"q": q}).text


def test_search_bounds_and_odd_input(client, auth, world):
    auth.login("adil")
    for q in ["x" * 5000, "\x00", "'; DROP TABLE users; --", "ʻ", "   "]:
        assert client.get("/admin/users", query_string={"q": q}).status_code == 200
    # The query is cut to 100 characters when shown again.
    page = client.get("/admin/users", query_string={"q": "y" * 500}).text
    assert f'name="q" value="{"y" * 100}"' in page
    assert client.get("/admin/users?page=2").status_code == 404
    assert client.get("/admin/users?page=abc").status_code == 200


def test_search_lists_everyone_paginated(client, auth, world, make_user):
    for n in range(26):
        make_user(f"zz{n:02}", display_name=f"Zz Person {n:02}")
    auth.login("adil")
    first = client.get("/admin/users").text
    assert first.count('href="/admin/users/') == 25
    assert 'rel="next"' in first
    assert client.get("/admin/users?page=2").text.count('href="/admin/users/') == 6


def test_search_fragment_for_htmx(client, auth, world):
    auth.login("adil")
    response = client.get("/admin/users?q=tima", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="people"' in response.text
    assert "HX-Request" in response.headers.get("Vary", "")


def test_usernames_and_emails_never_on_public_pages(client, auth, world, make_event):
    """What the admin search shows stays there: public pages name people by
    display name only, whoever reads them (an admin included)."""
    make_event(world.club, title="Open debate")
    for who in (None, "tima", "adil"):
        if who:
            auth.login(who)
        for url in ("/", "/clubs/", "/clubs/ordo", "/events/"):
            page = client.get(url).text
            assert "Tima@Example.org" not in page
            for username in ("tima", "omar", "kamila"):
                assert not re.search(rf"\b{username}\b", page), (who, url, username)


# -- a person's page ------------------------------------------------------------------------

def test_person_page_shows_clubs_roles_and_record(app, client, auth, world):
    auth.login("adil")
    client.post_form(f"/admin/users/{world.club_moderator.id}/sanction",
                     {"sanction-kind": "warn", "sanction-reason": "Too harsh"})
    text = " ".join(page_text(client.get(f"/admin/users/{world.club_moderator.id}").text).split())
    assert "Ordo Debate Club — Club moderator" in text
    assert "kamila" in text  # the username, for admins
    assert "Warning — Adil Admin" in text and "Too harsh" in text


def test_role_change_is_logged_with_who_and_why(app, client, auth, world):
    auth.login("adil")
    response = client.post_form(f"/admin/users/{world.citizen.id}/role",
                                {"role-role": "moderator", "role-reason": "Trusted volunteer"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{world.citizen.id}")
    assert fetch(app, User, id=world.citizen.id).site_role == "moderator"
    [entry] = _log(app)
    assert (entry.action, entry.actor_id, entry.target_user_id, entry.reason) == (
        "made_moderator", world.admin.id, world.citizen.id, "Trusted volunteer")
    # The same again (a double click) changes and logs nothing.
    client.post_form(f"/admin/users/{world.citizen.id}/role",
                     {"role-role": "moderator", "role-reason": "Trusted volunteer"})
    assert len(_log(app)) == 1
    # The log shows it, by name.
    log = page_text(client.get("/moderation/log").text)
    assert "Site role: site moderator" in log and "Тимур Асанов" in log


@pytest.mark.parametrize(("data", "error"), [
    ({"role-role": "moderator"}, "This field is required."),
    ({"role-role": "emperor", "role-reason": "x"}, "Not a valid choice."),
    ({"role-role": "admin", "role-reason": "x" * 501}, "500"),
])
def test_role_change_bad_input_is_422_and_changes_nothing(app, client, auth, world, data, error):
    auth.login("adil")
    response = client.post_form(f"/admin/users/{world.citizen.id}/role", data)
    assert response.status_code == 422
    assert error in response.text
    assert fetch(app, User, id=world.citizen.id).site_role == "citizen"
    assert _log(app) == []


def test_last_admin_keeps_the_role(app, client, auth, world):
    auth.login("adil")
    response = client.post_form(f"/admin/users/{world.admin.id}/role",
                                {"role-role": "citizen", "role-reason": "Stepping down"},
                                follow_redirects=True)
    assert "only administrator" in response.text
    assert fetch(app, User, id=world.admin.id).site_role == "admin"
    assert _log(app) == []
    # The page says so before anyone tries.
    assert "only administrator" in client.get(f"/admin/users/{world.admin.id}").text


def test_an_admin_steps_down_when_another_remains(app, client, auth, world, make_user):
    other = make_user("bakyt", display_name="Bakyt Admin", site_role="admin")
    auth.login("adil")
    # An admin may take another admin's role...
    client.post_form(f"/admin/users/{other.id}/role",
                     {"role-role": "moderator", "role-reason": "Left the team"})
    assert fetch(app, User, id=other.id).site_role == "moderator"
    # ...but then is the last one.
    client.post_form(f"/admin/users/{world.admin.id}/role",
                     {"role-role": "citizen", "role-reason": "Stepping down"})
    assert fetch(app, User, id=world.admin.id).site_role == "admin"
    client.post_form(f"/admin/users/{other.id}/role",
                     {"role-role": "admin", "role-reason": "Back"})
    response = client.post_form(f"/admin/users/{world.admin.id}/role",
                                {"role-role": "citizen", "role-reason": "Stepping down"})
    assert response.status_code == 302
    assert fetch(app, User, id=world.admin.id).site_role == "citizen"
    # No longer an admin: the admin area is closed to them.
    assert client.get("/admin/").status_code == 403
    assert [e.action for e in _log(app)] == ["made_moderator", "made_admin", "made_citizen"]


def test_sanction_through_the_admin_page_uses_the_moderation_rules(app, client, auth, world):
    auth.login("adil")
    url = f"/admin/users/{world.citizen.id}/sanction"
    assert client.post_form(url, {"sanction-kind": "mute", "sanction-days": "3",
                                  "sanction-reason": "Spam"}).status_code == 302
    assert fetch(app, User, id=world.citizen.id).muted_until is not None
    # Lifted: the mute ends now.
    client.post_form(url, {"sanction-kind": "unmute", "sanction-reason": "Apologised"})
    assert fetch(app, User, id=world.citizen.id).muted_until is None
    client.post_form(url, {"sanction-kind": "ban", "sanction-reason": "Threats"})
    assert fetch(app, User, id=world.citizen.id).banned is True
    client.post_form(url, {"sanction-kind": "unban", "sanction-reason": "Appeal accepted"})
    assert fetch(app, User, id=world.citizen.id).banned is False
    assert [(e.action, e.actor_id, e.target_user_id) for e in _log(app)] == [
        (a, world.admin.id, world.citizen.id) for a in ("mute", "unmute", "ban", "unban")]
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).where(
            Notification.user_id == world.citizen.id).order_by(Notification.id)).all()
    assert kinds == ["muted", "banned"]


def test_sanction_needs_a_reason_and_never_an_admin(app, client, auth, world, make_user):
    auth.login("adil")
    response = client.post_form(f"/admin/users/{world.citizen.id}/sanction",
                                {"sanction-kind": "warn"})
    assert response.status_code == 422 and "This field is required." in response.text
    other = make_user("bakyt", site_role="admin")
    response = client.post_form(f"/admin/users/{other.id}/sanction",
                                {"sanction-kind": "ban", "sanction-reason": "x"},
                                follow_redirects=True)
    assert "You cannot sanction yourself or an administrator." in response.text
    assert fetch(app, User, id=other.id).banned is False
    assert _log(app) == []


def test_end_sessions_logs_the_person_out_everywhere(app, client, auth, world):
    other = app.test_client()  # the citizen's own browser
    assert other.post_form("/auth/login", {"username": "tima", "password": "correct horse battery"}
                           ).status_code == 302
    assert other.get("/account/").status_code == 200
    auth.login("adil")
    response = client.post_form(f"/admin/users/{world.citizen.id}/sessions",
                                {"sessions-reason": "Phone stolen"})
    assert response.status_code == 302
    assert other.get("/account/").status_code == 302  # sent to log in again
    [entry] = _log(app)
    assert (entry.action, entry.target_user_id, entry.reason) == (
        "sessions_ended", world.citizen.id, "Phone stolen")
    assert client.post_form(f"/admin/users/{world.citizen.id}/sessions",
                            {}).status_code == 422


def test_ending_ones_own_sessions_keeps_this_device(app, client, auth, world):
    auth.login("adil")
    client.post_form(f"/admin/users/{world.admin.id}/sessions", {"sessions-reason": "Lost laptop"})
    assert client.get("/admin/").status_code == 200


# -- the menu ------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "admin", "turnout", "moderation"), [
    ("citizen", False, False, False),
    ("organiser", False, True, False),
    ("club_moderator", False, False, True),
    ("moderator", False, False, True),
    ("admin", True, True, True),
])
def test_menu_links_by_role(client, auth, world, who, admin, turnout, moderation):
    auth.login(getattr(world, who).username)
    page = client.get("/privacy").text
    assert ('href="/admin/"' in page) is admin
    assert ('href="/turnout/"' in page) is turnout
    assert ('href="/moderation/"' in page) is moderation
    # Where the menu leads, the page opens.
    if turnout:
        assert client.get("/turnout/").status_code == 200
    if moderation:
        assert client.get("/moderation/").status_code == 200


def test_anonymous_menu_has_no_staff_links(client, world):
    page = client.get("/privacy").text
    for href in ("/admin/", "/turnout/", "/moderation/"):
        assert f'href="{href}"' not in page


def test_pending_badge_counts_what_waits_for_each_moderator(client, auth, world, make_club,
                                                            make_event, make_comment):
    other = make_club(slug="other", name="Other Club")
    ours = make_event(world.club)
    theirs = make_event(other)
    for _ in range(2):
        make_comment(ours, world.citizen, status="pending", held_for="pre_moderation")
    make_comment(theirs, world.citizen, status="pending", held_for="pre_moderation")
    make_comment(ours, world.citizen)  # published: nothing waits
    auth.login("kamila")  # moderates Ordo only
    page = client.get("/privacy").text
    assert '<span class="tag tag-warn" aria-hidden="true">2</span>' in page
    assert "(2 waiting)" in page
    auth.logout()
    auth.login("mira")  # site moderator: every club
    page = client.get("/privacy").text
    assert '<span class="tag tag-warn" aria-hidden="true">3</span>' in page
    assert "(3 waiting)" in page


def test_no_badge_when_nothing_waits(client, auth, world):
    auth.login("mira")
    page = client.get("/privacy").text
    assert 'href="/moderation/"' in page and "waiting)" not in page


@pytest.mark.parametrize(("who", "budget"), [
    ("citizen", 2), ("organiser", 2), ("club_moderator", 3), ("moderator", 3), ("admin", 3),
])
def test_menu_query_budget(app, client, auth, world, make_event, make_comment, who, budget):
    """The user's row and the menu's facts (one statement); the badge's count
    is one more, for moderators only."""
    make_comment(make_event(world.club), world.citizen, status="pending",
                 held_for="pre_moderation")
    auth.login(getattr(world, who).username)
    with count_queries(app) as statements:
        assert client.get("/privacy").status_code == 200
    assert len(statements) <= budget, statements


def test_admin_services_leave_the_commit_to_the_caller(app, world):
    """Services flush at most: what the caller does not commit is not kept."""
    from hrdebate.admin import services

    with app.app_context():
        admin = db.session.get(User, world.admin.id)
        citizen = db.session.get(User, world.citizen.id)
        assert services.change_site_role(citizen, admin, "admin", "Trusted") is True
        services.end_sessions(citizen, admin, "Stolen phone")
        db.session.rollback()
    citizen = fetch(app, User, id=world.citizen.id)
    assert citizen.site_role == "citizen" and citizen.session_token == world.citizen.session_token
    assert _log(app) == []


def test_display_names_are_folded_for_search_when_they_change(app, world):
    with app.app_context():
        citizen = db.session.get(User, world.citizen.id)
        assert citizen.search_key == " timur asanov"
        citizen.display_name = "Ёлдош Oʻzbek"
        assert citizen.search_key == " ioldosh ozbek eldosh"
