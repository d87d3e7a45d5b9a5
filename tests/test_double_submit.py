"""The same POST ten times at the same instant, from one person (the same
cookies: a double click, a nervous tap, a retrying phone), through a real
multi-worker server: each action is done once, every request gets the answer
of the first (no 5xx, no refusal, no "taken"), and the server's log holds no
traceback and no "database is locked" (tests/server.py checks the log).
Runs on SQLite and, with HRDEBATE_TEST_DATABASE_URL, PostgreSQL."""

import re

import pytest

from hrdebate.extensions import db
from hrdebate.models import (
    AttendanceChange,
    Club,
    ClubFollow,
    ClubInvitation,
    Comment,
    Flag,
    Membership,
    Registration,
    User,
    Vote,
    WatchedWord,
)
from tests.conftest import PASSWORD
from tests.server import Browser, at_once, shared_server

# One gunicorn for the module (starting one per test cost ~2-3 s of each
# test's ~4 s); the database is emptied after each test, and the server's log
# is checked after each test and when it stops (tests/server.py).
_module_database, _gunicorn, app, server = shared_server()

TIMES = 10
# htmx asks: a refusal is a 422 fragment, so it cannot hide behind a redirect.
HTMX = {"HX-Request": "true"}


def fire(browser, path, data, times=TIMES, headers=HTMX):
    """POST the same form ``times`` times at once; every answer must be the
    same success (2xx, or one redirect to one place)."""
    data = {"csrf_token": browser.token_for, **data}
    answers = at_once([lambda: browser.send(path, data, headers)] * times)
    statuses = [a.status for a in answers]
    assert all(200 <= s < 400 for s in statuses), [(a.status, a.body[:300]) for a in answers]
    assert len(set(statuses)) == 1, statuses
    assert len({a.location for a in answers}) == 1, [a.location for a in answers]
    return answers


def signed_in(server, username, page="/"):
    browser = Browser(server)
    browser.login(username)
    browser.token_for = browser.token(page)
    return browser


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_follow(app, server, make_user, make_club):
    club = make_club(owner=make_user("owner"))
    me = make_user("fan")
    browser = signed_in(server, "fan", f"/clubs/{club.slug}")
    fire(browser, f"/clubs/{club.slug}/follow", {})
    assert count(app, ClubFollow, ClubFollow.user_id == me.id) == 1
    fire(browser, f"/clubs/{club.slug}/unfollow", {})
    assert count(app, ClubFollow, ClubFollow.user_id == me.id) == 0


def test_flag(app, server, make_user, make_club, make_event, make_comment):
    event = make_event(make_club(owner=make_user("owner")))
    comment = make_comment(event, make_user("author"))
    make_user("reporter")
    browser = signed_in(server, "reporter", f"/comments/{comment.id}/flag")
    fire(browser, f"/comments/{comment.id}/flag", {"reason": "spam"})
    assert count(app, Flag, Flag.comment_id == comment.id) == 1
    with app.app_context():
        assert db.session.get(Comment, comment.id).open_flags == 1


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_register(app, server, make_user, make_club, make_event, rows, full):
    event = make_event(make_club(owner=make_user("owner")), capacity=1)
    if full:
        rows.registration(event, make_user("early"))
    me = make_user("keen")
    browser = signed_in(server, "keen", f"/events/{event.id}")
    fire(browser, f"/events/{event.id}/register", {})
    with app.app_context():
        statuses = db.session.scalars(db.select(Registration.status)
                                      .where(Registration.user_id == me.id)).all()
    assert statuses == ["waitlisted" if full else "registered"]
    fire(browser, f"/events/{event.id}/unregister", {})
    assert count(app, Registration, Registration.user_id == me.id,
                 Registration.status == "cancelled") == 1


def test_sign_up(app, server):
    browser = Browser(server)
    browser.token_for = browser.token("/auth/register")
    form = {"username": "twice", "display_name": "Twice Clicked", "password": PASSWORD,
            "password_confirm": PASSWORD, "email": "twice@example.org"}
    fire(browser, "/auth/register", form)
    assert count(app, User, User.username == "twice") == 1
    assert "Twice Clicked" in browser.get("/account/")  # signed in


