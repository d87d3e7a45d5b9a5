"""/me/events: a person's registrations, waitlist positions, past attendance
and certificates, and their secret, revocable calendar feed."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from hrdebate.extensions import db
from hrdebate.models import Registration, User, utcnow
from hrdebate.participation.services import waitlist_position
from tests.conftest import BASE_URL
from tests.helpers import count_queries, fetch

HTMX = {"HX-Request": "true"}
PAST = timedelta(days=-2)


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def people(make_user, make_club):
    organiser = make_user("organiser")
    aida = make_user("aida", display_name="Aida K.")
    club = make_club(owner=organiser, slug="auca", name="AUCA Debate Club", verified=True)
    return {"organiser": organiser, "aida": aida, "club": club}


def feed_url(page_html):
    match = re.search(r'id="feed-url" value="([^"]+)"', page_html)
    return match.group(1) if match else None


def get_ics(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    if status != 200:
        return None
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    return Calendar.from_ical(response.data)


# -- the page ------------------------------------------------------------------------

def test_login_required(client):
    response = client.get("/me/events")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_upcoming_and_past_are_apart(app, client, auth, people, make_event, make_user,
                                     make_registration):
    club, aida = people["club"], people["aida"]
    seat = make_event(club, title="Upcoming debate")
    attended = make_event(club, kind="moot_court", title="Attended moot", starts_in=PAST)
    no_show = make_event(club, title="Missed debate", starts_in=PAST)
    dropped = make_event(club, title="Dropped debate")
    called_off = make_event(club, title="Called off", status="cancelled")
    someone_elses = make_event(club, title="Not mine")
    make_registration(seat, aida)
    make_registration(attended, aida, checked_in=True)
    make_registration(no_show, aida)
    make_registration(dropped, aida, status="cancelled")
    make_registration(called_off, aida)
    make_registration(someone_elses, make_user())

    auth.login("aida")
    response = client.get("/me/events")
    assert response.status_code == 200
    page = response.text
    upcoming, rest = page.split('id="past-title"')
    past, calendar = rest.split('id="calendar-title"')
    assert "Upcoming debate" in upcoming and "You have a seat" in upcoming
    assert "Called off" in upcoming and "Cancelled by the organisers" in upcoming
    assert "1 registration you cancelled" in upcoming and "Dropped debate" in upcoming
    assert "Attended moot" in past and "Attended moot" not in upcoming
    assert f"/events/{attended.id}/certificate" in past
    assert "Missed debate" not in page and "Not mine" not in page
    assert "Create my calendar address" in calendar


def test_waitlist_position_is_shown(app, client, auth, people, make_event, make_user,
                                    make_registration):
    event = make_event(people["club"], title="Full debate", capacity=1)
    make_registration(event, make_user())
    start = utcnow() - timedelta(hours=1)
    first, second = make_user(), make_user()
    # Two people waited before Aida; the second with the very same time as
    # Aida but an earlier id; a cancellation does not count.
    make_registration(event, first, status="waitlisted", registered_at=start)
    make_registration(event, make_user(), status="cancelled", registered_at=start)
    make_registration(event, second, status="waitlisted", registered_at=start + timedelta(1))
    mine = make_registration(event, people["aida"], status="waitlisted",
                            registered_at=start + timedelta(1)).id
    other = make_event(people["club"], title="Another full debate", capacity=1)
    make_registration(other, make_user())
    make_registration(other, people["aida"], status="waitlisted")

    auth.login("aida")
    page = client.get("/me/events").text
    assert "You are number 3 on the waitlist." in page
    assert "You are number 1 on the waitlist." in page
    with app.app_context():
        assert waitlist_position(db.session.get(Registration, mine)) == 3


def test_past_list_fragment_for_htmx(app, client, auth, people, make_event, make_registration):
    for n in range(22):
        event = make_event(people["club"], title=f"Past {n:02d}", starts_in=PAST - timedelta(n))
        make_registration(event, people["aida"], checked_in=True)
    auth.login("aida")
    full = client.get("/me/events")
    assert "Past 00" in full.text and "Past 21" not in full.text
    assert 'rel="next"' in full.text
    fragment = client.get("/me/events?page=2", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="past">')
    assert "<html" not in fragment.text and "Past 21" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def _fill(app, people, make_event, make_user, n, make_registration):
    """``n`` registrations of every kind the page shows."""
    club, aida = people["club"], people["aida"]
    for i in range(n):
        kind = (i + 1) % 4
        if kind == 0:
            make_registration(make_event(club), aida)
        elif kind == 1:
            event = make_event(club, capacity=1)
            make_registration(event, make_user())
            make_registration(event, make_user(), status="waitlisted")
            make_registration(event, aida, status="waitlisted")
        elif kind == 2:
            make_registration(make_event(club, starts_in=PAST), aida, checked_in=True)
        else:
            make_registration(make_event(club), aida, status="cancelled")


def test_query_count_does_not_grow_with_registrations(app, client, auth, people, make_event,
                                                       make_user, make_registration):
    auth.login("aida")
    counts = []
    for n in (2, 18):  # 2, then 20 registrations
        _fill(app, people, make_event, make_user, n, make_registration)
        with count_queries(app) as statements:
            page = client.get("/me/events").text
        counts.append(len(statements))
    assert page.count("on the waitlist.") == 6
    # The user, unread notifications, upcoming registrations with waitlist
    # positions, and the past page (count and rows).
    assert counts[0] == counts[1] <= 5, counts


# -- the calendar feed ------------------------------------------------------------------

def test_calendar_feed_lists_registered_and_waitlisted_events(app, client, auth, people,
                                                               make_event, make_user,
                                                               make_registration):
    club, aida = people["club"], people["aida"]
    seat = make_event(club, title="With a seat", topics=["women"])
    wait = make_event(club, title="On the waitlist", capacity=1)
    make_registration(wait, make_user())
    make_registration(seat, aida)
    make_registration(wait, aida, status="waitlisted")
    make_registration(make_event(club, title="Dropped"), aida, status="cancelled")
    make_registration(make_event(club, title="Last year", starts_in=timedelta(days=-365)),
                     aida, checked_in=True)
    make_registration(make_event(club, title="Not mine"), make_user())
    with app.app_context():
        db.session.get(User, aida.id).locale = "en"
        db.session.commit()

    auth.login("aida")
    response = client.post_form("/me/calendar/token")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/events#calendar-feed")
    page = client.get("/me/events").text
    url = feed_url(page)
    token = fetch(app, User, id=aida.id).calendar_token
    assert url == f"{BASE_URL}/me/calendar/{token}.ics" and len(token) >= 43

    auth.logout()  # calendar apps do not log in
    client.delete_cookie("lang")
    calendar = get_ics(client, url)
    assert str(calendar["X-WR-CALNAME"]) == "My hrdebate events"  # Aida's language
    events = {str(v["SUMMARY"]): v for v in calendar.walk("VEVENT")}
    assert sorted(events) == ["On the waitlist", "With a seat"]
    assert str(events["With a seat"]["STATUS"]) == "CONFIRMED"
    assert str(events["On the waitlist"]["STATUS"]) == "TENTATIVE"
    assert str(events["With a seat"]["UID"]) == f"event-{seat.id}@hrdebate"


def test_new_token_replaces_the_old_and_revoking_ends_it(app, client, auth, people):
    auth.login("aida")
    client.post_form("/me/calendar/token")
    first = feed_url(client.get("/me/events").text)
    get_ics(client, first)
    response = client.post_form("/me/calendar/token")
    assert response.status_code == 302
    second = feed_url(client.get("/me/events").text)
    assert second != first
    get_ics(client, first, status=404)
    get_ics(client, second)

    response = client.post_form("/me/calendar/token/revoke")
    assert response.status_code == 302
    page = client.get("/me/events").text
    assert feed_url(page) is None and "Create my calendar address" in page
    get_ics(client, second, status=404)
    assert fetch(app, User, id=people["aida"].id).calendar_token is None


def test_unknown_token_is_404(client, people):
    get_ics(client, "/me/calendar/nothing-like-a-token.ics", status=404)
    get_ics(client, "/me/calendar/.ics", status=404)


def test_token_forms_answer_htmx_with_the_panel(client, auth, people):
    auth.login("aida")
    token = client.csrf_token()
    headers = {**HTMX, "X-CSRFToken": token}
    response = client.post("/me/calendar/token", headers=headers)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="calendar-feed"')
    assert feed_url(response.text)
    response = client.post("/me/calendar/token/revoke", headers=headers)
    assert response.status_code == 200 and feed_url(response.text) is None


@pytest.mark.parametrize("url", ["/me/calendar/token", "/me/calendar/token/revoke"])
def test_token_forms_need_login_and_csrf(app, client, auth, people, url):
    response = client.post_form(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login("aida")
    assert client.post(url).status_code == 400  # no CSRF token
    assert fetch(app, User, id=people["aida"].id).calendar_token is None


def test_calendar_token_services_leave_the_commit_to_the_caller(app, make_user):
    from hrdebate.me.services import (
        clear_calendar_token,
        issue_calendar_token,
        user_by_calendar_token,
    )

    aida = make_user("aida")
    with app.app_context():
        person = db.session.get(User, aida.id)
        token = issue_calendar_token(person)
        db.session.commit()
        assert user_by_calendar_token(token).id == aida.id
        assert user_by_calendar_token("") is None and user_by_calendar_token("nope") is None
        clear_calendar_token(person)
        db.session.rollback()  # not committed: the address still works
        assert user_by_calendar_token(token).id == aida.id
