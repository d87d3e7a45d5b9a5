"""The attack: an organiser edits a published event's venue 20 times with a
spam text, and every registered and waitlisted person got 20 notices (and
20 mails). Change notices are coalesced (one unread EVENT_CHANGED notice per
person and event, updated in place), and edits of published events are
rate-limited per account (RATELIMIT_EVENT_EDIT). Each change is still
mailed, and an undone change is told (second attack round: a mail sent for
"Hall B" must not stand when the venue becomes "Hall C" or goes back)."""

import json

import pytest

from hrdebate.extensions import db
from hrdebate.models import Event, Notification
from hrdebate.models.notification import merge_changes
from tests.helpers import deliver_mail
from tests.test_events_lifecycle import edit_data, mails

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def crowd(make_user, make_club, make_event, make_registration):
    organiser = make_user("organiser")
    club = make_club(owner=organiser, slug="auca", region="bishkek", verified=True)
    event = make_event(club, venue="AUCA, room 301")
    registered = make_user("citizen", email="citizen@example.org")
    waiting = make_user("waiting", email="waiting@example.org")
    make_registration(event, registered)
    make_registration(event, waiting, status="waitlisted")
    return {"club": club, "event": event, "registered": registered, "waiting": waiting}


def changed(app, user):
    with app.app_context():
        return db.session.scalars(
            db.select(Notification).filter_by(user_id=user.id, kind="event_changed")
            .order_by(Notification.id)).all()


def edit(app, client, event_id, **fields):
    with app.app_context():
        event = db.session.get(Event, event_id)
        data = edit_data(event, **fields)
    answer = client.post_form(f"/events/{event_id}/edit", data)
    assert answer.status_code == 302, answer.text
    answer.close()


def test_twenty_spam_edits_leave_one_notice(app, client, auth, crowd, capsys):
    app.config["MAIL_CONSOLE"] = True
    auth.login("organiser")
    capsys.readouterr()
    for n in range(20):
        assert client.get(f"/events/{crowd['event'].id}/edit").status_code == 200
        edit(app, client, crowd["event"].id, venue=f"BUY CHEAP PILLS #{n}")
    for person in (crowd["registered"], crowd["waiting"]):
        [notice] = changed(app, person)
        assert notice.read_at is None
        assert json.loads(notice.detail) == {"venue": ["AUCA, room 301", "BUY CHEAP PILLS #19"]}
    # A notice changed again before its mail left is mailed once, as it is
    # when the mail leaves: where the event is now.
    sent = mails(app, capsys)
    assert sorted(m["To"] for m in sent) == ["citizen@example.org", "waiting@example.org"]
    assert all("AUCA, room 301 → BUY CHEAP PILLS #19" in m.get_content() for m in sent)
    auth.logout()
    auth.login("waiting")
    centre = client.get("/notifications/").text
    assert centre.count("has changed its time or place") == 1
    assert "AUCA, room 301 → BUY CHEAP PILLS #19" in centre


def test_a_read_notice_is_followed_by_a_new_one(app, client, auth, crowd, capsys):
    app.config["MAIL_CONSOLE"] = True
    auth.login("organiser")
    edit(app, client, crowd["event"].id, venue="KNU, hall 2")
    auth.logout()
    auth.login("citizen")
    client.post_form("/notifications/read").close()  # "Mark all as read"
    auth.logout()
    auth.login("organiser")
    deliver_mail(app)
    capsys.readouterr()
    edit(app, client, crowd["event"].id, venue="KNU, hall 3")
    first, second = changed(app, crowd["registered"])
    assert first.read_at is not None
    assert json.loads(first.detail) == {"venue": ["AUCA, room 301", "KNU, hall 2"]}
    assert second.read_at is None
    assert json.loads(second.detail) == {"venue": ["KNU, hall 2", "KNU, hall 3"]}
    # The waitlisted person had not read theirs: updated in place, and mailed
    # again (the mail they had said hall 2).
    [unread] = changed(app, crowd["waiting"])
    assert json.loads(unread.detail) == {"venue": ["AUCA, room 301", "KNU, hall 3"]}
    assert sorted(m["To"] for m in mails(app, capsys)) == ["citizen@example.org",
                                                      "waiting@example.org"]