def test_sign_up_taken_by_someone_else(app, server, make_user):
    """Who does not know the account's password gets the form back with the
    usual "taken" error: a clash is never a way in."""
    make_user("taken")
    browser = Browser(server)
    token = browser.token("/auth/register")
    answer = browser.send("/auth/register", {
        "csrf_token": token, "username": "taken", "display_name": "Other", "password":
        "another long passphrase", "password_confirm": "another long passphrase"})
    assert answer.status in (200, 422) and "taken" in answer.body
    assert count(app, User) == 1


def test_club_creation(app, server, make_user):
    founder = make_user("founder")
    browser = signed_in(server, "founder", "/clubs/new")
    answers = fire(browser, "/clubs/new", {
        "name": "Osh Debate Society", "club_type": "university_club", "city": "Osh",
        "region": "osh_city", "description": "", "moderation_mode": "post"})
    assert answers[0].location.endswith("/clubs/osh-debate-society")
    assert count(app, Club) == 1
    assert count(app, Membership, Membership.user_id == founder.id) == 1


def test_invitation_sent_and_accepted(app, server, make_user, make_club):
    club = make_club(owner=make_user("owner"))
    invitee = make_user("invitee")
    owner = signed_in(server, "owner", f"/clubs/{club.slug}/members")
    fire(owner, f"/clubs/{club.slug}/members", {"username": "invitee", "role": "organiser"},
         headers={})
    with app.app_context():
        invitations = db.session.scalars(db.select(ClubInvitation)).all()
        assert len(invitations) == 1
        token = invitations[0].token
    browser = signed_in(server, "invitee", f"/invitations/{token}")
    fire(browser, f"/invitations/{token}", {"action": "accept"})
    with app.app_context():
        roles = db.session.scalars(db.select(Membership.role)
                                   .where(Membership.user_id == invitee.id)).all()
    assert roles == ["organiser"]


def test_appointment_from_the_members_list(app, server, make_user, make_club):
    owner = make_user("owner")
    member = make_user("member")
    club = make_club(owner=owner)
    with app.app_context():
        db.session.add(Membership(club_id=club.id, user_id=member.id, role="member"))
        db.session.commit()
    browser = signed_in(server, "owner", f"/clubs/{club.slug}/members")
    fire(browser, f"/clubs/{club.slug}/members/{member.id}/role", {"role": "moderator"},
         headers={})
    assert count(app, ClubInvitation, ClubInvitation.invitee_id == member.id) == 1


def test_vote_and_change(app, server, make_user, make_club, make_event):
    event = make_event(make_club(owner=make_user("owner")))
    me = make_user("voter")
    browser = signed_in(server, "voter", f"/events/{event.id}")
    for choice in ("for", "against"):
        fire(browser, f"/events/{event.id}/vote", {"phase": "before", "choice": choice})
        with app.app_context():
            votes = db.session.scalars(db.select(Vote.choice).where(Vote.user_id == me.id)).all()
        assert votes == [choice]


def test_watched_word(app, server, make_user):
    make_user("admin", site_role="admin")
    browser = signed_in(server, "admin", "/moderation/words")
    fire(browser, "/moderation/words", {"word": "Scam"}, headers={})
    assert count(app, WatchedWord) == 1


def test_self_check_in(app, server, make_user, make_club, make_event, rows):
    from datetime import timedelta

    from hrdebate.models import Event

    # Ended half an hour ago: check-in is still open, and each check-in is logged.
    event = make_event(make_club(owner=make_user("owner")), starts_in=-timedelta(hours=2),
                       duration=timedelta(hours=1, minutes=30))
    me = make_user("present")
    rows.registration(event, me)
    with app.app_context():
        code = db.session.get(Event, event.id).checkin_code
    browser = signed_in(server, "present", f"/events/{event.id}/checkin")
    fire(browser, f"/events/{event.id}/checkin", {"code": code}, headers={})
    with app.app_context():
        registration = db.session.scalars(db.select(Registration)
                                          .where(Registration.user_id == me.id)).one()
        assert registration.checked_in_at is not None and registration.certificate_code
        # Checked in once: one entry in the attendance log, one certificate code.
        assert count(app, AttendanceChange,
                     AttendanceChange.registration_id == registration.id) == 1


