"""Registration, the waitlist, check-in and the attendance page."""

import csv
import io
from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.models import Event, Notification, Registration, User, utcnow
from hrdebate.participation import services
from hrdebate.rules import RuleError
from tests.helpers import count_queries, fetch

HTMX = {"HX-Request": "true"}


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(make_user, make_club, make_event):
    users = {
        "organiser": make_user("organiser", display_name="Nurlan"),
        "other_org": make_user("other_org"),
        "citizen": make_user("citizen", display_name="Айгерим"),
        "admin": make_user("admin", site_role="admin"),
    }
    club = make_club(owner=users["organiser"], slug="auca")
    make_club(owner=users["other_org"], slug="osh")
    # Today, within the check-in window: organisers check in by hand on the day.
    event = make_event(club, capacity=2, title="Small debate", starts_in=timedelta(minutes=30))
    return {"club": club, "event": event, "make_event": make_event, "users": users}


def _register(app, event_id, user, now=None):
    with app.app_context():
        status = services.register(db.session.get(Event, event_id),
                                   db.session.get(User, user.id), now=now).status
        db.session.commit()
        return status


def _statuses(app, event_id):
    with app.app_context():
        rows = db.session.execute(
            db.select(Registration.user_id, Registration.status)
            .where(Registration.event_id == event_id).order_by(Registration.id)
        ).all()
    return [status for _uid, status in rows]


# -- the rules ---------------------------------------------------------------------------

def test_seats_then_waitlist_then_promotion_in_order(app, world, make_user):
    event = world["event"]
    people = [make_user(f"p{n}") for n in range(5)]
    assert [_register(app, event.id, p) for p in people] == [
        "registered", "registered", "waitlisted", "waitlisted", "waitlisted"]
    with app.app_context():
        regs = {r.user_id: r for r in db.session.scalars(db.select(Registration))}
        assert services.waitlist_position(regs[people[2].id]) == 1
        assert services.waitlist_position(regs[people[4].id]) == 3
        promoted = services.unregister(db.session.get(Event, event.id),
                                       db.session.get(User, people[0].id))
        assert promoted.user_id == people[2].id  # the one who waited longest
        db.session.commit()
    assert _statuses(app, event.id) == [
        "cancelled", "registered", "registered", "waitlisted", "waitlisted"]
    note = fetch(app, Notification, user_id=people[2].id)
    assert note.kind == "waitlist_promoted" and note.event_id == event.id
    # Leaving the waitlist frees no seat and promotes nobody.
    with app.app_context():
        assert services.unregister(db.session.get(Event, event.id),
                                   db.session.get(User, people[3].id)) is None
        db.session.commit()
    # Coming back means the end of the queue.
    assert _register(app, event.id, people[0]) == "waitlisted"
    with app.app_context():
        back = db.session.scalar(db.select(Registration).where(
            Registration.user_id == people[0].id))
        assert services.waitlist_position(back) == 2


def test_no_limit_means_everyone_gets_a_seat(app, world, make_user):
    event = world["make_event"](world["club"], capacity=None)
    assert {_register(app, event.id, make_user()) for _ in range(4)} == {"registered"}


@pytest.mark.parametrize(("fields", "code"), [
    ({"status": "cancelled"}, "event_cancelled"),
    ({"status": "draft"}, "not_published"),
    ({"starts_in": timedelta(days=-3)}, "event_over"),
    ({"registration_opens_at": utcnow() + timedelta(days=1)}, "registration_not_open"),
    ({"registration_closes_at": utcnow() - timedelta(minutes=1)}, "registration_closed"),
])
def test_refusals(app, world, make_user, fields, code):
    event = world["make_event"](world["club"], **fields)
    with pytest.raises(RuleError, match=code):
        _register(app, event.id, make_user())
    assert _statuses(app, event.id) == []


def test_registering_twice_answers_with_the_registration(app, world, make_user):
    person = make_user()
    assert _register(app, world["event"].id, person) == "registered"
    assert _register(app, world["event"].id, person) == "registered"
    assert _statuses(app, world["event"].id) == ["registered"]


def test_walk_ins_take_no_reserved_seat(app, world, make_user):
    event = world["event"]
    organiser = world["users"]["organiser"]
    with app.app_context():
        services.add_walk_in(db.session.get(Event, event.id), db.session.get(User, organiser.id),
                             "Guest")
        db.session.commit()
    assert _register(app, event.id, make_user()) == "registered"
    with app.app_context():
        assert services.seat_counts(event.id) == {
            "registered": 1, "waitlisted": 0, "checked_in": 1, "walk_ins": 1}


# -- through the site --------------------------------------------------------------------

