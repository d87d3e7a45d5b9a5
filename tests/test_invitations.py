"""Club invitations (issue #9, item 2): the members form is no username
oracle, nobody becomes a member without accepting, every member can leave,
and invitations are rate-limited per inviter.

The attack tests come first; each one reproduces what an attacker did and
fails on the code that appointed people directly."""

import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from hrdebate.dbtypes import frozen_clock, utcnow
from hrdebate.extensions import db
from hrdebate.models import ClubInvitation, Membership, Notification
from tests.conftest import AuthActions, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows
from tests.helpers import console_mails, deliver_mail, fetch, page_text

HX = {"HX-Request": "true"}
# Absolute (as in mail), on whichever host the links are built for.
INVITATION_LINK = r'href="(?:https?://[^/"]+)?(/invitations/[\w-]+)"'
pytestmark = pytest.mark.usefixtures("english")

_CSRF = [
    re.compile(r'(name="csrf_token" value=")[^"]+'),
    re.compile(r'(&#34;X-CSRFToken&#34;: &#34;)[^&]+'),
    re.compile(r'("X-CSRFToken": ")[^"]+'),
]


def _without_tokens(text: str) -> str:
    for pattern in _CSRF:
        text = pattern.sub(r"\1…", text)
    return text


@pytest.fixture
def world(make_user, make_club):
    """Ordo, owned by Olga with Omar (organiser) and Mira (moderator); Timur,
    the person the attacker wants to unmask; Otto, who owns another club;
    Adil, an admin."""
    people = SimpleNamespace(
        owner=make_user("olga", display_name="Ольга Сатыбалдиева"),
        organiser=make_user("omar", display_name="Omar the Organiser"),
        moderator=make_user("mira", display_name="Мира Модератор"),
        victim=make_user("tima", display_name="Тимур Pseudonym"),
        outsider=make_user("otto", display_name="Otto Elsewhere"),
        admin=make_user("adil", display_name="Adil Admin", site_role="admin"),
    )
    people.club = make_club(owner=people.owner, organisers=[people.organiser],
                            moderators=[people.moderator], slug="ordo", name="Ordo Debate Club")
    people.other_club = make_club(owner=people.outsider, slug="other", name="Other Club")
    return people


def _client_as(app, username):
    client = app.test_client()
    client.set_cookie("lang", "en")
    AuthActions(client).login(username)
    return client


def _answer(client, data, headers=None):
    """Everything the members form tells whoever sent it: status, redirect,
    and the page (with its flashes) the browser shows next."""
    response = client.post_form("/clubs/ordo/members", data, headers=headers or {})
    shown = response
    if response.status_code in (301, 302, 303):
        shown = client.get(response.location)
    return (response.status_code, response.location, dict(response.headers).get("HX-Retarget"),
            _without_tokens(response.text), _without_tokens(shown.text))


def _invitation_url(client):
    """The invitee finds the invitation in their notification centre."""
    match = re.search(INVITATION_LINK,
                      client.get("/notifications/").text)
    assert match, "the invitation is in the invitee's notifications"
    return match.group(1)


def _role(app, club, user):
    membership = fetch(app, Membership, club_id=club.id, user_id=user.id)
    return membership.role if membership else None


def _member_ids(app, club_id):
    with app.app_context():
        return set(db.session.scalars(select(Membership.user_id).where(
            Membership.club_id == club_id)))


# -- attack: the members form as a username oracle -------------------------------------