def test_comment(app, server, make_user, make_club, make_event):
    """A double click on "Publish": one comment, and every answer goes to it."""
    event = make_event(make_club(owner=make_user("owner")))
    me = make_user("speaker")
    browser = signed_in(server, "speaker", f"/events/{event.id}")
    answers = fire(browser, f"/events/{event.id}/comments", {"body": "Equality before the law."},
                   headers={})
    assert count(app, Comment, Comment.author_id == me.id) == 1
    with app.app_context():
        comment_id = db.session.scalar(db.select(Comment.id).where(Comment.author_id == me.id))
    assert answers[0].location.endswith(f"#comment-{comment_id}")
    # The same words again later, or under another comment, are a new comment.
    fire(browser, f"/events/{event.id}/comments",
         {"body": "Equality before the law.", "parent_id": str(comment_id)}, times=1, headers={})
    assert count(app, Comment, Comment.author_id == me.id) == 2


def test_calendar_token(app, server, make_user):
    """Created, then replaced: each sent ten times at once from the page's
    form (which says which address it replaces), and every answer shows the
    one address that works."""
    me = make_user("planner")
    browser = signed_in(server, "planner", "/me/events")
    tokens = set()
    for _ in range(2):
        replaces = re.search(r'name="replaces" value="([^"]*)"', browser.get("/me/events"))
        answers = fire(browser, "/me/calendar/token", {"replaces": replaces.group(1)})
        with app.app_context():
            token = db.session.get(User, me.id).calendar_token
        assert token is not None
        assert all(token in a.body for a in answers)
        tokens.add(token)
    assert len(tokens) == 2


def test_event_draft(app, server, make_user, make_club):
    """Ten "Save draft" at once: one draft, and every answer goes to it."""
    from hrdebate.models import Event

    club = make_club(owner=make_user("owner"))
    browser = signed_in(server, "owner", f"/events/new?club={club.slug}")
    answers = fire(browser, f"/events/new?club={club.slug}", {
        "kind": "debate", "title": "Twice debated", "summary": "sum", "description": "",
        "starts_at": "2030-03-01T10:00", "ends_at": "2030-03-01T12:00", "venue": "Hall",
        "region": "chui", "online_url": "", "language": "ru", "capacity": "10",
        "motion": "This house would test", "debate_format": "oxford",
        "proposition_team": "A", "opposition_team": "B"}, headers={})
    assert count(app, Event, Event.title == "Twice debated") == 1
    with app.app_context():
        event_id = db.session.scalar(db.select(Event.id).where(Event.title == "Twice debated"))
    assert answers[0].location.endswith(f"/events/{event_id}")


def test_publish_and_cancel(app, server, make_user, make_club, make_event, rows):
    """Published once and cancelled once: a follower is told once of each."""
    from hrdebate.models import Event, Notification

    club = make_club(owner=make_user("owner"))
    event = make_event(club, status="draft")
    fan = make_user("fan")
    with app.app_context():
        db.session.add(ClubFollow(user_id=fan.id, club_id=club.id))
        db.session.commit()
    browser = signed_in(server, "owner", f"/events/{event.id}")
    fire(browser, f"/events/{event.id}/publish", {}, headers={})
    assert count(app, Notification, Notification.user_id == fan.id,
                 Notification.kind == "new_event") == 1
    fire(browser, f"/events/{event.id}/cancel", {"reason": "weather"}, headers={})
    assert count(app, Notification, Notification.user_id == fan.id,
                 Notification.kind == "event_cancelled") == 1
    with app.app_context():
        assert db.session.get(Event, event.id).status == "cancelled"


def test_walk_in(app, server, make_user, make_club, make_event):
    """The same name added ten times at once is one person in the room."""
    from datetime import timedelta

    event = make_event(make_club(owner=make_user("owner")), starts_in=-timedelta(hours=1))
    browser = signed_in(server, "owner", f"/events/{event.id}/attendance")
    fire(browser, f"/events/{event.id}/walk-ins", {"name": "Walk Inner", "consent": "y"},
         headers={})
    assert count(app, Registration, Registration.event_id == event.id,
                 Registration.source == "walk_in") == 1


