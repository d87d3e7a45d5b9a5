"""/admin/mail: admins see what waits, what was sent today and what failed,
give a failed mail another attempt, and see when the periodic jobs ran."""

import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hrdebate.extensions import db
from hrdebate.models import JobRun, OutboxMail, OutboxStatus, utcnow
from hrdebate.notifications.services import notify
from tests.helpers import deliver_mail, page_text

pytestmark = pytest.mark.usefixtures("english")


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def world(app, make_user, make_club, make_event):
    admin = make_user("adil", display_name="Adil Admin", site_role="admin")
    aida = make_user("aida", display_name="Aida Reader", email="aida@example.org", locale="en")
    event = make_event(make_club(), title="Votes at 16")
    return admin, aida, event


def _notify(app, user_id, kind, event_id):
    with app.test_request_context():
        notify([user_id], kind, event_id=event_id)
        db.session.commit()


def _status(app, mail_id):
    with app.app_context():
        return db.session.get(OutboxMail, mail_id).status


def _fail_one(app, aida, event):
    """A mail the SMTP server could not take until the outbox gave up."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_USE_TLS=False,
                      MAIL_GIVE_UP_HOURS=0)
    _notify(app, aida.id, "event_cancelled", event.id)
    report = deliver_mail(app)
    assert report["unreachable"] == 1
    with app.app_context():
        mail = db.session.scalars(select(OutboxMail)).one()
        assert mail.status == OutboxStatus.FAILED
        return mail.id


def test_only_admins_see_the_mail_page(app, client, auth, make_user, make_club):
    make_user("tima")
    make_user("mod", site_role="moderator")
    club_mod = make_user("clubmod")
    make_club(moderators=[club_mod])
    assert client.get("/admin/mail").status_code == 302  # to log in
    assert client.post_form("/admin/mail/retry", {"mail": "1"}).status_code == 302
    for name in ("tima", "mod", "clubmod"):
        auth.login(name)
        assert client.get("/admin/mail").status_code == 403, name
        assert client.post_form("/admin/mail/retry", {"mail": "1"}).status_code == 403, name
        auth.logout()


def test_the_page_shows_a_failure_and_retry_sends_it(app, client, auth, world, capsys):
    admin, aida, event = world
    mail_id = _fail_one(app, aida, event)
    auth.login("adil")
    index = client.get("/admin/").text
    assert 'href="/admin/mail"' in index
    page = client.get("/admin/mail")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "1 mail failed." in text and "0 mails wait to be sent." in text
    row = re.search(rf'<tr id="mail-{mail_id}">.*?</tr>', page.text, re.S).group(0)
    assert "Aida Reader" in row and "aida@example.org" not in row
    assert "Notification: An event you registered for is cancelled" in page_text(row)
    assert "ConnectionRefusedError" in row and ">1<" in row  # one attempt
    assert "Retry" in row

    response = client.post_form("/admin/mail/retry", {"mail": mail_id})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/mail")
    assert _status(app, mail_id) == OutboxStatus.PENDING
    again = client.post_form("/admin/mail/retry", {"mail": mail_id}, follow_redirects=True)
    assert "is not failed" in again.text  # a double click: nothing more
    assert client.post_form("/admin/mail/retry", {"mail": 999999}).status_code == 404
    for junk in ("", "abc", "-1", "9" * 30):
        assert client.post_form("/admin/mail/retry", {"mail": junk}).status_code == 400, junk

    # The cause fixed (here: the console instead of the dead server), it leaves.
    app.config.update(MAIL_SERVER=None, MAIL_CONSOLE=True)
    capsys.readouterr()
    assert deliver_mail(app)["sent"] == 1
    assert "To: aida@example.org" in capsys.readouterr().err
    assert _status(app, mail_id) == OutboxStatus.SENT
    text = page_text(client.get("/admin/mail").text)
    assert "1 mail sent today." in text and "No failed mail." in text


def test_retry_needs_csrf(app, client, auth, world):
    admin, aida, event = world
    mail_id = _fail_one(app, aida, event)
    auth.login("adil")
    assert client.post("/admin/mail/retry", data={"mail": mail_id}).status_code == 400
    assert _status(app, mail_id) == OutboxStatus.FAILED


def test_long_pending_mail_and_job_runs_are_shown(app, client, auth, world):
    admin, aida, event = world
    app.config["MAIL_CONSOLE"] = True
    _notify(app, aida.id, "event_changed", event.id)
    _notify(app, aida.id, "reply", event.id)
    with app.app_context():
        old, new = db.session.scalars(select(OutboxMail.id).order_by(OutboxMail.id)).all()
        db.session.execute(update(OutboxMail).where(OutboxMail.id == old).values(
            created_at=utcnow() - timedelta(hours=2), attempts=3, last_error="SMTP 451 later"))
        db.session.add(JobRun(name="daily_test", last_run_at=utcnow()))
        db.session.commit()
    auth.login("adil")
    page = client.get("/admin/mail").text
    text = page_text(page)
    assert "2 mails wait to be sent." in text
    assert "1 of them has waited for more than 15 minutes." in text
    late = page[page.index('id="late-title"'):page.index('id="jobs-title"')]
    assert f'id="mail-{old}"' in late and f'id="mail-{new}"' not in late
    assert "SMTP 451 later" in late and "Retry" not in late
    jobs = page[page.index('id="jobs-title"'):]
    assert "deliver" in jobs and "Every minute" in jobs


def test_the_mail_page_is_valid_html(app, client, auth, world, tmp_path):
    from tests.test_html import _errors, _java

    java = _java()
    admin, aida, event = world
    _fail_one(app, aida, event)
    auth.login("adil")
    (tmp_path / "mail.html").write_text(client.get("/admin/mail").text, "utf-8")
    assert _errors(java, tmp_path) == []