def test_register_with_htmx_and_without(app, client, auth, world):
    event = world["event"]
    assert client.post_form(f"/events/{event.id}/register").status_code == 302  # login first
    auth.login("citizen")
    page = client.get(f"/events/{event.id}").text
    assert "0 of 2 seats taken" in page and ">Register<" in page
    response = client.post_form(f"/events/{event.id}/register", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="registration"' in response.text and "You are registered." in response.text
    again = client.post_form(f"/events/{event.id}/register", headers=HTMX)  # a double click
    assert again.status_code == 200 and "You are registered." in again.text
    plain = client.post_form(f"/events/{event.id}/unregister")
    assert plain.status_code == 302 and plain.location.endswith("#registration")
    assert "Your registration is cancelled." in client.get(plain.location).text


def test_full_event_shows_the_waitlist_position(app, client, auth, world, make_user):
    event = world["event"]
    for _ in range(2):
        _register(app, event.id, make_user())
    auth.login("citizen")
    page = client.get(f"/events/{event.id}").text
    assert "2 of 2 seats taken" in page and "Join the waitlist" in page
    client.post_form(f"/events/{event.id}/register")
    assert "You are number 1 on the waitlist." in client.get(f"/events/{event.id}").text


def test_cancelled_event_refuses_with_a_message(client, auth, world):
    event = world["make_event"](world["club"], status="cancelled")
    auth.login("citizen")
    assert "registration is closed" in client.get(f"/events/{event.id}").text
    response = client.post_form(f"/events/{event.id}/register", follow_redirects=True)
    assert "This event is cancelled: registration is closed." in response.text


# -- the organiser's side ------------------------------------------------------------------

ORGANISER_PAGES = ["/attendance", "/attendance.csv", "/checkin/qr", "/checkin.svg"]


@pytest.mark.parametrize("suffix", ORGANISER_PAGES)
@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("citizen", 403), ("other_org", 403), ("organiser", 200), ("admin", 200),
])
def test_attendance_permissions(client, auth, world, suffix, who, status):
    if who:
        auth.login(who)
    assert client.get(f"/events/{world['event'].id}{suffix}").status_code == status


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("citizen", 403), ("other_org", 403), ("organiser", 302), ("admin", 302),
])
def test_check_in_and_walk_in_permissions(app, client, auth, world, make_user, who, status):
    event = world["event"]
    _register(app, event.id, make_user())
    registration = fetch(app, Registration, event_id=event.id)
    if who:
        auth.login(who)
    url = f"/events/{event.id}/attendance/{registration.id}"
    assert client.post_form(url, {"checked_in": "1"}).status_code == status
    assert client.post_form(f"/events/{event.id}/walk-ins", {"name": "Guest"}).status_code == status
    checked = fetch(app, Registration, id=registration.id).checked_in_at is not None
    assert checked == (who in ("organiser", "admin"))


def test_attendance_list_search_and_check_in(app, client, auth, world, make_user):
    event = world["event"]
    _register(app, event.id, world["users"]["citizen"])
    _register(app, event.id, make_user("bek", display_name="Bek"))
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/attendance")
    assert page.status_code == 200 and "Айгерим" in page.text and "Bek" in page.text
    found = client.get(f"/events/{event.id}/attendance?q=АЙГЕР", headers=HTMX)
    assert "<html" not in found.text and "Айгерим" in found.text and "Bek" not in found.text
    registration = fetch(app, Registration, user_id=world["users"]["citizen"].id)
    toggled = client.post_form(f"/events/{event.id}/attendance/{registration.id}",
                               {"checked_in": "1"}, headers=HTMX)
    assert toggled.status_code == 200 and "<html" not in toggled.text
    assert f'id="registration-{registration.id}"' in toggled.text
    assert 'id="counts" class="counts" data-hx-swap-oob="true"' in toggled.text
    assert "<strong>1</strong> checked in" in toggled.text
    assert fetch(app, Registration, id=registration.id).checked_in_by_id == world["users"]["organiser"].id
    client.post_form(f"/events/{event.id}/attendance/{registration.id}", {"checked_in": "0"})
    assert fetch(app, Registration, id=registration.id).checked_in_at is None


def test_walk_in_needs_a_name_and_keeps_demographics_only_with_consent(app, client, auth, world):
    event = world["event"]
    auth.login("organiser")
    bad = client.post_form(f"/events/{event.id}/walk-ins", {"name": " "})
    assert bad.status_code == 422 and "This field is required." in bad.text
    assert fetch(app, Registration, event_id=event.id) is None
    client.post_form(f"/events/{event.id}/walk-ins", {"name": "Asel", "age_band": "18_24"})
    client.post_form(f"/events/{event.id}/walk-ins",
                     {"name": "Dana", "age_band": "18_24", "consent": "y"})
    asel = fetch(app, Registration, walk_in_name="Asel")
    dana = fetch(app, Registration, walk_in_name="Dana")
    assert asel.age_band is None and not asel.walk_in_consent
    assert dana.age_band == "18_24" and dana.walk_in_consent
    assert asel.checked_in_at and asel.source == "walk_in" and asel.user_id is None


