"""Issue #12, the attendance side: promotion from the waitlist and check-in by
hand, the check-in window, cancelling a seat without JavaScript, the online
link, the organisers' certificates list with its bulk issue, walk-ins'
claim codes, the certificate's issuer, and the demographic selects."""

import re
from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.models import Club, Event, Notification, Registration, User, utcnow
from hrdebate.participation import services
from tests.helpers import fetch

HTMX = {"HX-Request": "true"}
LINK = "https://meet.example.org/hr-debate-secret-room"

pytestmark = pytest.mark.usefixtures("english")

ROLES = ("anonymous", "citizen", "registrant", "waitlisted", "other_org", "organiser", "admin")


@pytest.fixture
def world(make_user, make_club, make_event, make_registration):
    users = {
        "organiser": make_user("organiser", display_name="Nurlan"),
        "other_org": make_user("other_org", display_name="Other"),
        "citizen": make_user("citizen", display_name="Айгерим"),
        "registrant": make_user("registrant", display_name="Registered Rita"),
        "waitlisted": make_user("waitlisted", display_name="Waiting Will"),
        "admin": make_user("admin", site_role="admin"),
    }
    club = make_club(owner=users["organiser"], slug="auca")
    make_club(owner=users["other_org"], slug="osh")
    # Today, half an hour from now: check-in (by hand and self) is open.
    event = make_event(club, capacity=1, title="Small debate", online_url=LINK,
                       starts_in=timedelta(minutes=30))
    seat = make_registration(event, users["registrant"])
    waiting = make_registration(event, users["waitlisted"], status="waitlisted")
    return {"club": club, "event": event, "users": users, "seat": seat, "waiting": waiting}


def _login(auth, who):
    if who != "anonymous":
        auth.login(who)


def _set(app, model, row_id, **values):
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def _promoted_notes(app, user):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.kind == "waitlist_promoted"))


def _registered(app, event):
    with app.app_context():
        return services.seat_counts(event.id)["registered"]


# -- promotion by hand ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES)
def test_only_the_clubs_organisers_promote(app, client, auth, world, who):
    event, waiting = world["event"], world["waiting"]
    _set(app, Event, event.id, capacity=5)  # a seat is free
    _login(auth, who)
    answer = client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote")
    allowed = who in ("organiser", "admin")
    expected = 302 if who == "anonymous" or allowed else 403
    assert answer.status_code == expected
    if who == "anonymous":
        assert "/login" in answer.headers["Location"]
    status = fetch(app, Registration, id=waiting.id).status
    assert status == ("registered" if allowed else "waitlisted")


def test_promotion_never_exceeds_capacity(app, client, auth, world):
    event, waiting = world["event"], world["waiting"]
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/attendance").text
    assert "No seat is free: raise the capacity to give one." in page
    assert "Give Waiting Will a seat" not in page
    refused = client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote",
                               follow_redirects=True)
    assert refused.status_code == 200 and "No seat is free" in refused.text
    htmx = client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote",
                            {"check_in": "1"}, headers=HTMX)
    assert htmx.status_code == 422 and "raise the event’s capacity first" in htmx.text
    assert fetch(app, Registration, id=waiting.id).status == "waitlisted"
    assert fetch(app, Registration, id=waiting.id).checked_in_at is None
    assert _registered(app, event) == 1 and _promoted_notes(app, world["users"]["waitlisted"]) == 0


def test_promotion_fills_a_free_seat_once_and_tells_the_person(app, client, auth, world,
                                                               make_user, make_registration):
    event, waiting = world["event"], world["waiting"]
    later = make_registration(event, make_user("later", display_name="Later Lola"),
                              status="waitlisted")
    _set(app, Event, event.id, capacity=2)  # the organiser raised capacity: one seat free
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/attendance").text
    assert "Give Later Lola a seat" in page  # out of turn is the organiser's choice
    url = f"/events/{event.id}/attendance/{later.id}/promote"
    first = client.post_form(url)
    # Back at the row changed (a phone without JavaScript: not the page's top).
    assert first.status_code == 302 and first.headers["Location"].endswith(
        f"/events/{event.id}/attendance#registration-{later.id}")
    again = client.post_form(url)  # the double click
    assert again.status_code == 302
    assert fetch(app, Registration, id=later.id).status == "registered"
    assert _promoted_notes(app, fetch(app, User, username="later")) == 1
    # Now full again: the other waitlisted person cannot be promoted.
    refused = client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote")
    assert refused.status_code == 302
    assert fetch(app, Registration, id=waiting.id).status == "waitlisted"
    assert _registered(app, event) == 2


