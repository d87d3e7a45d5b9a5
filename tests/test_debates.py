"""Debate audience votes, moot-court judgements and civic-project progress."""

from datetime import timedelta

import pytest

from hrdebate.events.services import (
    Distribution,
    RuleError,
    Tally,
    add_milestone,
    cast_vote,
    change_voting,
    tally_from_rows,
)
from hrdebate.extensions import db
from hrdebate.models import Event, Milestone, ProgressUpdate, User, Vote, utcnow
from hrdebate.models.event import VOTING_TRANSITIONS, VotingAction, VotingState
from tests.helpers import fetch

HTMX = {"HX-Request": "true"}


def dist(f, a, u):
    return Distribution({"for": f, "against": a, "undecided": u})


# -- the winner, as unit tests ----------------------------------------------------------

@pytest.mark.parametrize(("before", "after", "winner"), [
    # The side whose share grew more wins, even if it is still the minority.
    (dist(20, 60, 20), dist(35, 55, 10), "for"),
    (dist(60, 20, 20), dist(55, 40, 5), "against"),
    (dist(40, 40, 20), dist(50, 50, 0), "tie"),
    # Shares, not raw counts: more voters after does not by itself mean a swing.
    (dist(10, 10, 0), dist(30, 30, 0), "tie"),
    (dist(0, 0, 0), dist(5, 1, 0), None),
    (dist(5, 1, 0), dist(0, 0, 0), None),
])
def test_winner_is_the_side_whose_share_grew_more(before, after, winner):
    assert Tally(before, after).winner == winner


def test_shares_and_swings():
    t = Tally(dist(25, 50, 25), dist(50, 50, 0))
    assert t.before.share("for") == 25.0 and t.after.share("for") == 50.0
    assert t.swing_for == 25.0 and t.swing_against == 0.0
    assert t.before.total == 100


def test_tally_from_grouped_rows():
    t = tally_from_rows([("before", "for", 3), ("after", "against", 2)])
    assert t.before.counts == {"for": 3, "against": 0, "undecided": 0}
    assert t.after.total == 2


# -- vote rules, as service tests ---------------------------------------------------------

@pytest.fixture
def debate_setup(make_user, make_club, make_event):
    organiser = make_user("organiser")
    voter = make_user("voter")
    club = make_club(owner=organiser, slug="auca")
    return {"organiser": organiser, "voter": voter, "club": club, "make_event": make_event}


def _vote(app, event_id, user_id, phase, choice, now=None):
    with app.app_context():
        cast_vote(db.session.get(Event, event_id), db.session.get(User, user_id), phase, choice,
                  now=now)
        db.session.commit()


def _votes(app, event_id):
    with app.app_context():
        return sorted((v.phase, v.choice) for v in
                      db.session.scalars(db.select(Vote).where(Vote.event_id == event_id)))


def test_before_vote_open_past_the_start_and_changeable(app, debate_setup):
    """The scheduled start does not close the before-vote (debates start
    late); a vote nobody drives closes when the event ends."""
    event = debate_setup["make_event"](debate_setup["club"])
    voter = debate_setup["voter"]
    _vote(app, event.id, voter.id, "before", "for")
    _vote(app, event.id, voter.id, "before", "against")  # changes, does not add
    assert _votes(app, event.id) == [("before", "against")]
    _vote(app, event.id, voter.id, "before", "for", now=event.starts_at + timedelta(minutes=30))
    with pytest.raises(RuleError, match="vote_closed"):
        _vote(app, event.id, voter.id, "before", "for", now=event.ends_at)
    with pytest.raises(RuleError, match="vote_closed"):
        _vote(app, event.id, voter.id, "after", "for")


def test_before_vote_closed_by_the_organiser(app, debate_setup):
    event = debate_setup["make_event"](debate_setup["club"])
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "close_before")
        db.session.commit()
    with pytest.raises(RuleError):
        _vote(app, event.id, debate_setup["voter"].id, "before", "for")