def test_attendance_csv(app, client, auth, world):
    event = world["event"]
    _register(app, event.id, world["users"]["citizen"])
    auth.login("organiser")
    client.post_form(f"/events/{event.id}/walk-ins", {"name": "Гость"})
    response = client.get(f"/events/{event.id}/attendance.csv")
    assert response.data.startswith("\ufeff".encode())
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == ["display_name", "status", "checked_in_at", "source"]
    by_name = {r["display_name"]: r for r in rows}
    assert by_name["Айгерим"]["status"] == "registered" and by_name["Айгерим"]["checked_in_at"] == ""
    assert by_name["Гость"]["source"] == "walk_in" and by_name["Гость"]["checked_in_at"]
    assert "citizen" not in response.data.decode("utf-8-sig")  # never the username


def test_qr_code_is_an_svg_of_the_check_in_url(client, auth, world):
    auth.login("organiser")
    page = client.get(f"/events/{world['event'].id}/checkin/qr").text
    svg = client.get(f"/events/{world['event'].id}/checkin.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<svg")
    assert b"<script" not in svg.data and b"style=" not in svg.data
    assert 'class="code big"' in page


def test_attendance_query_count_does_not_grow(app, client, auth, world, make_user):
    event = world["make_event"](world["club"], capacity=None)
    auth.login("organiser")

    def statements():
        with count_queries(app) as found:
            assert client.get(f"/events/{event.id}/attendance").status_code == 200
        return len(found)

    for _ in range(3):
        _register(app, event.id, make_user())
    statements()  # the first visit also makes the check-in code
    small = statements()
    for _ in range(40):
        _register(app, event.id, make_user())
    assert statements() == small


# -- self check-in -----------------------------------------------------------------------

def _code(app, event_id):
    with app.app_context():
        return db.session.get(Event, event_id).checkin_code


def test_self_check_in_with_the_code_in_its_window(app, client, auth, world):
    soon = world["make_event"](world["club"], starts_in=timedelta(minutes=30), capacity=None)
    later = world["make_event"](world["club"], starts_in=timedelta(days=2), capacity=None)
    for event in (soon, later):
        _register(app, event.id, world["users"]["citizen"])
    auth.login("citizen")
    code = _code(app, soon.id)
    assert len(code) >= 6 and not set(code) & set("0O1IL")
    form = client.get(f"/events/{soon.id}/checkin?code={code}")
    assert f'value="{code}"' in form.text  # the QR code's link fills the form in
    # Refusals come back as the form, with the sentence and the code as typed.
    wrong = client.post_form(f"/events/{soon.id}/checkin", {"code": "ZZZZZZ"})
    assert wrong.status_code == 422 and "check-in code is wrong" in wrong.text
    assert 'value="ZZZZZZ"' in wrong.text
    right = client.post_form(f"/events/{soon.id}/checkin", {"code": f" {code.lower()} "})
    assert right.status_code == 302
    assert fetch(app, Registration, event_id=soon.id).checked_in_at is not None
    early = client.post_form(f"/events/{later.id}/checkin", {"code": _code(app, later.id)})
    assert early.status_code == 422 and "Check-in is not open yet" in early.text
    assert 'name="code"' not in early.text  # no form to fill in before the window opens
    assert fetch(app, Registration, event_id=later.id).checked_in_at is None


def test_check_in_window_is_configurable(app, world):
    event = world["make_event"](world["club"], starts_in=timedelta(hours=3), capacity=None)
    _register(app, event.id, world["users"]["citizen"])
    code = _code(app, event.id)
    app.config["CHECKIN_OPENS_MINUTES_BEFORE"] = 240
    with app.app_context():
        services.self_check_in(db.session.get(Event, event.id),
                               db.session.get(User, world["users"]["citizen"].id), code)
        db.session.commit()
    assert fetch(app, Registration, event_id=event.id).checked_in_at is not None


def test_self_check_in_needs_a_registration(app, client, auth, world):
    event = world["make_event"](world["club"], starts_in=timedelta(minutes=10))
    auth.login("citizen")
    response = client.post_form(f"/events/{event.id}/checkin", {"code": _code(app, event.id)})
    assert response.status_code == 422 and "not registered" in response.text