def test_promote_is_404_for_another_events_registration(app, client, auth, world, make_event,
                                                        make_registration, make_user):
    other = make_event(world["club"], starts_in=timedelta(minutes=30))
    theirs = make_registration(other, make_user(), status="waitlisted")
    auth.login("organiser")
    answer = client.post_form(f"/events/{world['event'].id}/attendance/{theirs.id}/promote")
    assert answer.status_code == 404


def test_a_waitlisted_person_who_turned_up_is_given_a_seat_and_checked_in(app, client, auth,
                                                                          world):
    event, waiting = world["event"], world["waiting"]
    _set(app, Event, event.id, capacity=2)
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/attendance").text
    assert "Give Waiting Will a seat and check in" in page
    answer = client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote",
                              {"check_in": "1"}, headers=HTMX)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert f'id="registration-{waiting.id}"' in answer.text
    assert 'id="counts" class="counts" data-hx-swap-oob="true"' in answer.text
    row = fetch(app, Registration, id=waiting.id)
    assert row.status == "registered" and row.checked_in_at is not None and row.certificate_code
    # The double click: one check-in, one notification.
    client.post_form(f"/events/{event.id}/attendance/{waiting.id}/promote", {"check_in": "1"})
    assert fetch(app, Registration, id=waiting.id).checked_in_at == row.checked_in_at
    assert _promoted_notes(app, world["users"]["waitlisted"]) == 1


def test_a_plain_seat_cannot_be_given_after_the_event(app, world):
    event, waiting = world["event"], world["waiting"]
    _set(app, Event, event.id, capacity=5)
    with app.app_context():
        from hrdebate.rules import RuleError

        registration = db.session.get(Registration, waiting.id)
        organiser = db.session.get(User, world["users"]["organiser"].id)
        with pytest.raises(RuleError, match="event_over"):
            services.promote(registration, organiser,
                             now=utcnow() + timedelta(days=1))


# -- the check-in window -------------------------------------------------------------------

def test_check_in_by_hand_opens_on_the_day(app, client, auth, world, make_event,
                                           make_registration):
    later = make_event(world["club"], starts_in=timedelta(days=3), capacity=None)
    seat = make_registration(later, world["users"]["citizen"])
    auth.login("organiser")
    page = client.get(f"/events/{later.id}/attendance").text
    assert "Check in Айгерим" not in page and "Add a walk-in" not in page
    assert "open on the day of the event" in page and "(Bishkek time)" in page
    refused = client.post_form(f"/events/{later.id}/attendance/{seat.id}", {"checked_in": "1"},
                               follow_redirects=True)
    assert "Check-in opens on the day of the event." in refused.text
    assert fetch(app, Registration, id=seat.id).checked_in_at is None
    walk_in = client.post_form(f"/events/{later.id}/walk-ins", {"name": "Early Guest"},
                               headers=HTMX)
    assert walk_in.status_code == 422 and "Check-in opens on the day" in walk_in.text
    assert fetch(app, Registration, walk_in_name="Early Guest") is None
    # Today's event offers the buttons.
    today = client.get(f"/events/{world['event'].id}/attendance").text
    assert "Check in Registered Rita" in today and "Add a walk-in" in today


def test_self_check_in_is_offered_only_while_open(app, client, auth, world, make_event,
                                                  make_registration):
    later = make_event(world["club"], starts_in=timedelta(days=3), capacity=None)
    make_registration(later, world["users"]["citizen"])
    make_registration(world["event"], world["users"]["citizen"], status="waitlisted")
    auth.login("citizen")
    page = client.get(f"/events/{later.id}").text
    assert "At the venue? Check in with the code" not in page
    assert "Check-in at the venue opens on" in page and "(Bishkek time)" in page
    form = client.get(f"/events/{later.id}/checkin").text
    assert "Check-in is not open yet" in form and 'name="code"' not in form
    auth.logout()
    auth.login("registrant")
    assert "At the venue? Check in with the code" in client.get(f"/events/{world['event'].id}").text
    assert 'name="code"' in client.get(f"/events/{world['event'].id}/checkin").text


# -- cancelling a seat without JavaScript --------------------------------------------------

