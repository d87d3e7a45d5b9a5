"""The Kyrgyz/Uzbek phone review of issue #12: slow mode is a notice, not a
form error; the debate vote's staff controls say what is open; late
check-ins are not dated to the moment they were typed."""

from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.models import Comment, Event
from tests.helpers import fetch

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


@pytest.fixture
def club_people(make_user, make_club):
    owner = make_user("owner", display_name="Owner Olga")
    alice = make_user("alice", display_name="Alice Author")
    club = make_club(owner=owner, moderation_mode="post", slug="phone-club")
    return {"owner": owner, "alice": alice, "club": club}


def _comments(app, event_id):
    with app.app_context():
        return db.session.scalars(db.select(Comment.body).where(Comment.event_id == event_id)).all()


# -- 1. slow mode -----------------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True])
def test_slow_mode_is_the_one_alert_and_marks_no_field(app, client, auth, club_people,
                                                       make_event, htmx):
    event = make_event(club_people["club"], kind="civic_project", slow_mode_seconds=300)
    auth.login("alice")
    path = f"/events/{event.id}/comments"
    assert client.post_form(path, {"body": "First"}).status_code == 302
    response = client.post_form(path, {"body": "Second thought, typed on a phone"},
                                headers=HTMX if htmx else {})
    assert response.status_code == 422
    text = response.text
    assert "Second thought, typed on a phone" in text
    assert text.count("Slow mode is on: you can post again in 5 minutes.") == 1
    assert "Please correct the marked fields." not in text
    assert 'aria-invalid="true"' not in text and 'class="errors"' not in text
    assert _comments(app, event.id) == ["First"]


def test_slow_mode_in_minutes_in_the_header(client, auth, club_people, make_event):
    event = make_event(club_people["club"], kind="civic_project", slow_mode_seconds=300)
    text = client.get(f"/events/{event.id}").text
    assert "Slow mode: one comment every 5 minutes." in text and "300 seconds" not in text
    event = make_event(club_people["club"], kind="civic_project", slow_mode_seconds=60)
    assert "Slow mode: one comment every 1 minute." in client.get(f"/events/{event.id}").text
    event = make_event(club_people["club"], kind="civic_project", slow_mode_seconds=90)
    assert "Slow mode: one comment every 90 seconds." in client.get(f"/events/{event.id}").text


@pytest.mark.parametrize("htmx", [False, True])
def test_saving_the_discussion_settings_says_what_is_in_force(app, client, auth, club_people,
                                                              make_event, htmx):
    event = make_event(club_people["club"], kind="civic_project")
    auth.login("owner")
    path = f"/events/{event.id}/discussion"
    response = client.post_form(path, {"slow_mode_seconds": "120"},
                                headers=HTMX if htmx else {})
    text = response.text if htmx else client.get(f"/events/{event.id}").text
    assert "Saved: the discussion is open. Slow mode: one comment every 2 minutes." in text
    response = client.post_form(path, {"closed": "y", "slow_mode_seconds": "0"},
                                headers=HTMX if htmx else {})
    text = response.text if htmx else client.get(f"/events/{event.id}").text
    assert "Saved: the discussion is closed. Slow mode is off." in text
    assert fetch(app, Event, id=event.id).discussion_closed


# -- 2. debate voting controls ----------------------------------------------------------------

def _vote_state(app, event):
    return fetch(app, Event, id=event.id).voting_state


def test_voting_buttons_say_what_changed_and_where_each_phase_stands(app, client, auth,
                                                                     club_people, make_event):
    event = make_event(club_people["club"], kind="debate")
    auth.login("owner")
    page = client.get(f"/events/{event.id}").text
    assert "Before-debate vote: open" in page and "After-debate vote: not open yet" in page
    path = f"/events/{event.id}/voting"
    response = client.post_form(path, {"action": "open_after"}, headers=HTMX)
    assert "The after-vote is open, and the before-vote is now closed." in response.text
    assert "Before-debate vote: closed" in response.text
    assert "After-debate vote: open" in response.text
    again = client.post_form(path, {"action": "open_after"}, headers=HTMX)  # a double click
    assert "The after-vote is open" not in again.text
    response = client.post_form(path, {"action": "close_after"})  # without JavaScript
    assert response.status_code == 302
    page = client.get(f"/events/{event.id}").text
    assert "The after-vote is closed and the result is shown." in page
    assert "After-debate vote: closed, the result is shown" in page
    auth.logout()
    auth.login("alice")  # not staff: no status line
    assert "Before-debate vote:" not in client.get(f"/events/{event.id}").text