@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize("role", ["organiser", "moderator"])
def test_the_members_form_does_not_tell_whether_a_username_exists(
        app, client, auth, world, headers, role):
    """The attacker founds a club and types usernames into its members form:
    an existing account, an unknown one, a member, an invited one and their
    own all get the very same answer, which names nobody."""
    auth.login("olga")
    answers = {}
    for label, username in [("existing", "tima"), ("unknown", "no-such-user"),
                            ("already invited", "tima"), ("already a member", "omar"),
                            ("case and spaces", " TIMA "), ("the inviter", "olga"),
                            ("an owner elsewhere", "otto"), ("admin", "adil")]:
        answers[label] = _answer(client, {"username": username, "role": role}, headers)
    first = answers["existing"]
    for label, answer in answers.items():
        assert answer == first, label
    status, location, _retarget, _body, shown = first
    assert status == 302 and location.endswith("/clubs/ordo/members")
    text = page_text(shown)
    assert "If an account with this username exists" in text
    for secret in ("Тимур", "Pseudonym", "Otto Elsewhere", "Adil Admin", "tima"):
        assert secret not in text


def test_only_a_real_account_gets_an_invitation_and_nothing_is_stored_for_others(
        app, client, auth, world):
    auth.login("olga")
    client.post_form("/clubs/ordo/members", {"username": "no-such-user", "role": "organiser"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    client.post_form("/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    with app.app_context():
        kinds = list(db.session.execute(select(Notification.user_id, Notification.kind)))
    assert kinds == [(world.victim.id, "club_invitation")]


# -- attack: forced membership ------------------------------------------------------------

def test_nobody_is_listed_as_a_member_before_accepting(app, client, auth, world):
    """Olga "adds" Timur: before he accepts he is nowhere: not on the club's
    page (names or counts), not on the members page, not in the database's
    memberships; after accepting he is listed in the role he was offered."""
    auth.login("olga")
    client.post_form("/clubs/ordo/members", {"username": "tima", "role": "moderator"})
    anonymous = client.application.test_client()
    anonymous.set_cookie("lang", "en")
    for page in (client.get("/clubs/ordo").text, client.get("/clubs/ordo/members").text,
                 anonymous.get("/clubs/ordo").text, anonymous.get("/clubs/").text):
        assert "Тимур" not in page
    members = _member_ids(app, world.club.id)
    assert world.victim.id not in members
    assert f"{len(members)} members in all" in page_text(anonymous.get("/clubs/ordo").text)

    victim = _client_as(app, "tima")
    url = _invitation_url(victim)
    assert victim.post_form(url, {"action": "accept"}).status_code == 302
    assert _role(app, world.club, world.victim) == "moderator"
    text = " ".join(page_text(anonymous.get("/clubs/ordo").text).split())
    assert "Club moderators Мира Модератор, Тимур Pseudonym" in text
    assert f"{len(members) + 1} members in all" in text


@pytest.mark.parametrize("who", ["owner", "organiser", "outsider", "admin", "anonymous"])
def test_nobody_else_can_see_or_answer_an_invitation(app, client, auth, world, who):
    owner = _client_as(app, "olga")
    owner.post_form("/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    url = _invitation_url(_client_as(app, "tima"))
    if who != "anonymous":
        auth.login(getattr(world, who).username)
    expected = 302 if who == "anonymous" else 404
    assert client.get(url).status_code == expected
    for action in ("accept", "decline"):
        response = client.post_form(url, {"action": action})
        assert response.status_code == expected
        if who == "anonymous":
            assert "/auth/login" in response.location
    assert world.victim.id not in _member_ids(app, world.club.id)
    # The invitee can still answer it.
    victim = _client_as(app, "tima")
    assert "Ordo Debate Club" in victim.get(url).text


def test_an_unknown_invitation_is_404(client, auth, world):
    auth.login("tima")
    assert client.get("/invitations/12345").status_code == 404
    assert client.post_form("/invitations/12345", {"action": "accept"}).status_code == 404


# -- answering an invitation ------------------------------------------------------------------

@pytest.fixture
def invited(app, world):
    """Timur invited by Olga to be an organiser; his logged-in client and the
    invitation's address."""
    _client_as(app, "olga").post_form(
        "/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    victim = _client_as(app, "tima")
    return SimpleNamespace(client=victim, url=_invitation_url(victim))


def test_the_invitation_page_says_which_club_and_role(world, invited):
    response = invited.client.get(invited.url)
    assert response.status_code == 200
    text = " ".join(page_text(response.text).split())
    assert "Ordo Debate Club" in text and "organiser" in text
    assert 'href="/clubs/ordo"' in response.text
    # Two buttons of one form, without JavaScript.
    assert re.search(r'<button[^>]*name="action"[^>]*value="accept"', response.text)
    assert re.search(r'<button[^>]*name="action"[^>]*value="decline"', response.text)
    assert f'action="{invited.url}"' in response.text
    # Accepting shows the person's display name publicly: the page says so.
    assert "Тимур Pseudonym" in text


def test_accept_without_javascript(app, world, invited):
    response = invited.client.post_form(invited.url, {"action": "accept"})
    assert response.status_code == 302
    page = invited.client.get(response.location).text
    assert "You are now an organiser of Ordo Debate Club" in page_text(page)
    assert _role(app, world.club, world.victim) == "organiser"
    # Answered once: it cannot be answered again.
    again = invited.client.post_form(invited.url, {"action": "decline"})
    assert again.status_code == 302
    assert "already been answered" in invited.client.get(again.location).text
    assert _role(app, world.club, world.victim) == "organiser"


def test_decline_without_javascript(app, world, invited):
    response = invited.client.post_form(invited.url, {"action": "decline"})
    assert response.status_code == 302
    page = page_text(invited.client.get(response.location).text)
    assert "You declined the invitation" in page
    assert world.victim.id not in _member_ids(app, world.club.id)
    refused = invited.client.post_form(invited.url, {"action": "accept"})
    assert refused.status_code == 302
    assert world.victim.id not in _member_ids(app, world.club.id)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_answer_with_htmx(app, world, invited, action):
    response = invited.client.post_form(invited.url, {"action": action}, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="invitation"' in response.text
    assert "HX-Request" in response.headers.get("Vary", "")
    assert (world.victim.id in _member_ids(app, world.club.id)) is (action == "accept")
    again = invited.client.post_form(invited.url, {"action": "accept"}, headers=HX)
    if action == "accept":  # the same answer again (a double click): the same page
        assert again.status_code == 200 and 'id="invitation"' in again.text
    else:
        assert again.status_code == 422 and again.headers["HX-Retarget"] == "#flashes"
        assert "already been answered" in again.text


def test_a_bad_answer_changes_nothing(app, world, invited):
    for data in ({"action": "join"}, {}):
        response = invited.client.post_form(invited.url, data)
        assert response.status_code == 302
    assert world.victim.id not in _member_ids(app, world.club.id)
    assert 'value="accept"' in invited.client.get(invited.url).text  # still open


def test_an_expired_invitation_cannot_be_accepted(app, world, invited):
    later = utcnow() + timedelta(days=app.config["INVITATION_DAYS"], minutes=1)
    with frozen_clock(later):
        victim = _client_as(app, "tima")  # days later: a new session
        page = victim.get(invited.url)
        assert "This invitation has expired" in page_text(page.text)
        assert 'value="accept"' not in page.text
        response = victim.post_form(invited.url, {"action": "accept"})
        assert response.status_code == 302
        assert "This invitation has expired" in victim.get(response.location).text
        htmx = victim.post_form(invited.url, {"action": "accept"}, headers=HX)
        assert htmx.status_code == 422 and "This invitation has expired" in htmx.text
    assert world.victim.id not in _member_ids(app, world.club.id)


def test_expiry_follows_the_setting(app, world, invited):
    app.config["INVITATION_DAYS"] = 2
    with frozen_clock(utcnow() + timedelta(days=2, minutes=1)):
        _client_as(app, "tima").post_form(invited.url, {"action": "accept"})
    assert world.victim.id not in _member_ids(app, world.club.id)
    with frozen_clock(utcnow() + timedelta(days=1)):
        _client_as(app, "tima").post_form(invited.url, {"action": "accept"})
    assert world.victim.id in _member_ids(app, world.club.id)


def test_a_new_invitation_after_expiry_replaces_the_old_one(app, world, invited):
    with frozen_clock(utcnow() + timedelta(days=app.config["INVITATION_DAYS"] + 1)):
        _client_as(app, "olga").post_form(
            "/clubs/ordo/members", {"username": "tima", "role": "moderator"})
        victim = _client_as(app, "tima")  # days later: a new session
        urls = re.findall(INVITATION_LINK, victim.get("/notifications/").text)
        assert len(set(urls)) == 2
        fresh = next(url for url in urls if url != invited.url)
        assert victim.post_form(fresh, {"action": "accept"}).status_code == 302
    assert _role(app, world.club, world.victim) == "moderator"


def test_one_invitation_at_a_time_and_no_pestering_after_a_decline(app, world, invited):
    owner = _client_as(app, "olga")
    owner.post_form("/clubs/ordo/members", {"username": "tima", "role": "moderator"})
    assert len(set(re.findall(INVITATION_LINK, invited.client.get("/notifications/").text))) == 1
    invited.client.post_form(invited.url, {"action": "decline"})
    owner.post_form("/clubs/ordo/members", {"username": "tima", "role": "moderator"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == world.victim.id)) == 1


def test_the_notification_reads_as_a_sentence_in_every_language(app, world, invited):
    for code, words in [("en", "Ordo Debate Club invites you"), ("ru", "Ordo Debate Club"),
                        ("ky", "Ordo Debate Club"), ("uz", "Ordo Debate Club")]:
        invited.client.set_cookie("lang", code)
        page = invited.client.get("/notifications/").text
        assert words in page and "Something changed" not in page
        assert re.search(r'href="(https?://[^/"]+)?%s"' % re.escape(invited.url), page)
        assert invited.client.get(invited.url).status_code == 200


def test_the_invitation_is_mailed(app, world, capsys):
    app.config["MAIL_CONSOLE"] = True
    with app.app_context():
        from hrdebate.models import User
        victim = db.session.get(User, world.victim.id)
        victim.email, victim.locale = "tima@example.org", "en"
        victim.email_verified_at = victim.created_at
        db.session.commit()
    owner = _client_as(app, "olga")
    capsys.readouterr()
    response = owner.post_form("/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    # The request only writes the mail to the outbox: how long sending takes
    # does not tell the inviter that the username has an account (with an
    # address). The worker sends it.
    assert response.status_code == 302
    response.close()
    assert "--- email ---" not in capsys.readouterr().err
    assert deliver_mail(app)["sent"] == 1
    [mail] = console_mails(capsys)
    assert mail["To"] == "tima@example.org" and "Ordo Debate Club" in mail["Subject"]
    assert re.search(r"^Answer the invitation: https?://[^/\s]+/invitations/[\w-]{20,}$",
                     mail.get_content(), re.M)


def test_accepting_an_owner_invitation_hands_the_club_over(app, client, auth, world):
    auth.login("olga")
    client.post_form(f"/clubs/ordo/members/{world.organiser.id}/role", {"role": "owner"})
    # Not before Omar accepts.
    assert _role(app, world.club, world.organiser) == "organiser"
    omar = _client_as(app, "omar")
    omar.post_form(_invitation_url(omar), {"action": "accept"})
    assert _role(app, world.club, world.organiser) == "owner"
    # Now Olga may leave.
    response = client.post_form("/clubs/ordo/leave")
    assert response.status_code == 302
    assert world.owner.id not in _member_ids(app, world.club.id)


# -- leaving a club ----------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["organiser", "moderator"])
def test_every_member_can_leave_without_javascript(app, client, auth, world, who):
    auth.login(getattr(world, who).username)
    page = client.get("/clubs/ordo")
    assert 'href="/clubs/ordo/leave"' in page.text
    confirm = client.get("/clubs/ordo/leave")
    assert confirm.status_code == 200
    assert 'action="/clubs/ordo/leave"' in confirm.text and "Ordo Debate Club" in confirm.text
    response = client.post_form("/clubs/ordo/leave")
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo")
    assert "You have left Ordo Debate Club" in client.get(response.location).text
    assert getattr(world, who).id not in _member_ids(app, world.club.id)
    # No longer a member: nothing to leave.
    assert client.get("/clubs/ordo/leave").status_code == 404
    assert client.post_form("/clubs/ordo/leave").status_code == 404


def test_a_plain_member_can_leave(app, client, auth, world, invited):
    invited.client.post_form(invited.url, {"action": "accept"})
    assert invited.client.post_form("/clubs/ordo/leave").status_code == 302
    assert world.victim.id not in _member_ids(app, world.club.id)


def test_the_last_owner_cannot_leave(app, client, auth, world):
    auth.login("olga")
    confirm = client.get("/clubs/ordo/leave")
    assert confirm.status_code == 200
    assert "only owner" in page_text(confirm.text)
    assert 'action="/clubs/ordo/leave"' not in confirm.text
    response = client.post_form("/clubs/ordo/leave")
    assert response.status_code == 302 and response.location.endswith("/clubs/ordo")
    assert "only owner" in client.get(response.location).text
    assert _role(app, world.club, world.owner) == "owner"
    htmx = client.post_form("/clubs/ordo/leave", headers=HX)
    assert htmx.status_code == 422 and "only owner" in htmx.text


@pytest.mark.parametrize("who", ["victim", "admin", "anonymous"])
def test_a_non_member_cannot_leave(app, client, auth, world, who):
    if who != "anonymous":
        auth.login(getattr(world, who).username)
    expected = 302 if who == "anonymous" else 404
    assert client.get("/clubs/ordo/leave").status_code == expected
    assert client.post_form("/clubs/ordo/leave").status_code == expected
    assert 'href="/clubs/ordo/leave"' not in client.get("/clubs/ordo").text


# -- attack: unlimited probing -----------------------------------------------------------------

@pytest.fixture
def limited(tmp_path):
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_INVITE="3 per minute",
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    _prepare_schema(app)
    yield app
    _empty_database(app)


def test_invitations_are_limited_per_inviter_not_per_address(limited):
    rows = Rows(limited)
    olga, otto = rows.user("olga"), rows.user("otto")
    rows.club(owner=olga, slug="ordo")
    rows.club(owner=otto, slug="other")
    attacker = _client_as(limited, "olga")
    statuses = [attacker.post_form("/clubs/ordo/members", {"username": f"guess{n}",
                                                          "role": "organiser"}).status_code
                for n in range(4)]
    # At the limit the form goes back (303) to where it was sent from, and says why.
    assert statuses == [302, 302, 302, 303]
    back = attacker.post_form("/clubs/ordo/members", {"username": "guess", "role": "organiser"},
                              headers={"Referer": "http://localhost/clubs/ordo/members"})
    assert back.status_code == 303 and back.headers["Location"] == "/clubs/ordo/members"
    with limited.test_request_context("/?lang=en"):
        from hrdebate import ratelimits

        waits = [str(ratelimits.wait_message(s)) for s in range(1, 61)]
    page = attacker.get("/clubs/ordo/members")
    assert any(w in page.text for w in waits)
    # The limit follows the account, not the address: another club's owner on
    # the same Wi-Fi is not affected, and the attacker's pages still open.
    neighbour = _client_as(limited, "otto")
    assert neighbour.post_form("/clubs/other/members",
                               {"username": "guess", "role": "organiser"}).status_code == 302
    assert attacker.get("/clubs/ordo/members").status_code == 200


# -- attack: counting ids ------------------------------------------------------------------------

def test_an_invitation_address_does_not_count_up(app, world, make_user, make_club):
    """With ids in the addresses, an attacker inviting a second account of
    their own before and after typing a username would see whether an
    invitation was written in between. Addresses are random tokens."""
    sock = make_user("sock", display_name="Sock Puppet")
    make_club(owner=world.owner, slug="second")
    owner = _client_as(app, "olga")
    puppet = _client_as(app, "sock")
    owner.post_form("/clubs/ordo/members", {"username": "sock", "role": "organiser"})
    owner.post_form("/clubs/ordo/members", {"username": "tima", "role": "organiser"})
    owner.post_form("/clubs/second/members", {"username": "sock", "role": "organiser"})
    urls = re.findall(INVITATION_LINK, puppet.get("/notifications/").text)
    assert len(urls) == 2
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(select(ClubInvitation.id))}
    for url in urls:
        token = url.rsplit("/", 1)[1]
        assert token not in ids and not token.isdigit() and len(token) >= 20


# -- the service, on its own --------------------------------------------------------------

def test_invite_by_username_stores_nothing_but_real_invitations(app, world):
    from hrdebate.clubs import services
    from hrdebate.models import Club, User

    with app.app_context():
        club = db.session.get(Club, world.club.id)
        owner = db.session.get(User, world.owner.id)
        for username in ("nobody", "olga", "omar", "mira", ""):
            services.invite_by_username(club, owner, username, "organiser")
        assert db.session.scalar(select(func.count()).select_from(ClubInvitation)) == 0
        services.invite_by_username(club, owner, "TIMA", "owner")
        services.invite_by_username(club, owner, "tima", "moderator")  # already invited
        invitations = db.session.scalars(select(ClubInvitation)).all()
        assert [(i.invitee_id, i.role, i.status) for i in invitations] == [
            (world.victim.id, "owner", "pending")]
        from hrdebate.rules import RuleError
        with pytest.raises(RuleError, match="bad_role"):
            services.invite_by_username(club, owner, "tima", "member")
        db.session.rollback()


def test_answering_twice_at_once_answers_once(app, world, invited):
    """Two tabs (or a double click): the answer read as waiting by both is
    written once; the second finds it answered."""
    from sqlalchemy import update

    from hrdebate.clubs import services
    from hrdebate.rules import RuleError

    with app.app_context():
        invitation = db.session.scalars(select(ClubInvitation)).one()
        assert invitation.status == "pending"
        # Meanwhile, another request declines it and commits.
        with db.engine.begin() as other:
            other.execute(update(ClubInvitation).values(status="declined", answered_at=utcnow()))
        with pytest.raises(RuleError, match="invitation_answered"):
            services.answer_invitation(invitation, accept=True)
        db.session.rollback()
    assert fetch(app, ClubInvitation, club_id=world.club.id).status == "declined"
    assert world.victim.id not in _member_ids(app, world.club.id)


# -- pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["ky", "ru", "uz", "en"])
def test_invitation_and_leave_pages_are_safe_in_each_language(app, world, invited, code):
    invited.client.set_cookie("lang", code)
    organiser = _client_as(app, "omar")
    organiser.set_cookie("lang", code)
    for client, url in ((invited.client, invited.url), (organiser, "/clubs/ordo/leave"),
                        (_client_as(app, "olga"), "/clubs/ordo/leave")):
        client.set_cookie("lang", code)
        response = client.get(url)
        assert response.status_code == 200
        page = response.text
        assert f'<html lang="{code}">' in page
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline script"
        assert not re.search(r"<[a-z][^>]*\sstyle=", page, re.I), "style attribute"
        assert response.headers["Cache-Control"].startswith("private")


def test_the_notification_centre_stays_within_its_query_budget(app, world, make_club):
    victim = _client_as(app, "tima")
    owner = _client_as(app, "olga")
    counts = []
    for n in (1, 8):
        while len(re.findall(INVITATION_LINK, victim.get("/notifications/").text)) < n:
            slug = f"club-x{len(counts)}-{uuid.uuid4().hex[:6]}"
            make_club(owner=world.owner, slug=slug)
            owner.post_form(f"/clubs/{slug}/members", {"username": "tima", "role": "moderator"})
        from tests.helpers import count_queries
        with count_queries(app) as statements:
            assert victim.get("/notifications/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
