"""Issue #12, what stays on record after the stage: a moot court's judgement
says "Amended on …" when changed after publication; a civic project's
milestones and progress updates can be edited and deleted by the club's
organisers (a confirmation page without JavaScript), and an update cannot
be dated in the future; a debate shows its teams only when there are some."""

from datetime import date, datetime, timedelta, timezone

import pytest

from hrdebate.dbtypes import frozen_clock
from hrdebate.events.services import add_progress_update, posted_on_refusal, publish_judgement
from hrdebate.extensions import db
from hrdebate.models import Event, Milestone, ProgressUpdate, User, utcnow
from hrdebate.rules import RuleError
from tests.helpers import fetch

ROLES = [(None, 302), ("citizen", 403), ("rival", 403), ("organiser", None), ("admin", None)]


@pytest.fixture
def club(make_user, make_club):
    make_user("citizen")
    make_user("admin", site_role="admin")
    make_club(owner=make_user("rival"), slug="rival-club")
    return make_club(owner=make_user("organiser"), slug="auca")


# -- the judgement -------------------------------------------------------------------------

JUDGEMENT = {"judgement_outcome": "Violation of Article 19 ICCPR found",
             "judgement_reasoning": "The ban was **not necessary**."}


def test_a_changed_judgement_says_amended_on(app, client, auth, club, make_event):
    moot = make_event(club, kind="moot_court", starts_in=timedelta(hours=-3))
    url = f"/events/{moot.id}/judgement"
    auth.login("organiser")
    first = client.post_form(url + "?lang=en", JUDGEMENT)
    assert first.status_code == 302
    assert "The judgement is published." in client.get(first.location + "?lang=en").text
    stored = fetch(app, Event, id=moot.id)
    assert stored.judgement_published_at is not None and stored.judgement_amended_at is None
    page = client.get(f"/events/{moot.id}?lang=en").text
    assert "Amended on" not in page

    # Sent again unchanged (a double click, a second look): no amendment.
    again = client.post_form(url + "?lang=en", JUDGEMENT)
    assert "Nothing has changed" in client.get(again.location + "?lang=en").text
    assert fetch(app, Event, id=moot.id).judgement_amended_at is None

    form = client.get(url + "?lang=en").text
    assert "Save the amended judgement" in form and "Amended on" in form
    changed = client.post_form(url + "?lang=en",
                               {**JUDGEMENT, "judgement_outcome": "No violation found"})
    assert "The judgement is amended" in client.get(changed.location + "?lang=en").text
    stored = fetch(app, Event, id=moot.id)
    assert stored.judgement_amended_at is not None
    assert stored.judgement_published_at < stored.judgement_amended_at
    auth.logout()
    page = client.get(f"/events/{moot.id}?lang=en").text
    assert "No violation found" in page
    assert "Amended on " in page and "Published on " in page


def test_the_amendment_date_is_the_days(app, club, make_event):
    moot = make_event(club, kind="moot_court",
                      starts_at=datetime(2026, 2, 27, 10, tzinfo=timezone.utc))
    published = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    amended = datetime(2026, 3, 4, 12, tzinfo=timezone.utc)
    with app.app_context():
        event = db.session.get(Event, moot.id)
        with frozen_clock(published):
            publish_judgement(event, "A", "B")
        with frozen_clock(amended):
            publish_judgement(event, "A", "B")  # unchanged
            assert event.judgement_amended_at is None
            publish_judgement(event, "A", "B, corrected")
        assert event.judgement_published_at == published
        assert event.judgement_amended_at == amended
        db.session.commit()


@pytest.mark.parametrize(("who", "status"), ROLES)
def test_who_may_amend_a_judgement(app, client, auth, club, make_event, who, status):
    moot = make_event(club, kind="moot_court", starts_in=timedelta(hours=-3),
                      judgement_outcome="Old", judgement_reasoning="Old",
                      judgement_reasoning_html="<p>Old</p>", judgement_published_at=utcnow())
    if who:
        auth.login(who)
    response = client.post_form(f"/events/{moot.id}/judgement",
                                {**JUDGEMENT, "judgement_outcome": "New"})
    assert response.status_code == (status or 302)
    assert (fetch(app, Event, id=moot.id).judgement_amended_at is not None) == (status is None)


# -- milestones ---------------------------------------------------------------------------

@pytest.fixture
def project(app, club, make_event):
    event = make_event(club, kind="civic_project")
    with app.app_context():
        milestone = Milestone(event_id=event.id, title="Meet the akim", due_date=date(2027, 2, 1))
        update = ProgressUpdate(event_id=event.id, posted_on=date(2026, 11, 1),
                                body="We met.", body_html="<p>We met.</p>")
        db.session.add_all([milestone, update])
        db.session.commit()
        return event, milestone.id, update.id