def test_cancelling_a_seat_asks_first_without_javascript(app, client, auth, world):
    event = world["event"]
    url = f"/events/{event.id}/unregister"
    assert "/login" in client.get(url).headers["Location"]
    auth.login("registrant")
    page = client.get(f"/events/{event.id}").text
    button = re.search(r'<form method="get" action="%s"[^>]*>' % re.escape(url), page)
    assert button and f'data-hx-post="{url}"' in button.group(0)
    assert 'data-hx-confirm="Cancel your registration?"' in button.group(0)
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Do you really want to give up your seat?" in confirm.text
    assert f'<form method="post" action="{url}"' in confirm.text
    assert fetch(app, Registration, id=world["seat"].id).status == "registered"  # GET changes nothing
    done = client.post_form(url)
    assert done.status_code == 302
    assert fetch(app, Registration, id=world["seat"].id).status == "cancelled"
    # Nothing left to cancel: the page says so instead of asking.
    again = client.get(url, follow_redirects=True)
    assert "You are not registered for this event." in again.text


def test_the_htmx_path_still_cancels_at_once(app, client, auth, world):
    auth.login("waitlisted")
    confirm = client.get(f"/events/{world['event'].id}/unregister")
    assert "leave the waitlist" in confirm.text
    answer = client.post_form(f"/events/{world['event'].id}/unregister", headers=HTMX)
    assert answer.status_code == 200 and 'id="registration"' in answer.text
    assert fetch(app, Registration, id=world["waiting"].id).status == "cancelled"


# -- the online link -----------------------------------------------------------------------

@pytest.mark.parametrize("who", ROLES)
def test_the_online_link_is_for_seats_and_organisers(app, client, auth, world, who):
    _login(auth, who)
    page = client.get(f"/events/{world['event'].id}").text
    shown = who in ("registrant", "organiser", "admin")
    assert (LINK in page) == shown
    if not shown:
        assert "The event can be followed online." in page
    if who == "waitlisted":
        assert "if you get a seat" in page


