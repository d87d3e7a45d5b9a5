"""The one notification mechanism: the centre, and optional email."""


import pytest

from hrdebate.extensions import db
from hrdebate.models import Notification, User
from hrdebate.moderation.forms import reason_label
from hrdebate.notifications.services import notify
from tests.helpers import deliver_mail, fetch

pytestmark = pytest.mark.usefixtures("english")


def test_every_kind_reads_as_a_sentence(app, client, auth, make_user, make_club, make_event):
    from hrdebate.models.notification import NotificationKind

    user = make_user("aida")
    event = make_event(make_club(), title="Votes at 16")
    with app.app_context():
        for kind in NotificationKind:
            notify([user.id], kind, event_id=event.id, detail="respect: rude words")
        db.session.commit()
    auth.login("aida")
    page = client.get("/notifications/").text
    assert "Something changed." not in page
    assert page.count("Votes at 16") >= 10
    assert reason_label("respect: rude words") in page


def test_reason_labels():
    assert reason_label("respect") and reason_label("respect") != "respect"
    assert reason_label("topic: about football").endswith(": about football")
    assert reason_label("my own words") == "my own words"
    assert reason_label(None) == ""


def test_email_goes_to_the_console_when_asked(app, make_user, make_club, make_event, capsys):
    app.config["MAIL_CONSOLE"] = True
    with_mail = make_user("aida", email="aida@example.org", locale="ru")
    without = make_user("bek")
    event = make_event(make_club(), title="Права ребёнка")
    with app.test_request_context():
        notify([with_mail.id, without.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    assert "--- email ---" not in capsys.readouterr().err  # the worker sends it
    deliver_mail(app)
    err = capsys.readouterr().err
    assert "To: aida@example.org" in err and "Права ребёнка" in err
    assert err.count("--- email ---") == 1  # bek gave no address
    assert "<a " not in err  # the console shows the text part


def test_email_is_in_the_language_chosen_with_the_switcher(app, client, auth, make_user,
                                                           make_club, make_event, capsys):
    """The mail follows the account's stored language, whatever the
    language of the request that caused it."""
    app.config["MAIL_CONSOLE"] = True
    make_user("dilnoza", email="dilnoza@example.org", locale="ru")
    auth.login("dilnoza")
    client.post_form("/language/uz", {"next": "/"})
    dilnoza = fetch(app, User, username="dilnoza")
    event = make_event(make_club(), title="Bolalar huquqlari")
    with app.test_request_context("/?lang=en"):
        notify([dilnoza.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(app)
    err = capsys.readouterr().err
    assert "Bolalar huquqlari</a> tadbiri bekor qilindi." not in err  # no markup in mail
    assert "Bolalar huquqlari tadbiri bekor qilindi." in err
    assert "has been cancelled" not in err


def test_no_email_unless_configured(app, make_user, make_club, make_event, capsys):
    user = make_user("aida", email="aida@example.org")
    event = make_event(make_club())
    with app.test_request_context():
        notify([user.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(app)
    assert "--- email ---" not in capsys.readouterr().err
    assert fetch(app, Notification, user_id=user.id) is not None