@pytest.mark.parametrize(("who", "status"), ROLES)
def test_who_may_edit_and_delete_milestones_and_updates(app, client, auth, project, who,
                                                        status):
    event, milestone_id, update_id = project
    if who:
        auth.login(who)
    base = f"/events/{event.id}"
    for path in (f"milestones/{milestone_id}/edit", f"milestones/{milestone_id}/delete",
                 f"updates/{update_id}/edit", f"updates/{update_id}/delete"):
        assert client.get(f"{base}/{path}").status_code == (status or 200), path
    edits = {f"milestones/{milestone_id}/edit": {"title": "Changed", "status": "done"},
             f"updates/{update_id}/edit": {"posted_on": "2026-11-02", "body": "Changed."}}
    for path, data in edits.items():
        assert client.post_form(f"{base}/{path}", data).status_code == (status or 302), path
    for path in (f"milestones/{milestone_id}/delete", f"updates/{update_id}/delete"):
        assert client.post_form(f"{base}/{path}").status_code == (status or 302), path
    gone = status is None
    assert (fetch(app, Milestone, id=milestone_id) is None) == gone
    assert (fetch(app, ProgressUpdate, id=update_id) is None) == gone


def test_edit_a_milestone(app, client, auth, project):
    event, milestone_id, _update_id = project
    url = f"/events/{event.id}/milestones/{milestone_id}/edit"
    auth.login("organiser")
    page = client.get(url + "?lang=en").text
    assert 'value="Meet the akim"' in page and 'value="2027-02-01"' in page
    bad = client.post_form(url + "?lang=en", {"title": "", "due_date": "1899-01-01",
                                              "status": "exploded"})
    assert bad.status_code == 422
    assert "This field is required." in bad.text and "Please correct the marked fields." in bad.text
    assert "Not a valid choice." in bad.text
    assert fetch(app, Milestone, id=milestone_id).title == "Meet the akim"
    done = client.post_form(url, {"title": "Meet the akim again", "due_date": "",
                                  "status": "in_progress"})
    assert done.status_code == 302 and done.location.endswith(f"/events/{event.id}#milestones")
    stored = fetch(app, Milestone, id=milestone_id)
    assert (stored.title, stored.due_date, stored.status) == ("Meet the akim again", None,
                                                               "in_progress")


def test_delete_a_milestone_asks_first_without_javascript(app, client, auth, project):
    event, milestone_id, _update_id = project
    url = f"/events/{event.id}/milestones/{milestone_id}/delete"
    auth.login("organiser")
    page = client.get(f"/events/{event.id}?lang=en").text
    assert f'href="{url}"' in page  # a link to the confirmation page
    confirm = client.get(url + "?lang=en")
    assert confirm.status_code == 200
    assert "Do you really want to delete the milestone “Meet the akim”?" in confirm.text
    assert f'action="{url}"' in confirm.text and 'name="csrf_token"' in confirm.text
    assert fetch(app, Milestone, id=milestone_id) is not None  # GET changed nothing
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    done = client.post_form(url + "?lang=en")
    assert done.status_code == 302
    assert "The milestone is deleted." in client.get(done.location + "?lang=en").text
    assert fetch(app, Milestone, id=milestone_id) is None
    assert client.post_form(url).status_code == 404  # a second click: already gone


def test_milestones_and_updates_of_another_event_are_404(app, client, auth, club, project,
                                                         make_event):
    _event, milestone_id, update_id = project
    other = make_event(club, kind="civic_project")
    auth.login("organiser")
    for path in (f"milestones/{milestone_id}/edit", f"milestones/{milestone_id}/delete",
                 f"updates/{update_id}/edit", f"updates/{update_id}/delete",
                 "milestones/999999/edit", "updates/999999/delete"):
        assert client.get(f"/events/{other.id}/{path}").status_code == 404, path
    debate = make_event(club)
    assert client.get(f"/events/{debate.id}/updates/{update_id}/edit").status_code == 404


def test_a_cancelled_project_keeps_its_record(app, client, auth, club, project):
    event, milestone_id, update_id = project
    with app.app_context():
        db.session.get(Event, event.id).status = "cancelled"
        db.session.commit()
    auth.login("organiser")
    page = client.get(f"/events/{event.id}").text
    assert f"/milestones/{milestone_id}/edit" not in page
    refused = client.post_form(f"/events/{event.id}/updates/{update_id}/delete?lang=en")
    assert refused.status_code == 302
    assert "only for civic projects that are not cancelled" in client.get(
        refused.location + "?lang=en").text
    assert fetch(app, ProgressUpdate, id=update_id) is not None