def test_a_change_undone_is_told(app, client, auth, crowd, capsys):
    app.config["MAIL_CONSOLE"] = True
    auth.login("organiser")
    edit(app, client, crowd["event"].id, venue="KNU, hall 2")
    deliver_mail(app)
    capsys.readouterr()
    saved = client.post_form(f"/events/{crowd['event'].id}/edit",
                             edit_data(crowd["event"], venue="AUCA, room 301"),
                             follow_redirects=True)
    assert "2 people registered or waiting are told" in saved.text
    for person in (crowd["registered"], crowd["waiting"]):
        [notice] = changed(app, person)
        assert json.loads(notice.detail) == {"venue": ["KNU, hall 2", "AUCA, room 301"]}
    assert all("KNU, hall 2 → AUCA, room 301" in m.get_content() for m in mails(app, capsys))


def test_fields_keep_their_first_old_and_last_new(app, client, auth, crowd):
    auth.login("organiser")
    edit(app, client, crowd["event"].id, venue="KNU, hall 2")
    edit(app, client, crowd["event"].id, online_url="https://meet.example.org/a")
    edit(app, client, crowd["event"].id, venue="AUCA, room 301")  # the venue back
    [notice] = changed(app, crowd["registered"])
    assert json.loads(notice.detail) == {"online": [False, True],
                                         "venue": ["KNU, hall 2", "AUCA, room 301"]}


def test_drafts_tell_nobody(app, client, auth, crowd, make_event, make_registration):
    draft = make_event(crowd["club"], status="draft", venue="Somewhere")
    make_registration(draft, crowd["registered"])
    auth.login("organiser")
    for n in range(3):
        edit(app, client, draft.id, venue=f"Elsewhere {n}")
    assert changed(app, crowd["registered"]) == []


def test_merge_rule():
    assert merge_changes({"venue": ["A", "B"]}, {"venue": ["B", "C"]}) == {"venue": ["A", "C"]}
    assert merge_changes({"venue": ["A", "B"]}, {"venue": ["B", "A"]}) == {"venue": ["B", "A"]}
    assert merge_changes({"online_link": [True, True]},
                         {"venue": ["A", "B"]}) == {"venue": ["A", "B"], "online_link": [True, True]}
    assert merge_changes({"online": [True, False]}, {"online": [False, True]}) == {
        "online": [False, True]}  # told it went offline, now told it is back
    assert merge_changes({"online": [False, True]}, {"online": [True, False]}) == {
        "online": [True, False]}
    assert merge_changes({"online": [False, True]}, {"online_link": [True, True]}) == {
        "online": [False, True]}


def test_edits_of_published_events_are_rate_limited(tmp_path):
    import uuid

    from tests.conftest import AuthActions, _empty_database, _prepare_schema, make_test_app
    from tests.factories import Rows

    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                        RATELIMIT_EVENT_EDIT="2 per minute")
    _prepare_schema(app)
    try:
        rows = Rows(app)
        organiser = rows.user("boss")
        club = rows.club(owner=organiser, slug="club")
        event = rows.event(club, venue="Hall")
        draft = rows.event(club, status="draft", venue="Hall")
        rows.registration(event, rows.user("fan"))
        client = app.test_client()
        AuthActions(client).login("boss")
        with app.app_context():
            data = edit_data(db.session.get(Event, event.id))
            draft_data = edit_data(db.session.get(Event, draft.id))
        for n in range(2):
            answer = client.post_form(f"/events/{event.id}/edit?lang=en",
                                      dict(data, venue=f"Hall {n}"))
            assert answer.status_code == 302
        limited = client.post_form(f"/events/{event.id}/edit?lang=ru",
                                   dict(data, venue="Kept venue text"))
        assert limited.status_code == 429
        assert "Вы отправляете слишком часто" in limited.text
        assert "Kept venue text" in limited.text  # the form as it was sent
        with app.app_context():
            assert db.session.get(Event, event.id).venue == "Hall 1"
        for n in range(4):  # drafts are not limited
            answer = client.post_form(f"/events/{draft.id}/edit?lang=en",
                                      dict(draft_data, venue=f"Draft hall {n}"))
            assert answer.status_code == 302
        # htmx: the short fragment, translated, no 5xx
        fragment = client.post_form(f"/events/{event.id}/edit?lang=en",
                                    dict(data, venue="x"), headers={"HX-Request": "true"})
        assert fragment.status_code == 429 and "You are sending too quickly" in fragment.text
    finally:
        _empty_database(app)
