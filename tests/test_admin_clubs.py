"""Clubs waiting for verification (/admin/clubs), verified or refused with a
reason through the club's own routes (one path), told to the owners, and
written to the moderation log (issue #12)."""

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.models import Club, Membership, ModerationAction, Notification
from tests.helpers import count_queries, fetch, page_text

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(app, make_user, make_club):
    people = SimpleNamespace(
        admin=make_user("adil", display_name="Adil Admin", site_role="admin"),
        owner=make_user("olga", display_name="Ольга Сатыбалдиева"),
        co_owner=make_user("oleg", display_name="Oleg Co-owner"),
        organiser=make_user("omar", display_name="Omar the Organiser"),
        citizen=make_user("tima", display_name="Тимур"),
    )
    people.waiting = make_club(owner=people.owner, organisers=[people.organiser],
                               slug="ordo", name="Ordo Debate Club")
    with app.app_context():
        db.session.add(Membership(club_id=people.waiting.id, user_id=people.co_owner.id,
                                  role="owner"))
        db.session.commit()
    people.verified = make_club(owner=people.citizen, slug="vero", name="Vero Club",
                                verified=True)
    return people


def _notifications(app, user_id):
    with app.app_context():
        return db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.id)).all()


def _log(app):
    with app.app_context():
        return db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)).all()


def test_waiting_clubs_are_listed_first_and_filtered(client, auth, world, make_club):
    refused = make_club(slug="nope", name="Refused Club")
    with client.application.app_context():
        db.session.get(Club, refused.id).refused_at = db.func.now()
        db.session.get(Club, refused.id).refusal_reason = "Unknown people"
        db.session.commit()
    auth.login("adil")
    default = client.get("/admin/clubs").text
    assert "Ordo Debate Club" in default
    assert "Vero Club" not in default and "Refused Club" not in default
    verified = client.get("/admin/clubs?status=verified").text
    assert "Vero Club" in verified and "Ordo Debate Club" not in verified
    refused_page = page_text(client.get("/admin/clubs?status=refused").text)
    assert "Refused Club" in refused_page and "Unknown people" in refused_page
    everything = page_text(client.get("/admin/clubs?status=all").text)
    assert everything.index("Ordo Debate Club") < everything.index("Refused Club") \
        < everything.index("Vero Club")
    # An unknown filter shows the waiting ones.
    assert "Ordo Debate Club" in client.get("/admin/clubs?status=<script>").text
    # Owners by display name.
    assert "Oleg Co-owner" in default and "Ольга Сатыбалдиева" in default