# -- progress updates -------------------------------------------------------------------------

def test_edit_and_delete_a_progress_update(app, client, auth, project):
    event, _milestone_id, update_id = project
    base = f"/events/{event.id}/updates/{update_id}"
    auth.login("organiser")
    page = client.get(f"/events/{event.id}?lang=en").text
    assert f'href="{base}/edit"' in page and f'href="{base}/delete"' in page
    assert "We met." in client.get(f"{base}/edit").text
    bad = client.post_form(f"{base}/edit?lang=en", {"posted_on": "2026-11-03", "body": ""})
    assert bad.status_code == 422 and "This field is required." in bad.text
    ok = client.post_form(f"{base}/edit", {"posted_on": "2026-11-03", "body": "We *met* twice."})
    assert ok.status_code == 302 and ok.location.endswith(f"/events/{event.id}#updates")
    stored = fetch(app, ProgressUpdate, id=update_id)
    assert stored.posted_on == date(2026, 11, 3) and "<em>met</em>" in stored.body_html
    confirm = client.get(f"{base}/delete?lang=en").text
    assert "Do you really want to delete the progress update of 3 November 2026?" in confirm
    assert client.post_form(f"{base}/delete").status_code == 302
    assert fetch(app, ProgressUpdate, id=update_id) is None


def _bishkek_today():
    from hrdebate.timeutil import LOCAL_TZ
    return utcnow().astimezone(LOCAL_TZ).date()


def test_an_update_dated_in_the_future_is_refused(app, client, auth, project):
    event, _milestone_id, update_id = project
    auth.login("organiser")
    tomorrow = (_bishkek_today() + timedelta(days=1)).isoformat()
    for url, data in ((f"/events/{event.id}/updates", {"update-posted_on": tomorrow,
                                                       "update-body": "Soon."}),
                      (f"/events/{event.id}/updates/{update_id}/edit",
                       {"posted_on": tomorrow, "body": "Soon."})):
        refused = client.post_form(url + "?lang=en", data)
        assert refused.status_code == 422
        assert "A progress update cannot be dated in the future." in refused.text
        assert 'aria-invalid="true"' in refused.text
    assert fetch(app, ProgressUpdate, id=update_id).body == "We met."
    today = _bishkek_today().isoformat()
    assert client.post_form(f"/events/{event.id}/updates", {
        "update-posted_on": today, "update-body": "Today."}).status_code == 302


def test_today_is_bishkeks_today(app, club, make_event):
    """At 23:30 UTC it is already tomorrow in Bishkek (UTC+6): that day is allowed."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
    assert posted_on_refusal(date(2026, 12, 1), late) is None
    assert posted_on_refusal(date(2026, 12, 2), late) == "future_update"
    assert posted_on_refusal(date(2026, 11, 30), late) is None
    event = make_event(club, kind="civic_project")
    with app.app_context():
        author = db.session.scalar(db.select(User).where(User.username == "organiser"))
        with frozen_clock(late):
            add_progress_update(db.session.get(Event, event.id), author, date(2026, 12, 1), "x")
            with pytest.raises(RuleError, match="future_update"):
                add_progress_update(db.session.get(Event, event.id), author, date(2026, 12, 2),
                                    "x")


def test_edit_pages_and_answers_work_for_htmx_too(client, auth, project):
    """A boosted link or form gets the whole page; a bad form comes back 422."""
    event, milestone_id, _update_id = project
    auth.login("organiser")
    url = f"/events/{event.id}/milestones/{milestone_id}/edit"
    boosted = client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert boosted.status_code == 200 and "<html" in boosted.text
    bad = client.post_form(url, {"title": ""}, headers={"HX-Request": "true",
                                                        "HX-Boosted": "true"})
    assert bad.status_code == 422


# -- a debate's teams --------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "shown", "hidden"), [
    ({}, [], ["Proposition", "Opposition"]),
    ({"proposition_speakers": "  \n  "}, [], ["Proposition", "Opposition"]),
    ({"proposition_team": "AUCA"}, ["Proposition: AUCA"], ["Opposition"]),
    ({"opposition_speakers": "Aida\nBakyt"}, ["Opposition", "<li>Aida</li>"], ["Proposition"]),
    ({"proposition_team": "AUCA", "opposition_team": "KNU"},
     ["Proposition: AUCA", "Opposition: KNU"], []),
])
def test_the_teams_only_when_there_is_something_to_show(client, club, make_event, fields,
                                                        shown, hidden):
    debate = make_event(club, **fields)
    page = client.get(f"/events/{debate.id}?lang=en").text
    for text in shown:
        assert text in page
    for text in hidden:
        assert f"<h3>{text}" not in page
    assert ('class="teams"' in page) == bool(shown)