def test_self_check_in_is_rate_limited(tmp_path):
    from tests.conftest import _empty_database, _prepare_schema, make_test_app

    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_CHECKIN="3 per minute",
                        RATELIMIT_KEY_PREFIX="checkin-test")
    _prepare_schema(app)
    try:
        with app.app_context():
            user = User(username="u", display_name="U")
            user.set_password("correct horse battery")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        client.post_form("/auth/login", {"username": "u", "password": "correct horse battery"})
        statuses = [client.post_form("/events/999/checkin", {"code": "AAAAAA"}).status_code
                    for _ in range(4)]
        # No such event, so no check-in page to come back to: at the limit the
        # form goes back where it came from, saying why (errors.py, 429).
        assert statuses == [404, 404, 404, 303]
        answer = client.post_form("/events/999/checkin", {"code": "AAAAAA"})
        page = client.get(answer.headers["Location"])
        assert page.text.count('class="flash flash-error"') == 1  # said once
    finally:
        _empty_database(app)


# -- the rules, one place each, as unit tests --------------------------------------------

def _event(now, status="published", starts_in=timedelta(days=1), opens=None, closes=None,
           capacity=None):
    start = now + starts_in
    return Event(kind="debate", status=status, starts_at=start, ends_at=start + timedelta(hours=2),
                 registration_opens_at=opens, registration_closes_at=closes, capacity=capacity)


@pytest.mark.parametrize(("fields", "refusal"), [
    ({}, None),
    ({"status": "cancelled"}, "event_cancelled"),
    ({"status": "draft"}, "not_published"),
    ({"starts_in": timedelta(hours=-3)}, "event_over"),
    ({"starts_in": timedelta(hours=-1)}, None),  # under way: still open
    ({"opens": timedelta(hours=1)}, "registration_not_open"),
    ({"opens": timedelta(hours=-1)}, None),
    ({"closes": timedelta(0)}, "registration_closed"),
    ({"closes": timedelta(minutes=1)}, None),
])
def test_registration_refusal(fields, refusal):
    now = utcnow()
    for name in ("opens", "closes"):
        if name in fields:
            fields[name] = now + fields[name]
    assert _event(now, **fields).registration_refusal(now) == refusal


@pytest.mark.parametrize(("capacity", "taken", "full"), [
    (None, 1000, False), (2, 1, False), (2, 2, True), (2, 3, True)])
def test_an_event_is_full(capacity, taken, full):
    assert _event(utcnow(), capacity=capacity).is_full(taken) == full


def test_unregister_refusal():
    now = utcnow()
    event = _event(now)
    active = Registration(status="registered")
    assert services.unregister_refusal(event, active, now) is None
    assert services.unregister_refusal(event, Registration(status="waitlisted"), now) is None
    assert services.unregister_refusal(event, None, now) == "not_registered"
    assert services.unregister_refusal(event, Registration(status="cancelled"), now) == \
        "not_registered"
    assert services.unregister_refusal(event, active, event.ends_at) == "event_over"


def test_check_in_window(app):
    now = utcnow()
    event = _event(now)
    with app.app_context():
        opens, closes = services.checkin_window(event)
        assert opens == event.starts_at - timedelta(hours=1)
        assert closes == event.ends_at + timedelta(hours=1)
        assert not services.checkin_open(event, opens - timedelta(seconds=1))
        assert services.checkin_open(event, opens) and services.checkin_open(event, closes)
        assert not services.checkin_open(event, closes + timedelta(seconds=1))
        event.status = "cancelled"
        assert not services.checkin_open(event, opens)


def test_the_registration_block_asks_the_rules(app, client, auth, world, make_user):
    """The page shows what ``registration_context`` allows: the waitlist
    button when full, no cancel button once the event is over."""
    event = world["event"]
    for _ in range(2):
        _register(app, event.id, make_user())
    auth.login("citizen")
    page = client.get(f"/events/{event.id}").text
    assert ">Join the waitlist<" in page
    over = world["make_event"](world["club"], starts_in=timedelta(hours=-1),
                               duration=timedelta(minutes=30))
    with app.app_context():
        db.session.add(Registration(event_id=over.id, user_id=world["users"]["citizen"].id))
        db.session.commit()
    page = client.get(f"/events/{over.id}").text
    assert "You are registered." in page and "Cancel my registration" not in page
    assert "This event is over: registration is closed." in page
    refused = client.post_form(f"/events/{over.id}/unregister")
    assert refused.status_code == 302 and refused.location.endswith("#registration")
    assert "This event is over" in client.get(refused.location).text


@pytest.mark.parametrize(("status", "allowed"), [
    ("registered", True), ("waitlisted", False), ("cancelled", False)])
def test_only_a_seat_is_checked_in_by_the_organiser(app, world, make_user, status, allowed):
    person = make_user()
    with app.app_context():
        registration = Registration(event_id=world["event"].id, user_id=person.id, status=status)
        db.session.add(registration)
        db.session.flush()
        assert registration.can_be_checked_in == allowed
        organiser = db.session.get(User, world["users"]["organiser"].id)
        if allowed:
            services.set_checked_in(registration, organiser, True)
            assert registration.attended
        else:
            with pytest.raises(RuleError, match="not_registered"):
                services.set_checked_in(registration, organiser, True)
        db.session.rollback()