@pytest.mark.parametrize("who", ("anonymous", "registrant", "organiser", "admin"))
def test_public_feeds_never_carry_the_online_link(app, client, auth, world, who):
    _login(auth, who)
    event = world["event"]
    for url in ("/events.ics", f"/events/{event.id}.ics", "/clubs/auca/events.ics",
                "/events.atom", "/events.ics?when=all"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "meet.example.org" not in answer.text, url
    assert "Small debate" in client.get(f"/events/{event.id}.ics").text  # the event is there


def _feed(app, client, user):
    from hrdebate.me import services as me_services

    with app.app_context():
        token = me_services.issue_calendar_token(db.session.get(User, user.id))
        db.session.commit()
    answer = client.get(f"/me/calendar/{token}.ics")
    assert answer.status_code == 200
    return answer.text.replace("\r\n ", "")  # unfold long lines


def test_the_personal_calendar_carries_the_link_for_a_seat_only(app, client, world):
    assert LINK in _feed(app, client, world["users"]["registrant"])
    waiting = _feed(app, client, world["users"]["waitlisted"])
    assert "Small debate" in waiting and "meet.example.org" not in waiting
    # Promoted: the link comes.
    _set(app, Registration, world["waiting"].id, status="registered")
    assert LINK in _feed(app, client, world["users"]["waitlisted"])


# -- certificates: the organisers' list and bulk issue -------------------------------------

@pytest.fixture
def ended(world, make_event, make_registration, make_user):
    """An ended event with: an attendee with a certificate; one checked in
    without a code (a row from before codes); an old walk-in without a claim
    code; a registrant who did not come."""
    event = make_event(world["club"], starts_in=-timedelta(hours=5), title="Done debate")
    with_code = make_registration(event, make_user("came", display_name="Came Chyngyz"),
                                  checked_in=True)
    without = make_registration(event, make_user("old", display_name="Old Olga"),
                                checked_in_at=utcnow() - timedelta(hours=4))
    walk_in = make_registration(event, source="walk_in", walk_in_name="Old Guest",
                                checked_in_at=utcnow() - timedelta(hours=4))
    make_registration(event, make_user("absent", display_name="Absent Aibek"))
    return {"event": event, "with_code": with_code, "without": without, "walk_in": walk_in}


@pytest.mark.parametrize("who", ROLES)
def test_only_organisers_see_and_issue_certificates(app, client, auth, world, ended, who):
    _login(auth, who)
    event = ended["event"]
    page = client.get(f"/events/{event.id}/certificates")
    issue = client.post_form(f"/events/{event.id}/certificates/issue")
    allowed = who in ("organiser", "admin")
    if who == "anonymous":
        assert page.status_code == 302 and issue.status_code == 302
        assert "/login" in issue.headers["Location"]
    else:
        assert page.status_code == (200 if allowed else 403)
        assert issue.status_code == (302 if allowed else 403)
    assert (fetch(app, Registration, id=ended["without"].id).certificate_code is not None) \
        == allowed


def test_bulk_issue_issues_once(app, client, auth, ended):
    event = ended["event"]
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/certificates").text
    assert "Issue certificates to 2 attendees" in page
    assert "Came Chyngyz" in page and "Absent Aibek" not in page
    assert fetch(app, Registration, id=ended["with_code"].id).certificate_code in page
    assert "not issued yet" in page
    first = client.post_form(f"/events/{event.id}/certificates/issue", follow_redirects=True)
    assert "2 certificates issued." in first.text
    codes = (fetch(app, Registration, id=ended["without"].id).certificate_code,
             fetch(app, Registration, id=ended["walk_in"].id).claim_code)
    assert all(codes)
    second = client.post_form(f"/events/{event.id}/certificates/issue", follow_redirects=True)
    assert "Every attendee already has a certificate." in second.text
    assert (fetch(app, Registration, id=ended["without"].id).certificate_code,
            fetch(app, Registration, id=ended["walk_in"].id).claim_code) == codes
    after = client.get(f"/events/{event.id}/certificates").text
    assert "Issue certificates to" not in after and "claim code not used yet" in after
    assert client.get(f"/certificates/{codes[0]}").status_code == 200


def test_bulk_issue_waits_for_the_end_of_the_event(app, client, auth, world, make_registration):
    event = world["event"]  # not started yet
    make_registration(event, source="walk_in", walk_in_name="Early Bird",
                      checked_in_at=utcnow())
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/certificates").text
    assert "Certificates can be issued once the event has ended." in page
    refused = client.post_form(f"/events/{event.id}/certificates/issue", headers=HTMX)
    assert refused.status_code == 422
    assert fetch(app, Registration, walk_in_name="Early Bird").claim_code is None


def test_revoked_certificates_are_listed_as_revoked(app, client, auth, ended):
    code = fetch(app, Registration, id=ended["with_code"].id).certificate_code
    auth.login("organiser")
    client.post_form(f"/certificates/{code}/revoke")
    page = client.get(f"/events/{ended['event'].id}/certificates").text
    assert "revoked on" in page


# -- walk-ins' claim codes ----------------------------------------------------------------

def _walk_in_code(app, client, event, name="Guest Gulnara"):
    added = client.post_form(f"/events/{event.id}/walk-ins", {"name": name},
                             follow_redirects=True)
    code = fetch(app, Registration, walk_in_name=name).claim_code
    assert code and "-".join((code[:4], code[4:8], code[8:])) in added.text  # shown, grouped
    return code


def test_a_walk_in_claims_the_certificate_once(app, client, auth, world, make_user):
    event = world["event"]
    auth.login("organiser")
    code = _walk_in_code(app, client, event)
    form = client.get("/events/%d/walk-ins" % event.id)
    assert form.status_code == 405
    attendance = client.get(f"/events/{event.id}/attendance").text
    assert "claim code" in attendance
    auth.logout()
    assert "/login" in client.get("/certificates/claim").headers["Location"]
    make_user("guest", display_name="Gulnara K.")
    auth.login("guest")
    wrong = client.post_form("/certificates/claim", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422 and "This claim code is wrong." in wrong.text
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"
    claimed = client.post_form("/certificates/claim", {"code": typed})
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith("/me/events")
    row = fetch(app, Registration, claim_code=code)
    assert row.claimed_by_id == fetch(app, User, username="guest").id
    assert row.user_id is None and row.source == "walk_in"  # turnout still counts a walk-in
    again = client.post_form("/certificates/claim", {"code": code})  # double click
    assert again.status_code == 302
    assert fetch(app, Registration, claim_code=code).certificate_code == row.certificate_code
    # After the event: the certificate is theirs, with the name the club wrote down.
    _set(app, Event, event.id, starts_at=utcnow() - timedelta(hours=3),
         ends_at=utcnow() - timedelta(hours=1))
    mine = client.get(f"/events/{event.id}/certificate")
    assert mine.status_code == 200 and "Guest Gulnara" in mine.text
    assert "Small debate" in client.get("/me/events").text
    auth.logout()
    auth.login("citizen")
    used = client.post_form("/certificates/claim", {"code": code})
    assert used.status_code == 422 and "already been used" in used.text
    assert fetch(app, Registration, claim_code=code).claimed_by_id == row.claimed_by_id
    public = client.get(f"/certificates/{row.certificate_code}")
    assert public.status_code == 200 and "Guest Gulnara" in public.text


def test_someone_with_a_certificate_cannot_claim_a_second(app, client, auth, world):
    event = world["event"]
    auth.login("organiser")
    code = _walk_in_code(app, client, event)
    auth.logout()
    auth.login("registrant")
    client.post_form(f"/events/{event.id}/checkin", {"code": fetch(app, Event, id=event.id)
                                                     .checkin_code})
    assert fetch(app, Registration, id=world["seat"].id).checked_in_at is not None
    refused = client.post_form("/certificates/claim", {"code": code})
    assert refused.status_code == 422 and "already have a certificate" in refused.text
    assert fetch(app, Registration, claim_code=code).claimed_by_id is None


def test_the_walk_in_form_promises_only_what_the_claim_code_gives(app, client, auth, world):
    auth.login("organiser")
    page = client.get(f"/events/{world['event'].id}/attendance").text
    assert "you get a code for them to claim the certificate, signed in" in page
    auth.logout()
    auth.login("citizen")
    assert 'href="/certificates/claim"' in client.get("/me/events").text


# -- the certificate names its club --------------------------------------------------------

@pytest.mark.parametrize("verified", (False, True))
def test_the_certificate_names_the_issuing_club(app, client, auth, world, ended, verified):
    _set(app, Club, world["club"].id, verified=verified)
    code = fetch(app, Registration, id=ended["with_code"].id).certificate_code
    public = client.get(f"/certificates/{code}").text
    name = fetch(app, Club, id=world["club"].id).name
    assert f"It was issued by {name}" in public and "issued by hrdebate" not in public
    auth.login("came")
    mine = client.get(f"/events/{ended['event'].id}/certificate").text
    for text in (public, mine):
        assert ("This club is not verified by hrdebate" in text) == (not verified)
        assert ("a club verified by hrdebate" in text) == verified


# -- "I prefer not to say", once ----------------------------------------------------------

def test_i_prefer_not_to_say_is_offered_once(app, client, auth, world):
    auth.login("organiser")
    page = client.get(f"/events/{world['event'].id}/attendance").text
    gender = re.search(r'<select[^>]*name="gender".*?</select>', page, re.S).group(0)
    assert gender.count("I prefer not to say") == 1
    account = client.get("/account/").text
    gender = re.search(r'<select[^>]*name="demo-gender".*?</select>', account, re.S).group(0)
    assert gender.count("I prefer not to say") == 1
    # A value stored by the old form still counts as an answer.
    from hrdebate.choices import Gender

    assert Gender("undisclosed") is Gender.UNDISCLOSED


def test_the_certificates_page_costs_the_same_for_many_attendees(app, client, auth, ended,
                                                                  make_registration, make_user):
    from tests.helpers import count_queries

    auth.login("organiser")
    event = ended["event"]

    def statements():
        with count_queries(app) as found:
            assert client.get(f"/events/{event.id}/certificates").status_code == 200
        return len(found)

    small = statements()
    for n in range(15):
        make_registration(event, make_user(f"many{n}"), checked_in=True)
        make_registration(event, source="walk_in", walk_in_name=f"Walk {n}", checked_in=True)
    assert statements() == small


def test_the_claim_page_refuses_bad_input_with_a_translated_message(app, client, auth, world):
    auth.login("citizen")
    for code in ("", "Ө" * 5, "x" * 40, "ABCD\u200bEFGH"):
        answer = client.post_form("/certificates/claim", {"code": code})
        assert answer.status_code == 422, code
    assert client.get("/certificates/claim?code=" + "A" * 500).status_code == 200


def test_registering_with_htmx_shows_the_online_link_at_once(app, client, auth, world):
    _set(app, Event, world["event"].id, capacity=5)
    auth.login("citizen")
    answer = client.post_form(f"/events/{world['event'].id}/register", headers=HTMX)
    assert answer.status_code == 200 and "<html" not in answer.text
    assert LINK in answer.text