def test_after_vote_opens_when_the_organiser_says(app, debate_setup):
    """Whatever the scheduled start: here three days before it."""
    event = debate_setup["make_event"](debate_setup["club"])
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "open_after")
        db.session.commit()
    _vote(app, event.id, debate_setup["voter"].id, "after", "undecided")
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "close_after")
        db.session.commit()
        with pytest.raises(RuleError, match="wrong_state"):
            change_voting(db.session.get(Event, event.id), "close_before")
    with pytest.raises(RuleError, match="vote_closed"):
        _vote(app, event.id, debate_setup["voter"].id, "after", "for")


@pytest.mark.parametrize(("kind", "status"), [("moot_court", "published"), ("debate", "draft"),
                                              ("debate", "cancelled")])
def test_no_votes_on_other_kinds_or_unpublished(app, debate_setup, kind, status):
    event = debate_setup["make_event"](debate_setup["club"], kind=kind, status=status)
    with pytest.raises(RuleError):
        _vote(app, event.id, debate_setup["voter"].id, "before", "for")


def test_bad_phase_or_choice(app, debate_setup):
    event = debate_setup["make_event"](debate_setup["club"])
    with pytest.raises(RuleError, match="bad_vote"):
        _vote(app, event.id, debate_setup["voter"].id, "during", "for")
    with pytest.raises(RuleError, match="bad_vote"):
        _vote(app, event.id, debate_setup["voter"].id, "before", "maybe")


# -- the vote through the site ----------------------------------------------------------

