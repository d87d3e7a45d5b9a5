"""Issue #12, on stage: the organiser opens and closes each phase of a
debate's vote whatever the scheduled start; voting may be kept to checked-in
attendees; an open voting page follows the vote by itself (htmx) and still
works by reloading without JavaScript; a vote that arrives as the phase
closes is either counted before the close or refused after it."""

import re
import threading
from datetime import timedelta

import pytest

from hrdebate.events.services import cast_vote, change_voting, restrict_voting
from hrdebate.extensions import db
from hrdebate.models import Event, User, Vote, utcnow
from hrdebate.rules import RuleError
from tests.helpers import fetch
from tests.server import Browser, server  # noqa: F401  (server is a fixture)

HTMX = {"HX-Request": "true"}
VOTERS = 12


@pytest.fixture
def stage(make_user, make_club, make_event):
    organiser = make_user("organiser")
    make_user("voter")
    make_user("admin", site_role="admin")
    make_club(owner=make_user("rival"), slug="rival-club")  # another club's organiser
    club = make_club(owner=organiser, slug="auca")

    def debate(**fields):
        return make_event(club, **fields)
    return debate


def _state(app, event):
    return fetch(app, Event, id=event.id).voting_state


def _votes(app, event):
    with app.app_context():
        return sorted((v.phase, v.choice) for v in
                      db.session.scalars(db.select(Vote).where(Vote.event_id == event.id)))


# -- who may drive the vote ------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("voter", 403), ("rival", 403), ("organiser", 302), ("admin", 302)])
def test_who_may_drive_the_vote(app, client, auth, stage, who, status):
    event = stage()
    if who:
        auth.login(who)
    for url, data in ((f"/events/{event.id}/voting", {"action": "close_before"}),
                      (f"/events/{event.id}/voting/attendance", {"checked_in_only": "1"})):
        response = client.post_form(url, data)
        assert response.status_code == status
        if status == 302 and who is None:
            assert "/auth/login" in response.location
    changed = who in ("organiser", "admin")
    stored = fetch(app, Event, id=event.id)
    assert (stored.voting_state == "before_closed") == changed
    assert stored.voting_checked_in_only == changed


def test_a_draft_debate_has_no_vote_to_drive(client, auth, stage):
    draft = stage(status="draft")
    auth.login("organiser")
    response = client.post_form(f"/events/{draft.id}/voting?lang=en", {"action": "close_before"},
                                headers=HTMX)
    assert response.status_code == 422 and "Voting is only for published debates." in response.text
    response = client.post_form(f"/events/{draft.id}/voting/attendance?lang=en",
                                {"checked_in_only": "1"}, headers=HTMX)
    assert response.status_code == 422


# -- each phase when the organiser says, whatever the clock --------------------------

def test_the_whole_vote_days_before_the_scheduled_start(app, client, auth, stage):
    """The start is three days away: every phase still opens and closes when
    the organiser says (before, nobody could open the after-vote early)."""
    event = stage(starts_in=timedelta(days=3))
    url = f"/events/{event.id}"
    auth.login("organiser")
    for action, state in (("close_before", "before_closed"), ("reopen_before", "before_open"),
                          ("close_before", "before_closed"), ("open_after", "after_open"),
                          ("close_after", "closed"), ("reopen_after", "after_open"),
                          ("close_after", "closed")):
        response = client.post_form(f"{url}/voting", {"action": action})  # no JavaScript
        assert response.status_code == 302 and response.location.endswith(f"{url}#voting")
        assert _state(app, event) == state, action
    assert fetch(app, Event, id=event.id).voting_changed_at is not None


def test_the_before_vote_stays_open_past_the_start(app, client, auth, stage):
    event = stage(starts_in=timedelta(minutes=-20))  # the debate started late, say
    auth.login("voter")
    response = client.post_form(f"/events/{event.id}/vote", {"phase": "before", "choice": "for"},
                                headers=HTMX)
    assert response.status_code == 200
    assert _votes(app, event) == [("before", "for")]


def test_the_before_vote_never_reopens_once_the_after_vote_has_opened(app, client, auth, stage):
    event = stage(voting_state="after_open", voting_changed_at=utcnow())
    auth.login("organiser")
    response = client.post_form(f"/events/{event.id}/voting?lang=en",
                                {"action": "reopen_before"}, headers=HTMX)
    assert response.status_code == 422 and "Voting cannot change that way now." in response.text
    plain = client.post_form(f"/events/{event.id}/voting?lang=en", {"action": "reopen_before"})
    assert plain.status_code == 302
    assert "Voting cannot change that way now." in client.get(plain.location + "?lang=en").text
    assert _state(app, event) == "after_open"
    page = client.get(f"/events/{event.id}").text
    assert 'value="reopen_before"' not in page and 'value="close_after"' in page