@pytest.mark.parametrize("status, action, headers", [
    ("pending", "approve", {}), ("pending", "reject", HTMX), ("hidden", "restore", {}),
    ("published", "hide", HTMX)])
def test_comment_decision(app, server, make_user, make_club, make_event, make_comment,
                          status, action, headers):
    """One decision logged and told once; every answer is the first one's."""
    from hrdebate.models import ModerationAction, Notification

    event = make_event(make_club(owner=make_user("owner")))
    held = {"pending": "pre_moderation", "hidden": "flags"}.get(status)
    comment = make_comment(event, make_user("author"), status=status, held_for=held)
    make_user("mod", site_role="moderator")
    browser = signed_in(server, "mod", "/moderation/")
    answers = fire(browser, f"/moderation/comments/{comment.id}",
                   {"action": action, "reason": "" if action in ("approve", "restore")
                    else "respect", "note": "x", "next": "/moderation/"}, headers=headers)
    assert len({a.body for a in answers}) == 1
    assert count(app, ModerationAction, ModerationAction.comment_id == comment.id,
                 ModerationAction.action == action) == 1
    assert count(app, Notification, Notification.comment_id == comment.id,
                 Notification.kind.like("comment_%")) == 1


@pytest.mark.parametrize("kind", ["warn", "mute", "ban"])
def test_sanction(app, server, make_user, kind):
    from hrdebate.models import ModerationAction, Notification

    target = make_user("target")
    make_user("mod", site_role="moderator")
    browser = signed_in(server, "mod", f"/moderation/users/{target.id}")
    fire(browser, f"/moderation/users/{target.id}",
         {"kind": kind, "days": "1", "reason": "respect"}, headers={})
    assert count(app, ModerationAction, ModerationAction.target_user_id == target.id,
                 ModerationAction.action == kind) == 1
    assert count(app, Notification, Notification.user_id == target.id) == 1


def test_watched_word_removed(app, server, make_user):
    make_user("admin", site_role="admin")
    with app.app_context():
        word = WatchedWord(word="scam")
        db.session.add(word)
        db.session.commit()
        word_id = word.id
    browser = signed_in(server, "admin", "/moderation/words")
    answers = fire(browser, f"/moderation/words/{word_id}/delete", {}, headers={})
    assert answers[0].location.endswith("/moderation/words")
    assert count(app, WatchedWord) == 0


def test_member_removed(app, server, make_user, make_club):
    owner, member = make_user("owner"), make_user("member")
    club = make_club(owner=owner)
    with app.app_context():
        db.session.add(Membership(club_id=club.id, user_id=member.id, role="member"))
        db.session.commit()
    browser = signed_in(server, "owner", f"/clubs/{club.slug}/members")
    answers = fire(browser, f"/clubs/{club.slug}/members/{member.id}/remove", {}, headers={})
    assert answers[0].location.endswith(f"/clubs/{club.slug}/members")
    assert count(app, Membership, Membership.user_id == member.id) == 0


def test_flags_as_the_comment_hides(app, server, make_user, make_club, make_event,
                                    make_comment):
    """Ten people flag at once, five hide it: the other five are thanked
    (not told it does not exist) and their flags counted."""
    from hrdebate.models.comment import HeldFor
    from tests.server import at_once

    event = make_event(make_club(owner=make_user("owner")))
    comment = make_comment(event, make_user("author"))
    browsers = []
    for n in range(TIMES):
        make_user(f"reporter{n}")
        browsers.append(signed_in(server, f"reporter{n}", f"/comments/{comment.id}/flag"))
    path = f"/comments/{comment.id}/flag"
    answers = at_once([lambda b=b: b.send(path, {"csrf_token": b.token_for, "reason": "spam"},
                                          {}) for b in browsers])
    assert [a.status for a in answers] == [302] * TIMES, [(a.status, a.body[:200]) for a in answers]
    assert count(app, Flag, Flag.comment_id == comment.id) == TIMES
    with app.app_context():
        hidden = db.session.get(Comment, comment.id)
        assert (hidden.status, hidden.held_for, hidden.open_flags) == ("hidden", HeldFor.FLAGS,
                                                                       TIMES)