def test_voting_journey(app, client, auth, debate_setup, make_vote):
    event = debate_setup["make_event"](debate_setup["club"], starts_in=timedelta(minutes=-5),
                                       voting_state="before_open")
    url = f"/events/{event.id}"
    # Started: the before-vote is still open until the organiser opens the after-vote.
    make_vote(event, debate_setup["organiser"], "before", "against")
    with app.app_context():
        change_voting(db.session.get(Event, event.id), "close_before")
        db.session.commit()
    auth.login("voter")
    refused = client.post_form(f"{url}/vote?lang=en", {"phase": "before", "choice": "for"},
                               headers=HTMX)
    assert refused.status_code == 422 and "This vote is closed." in refused.text
    assert client.post_form(f"{url}/voting", {"action": "open_after"}).status_code == 403
    auth.logout()

    auth.login("organiser")
    response = client.post_form(f"{url}/voting", {"action": "open_after"}, headers=HTMX)
    assert response.status_code == 200 and 'id="voting"' in response.text
    assert "<html" not in response.text
    auth.logout()

    auth.login("voter")
    page = client.get(f"{url}?lang=en").text
    assert "Your vote after the debate" in page and 'hx-trigger="every 15s"' in page
    assert "Your vote before the debate" not in page
    response = client.post_form(f"{url}/vote", {"phase": "after", "choice": "for"}, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'value="for" required checked' in response.text
    # Without JavaScript: a plain POST redirects back to the vote.
    plain = client.post_form(f"{url}/vote", {"phase": "after", "choice": "against"})
    assert plain.status_code == 302 and plain.location.endswith(f"{url}#voting")
    assert _votes(app, event.id) == [("after", "against"), ("before", "against")]
    auth.logout()

    auth.login("organiser")
    client.post_form(f"{url}/voting", {"action": "close_after"})
    page = client.get(f"{url}?lang=en").text
    assert 'hx-trigger="every 15s"' not in page  # polling stops once voting is closed
    # Before: 1 against (100 %); after: 1 against (100 %): neither side grew.
    assert "A tie: both sides’ shares changed equally." in page
    tally = client.get(f"{url}/tally", headers=HTMX)
    assert tally.status_code == 200 and 'id="tally"' in tally.text and "<html" not in tally.text
    assert client.get(f"{url}/tally").status_code == 302


def test_result_shows_the_winner(client, debate_setup, make_user, make_vote):
    event = debate_setup["make_event"](debate_setup["club"], starts_in=timedelta(days=-1),
                                       voting_state="closed")
    voters = [make_user() for _ in range(4)]
    for v, (before, after) in zip(voters, [("against", "for"), ("against", "for"),
                                           ("against", "against"), ("undecided", "for")]):
        make_vote(event, v, "before", before)
        make_vote(event, v, "after", after)
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "The proposition won: its share grew by 75 points." in page
    assert "Log in</a> to vote" not in page  # no phase is open


def test_vote_needs_login_and_valid_input(client, auth, debate_setup):
    event = debate_setup["make_event"](debate_setup["club"])
    url = f"/events/{event.id}/vote"
    assert client.post_form(url, {"phase": "before", "choice": "for"}).status_code == 302
    auth.login("voter")
    response = client.post_form(url + "?lang=en", {"phase": "before", "choice": "maybe"},
                                headers=HTMX)
    assert response.status_code == 422 and "Choose for, against or undecided." in response.text
    assert client.post(url, data={"phase": "before", "choice": "for"}).status_code == 400


# -- moot court judgement ------------------------------------------------------------------

def test_judgement(app, client, auth, debate_setup, make_user):
    make_user("stranger")
    moot = debate_setup["make_event"](debate_setup["club"], kind="moot_court",
                                      starts_in=timedelta(days=2))
    url = f"/events/{moot.id}/judgement"
    data = {"judgement_outcome": "Violation of Article 19 ICCPR",
            "judgement_reasoning": "The ban was **not necessary**."}
    auth.login("stranger")
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login("organiser")
    # A refusal: back to the form, with the sentence.
    early = client.post_form(url + "?lang=en", data)
    assert early.status_code == 302 and early.location.endswith(url)
    assert "once the event has started" in client.get(early.location + "?lang=en").text
    with app.app_context():
        db.session.get(Event, moot.id).starts_at = utcnow() - timedelta(hours=3)
        db.session.get(Event, moot.id).ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert client.post_form(url, {**data, "judgement_outcome": ""}).status_code == 422
    assert fetch(app, Event, id=moot.id).judgement_published_at is None
    assert client.post_form(url, data).status_code == 302
    auth.logout()
    page = client.get(f"/events/{moot.id}?lang=en").text
    assert "Violation of Article 19 ICCPR" in page and "<strong>not necessary</strong>" in page
    debate = debate_setup["make_event"](debate_setup["club"])
    auth.login("organiser")
    assert client.get(f"/events/{debate.id}/judgement").status_code == 404


# -- civic project ---------------------------------------------------------------------

def test_milestones_and_updates(app, client, auth, debate_setup, make_user):
    make_user("stranger")
    project = debate_setup["make_event"](debate_setup["club"], kind="civic_project")
    base = f"/events/{project.id}"
    auth.login("stranger")
    assert client.post_form(f"{base}/milestones", {"milestone-title": "X"}).status_code == 403
    auth.logout()
    auth.login("organiser")
    bad = client.post_form(f"{base}/milestones?lang=en",
                           {"milestone-title": "", "milestone-status": "planned"})
    assert bad.status_code == 422 and "This field is required." in bad.text
    assert client.post_form(f"{base}/milestones", {
        "milestone-title": "Meet the akim", "milestone-due_date": "2030-02-01",
        "milestone-status": "planned"}).status_code == 302
    milestone = fetch(app, Milestone, event_id=project.id)
    assert client.post_form(f"{base}/milestones/{milestone.id}",
                            {"status": "done"}).status_code == 302
    assert fetch(app, Milestone, id=milestone.id).status == "done"
    assert client.post_form(f"{base}/updates", {"update-posted_on": "2026-01-15",
                                                "update-body": "We *met* the akim."}
                            ).status_code == 302
    assert client.post_form(f"{base}/updates?lang=en", {"update-posted_on": "",
                                                        "update-body": "x"}).status_code == 422
    auth.logout()
    page = client.get(f"{base}?lang=en").text
    assert "Meet the akim" in page and "Done" in page
    assert "<em>met</em>" in page and "15 January 2026" in page
    assert fetch(app, ProgressUpdate, event_id=project.id).author_id is not None
    assert "Add a milestone" not in page
    debate = debate_setup["make_event"](debate_setup["club"])
    auth.login("organiser")
    assert client.post_form(f"/events/{debate.id}/updates", {}).status_code == 404


# -- the voting state machine: one table, asked by the services and the page ----------

def _debate(state, started, status="published", kind="debate"):
    """A debate in memory (no database): the rules are on the model."""
    now = utcnow()
    start = now - timedelta(minutes=5) if started else now + timedelta(days=1)
    return Event(kind=kind, status=status, voting_state=state, starts_at=start,
                 ends_at=start + timedelta(hours=2)), now


@pytest.mark.parametrize("started", [False, True])  # the clock does not matter
@pytest.mark.parametrize(("state", "actions"), [
    ("before_open", ["close_before", "open_after"]),
    ("before_closed", ["reopen_before", "open_after"]),
    ("after_open", ["close_after"]),
    ("closed", ["reopen_after"]),
])
def test_voting_actions_follow_the_table(state, started, actions):
    event, _now = _debate(state, started)
    assert event.voting_actions() == actions
    for action in VotingAction:
        refusal = event.voting_refusal(action)
        assert (refusal is None) == (action in actions)
        if action in actions:
            assert VOTING_TRANSITIONS[action][1] in VotingState.values()


@pytest.mark.parametrize(("kind", "status"), [("moot_court", "published"), ("debate", "draft"),
                                              ("debate", "cancelled")])
def test_no_voting_actions_outside_published_debates(kind, status):
    event, _now = _debate("before_open", True, status=status, kind=kind)
    assert event.voting_actions() == []
    assert event.voting_refusal("close_before") == "not_a_published_debate"


def test_unknown_voting_action_is_refused(app, debate_setup):
    event, _now = _debate("before_open", True)
    assert event.voting_refusal("explode") == "wrong_state"
    stored = debate_setup["make_event"](debate_setup["club"])
    with app.app_context(), pytest.raises(RuleError, match="wrong_state"):
        change_voting(db.session.get(Event, stored.id), "explode")


@pytest.mark.parametrize(("state", "started", "phases"), [
    ("before_open", False, ["before"]),
    ("before_open", True, ["before"]),
    ("before_closed", True, []),
    ("after_open", True, ["after"]),
    ("closed", True, []),
])
def test_open_phases(state, started, phases):
    event, now = _debate(state, started)
    assert event.open_phases(now) == phases
    assert event.any_vote_open(now) == bool(phases)


def test_the_page_shows_exactly_the_possible_voting_actions(app, client, auth, debate_setup):
    """The organiser's buttons come from ``Event.voting_actions``, not from a
    copy of the rule in the template."""
    labels = {action.value: str(action.label) for action in VotingAction}
    for state, starts_in in (("before_open", timedelta(days=1)),
                             ("before_closed", timedelta(minutes=-5)),
                             ("closed", timedelta(days=-1))):
        event = debate_setup["make_event"](debate_setup["club"], starts_in=starts_in,
                                           voting_state=state)
        with app.app_context():
            expected = db.session.get(Event, event.id).voting_actions()
        auth.login("organiser")
        page = client.get(f"/events/{event.id}?lang=en").text
        auth.logout()
        shown = [value for value in labels if f'name="action" value="{value}"' in page]
        assert shown == [str(a) for a in expected]
        assert all(labels[a] in page for a in shown)


def test_a_refused_vote_goes_back_to_the_vote(client, auth, debate_setup):
    event = debate_setup["make_event"](debate_setup["club"], starts_in=timedelta(minutes=-5),
                                       voting_state="before_closed")
    auth.login("voter")
    plain = client.post_form(f"/events/{event.id}/vote?lang=en",
                             {"phase": "before", "choice": "for"})
    assert plain.status_code == 302 and plain.location.endswith(f"/events/{event.id}#voting")
    assert "This vote is closed." in client.get(f"/events/{event.id}?lang=en").text
    htmx = client.post_form(f"/events/{event.id}/vote?lang=en",
                            {"phase": "before", "choice": "for"}, headers=HTMX)
    assert htmx.status_code == 422 and htmx.headers["HX-Retarget"] == "#flashes"


@pytest.mark.parametrize(("kind", "status", "open_"), [
    ("civic_project", "published", True), ("civic_project", "draft", True),
    ("civic_project", "cancelled", False), ("debate", "published", False)])
def test_progress_open(app, debate_setup, kind, status, open_):
    """Milestones and updates: the service and the page ask ``progress_open``."""
    event = debate_setup["make_event"](debate_setup["club"], kind=kind, status=status)
    with app.app_context():
        stored = db.session.get(Event, event.id)
        assert stored.progress_open == open_
        if not open_:
            with pytest.raises(RuleError, match="not_a_civic_project"):
                add_milestone(stored, "Meet the akim", None, "planned")