def test_a_double_click_moves_the_vote_once(app, client, auth, stage):
    event = stage()
    auth.login("organiser")
    first = client.post_form(f"/events/{event.id}/voting", {"action": "open_after"}, headers=HTMX)
    again = client.post_form(f"/events/{event.id}/voting", {"action": "open_after"}, headers=HTMX)
    assert first.status_code == again.status_code == 200
    assert _state(app, event) == "after_open"


def test_a_vote_nobody_drives_closes_when_the_event_ends(app, client, auth, stage):
    """The default for a debate whose organisers never touch the vote: the
    before-vote is open from publication until the end, then closed; the
    page stops polling. An organiser can still drive it afterwards."""
    event = stage(starts_in=timedelta(hours=-3), duration=timedelta(hours=2))
    with app.app_context():
        stored = db.session.get(Event, event.id)
        assert stored.open_phases() == [] and not stored.voting_followed()
        assert stored.open_phases(event.ends_at - timedelta(minutes=1)) == ["before"]
    auth.login("voter")
    refused = client.post_form(f"/events/{event.id}/vote?lang=en",
                               {"phase": "before", "choice": "for"}, headers=HTMX)
    assert refused.status_code == 422 and "This vote is closed." in refused.text
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "every 15s" not in page and "Voting is not open right now." in page
    auth.logout()
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/voting", {"action": "open_after"}).status_code == 302
    auth.logout()
    auth.login("voter")
    assert client.post_form(f"/events/{event.id}/vote", {"phase": "after", "choice": "for"},
                            headers=HTMX).status_code == 200


def test_the_result_is_shown_once_the_organiser_closes_the_vote_early(app, client, auth, stage,
                                                                      make_user, make_vote):
    """A result the organiser closed before the scheduled start (the start
    was entered wrong) shows on the event page."""
    event = stage(starts_in=timedelta(days=1))
    for n, (before, after) in enumerate([("against", "for"), ("against", "for")]):
        voter = make_user(f"v{n}")
        make_vote(event, voter, "before", before)
        make_vote(event, voter, "after", after)
    auth.login("organiser")
    client.post_form(f"/events/{event.id}/voting", {"action": "open_after"})
    client.post_form(f"/events/{event.id}/voting", {"action": "close_after"})
    auth.logout()
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "The proposition won: its share grew by 100 points." in page
    assert "every 15s" not in page


# -- the page follows the vote --------------------------------------------------------

def _poll_url(page):
    match = re.search(r'data-hx-get="([^"]*/tally\?seen=[^"]+)" data-hx-trigger="every 15s"', page)
    assert match, "the tally polls"
    return match.group(1).replace("&amp;", "&")


def test_the_tally_alone_while_the_vote_is_as_the_page_saw_it(client, auth, stage):
    event = stage()
    auth.login("voter")
    page = client.get(f"/events/{event.id}").text
    poll = client.get(_poll_url(page), headers=HTMX)
    assert poll.status_code == 200 and "HX-Retarget" not in poll.headers
    assert poll.text.lstrip().startswith('<div id="tally"')
    assert "<form" not in poll.text  # the ballot, with what the person half chose, is untouched
    assert "Vary" in poll.headers and "HX-Request" in poll.headers["Vary"]


def test_a_poll_after_the_phase_changed_brings_the_new_ballot(app, client, auth, stage):
    event = stage()
    auth.login("voter")
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "Your vote before the debate" in page
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "open_after")
        db.session.commit()
    poll = client.get(_poll_url(page) + "&lang=en", headers=HTMX)
    assert poll.status_code == 200
    assert poll.headers["HX-Retarget"] == "#voting" and poll.headers["HX-Reswap"] == "outerHTML"
    assert poll.text.lstrip().startswith('<section id="voting"')
    assert "autofocus" not in poll.text  # the page's own polling takes no focus
    assert "Your vote after the debate" in poll.text
    assert "Your vote before the debate" not in poll.text
    assert 'id="ballot-after-none" data-hx-preserve="true"' in poll.text
    assert 'class="flash' not in poll.text.split("</section>")[-1]  # no message area carried
    # The new ballot's token is good: the vote goes through.
    token = re.search(r'name="csrf_token" value="([^"]+)"', poll.text).group(1)
    voted = client.post(f"/events/{event.id}/vote", headers=HTMX,
                        data={"csrf_token": token, "phase": "after", "choice": "against"})
    assert voted.status_code == 200
    assert _votes(app, event) == [("after", "against")]
    # The poll of the new ballot has the new key: the tally alone again.
    again = client.get(_poll_url(poll.text), headers=HTMX)
    assert "HX-Retarget" not in again.headers