def test_clubs_fragment_for_htmx(client, auth, world):
    auth.login("adil")
    response = client.get("/admin/clubs?status=all", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="admin-clubs"' in response.text


def test_clubs_page_query_budget(app, client, auth, world, make_club, make_user):
    for n in range(12):
        make_club(owner=make_user(f"own{n}"), slug=f"c{n}", name=f"Club {n}")
    auth.login("adil")
    with count_queries(app) as statements:
        assert client.get("/admin/clubs?status=all").status_code == 200
    # user, menu, badge count, the page's clubs, their number, their owners
    assert len(statements) <= 6, statements


def test_verify_from_the_admin_page_tells_the_owners_and_logs(app, client, auth, world):
    auth.login("adil")
    response = client.post_form("/clubs/ordo/verify", {"next": "/admin/clubs?status=unverified"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/clubs?status=unverified")
    assert fetch(app, Club, slug="ordo").verified is True
    for owner in (world.owner, world.co_owner):
        [note] = _notifications(app, owner.id)
        assert (note.kind, note.club_id) == ("club_verified", world.waiting.id)
    assert _notifications(app, world.organiser.id) == []
    [entry] = _log(app)
    assert (entry.action, entry.actor_id, entry.club_id) == (
        "club_verified", world.admin.id, world.waiting.id)
    # A double click changes, tells and logs nothing more.
    client.post_form("/clubs/ordo/verify", {})
    assert len(_log(app)) == 1 and len(_notifications(app, world.owner.id)) == 1
    # Withdrawn: logged, not told.
    client.post_form("/clubs/ordo/unverify", {})
    assert fetch(app, Club, slug="ordo").verified is False
    assert [e.action for e in _log(app)] == ["club_verified", "club_unverified"]
    # The owner reads it as a sentence naming the club.
    auth.logout()
    auth.login("olga")
    page = " ".join(page_text(client.get("/notifications/").text).split())
    assert "An admin verified your club Ordo Debate Club" in page


def test_the_club_page_buttons_still_work(app, client, auth, world):
    auth.login("adil")
    response = client.post_form("/clubs/ordo/verify", {})
    assert response.headers["Location"].endswith("/clubs/ordo")
    # A next to another site is not followed.
    response = client.post_form("/clubs/ordo/unverify", {"next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/clubs/ordo")


def test_refusal_needs_a_reason_and_tells_the_owners(app, client, auth, world):
    auth.login("adil")
    page = client.get("/clubs/ordo/refuse?next=/admin/clubs").text
    assert 'name="reason"' in page and "Ordo Debate Club" in page
    response = client.post_form("/clubs/ordo/refuse", {"reason": "   ", "next": "/admin/clubs"})
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert fetch(app, Club, slug="ordo").refused_at is None
    assert _log(app) == [] and _notifications(app, world.owner.id) == []
    response = client.post_form("/clubs/ordo/refuse",
                                {"reason": "We could not reach anyone at the university.",
                                 "next": "/admin/clubs"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/clubs")
    club = fetch(app, Club, slug="ordo")
    assert club.refused_at is not None and club.verified is False
    assert club.refusal_reason == "We could not reach anyone at the university."
    for owner in (world.owner, world.co_owner):
        [note] = _notifications(app, owner.id)
        assert (note.kind, note.club_id, note.detail) == (
            "club_refused", world.waiting.id, "We could not reach anyone at the university.")
    [entry] = _log(app)
    assert (entry.action, entry.actor_id, entry.club_id, entry.reason) == (
        "club_refused", world.admin.id, world.waiting.id,
        "We could not reach anyone at the university.")
    # A double click: recorded once.
    client.post_form("/clubs/ordo/refuse",
                     {"reason": "We could not reach anyone at the university."})
    assert len(_log(app)) == 1 and len(_notifications(app, world.owner.id)) == 1
    # The log names the club and the admin.
    log = page_text(client.get("/moderation/log").text)
    assert "Club verification refused" in log and "Ordo Debate Club" in log
    assert "Adil Admin" in log
    # The owner reads why, and what to do.
    auth.logout()
    auth.login("olga")
    page = " ".join(page_text(client.get("/notifications/").text).split())
    assert "An admin refused to verify your club Ordo Debate Club" in page
    assert "Reason: We could not reach anyone at the university." in page
    show = page_text(client.get("/clubs/ordo").text)
    assert "We could not reach anyone at the university." in show


def test_refusal_reason_is_not_public(app, client, auth, world):
    auth.login("adil")
    client.post_form("/clubs/ordo/refuse", {"reason": "Secret reason"})
    auth.logout()
    for who in (None, "tima", "omar"):
        if who:
            auth.login(who)
        page = client.get("/clubs/ordo").text
        assert "Secret reason" not in page and "Not yet verified" in page
        if who:
            auth.logout()


def test_a_refused_club_edited_by_its_owner_waits_again(app, client, auth, world):
    auth.login("adil")
    client.post_form("/clubs/ordo/refuse", {"reason": "Tell us who you are"})
    assert 'href="/clubs/ordo"' not in client.get("/admin/clubs").text
    auth.logout()
    auth.login("olga")
    response = client.post_form("/clubs/ordo/edit", {
        "name": "Ordo Debate Club", "club_type": "university_club", "city": "Bishkek",
        "region": "bishkek", "description": "Run by the AUCA law faculty.",
        "moderation_mode": "post"})
    assert response.status_code == 302
    club = fetch(app, Club, slug="ordo")
    assert club.refused_at is None and club.refusal_reason is None
    auth.logout()
    auth.login("adil")
    assert 'href="/clubs/ordo"' in client.get("/admin/clubs").text


def test_a_verified_club_is_not_refused(app, client, auth, world):
    auth.login("adil")
    response = client.post_form("/clubs/vero/refuse", {"reason": "x"}, follow_redirects=True)
    assert response.status_code == 200
    assert "This club is verified. Withdraw its verification first" in response.text
    assert fetch(app, Club, slug="vero").verified is True
    assert _log(app) == []


def test_refusing_an_unknown_club_is_404(client, auth, world):
    auth.login("adil")
    assert client.get("/clubs/nowhere/refuse").status_code == 404
    assert client.post_form("/clubs/nowhere/refuse", {"reason": "x"}).status_code == 404
