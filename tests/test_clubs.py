"""Clubs: founding, the club page, editing, members, verification, follows."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import CheckConstraint, func, select

from hrdebate.clubs import services
from hrdebate.extensions import db
from hrdebate.models import Club, ClubFollow, ClubInvitation, Membership, Notification, User
from hrdebate.models.club import ClubType, MemberRole
from hrdebate.rules import Refusal, RuleError
from tests.helpers import count_queries, fetch, page_text

HX = {"HX-Request": "true"}
VALID_CLUB = {
    "name": "Клуб дебатов «Ордо»",
    "club_type": "university_club",
    "city": "Бишкек",
    "region": "bishkek",
    "description": "We debate **human rights** every Friday.",
    "moderation_mode": "pre",
}


pytestmark = pytest.mark.usefixtures("english")


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_fragment(response, element_id):
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="{element_id}"' in response.text
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.fixture
def world(make_user, make_club):
    """A club with an owner, an organiser and a moderator; an outsider who
    organises another club; a citizen; an admin."""
    people = SimpleNamespace(
        owner=make_user("olga", display_name="Ольга Сатыбалдиева"),
        organiser=make_user("omar", display_name="Omar the Organiser"),
        moderator=make_user("mira", display_name="Мира Модератор"),
        outsider=make_user("otto", display_name="Otto Elsewhere"),
        citizen=make_user("tima", display_name="Тимур"),
        admin=make_user("adil", display_name="Adil Admin", site_role="admin"),
    )
    people.club = make_club(owner=people.owner, organisers=[people.organiser],
                            moderators=[people.moderator], slug="ordo", name="Ordo Debate Club",
                            description="We meet on *Fridays*.<script>alert(1)</script>")
    people.other_club = make_club(owner=people.outsider, slug="other", name="Other Club",
                                  verified=True)
    return people


def login_as(auth, world, who):
    if who != "anonymous":
        auth.login(getattr(world, who).username)


# -- slugs (service rules) ---------------------------------------------------------

@pytest.mark.parametrize(("name", "slug"), [
    ("Клуб дебатов «Ордо»", "klub-debatov-ordo"),
    ("Жаңы муун: өнүгүү жана үмүт", "zhangy-muun-onuguu-zhana-umut"),
    ("Щедрый Ёжик", "shchedryy-yozhik"),
    ("Oʻzbek gʻoyalari markazi", "ozbek-goyalari-markazi"),
    ("Human Rights Club #1", "human-rights-club-1"),
    ("Çağrı Şölen", "cagri-solen"),
    ("«»!!!", "club"),
])
def test_slugify(name, slug):
    assert services.slugify(name) == slug


def test_slugify_keeps_slugs_short():
    slug = services.slugify("Очень длинное название клуба " * 10)
    assert 0 < len(slug) <= services.SLUG_MAX and not slug.endswith("-")


def test_unique_slug_appends_a_number(app, make_club):
    make_club(slug="klub")
    make_club(slug="klub-2")
    make_club(slug="klubnika")
    with app.app_context():
        assert services.unique_slug("Клуб") == "klub-3"
        assert services.unique_slug("Клубника!") == "klubnika-2"
        assert services.unique_slug("Мир") == "mir"
        assert services.unique_slug("New") == "new-2"  # /clubs/new is a page


# -- founding, members and follows (service rules) ---------------------------------------

def test_found_club_takes_the_next_slug_after_a_clash(app, world, monkeypatch):
    """Someone took the slug between the check and the insert: the savepoint
    undoes only that attempt, and the next one gets its own slug."""
    slugs = iter(["ordo", "ordo-2"])
    monkeypatch.setattr(services, "unique_slug", lambda name: next(slugs))
    with app.app_context():
        club = services.found_club(db.session.get(User, world.citizen.id),
                                   {**VALID_CLUB, "description": ""})
        db.session.commit()
        assert club.slug == "ordo-2"
    assert fetch(app, Club, slug="ordo").name == "Ordo Debate Club"
    assert fetch(app, Membership, club_id=club.id).user_id == world.citizen.id


def test_found_club_refuses_after_three_clashes(app, client, auth, world, monkeypatch):
    monkeypatch.setattr(services, "unique_slug", lambda name: "ordo")
    with app.app_context(), pytest.raises(RuleError, match="slug_taken"):
        services.found_club(db.session.get(User, world.citizen.id), VALID_CLUB)
    # Through the form: the one refusal handler flashes it and goes back.
    auth.login("tima")
    before = count(app, Club)
    response = client.post_form("/clubs/new", VALID_CLUB)
    assert response.status_code == 302 and response.location.endswith("/clubs/new")
    assert "Another club was created with this name at the same moment" in client.get(
        "/clubs/new?lang=en").text
    assert count(app, Club) == before


def test_appointment_refusals(app, world):
    with app.app_context():
        club = db.session.get(Club, world.club.id)
        owner, citizen = (db.session.get(User, u.id)
                          for u in (world.owner, world.citizen))
        assert services.appointment_refusal(club, citizen, "organiser") is None
        assert services.appointment_refusal(club, citizen, "owner") is None  # by invitation
        assert services.appointment_refusal(club, citizen, "member") == Refusal.BAD_ROLE
        assert services.appointment_refusal(club, owner, "moderator") == Refusal.OWNER_ROLE
        assert services.appointment_refusal(club, owner, "owner") is None
        with pytest.raises(RuleError, match="owner_role"):
            services.appoint(club, owner, "moderator")


@pytest.mark.parametrize(("current", "new", "consent"), [
    ("organiser", "moderator", False), ("moderator", "organiser", False),
    ("organiser", "member", False), ("moderator", "member", False),
    ("member", "organiser", True), ("member", "moderator", True),
    ("organiser", "owner", True), ("member", "owner", True),
])
def test_which_role_changes_need_the_persons_consent(current, new, consent):
    assert services.role_needs_consent(current, new) is consent


def test_change_role_rules(app, world):
    with app.app_context():
        club = db.session.get(Club, world.club.id)
        owner = db.session.get(User, world.owner.id)
        organiser = services.membership_of(club.id, world.organiser.id)
        with pytest.raises(RuleError, match="owner_role"):
            services.change_role(club, owner, services.membership_of(club.id, owner.id), "member")
        with pytest.raises(RuleError, match="bad_role"):
            services.change_role(club, owner, organiser, "admin")
        assert services.change_role(club, owner, organiser, "moderator") is True
        assert organiser.role == "moderator"
        assert services.change_role(club, owner, organiser, "owner") is False
        assert organiser.role == "moderator"  # until they accept
        db.session.commit()
    invitation = fetch(app, ClubInvitation, invitee_id=world.organiser.id)
    assert (invitation.role, invitation.status, invitation.inviter_id) == (
        "owner", "pending", world.owner.id)


def test_leave_refusal_keeps_one_owner(app, world, make_user):
    with app.app_context():
        club = db.session.get(Club, world.club.id)
        owner = services.membership_of(club.id, world.owner.id)
        assert services.leave_refusal(owner) == Refusal.LAST_OWNER
        assert services.leave_refusal(services.membership_of(club.id, world.organiser.id)) is None
        services.appoint(club, db.session.get(User, world.organiser.id), "owner")
        db.session.flush()
        assert services.leave_refusal(owner) is None


def test_services_leave_the_commit_to_the_caller(app, world):
    """Services flush at most: what the caller does not commit is not kept."""
    with app.app_context():
        club = db.session.get(Club, world.club.id)
        citizen = db.session.get(User, world.citizen.id)
        services.follow(citizen, club)
        services.appoint(club, citizen, "organiser")
        services.set_verified(club, db.session.get(User, world.admin.id), True)
        db.session.rollback()
    assert count(app, ClubFollow) == 0
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.citizen.id) is None
    assert fetch(app, Club, slug="ordo").verified is False


# -- /clubs/ ------------------------------------------------------------------------

def test_index_lists_clubs_verified_first(client, world, make_club, make_event):
    make_club(name="Aardvark Unverified", verified=False)
    make_event(world.other_club)
    make_event(world.other_club, starts_in=timedelta(days=9))
    make_event(world.other_club, starts_in=-timedelta(days=9))          # past
    make_event(world.other_club, status="draft")                        # not public
    make_event(world.other_club, status="cancelled")                    # not upcoming
    response = client.get("/clubs/?lang=en")
    assert response.status_code == 200
    text = " ".join(page_text(response.text).split())
    assert text.index("Other Club") < text.index("Aardvark Unverified") < text.index("Ordo")
    assert "2 upcoming events" in text
    assert "Not yet verified" in text and "Verified" in text
    assert "Bishkek city" in text
    assert 'href="/clubs/new"' in response.text
    assert 'href="/clubs/ordo"' in response.text


def test_index_is_empty_helpfully(client):
    response = client.get("/clubs/?lang=en")
    assert response.status_code == 200
    assert "no clubs yet" in response.text


def test_index_fragment_for_htmx(client, world):
    response = client.get("/clubs/", headers=HX)
    assert_fragment(response, "club-list")
    assert "Ordo Debate Club" in response.text
    # A boosted request gets the full page.
    boosted = client.get("/clubs/", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_index_paginates(client, make_club):
    for n in range(25):
        make_club(name=f"Club {n:02d}", slug=f"club-{n:02d}")
    first = client.get("/clubs/?lang=en").text
    assert "Club 00" in first and "Club 19" in first and "Club 20" not in first
    assert 'href="/clubs/?page=2"' in first
    second = client.get("/clubs/?page=2&lang=en").text
    assert "Club 20" in second and "Club 24" in second and "Club 00" not in second
    assert client.get("/clubs/?page=9").status_code == 404


def _clubs_with_events(make_user, make_club, make_event, n):
    owner = make_user()
    for i in range(n):
        club = make_club(owner=owner, verified=i % 2 == 0)
        make_event(club)
        make_event(club, starts_in=-timedelta(days=3))


@pytest.mark.parametrize("signed_in", [False, True])
def test_index_query_budget(app, client, auth, make_user, make_club, make_event, signed_in):
    if signed_in:
        make_user("timur")
        auth.login("timur")
    counts = []
    for n in (3, 30):
        _clubs_with_events(make_user, make_club, make_event, n if not counts else n - 3)
        with count_queries(app) as statements:
            assert client.get("/clubs/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # Count, one page of clubs, their upcoming events (and the signed-in user).
    # Anonymous, one more: the page cache's generations (pagecache.py).
    assert counts[0] <= (5 if signed_in else 4), counts


# -- /clubs/new -----------------------------------------------------------------------

def test_new_needs_login(app, client):
    response = client.get("/clubs/new")
    assert response.status_code == 302 and "/auth/login" in response.location
    response = client.post_form("/clubs/new", VALID_CLUB)
    assert response.status_code == 302 and "/auth/login" in response.location
    assert count(app, Club) == 0


def test_new_form_explains_moderation(client, make_user, auth):
    make_user("timur")
    auth.login("timur")
    response = client.get("/clubs/new?lang=en")
    assert response.status_code == 200
    for name in VALID_CLUB:
        assert f'name="{name}"' in response.text
    assert "new members’ comments wait for a moderator" in response.text
    assert "comments appear at once and are reviewed when someone flags them" in response.text


def test_found_a_club(app, client, make_user, auth):
    founder = make_user("timur", display_name="Тимур")
    auth.login("timur")
    response = client.post_form("/clubs/new", VALID_CLUB)
    assert response.status_code == 302
    assert response.location.endswith("/clubs/klub-debatov-ordo")
    club = fetch(app, Club, slug="klub-debatov-ordo")
    assert (club.name, club.city, club.region, club.moderation_mode) == (
        "Клуб дебатов «Ордо»", "Бишкек", "bishkek", "pre")
    assert club.verified is False
    owner = fetch(app, Membership, club_id=club.id)
    assert (owner.user_id, owner.role) == (founder.id, "owner")
    # The same form again (a double click) is the same club...
    again = client.post_form("/clubs/new", VALID_CLUB)
    assert again.location.endswith("/clubs/klub-debatov-ordo")
    assert fetch(app, Club, slug="klub-debatov-ordo-2") is None
    # ... and the same name by someone else gets its own address.
    make_user("other")
    auth.logout()
    auth.login("other")
    client.post_form("/clubs/new", VALID_CLUB)
    assert fetch(app, Club, slug="klub-debatov-ordo-2") is not None
    auth.logout()
    auth.login("timur")
    page = client.get("/clubs/klub-debatov-ordo?lang=en")
    assert "<strong>human rights</strong>" in page.text
    assert "Not yet verified" in page.text
    assert "Edit the club" in page.text and "New event" in page.text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"name": "   "}, "name", "This field is required"),
    ({"region": "atlantis"}, "region", "Not a valid choice"),
    ({"region": ""}, "region", "This field is required"),
    ({"club_type": "party"}, "club_type", "Not a valid choice"),
    ({"moderation_mode": "never"}, "moderation_mode", "Not a valid choice"),
    ({"city": ""}, "city", "This field is required"),
    ({"name": "x" * 121}, "name", "Field cannot be longer than 120 characters"),
])
def test_new_bad_input(app, client, make_user, auth, changes, field, message):
    make_user("timur")
    auth.login("timur")
    response = client.post_form("/clubs/new?lang=en", {**VALID_CLUB, **changes})
    assert response.status_code == 422
    assert "Please correct the marked fields" in response.text
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    assert count(app, Club) == 0 and count(app, Membership) == 0


def test_new_rejects_a_missing_csrf_token(app, client, make_user, auth):
    make_user("timur")
    auth.login("timur")
    assert client.post("/clubs/new", data=VALID_CLUB).status_code == 400
    assert count(app, Club) == 0


# -- /clubs/<slug> ---------------------------------------------------------------------

def test_show_full_page(client, world, make_event, make_user, make_club):
    with_member = make_user("mamat", display_name="Plain Member")
    with client.application.app_context():
        db.session.add(Membership(club_id=world.club.id, user_id=with_member.id, role="member"))
        db.session.commit()
    upcoming = make_event(world.club, title="Debate on free speech")
    past = make_event(world.club, title="Moot court on torture", kind="moot_court",
                      starts_in=-timedelta(days=30))
    draft = make_event(world.club, title="Secret draft", status="draft")
    cancelled = make_event(world.club, title="Cancelled civic project", kind="civic_project",
                           status="cancelled", starts_in=timedelta(days=5))
    response = client.get("/clubs/ordo?lang=en")
    assert response.status_code == 200
    text = " ".join(page_text(response.text).split())
    assert "Ordo Debate Club" in text and "University club" in text and "Bishkek city" in text
    # Sanitised Markdown description.
    assert "<em>Fridays</em>" in response.text and "<script>alert" not in response.text
    # The team by display name, plain members only counted; the count is of
    # everyone in the club, the team named above included (issue #12).
    for name in ("Ольга Сатыбалдиева", "Omar the Organiser", "Мира Модератор"):
        assert name in text
    assert "Plain Member" not in text
    assert "4 members in all, the people above included" in text
    # Events: upcoming (cancelled ones too, marked), past; drafts hidden.
    assert f'href="/events/{upcoming.id}"' in response.text
    assert f'href="/events/{cancelled.id}"' in response.text
    assert f'href="/events/{past.id}"' in response.text
    assert f'href="/events/{draft.id}"' not in response.text
    assert text.index("Upcoming events") < text.index("Debate on free speech") < text.index(
        "Past events") < text.index("Moot court on torture")
    assert 'href="/clubs/ordo/events.ics"' in response.text
    # Anonymous visitors are asked to log in to follow; nothing to manage.
    assert "to follow this club" in text
    assert "/clubs/ordo/follow" not in response.text
    assert "New event" not in text and "/clubs/ordo/edit" not in response.text


def test_show_never_reveals_usernames(client, auth, world):
    for who in ("anonymous", "citizen", "owner", "admin"):
        if who != "anonymous":
            auth.login(getattr(world, who).username)
        page = client.get("/clubs/ordo").text
        for username in ("olga", "omar", "mira"):
            assert not re.search(rf"\b{username}\b", page), (who, username)


def test_show_not_yet_verified_label(client, world):
    assert "Not yet verified" in client.get("/clubs/ordo?lang=en").text
    verified = client.get("/clubs/other?lang=en").text
    assert "Not yet verified" not in verified and "Verified" in verified


def test_show_unknown_club_is_404(client):
    assert client.get("/clubs/nowhere").status_code == 404


@pytest.mark.parametrize(("who", "new_event", "administer", "verify"), [
    ("anonymous", False, False, False),
    ("citizen", False, False, False),
    ("outsider", False, False, False),
    ("moderator", False, False, False),
    ("organiser", True, False, False),
    ("owner", True, True, False),
    ("admin", True, True, True),
])
def test_show_links_by_role(client, auth, world, make_event, who, new_event, administer, verify):
    draft = make_event(world.club, title="Draft debate", status="draft")
    login_as(auth, world, who)
    page = client.get("/clubs/ordo?lang=en").text
    assert ('href="/events/new?club=ordo"' in page) is new_event
    assert (f'href="/events/{draft.id}"' in page) is new_event   # drafts for managers only
    assert ('href="/clubs/ordo/edit"' in page) is administer
    assert ('href="/clubs/ordo/members"' in page) is administer
    assert ('action="/clubs/ordo/verify"' in page) is verify


def test_show_paginates_past_events_with_an_htmx_fragment(client, world, make_event):
    for n in range(12):
        make_event(world.club, title=f"Past event {n:02d}", starts_in=-timedelta(days=n + 1))
    make_event(world.club, title="Future event")
    page = client.get("/clubs/ordo?lang=en").text
    assert "Past event 00" in page and "Past event 09" in page and "Past event 10" not in page
    assert 'hx-get="/clubs/ordo?page=2"' in page
    response = client.get("/clubs/ordo?page=2&lang=en", headers=HX)
    assert_fragment(response, "past-events")
    assert "Past event 10" in response.text and "Past event 11" in response.text
    assert "Future event" not in response.text and "Past event 00" not in response.text
    # The same URL without htmx is the whole page.
    full = client.get("/clubs/ordo?page=2&lang=en").text
    assert "<html" in full and "Future event" in full and "Past event 11" in full


def _fill_club(make_event, club, n):
    for i in range(n):
        make_event(club, kind=("debate", "moot_court", "civic_project")[i % 3],
                   starts_in=timedelta(days=i + 1))
        make_event(club, starts_in=-timedelta(days=i + 1))
        make_event(club, status="draft")


@pytest.mark.parametrize("who", ["anonymous", "citizen", "owner"])
def test_show_query_budget(app, client, auth, world, make_event, make_user, who):
    login_as(auth, world, who)
    counts = []
    for n in (10, 190):  # 10 events, then 200
        _fill_club(make_event, world.club, n)
        with app.app_context():
            for _ in range(n):
                db.session.add(ClubFollow(user_id=make_user().id, club_id=world.club.id))
            db.session.commit()
        with count_queries(app) as statements:
            assert client.get("/clubs/ordo").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    # club, team, counts, upcoming, past count, past page (+ user, role, unread).
    # Anonymous, 7: with the page cache's generations (pagecache.py).
    assert counts[0] <= (7 if who == "anonymous" else 9), counts


# -- /clubs/<slug>/edit ------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("moderator", 403),
    ("organiser", 403), ("owner", 200), ("admin", 200),
])
def test_edit_permissions(app, client, auth, world, who, status):
    login_as(auth, world, who)
    assert client.get("/clubs/ordo/edit").status_code == status
    response = client.post_form("/clubs/ordo/edit", {**VALID_CLUB, "name": "Renamed"})
    assert response.status_code == (302 if status == 200 else status)
    renamed = fetch(app, Club, slug="ordo").name == "Renamed"
    assert renamed is (status == 200)


def test_edit_shows_and_saves(app, client, auth, world):
    auth.login("olga")
    page = client.get("/clubs/ordo/edit?lang=en")
    assert 'value="Ordo Debate Club"' in page.text and "We meet on *Fridays*." in page.text
    response = client.post_form("/clubs/ordo/edit", {
        **VALID_CLUB, "name": "Ordo — Osh", "city": "Ош", "region": "osh_city",
        "moderation_mode": "post", "description": "",
    })
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo")
    club = fetch(app, Club, slug="ordo")  # the address stays
    assert (club.name, club.city, club.region, club.moderation_mode, club.description) == (
        "Ordo — Osh", "Ош", "osh_city", "post", "")
    assert club.verified is False
    assert "has not written a description" in client.get("/clubs/ordo?lang=en").text


def test_edit_bad_input_saves_nothing(app, client, auth, world):
    auth.login("olga")
    response = client.post_form("/clubs/ordo/edit?lang=en",
                                {**VALID_CLUB, "name": "", "region": "mars"})
    assert response.status_code == 422
    assert "This field is required" in response.text and "Not a valid choice" in response.text
    club = fetch(app, Club, slug="ordo")
    assert (club.name, club.region) == ("Ordo Debate Club", "bishkek")


def test_edit_unknown_club_is_404(client, auth, world):
    auth.login("adil")
    assert client.get("/clubs/nowhere/edit").status_code == 404


# -- /clubs/<slug>/members --------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("moderator", 403),
    ("organiser", 403), ("owner", 200), ("admin", 200),
])
def test_members_permissions(app, client, auth, world, who, status):
    login_as(auth, world, who)
    assert client.get("/clubs/ordo/members").status_code == status
    response = client.post_form("/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    assert response.status_code == (302 if status == 200 else status)
    invited = fetch(app, ClubInvitation, club_id=world.club.id, invitee_id=world.citizen.id)
    assert (invited is not None) is (status == 200)
    # Nobody is a member before accepting.
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.citizen.id) is None


def test_members_page_lists_the_team(client, auth, world):
    auth.login("olga")
    response = client.get("/clubs/ordo/members?lang=en")
    text = " ".join(page_text(response.text).split())
    assert "Omar the Organiser Organiser" in text and "Мира Модератор Club moderator" in text
    assert "Ольга Сатыбалдиева Owner" in text
    # Everyone but the owner has a row to change their role and a remove button.
    for user in (world.organiser, world.moderator):
        assert f'/clubs/ordo/members/{user.id}/remove' in response.text
        assert f'action="/clubs/ordo/members/{user.id}/role"' in response.text
    assert f'/clubs/ordo/members/{world.owner.id}/remove' not in response.text
    assert f'/clubs/ordo/members/{world.owner.id}/role' not in response.text
    assert "never says whether a username exists" in text


def test_members_fragment_for_htmx(client, auth, world):
    auth.login("olga")
    response = client.get("/clubs/ordo/members", headers=HX)
    assert_fragment(response, "member-list")
    assert "Omar the Organiser" in response.text


def test_invite_then_accept_then_change_the_role(app, client, auth, world):
    auth.login("olga")
    response = client.post_form("/clubs/ordo/members", {"username": " TIMA ", "role": "organiser"})
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo/members")
    invitation = fetch(app, ClubInvitation, invitee_id=world.citizen.id)
    assert (invitation.club_id, invitation.inviter_id, invitation.role, invitation.status) == (
        world.club.id, world.owner.id, "organiser", "pending")
    # Tima accepts.
    auth.logout()
    auth.login("tima")
    assert client.post_form(f"/invitations/{invitation.token}",
                            {"action": "accept"}).status_code == 302
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.citizen.id).role == "organiser"
    answered = fetch(app, ClubInvitation, id=invitation.id)
    assert answered.status == "accepted" and answered.answered_at is not None
    # The new organiser may now manage the club's events, but not the club.
    with app.test_request_context():
        from hrdebate.access import can_administer_club, can_manage_club
        user = db.session.get(User, world.citizen.id)
        assert can_manage_club(user, world.club.id) and not can_administer_club(user, world.club.id)
    # The owner changes the role from Tima's row: one membership still.
    auth.logout()
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{world.citizen.id}/role",
                                {"role": "moderator"})
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo/members")
    assert "Тимур’s role is now: Club moderator." in client.get("/clubs/ordo/members").text
    assert count(app, Membership, Membership.user_id == world.citizen.id) == 1
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.citizen.id).role == "moderator"


def test_a_role_shown_publicly_is_offered_not_imposed(app, client, auth, world, make_user):
    """A plain member made an organiser, or anyone made an owner, is invited
    to it from their row; the role changes when they accept."""
    plain = make_user("pavel", display_name="Plain Pavel")
    with app.app_context():
        db.session.add(Membership(club_id=world.club.id, user_id=plain.id, role="member"))
        db.session.commit()
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{plain.id}/role", {"role": "organiser"})
    assert response.status_code == 302
    assert "Plain Pavel is invited to take this role: Organiser" in client.get(
        "/clubs/ordo/members").text
    assert fetch(app, Membership, user_id=plain.id).role == "member"
    assert "Plain Pavel" not in client.get("/clubs/ordo").text
    invitation = fetch(app, ClubInvitation, invitee_id=plain.id)
    assert (invitation.role, invitation.status) == ("organiser", "pending")
    # Demoting needs nobody's consent.
    client.post_form(f"/clubs/ordo/members/{world.organiser.id}/role", {"role": "member"})
    assert fetch(app, Membership, user_id=world.organiser.id, club_id=world.club.id).role == "member"


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("moderator", 403),
    ("organiser", 403), ("owner", 302), ("admin", 302),
])
def test_change_role_permissions(app, client, auth, world, who, status):
    login_as(auth, world, who)
    response = client.post_form(f"/clubs/ordo/members/{world.moderator.id}/role",
                                {"role": "organiser"})
    assert response.status_code == status
    role = fetch(app, Membership, club_id=world.club.id, user_id=world.moderator.id).role
    assert role == ("organiser" if who in ("owner", "admin") else "moderator")


@pytest.mark.parametrize(("user", "role", "status", "message"), [
    ("owner", "organiser", 302, "The owner’s role cannot be changed here."),
    ("moderator", "admin", 302, "This is not possible."),
    ("moderator", "", 302, "This is not possible."),
    ("outsider", "organiser", 404, None),
    ("citizen", "organiser", 404, None),
])
def test_change_role_bad_input(app, client, auth, world, user, role, status, message):
    auth.login("olga")
    user_id = getattr(world, user).id
    response = client.post_form(f"/clubs/ordo/members/{user_id}/role", {"role": role})
    assert response.status_code == status
    if message:
        assert response.location.endswith("/clubs/ordo/members")
        assert message in client.get("/clubs/ordo/members").text
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.owner.id).role == "owner"
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.moderator.id).role == "moderator"
    assert count(app, ClubInvitation) == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"username": "", "role": "organiser"}, "This field is required"),
    ({"username": "x" * 41, "role": "organiser"}, "Field cannot be longer than 40 characters"),
    ({"username": "tima", "role": "member"}, "Not a valid choice"),
    ({"username": "tima", "role": "admin"}, "Not a valid choice"),
])
def test_add_member_bad_input(app, client, auth, world, data, message):
    auth.login("olga")
    response = client.post_form("/clubs/ordo/members?lang=en", data)
    assert response.status_code == 422
    assert message in response.text and "Please correct the marked fields" in response.text
    assert count(app, ClubInvitation) == 0


# -- /clubs/<slug>/members/<id>/remove ------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("moderator", 403),
    ("organiser", 403), ("owner", 302), ("admin", 302),
])
def test_remove_member_permissions(app, client, auth, world, who, status):
    login_as(auth, world, who)
    response = client.post_form(f"/clubs/ordo/members/{world.moderator.id}/remove")
    assert response.status_code == status
    gone = fetch(app, Membership, club_id=world.club.id, user_id=world.moderator.id) is None
    assert gone is (who in ("owner", "admin"))


def test_remove_member(app, client, auth, world):
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{world.organiser.id}/remove")
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo/members")
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.organiser.id) is None
    assert "Omar the Organiser is no longer a member" in client.get(
        "/clubs/ordo/members?lang=en").text
    # Removing again (a double click): nothing to remove, the same answer.
    again = client.post_form(f"/clubs/ordo/members/{world.organiser.id}/remove")
    assert again.status_code == 302 and again.location.endswith("/clubs/ordo/members")
    assert "This person is no longer a member" in client.get("/clubs/ordo/members?lang=en").text


def test_remove_member_with_htmx_returns_the_list(app, client, auth, world):
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{world.moderator.id}/remove", headers=HX)
    assert_fragment(response, "member-list")
    assert "Мира Модератор" not in response.text and "Omar the Organiser" in response.text


def test_the_owner_cannot_be_removed(app, client, auth, world):
    auth.login("adil")
    response = client.post_form(f"/clubs/ordo/members/{world.owner.id}/remove")
    assert response.status_code == 302
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.owner.id).role == "owner"
    assert "The owner cannot be removed" in client.get("/clubs/ordo/members?lang=en").text


def test_the_owner_cannot_be_removed_with_htmx(app, client, auth, world):
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{world.owner.id}/remove", headers=HX)
    assert response.status_code == 422
    assert "The owner cannot be removed from the club." in response.text
    assert response.headers["HX-Retarget"] == "#flashes"
    assert fetch(app, Membership, club_id=world.club.id, user_id=world.owner.id).role == "owner"


def test_remove_member_of_another_club_changes_nothing(app, client, auth, world):
    """Through her own club's list, its owner cannot touch another club's
    member: the person is not in her list (the answer of a removal already
    done, telling nothing she cannot see there), and stays in their club."""
    auth.login("olga")
    response = client.post_form(f"/clubs/ordo/members/{world.outsider.id}/remove")
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo/members")
    page = client.get("/clubs/ordo/members?lang=en").text
    assert "This person is no longer a member" in page and world.outsider.display_name not in page
    assert fetch(app, Membership, club_id=world.other_club.id, user_id=world.outsider.id)


def test_remove_member_of_another_club_through_its_list_is_403(app, client, auth, world):
    auth.login("olga")
    response = client.post_form(
        f"/clubs/{world.other_club.slug}/members/{world.outsider.id}/remove")
    assert response.status_code in (403, 404)
    assert fetch(app, Membership, club_id=world.other_club.id, user_id=world.outsider.id)


# -- /clubs/<slug>/verify ----------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("organiser", 403),
    ("owner", 403), ("admin", 302),
])
def test_verify_permissions(app, client, auth, world, who, status):
    login_as(auth, world, who)
    response = client.post_form("/clubs/ordo/verify")
    assert response.status_code == status
    assert fetch(app, Club, slug="ordo").verified is (who == "admin")
    if who == "anonymous":
        assert "/auth/login" in response.location


def test_verify_and_unverify(app, client, auth, world):
    auth.login("adil")
    response = client.post_form("/clubs/ordo/verify")
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo")
    page = client.get("/clubs/ordo?lang=en").text
    assert "is now a verified club" in page and "Not yet verified" not in page
    assert 'action="/clubs/ordo/unverify"' in page
    client.post_form("/clubs/ordo/unverify")
    assert fetch(app, Club, slug="ordo").verified is False
    assert client.post_form("/clubs/nowhere/verify").status_code == 404


def test_unverify_is_for_admins_only(app, client, auth, world):
    auth.login("otto")
    assert client.post_form("/clubs/other/unverify").status_code == 403
    assert fetch(app, Club, slug="other").verified is True


# -- /clubs/<slug>/follow, /unfollow --------------------------------------------------------

@pytest.mark.parametrize("action", ["follow", "unfollow"])
def test_follow_needs_login(app, client, world, action):
    response = client.post_form(f"/clubs/ordo/{action}")
    assert response.status_code == 302 and "/auth/login" in response.location
    assert count(app, ClubFollow) == 0


def test_follow_and_unfollow_are_idempotent(app, client, auth, world):
    auth.login("tima")
    for _ in range(2):
        response = client.post_form("/clubs/ordo/follow")
        assert response.status_code == 302 and response.location.endswith("/clubs/ordo")
        assert count(app, ClubFollow) == 1
    page = client.get("/clubs/ordo?lang=en").text
    assert "You follow Ordo Debate Club" in page and "1 follower" in page
    assert 'action="/clubs/ordo/unfollow"' in page
    for _ in range(2):
        response = client.post_form("/clubs/ordo/unfollow")
        assert response.status_code == 302
        assert count(app, ClubFollow) == 0
    page = client.get("/clubs/ordo?lang=en").text
    assert 'action="/clubs/ordo/follow"' in page and "0 followers" in page


def test_follow_with_htmx_swaps_the_button(app, client, auth, world):
    auth.login("tima")
    response = client.post_form("/clubs/ordo/follow?lang=en", headers=HX)
    assert_fragment(response, "follow-club")
    assert 'hx-post="/clubs/ordo/unfollow"' in response.text and "1 follower" in response.text
    assert count(app, ClubFollow) == 1
    response = client.post_form("/clubs/ordo/unfollow?lang=en", headers=HX)
    assert_fragment(response, "follow-club")
    assert 'hx-post="/clubs/ordo/follow"' in response.text and "0 followers" in response.text
    assert count(app, ClubFollow) == 0


def test_follow_unknown_club_is_404(client, auth, world):
    auth.login("tima")
    assert client.post_form("/clubs/nowhere/follow").status_code == 404


def test_followers_hear_of_new_events(app, client, auth, world, make_event):
    auth.login("tima")
    client.post_form("/clubs/ordo/follow")
    draft = make_event(world.club, status="draft")
    from hrdebate.events.services import publish_event
    from hrdebate.models import Event
    with app.app_context():
        publish_event(db.session.get(Event, draft.id))
        db.session.commit()
    notice = fetch(app, Notification, user_id=world.citizen.id)
    assert (notice.kind, notice.event_id) == ("new_event", draft.id)


# -- every club page ---------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/clubs/", "/clubs/new", "/clubs/ordo", "/clubs/ordo/edit", "/clubs/ordo/members",
])
@pytest.mark.parametrize("code", ["ky", "ru", "uz", "en"])
def test_club_pages_are_safe_and_render_in_each_language(client, auth, world, url, code):
    auth.login("adil")
    response = client.get(f"{url}?lang={code}")
    assert response.status_code == 200
    assert f'<html lang="{code}">' in response.text
    page = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
    assert not re.search(r"<[a-z][^>]*\sstyle=", page, re.I), "style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+=", page, re.I), "inline event handler"


def test_names_are_escaped_and_user_content_is_inert(client, auth, make_user, make_club):
    owner = make_user("olga", display_name='"><b>Bold</b>')
    evil = make_user("eve", display_name='"><img src=x>')
    make_club(owner=owner, organisers=[evil], slug="ordo", name="<i>Ordo</i>",
              description='[site](javascript:alert(1)) <div hx-get="/x">raw</div>')
    page = client.get("/clubs/ordo").text
    assert "<b>Bold</b>" not in page and "<img src=x>" not in page and "<i>Ordo</i>" not in page
    assert 'href="javascript' not in page and '<div hx-get' not in page
    assert '<div class="prose" data-hx-disable>' in page
    auth.login("olga")
    members = client.get("/clubs/ordo/members?lang=en").text
    assert "<img src=x>" not in members
    assert 'aria-label="Remove &#34;&gt;&lt;img src=x&gt; from the club"' in members


def test_club_page_weight(client, world, make_event):
    for n in range(25):
        make_event(world.club, summary="A long summary of the event. " * 8,
                   starts_in=timedelta(days=n + 1))
        make_event(world.club, summary="A long summary of the event. " * 8,
                   starts_in=-timedelta(days=n + 1))
    with client.get("/clubs/ordo", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        assert len(response.get_data()) <= 20 * 1024


# -- fixed lists --------------------------------------------------------------------------

def _checks(model) -> set[str]:
    return {str(c.sqltext) for c in model.__table__.constraints if isinstance(c, CheckConstraint)}


def test_club_lists_are_enumerations_with_the_stored_values():
    """The CHECK constraints come from the enumerations and read as the
    migration wrote them, so no migration is needed."""
    assert _checks(Club) == {
        "club_type IN ('university_club', 'school_club', 'ngo', 'other')",
        "moderation_mode IN ('pre', 'post')",
    }
    assert _checks(Membership) == {"role IN ('owner', 'organiser', 'moderator', 'member')"}
    assert str(MemberRole.label_of("moderator")) == "Club moderator"
    assert MemberRole.label_of("nobody") == "nobody"
    assert [choice.value for choice in ClubType.choices()] == list(ClubType.values())