def test_the_ballot_of_a_vote_already_cast_has_its_own_id(app, client, auth, stage, make_vote):
    """A ballot is kept (hx-preserve) only while it is the same ballot: after
    a vote, or in another phase, its id differs and it is replaced."""
    event = stage()
    auth.login("voter")
    assert 'id="ballot-before-none"' in client.get(f"/events/{event.id}").text
    client.post_form(f"/events/{event.id}/vote", {"phase": "before", "choice": "for"})
    assert 'id="ballot-before-for"' in client.get(f"/events/{event.id}").text


@pytest.mark.parametrize(("state", "polls"), [
    ("before_open", True), ("before_closed", True), ("after_open", True), ("closed", False)])
def test_the_page_polls_while_the_vote_may_change(client, stage, state, polls):
    event = stage(voting_state=state, voting_changed_at=utcnow())
    page = client.get(f"/events/{event.id}").text
    assert ('data-hx-trigger="every 15s"' in page) == polls


def test_without_javascript_the_tally_url_leads_to_the_vote(client, stage):
    event = stage()
    response = client.get(f"/events/{event.id}/tally?seen=x")
    assert response.status_code == 302 and response.location.endswith(f"/events/{event.id}#voting")


def test_the_tally_is_a_debates(client, stage):
    moot = stage(kind="moot_court")
    assert client.get(f"/events/{moot.id}/tally", headers=HTMX).status_code == 404


# -- only checked-in attendees --------------------------------------------------------

def test_only_checked_in_attendees_vote_when_the_organiser_says(app, client, auth, stage,
                                                                make_user, make_registration):
    event = stage(starts_in=timedelta(minutes=-10))
    voter = fetch(app, User, username="voter")
    present = make_user("present")
    make_registration(event, voter)  # registered, not checked in
    make_registration(event, present, checked_in=True)
    auth.login("organiser")
    switched = client.post_form(f"/events/{event.id}/voting/attendance?lang=en",
                                {"checked_in_only": "1"}, headers=HTMX)
    assert switched.status_code == 200
    assert "Only people checked in at the event can vote now." in switched.text
    assert "Let everyone vote" in switched.text
    auth.logout()

    auth.login("voter")
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "In this debate only people checked in at the event can vote." in page
    assert 'name="choice"' not in page  # the ballot says why instead
    assert f'/events/{event.id}/checkin' in page
    refused = client.post_form(f"/events/{event.id}/vote?lang=en",
                               {"phase": "before", "choice": "for"}, headers=HTMX)
    assert refused.status_code == 422
    assert "only people checked in at the event can vote" in refused.text
    plain = client.post_form(f"/events/{event.id}/vote?lang=en",
                             {"phase": "before", "choice": "for"})  # without JavaScript
    assert plain.status_code == 302 and plain.location.endswith(f"/events/{event.id}#voting")
    assert "Check in with the code shown at the venue" in client.get(
        plain.location + "?lang=en").text
    auth.logout()

    auth.login("present")
    assert 'name="choice"' in client.get(f"/events/{event.id}").text
    assert client.post_form(f"/events/{event.id}/vote", {"phase": "before", "choice": "for"},
                            headers=HTMX).status_code == 200
    auth.logout()
    assert _votes(app, event) == [("before", "for")]

    # Once anyone voted, who may vote stays as it is (the phone review): the
    # switch is gone and a hand-made request is refused.
    auth.login("organiser")
    assert "Let everyone vote" not in client.get(f"/events/{event.id}").text
    client.post_form(f"/events/{event.id}/voting/attendance", {"checked_in_only": "0"})
    assert fetch(app, Event, id=event.id).voting_checked_in_only


def test_the_switch_takes_only_on_or_off(app, client, auth, stage):
    event = stage()
    auth.login("organiser")
    for value in ("", "yes", "2"):
        response = client.post_form(f"/events/{event.id}/voting/attendance",
                                    {"checked_in_only": value}, headers=HTMX)
        assert response.status_code == 422
    assert not fetch(app, Event, id=event.id).voting_checked_in_only