def test_flag_just_hidden(app, client, auth, make_user, make_club, make_event, make_comment):
    """The sixth reporter, whose page showed the comment before the fifth
    flag hid it: thanked, and the flag counted. The flag form itself (which
    shows the comment) stays closed to them."""
    event = make_event(make_club(owner=make_user("owner")))
    comment = make_comment(event, make_user("author"), status="hidden", held_for="flags",
                           open_flags=5)
    make_user("sixth")
    auth.login("sixth")
    assert client.get(f"/comments/{comment.id}/flag").status_code == 404
    response = client.post_form(f"/comments/{comment.id}/flag", {"reason": "spam"})
    assert response.status_code == 302 and f"/events/{event.id}" in response.location
    assert count(app, Flag, Flag.comment_id == comment.id) == 1
    with app.app_context():
        assert db.session.get(Comment, comment.id).open_flags == 6
    # An invalid form is not a way to read it.
    assert client.post_form(f"/comments/{comment.id}/flag", {"reason": "nonsense"}
                            ).status_code == 404


# -- each service, called twice in one process: the second call answers with
# -- what the first did (cheap; no server) ---------------------------------------------------

def test_insert_once_answers_with_the_row_there(app):
    from hrdebate.idempotent import insert_once

    with app.app_context():
        first, new = insert_once(WatchedWord, {"word": "scam"}, key=("word",))
        assert new
        again, new = insert_once(WatchedWord, {"word": "scam"}, key=("word",))
        assert not new and again.id == first.id
        db.session.commit()
    assert count(app, WatchedWord) == 1


def test_services_called_twice(app, rows, make_user, make_club, make_event, make_comment):
    from hrdebate.auth.services import register_user
    from hrdebate.clubs import services as clubs
    from hrdebate.discussions.services import add_watched_word, flag_comment
    from hrdebate.events.services import cast_vote
    from hrdebate.participation.services import register, unregister

    owner, person = make_user("owner"), make_user("person")
    club = make_club(owner=owner)
    event = make_event(club)
    comment = make_comment(event, owner)
    with app.app_context():
        o, p = db.session.get(User, owner.id), db.session.get(User, person.id)
        c, e = db.session.get(Club, club.id), db.session.get(type(event), event.id)
        assert clubs.follow(p, c).created_at == clubs.follow(p, c).created_at
        flag_comment(db.session.get(Comment, comment.id), p, "spam", None)
        flag_comment(db.session.get(Comment, comment.id), p, "other", None)
        assert register(e, p) is register(e, p)
        unregister(e, p)
        assert unregister(e, p) is None
        cast_vote(e, p, "before", "for")
        cast_vote(e, p, "before", "for")
        assert add_watched_word(" Scam ") == add_watched_word("scam") == "scam"
        data = {"name": "Twice Club", "club_type": "university_club", "city": "Osh",
                "region": "osh_city", "description": "", "moderation_mode": "post"}
        assert clubs.found_club(p, data).id == clubs.found_club(p, data).id
        clubs.invite_by_username(c, o, "person", "organiser")
        clubs.invite_by_username(c, o, "person", "organiser")
        invitation = db.session.scalars(db.select(ClubInvitation)).one()
        clubs.answer_invitation(invitation, True)
        clubs.answer_invitation(invitation, True)
        first = register_user("newbie", "New Person", "a long passphrase 1", None)
        assert register_user("newbie", "New Person", "a long passphrase 1", None) is first
        assert register_user("newbie", "Someone Else", "a long passphrase 1", None) is None
        assert register_user("newbie", "New Person", "another passphrase", None) is None
        db.session.commit()
    assert count(app, ClubFollow) == count(app, Flag) == count(app, Vote) == 1
    assert count(app, Registration) == count(app, WatchedWord) == count(app, ClubInvitation) == 1
    assert count(app, Club, Club.name == "Twice Club") == 1
    assert count(app, Membership, Membership.user_id == person.id) == 2  # founder, organiser
    with app.app_context():
        assert db.session.get(Comment, comment.id).open_flags == 1