def test_checked_in_only_is_said_once_and_staff_get_no_voter_prompt(app, client, auth,
                                                                    club_people, make_event):
    event = make_event(club_people["club"], kind="debate", voting_checked_in_only=True)
    only = "Only people checked in at the event can vote in this debate."
    prompt = "In this debate only people checked in at the event can vote."
    auth.login("owner")
    page = client.get(f"/events/{event.id}").text
    assert page.count(only) == 1 and prompt not in page
    assert f"/events/{event.id}/checkin\"" not in page.split('id="voting"')[1].split("</section>")[0]
    auth.logout()
    auth.login("alice")
    page = client.get(f"/events/{event.id}").text
    assert page.count(prompt) == 1 and only not in page and 'name="choice"' not in page


def test_the_checked_in_only_switch_goes_once_anyone_voted(app, client, auth, club_people,
                                                           make_event):
    event = make_event(club_people["club"], kind="debate")
    auth.login("owner")
    assert "Let only checked-in attendees vote" in client.get(f"/events/{event.id}").text
    auth.logout()
    auth.login("alice")
    assert client.post_form(f"/events/{event.id}/vote", {"phase": "before", "choice": "for"},
                            headers=HTMX).status_code == 200
    auth.logout()
    auth.login("owner")
    assert "Let only checked-in attendees vote" not in client.get(f"/events/{event.id}").text
    response = client.post_form(f"/events/{event.id}/voting/attendance", {"checked_in_only": "1"})
    assert response.status_code in (302, 422)
    assert not fetch(app, Event, id=event.id).voting_checked_in_only


# -- 9. check-ins recorded after the event ----------------------------------------------------

def test_a_late_walk_in_and_check_in_are_dated_at_the_events_end(app, client, auth, club_people,
                                                                make_event, make_user,
                                                                make_registration):
    from hrdebate.models import Registration
    from hrdebate.participation import services

    event = make_event(club_people["club"], title="Past debate", starts_in=timedelta(days=-2))
    late = make_registration(event, make_user("late", display_name="Late Lola"))
    auth.login("owner")
    assert client.post_form(f"/events/{event.id}/walk-ins", {"name": "Guest Gulnara"}) \
        .status_code == 302
    again = client.post_form(f"/events/{event.id}/walk-ins", {"name": "Guest Gulnara"})
    assert again.status_code == 302  # a double click adds no second walk-in
    assert client.post_form(f"/events/{event.id}/attendance/{late.id}",
                            {"checked_in": "1"}).status_code in (302, 200)
    ended = fetch(app, Event, id=event.id).ends_at
    with app.app_context():
        rows = db.session.scalars(db.select(Registration).where(
            Registration.event_id == event.id, Registration.checked_in_at.is_not(None))).all()
        assert sorted(r.display_name for r in rows) == ["Guest Gulnara", "Late Lola"]
        assert all(r.checked_in_at == ended for r in rows)
        assert services.seat_counts(event.id)["checked_in"] == 2
    page = client.get(f"/events/{event.id}/attendance").text
    assert page.count("in: marked after the event") == 2


# -- 5. the role-change flash names the role shortly; 3. admin pages say "People" ------------

def test_the_role_change_flash_names_the_role_shortly(app, client, auth, make_user):
    make_user("admin", site_role="admin")
    person = make_user("mira", display_name="Mira")
    auth.login("admin")
    response = client.post_form(f"/admin/users/{person.id}/role",
                                {"role-role": "moderator", "role-reason": "Helps a lot"})
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Mira’s site role is now: Site moderator." in page
    assert "moderates every club’s discussions, sanctions people." not in page
    assert "<h1>People</h1>" in client.get("/admin/users").text


def test_a_refusal_reason_gets_one_full_stop(app, client, auth, make_user, make_club):
    owner = make_user("founder")
    from hrdebate.models import utcnow
    club = make_club(owner=owner, slug="refused-club", refused_at=utcnow(),
                     refusal_reason="Please write the city.")
    auth.login("founder")
    page = client.get(f"/clubs/{club.slug}").text
    assert "Please write the city.." not in page
    assert "Please write the city. Once you edit" in page
