"""The organiser's new event actions sent ten times at once through a real
multi-worker server (tests/test_double_submit.py explains the harness):
done once, every answer the first one's."""

import pytest

from hrdebate.extensions import db
from hrdebate.models import Event, Notification
from tests.server import server  # noqa: F401  (server is a fixture)
from tests.test_double_submit import count, fire, signed_in


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user("owner"), slug="ordo")


def test_delete_a_draft(app, server, club, make_event):
    draft = make_event(club, status="draft")
    browser = signed_in(server, "owner", f"/events/{draft.id}/delete")
    answers = fire(browser, f"/events/{draft.id}/delete?club=ordo", {}, headers={})
    assert answers[0].location.endswith("/clubs/ordo")
    assert count(app, Event, Event.id == draft.id) == 0


def test_duplicate(app, server, club, make_event):
    event = make_event(club, title="Weekly debate")
    browser = signed_in(server, "owner", f"/events/{event.id}")
    answers = fire(browser, f"/events/{event.id}/duplicate", {}, headers={})
    assert count(app, Event, Event.title == "Weekly debate") == 2
    with app.app_context():
        copy_id = db.session.scalar(db.select(Event.id).where(Event.id != event.id))
    assert answers[0].location.endswith(f"/events/{copy_id}/edit")


def test_message(app, server, club, make_event, make_user, rows):
    event = make_event(club)
    for name in ("aida", "bek"):
        rows.registration(event, make_user(name))
    browser = signed_in(server, "owner", f"/events/{event.id}/message")
    fire(browser, f"/events/{event.id}/message",
         {"subject": "Room change", "body": "Room 301", "audience": "all"}, headers={})
    assert count(app, Notification, Notification.kind == "organiser_message") == 2


def test_reschedule_told_once(app, server, club, make_event, make_user, rows):
    event = make_event(club, venue="Hall A")
    rows.registration(event, make_user("aida"))
    browser = signed_in(server, "owner", f"/events/{event.id}/edit")
    fire(browser, f"/events/{event.id}/edit", {
        "kind": "debate", "title": event.title, "summary": event.summary,
        "starts_at": "2031-03-02T19:30", "ends_at": "2031-03-02T21:00", "venue": "Hall B",
        "region": event.region, "online_url": "", "language": "ru", "capacity": "",
        "motion": event.motion, "debate_format": "oxford"}, headers={})
    assert count(app, Notification, Notification.kind == "event_changed") == 1