def test_a_cancelled_registration_is_not_checked_in(app, stage, make_registration):
    event = stage()
    voter = fetch(app, User, username="voter")
    make_registration(event, voter, status="cancelled")
    with app.app_context():
        stored = db.session.get(Event, event.id)
        restrict_voting(stored, True)
        with pytest.raises(RuleError, match="not_checked_in"):
            cast_vote(stored, db.session.get(User, voter.id), "before", "for")


def test_an_anonymous_visitor_is_asked_to_log_in(client, stage):
    event = stage(voting_checked_in_only=True)
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "to vote." in page and "Only people checked in at the event can vote" in page


# -- a vote as the phase closes -----------------------------------------------------------

def test_a_vote_read_before_the_close_is_refused_after_it(app, stage):
    """The voter's request read the debate while the before-vote was open;
    the organiser closed it and committed; then the vote is written. It is
    refused: the event is locked and read again before the phase is looked at."""
    event = stage()
    voter_id = fetch(app, User, username="voter").id
    loaded, closed = threading.Event(), threading.Event()
    outcome = {}

    def voter():
        with app.app_context():
            stale = db.session.get(Event, event.id)
            person = db.session.get(User, voter_id)
            assert stale.vote_open("before")
            loaded.set()
            closed.wait(10)
            try:
                cast_vote(stale, person, "before", "for")
                db.session.commit()
                outcome["result"] = "counted"
            except RuleError as error:
                db.session.rollback()
                outcome["result"] = error.code

    thread = threading.Thread(target=voter)
    thread.start()
    assert loaded.wait(10)
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "close_before")
        db.session.commit()
    closed.set()
    thread.join(20)
    assert outcome["result"] == "vote_closed"
    assert _votes(app, event) == []


def test_a_vote_being_written_is_counted_before_the_close(app, stage):
    """The other order: the vote holds the event when the organiser presses
    "close"; the close waits for it, and the vote counts."""
    event = stage()
    voter_id = fetch(app, User, username="voter").id
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def voter():
        with app.app_context():
            cast_vote(db.session.get(Event, event.id), db.session.get(User, voter_id),
                      "before", "for")
            locked.set()
            release.wait(10)
            db.session.commit()

    def organiser():
        with app.app_context():
            change_voting(db.session.get(Event, event.id), "close_before")
            outcome["closed_at"] = utcnow()
            db.session.commit()

    first = threading.Thread(target=voter)
    first.start()
    assert locked.wait(10)
    second = threading.Thread(target=organiser)
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the vote to be written
    release.set()
    first.join(20)
    second.join(20)
    assert _votes(app, event) == [("before", "for")]
    assert _state(app, event) == "before_closed"


def test_votes_at_the_instant_the_organiser_closes_through_a_real_server(
        app, server, make_user, make_club, make_event):  # noqa: F811
    """Voters and the organiser press at the same instant on a multi-worker
    server: every answer is a counted vote (200) or a refusal (422), never a
    5xx; what was counted is exactly what the 200s said; and no counted vote
    was written after the close."""
    organiser = make_user("organiser")
    event = make_event(make_club(owner=organiser))
    voters = []
    for n in range(VOTERS):
        make_user(f"voter{n}")
        browser = Browser(server)
        browser.login(f"voter{n}")
        browser.vote_token = browser.token(f"/events/{event.id}")
        voters.append(browser)
    chair = Browser(server)
    chair.login("organiser")
    chair.vote_token = chair.token(f"/events/{event.id}")
    start = threading.Barrier(VOTERS + 1)
    answers = [None] * (VOTERS + 1)
    htmx = {"HX-Request": "true"}

    def vote(i):
        start.wait()
        answers[i] = voters[i].send(f"/events/{event.id}/vote?lang=en", {
            "csrf_token": voters[i].vote_token, "phase": "before", "choice": "for"}, htmx)

    def close():
        start.wait()
        answers[VOTERS] = chair.send(f"/events/{event.id}/voting", {
            "csrf_token": chair.vote_token, "action": "close_before"}, htmx)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(VOTERS)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers[VOTERS].status == 200
    statuses = [answer.status for answer in answers[:VOTERS]]
    assert set(statuses) <= {200, 422}, statuses
    with app.app_context():
        stored = db.session.get(Event, event.id)
        assert stored.voting_state == "before_closed"
        times = db.session.scalars(db.select(Vote.created_at)
                                   .where(Vote.event_id == event.id)).all()
        assert len(times) == statuses.count(200)
        assert all(moment <= stored.voting_changed_at for moment in times)
    assert all("This vote is closed." in answers[i].body
               for i in range(VOTERS) if answers[i].status == 422)
