"""The outbox against a real SMTP server (aiosmtpd, tests/smtp.py): what
arrives, once; the server away and back; refusals for good and for now;
giving up; a mail that cannot be composed; a session that breaks; two
deliveries at once. Runs on SQLite and, with HRDEBATE_TEST_DATABASE_URL,
PostgreSQL. The worker in its own process: test_worker.py."""

import threading
from datetime import timedelta

from sqlalchemy import select

from hrdebate.extensions import db
from hrdebate.mail import compose as compose_module
from hrdebate.mail import transport
from hrdebate.models import ClubFollow, MailKind, OutboxMail, utcnow
from hrdebate.notifications.services import notify
from tests.helpers import deliver_mail


def _people(make_user, n, prefix="p"):
    return [make_user(f"{prefix}{i}", email=f"{prefix}{i}@example.org") for i in range(n)]


def _notify(app, users, event, kind="event_cancelled"):
    with app.test_request_context():
        notify([u.id for u in users], kind, event_id=event.id)
        db.session.commit()


def fetch_user(app, username):
    from hrdebate.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _outbox(app):
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        db.session.expunge_all()
        return rows


def test_a_notification_arrives_once_as_text_and_html(app, smtp_server, make_user, make_club,
                                                       make_event):
    aida = make_user("aida", email="aida@example.org", locale="ru")
    event = make_event(make_club(), title="Права ребёнка")
    _notify(app, [aida], event)
    assert smtp_server.messages == []  # written, not sent: the worker sends
    assert deliver_mail(app) == {"sent": 1}
    assert deliver_mail(app) == {}  # nothing twice
    [received] = smtp_server.messages
    message = received.message
    assert received.rcpt_tos == ("aida@example.org",)
    assert message["To"] == "aida@example.org"
    assert message["From"] == app.config["MAIL_FROM"]
    assert "Права ребёнка" in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_payload()
    assert text.get_content_type() == "text/plain" and "Права ребёнка" in text.get_content()
    assert html.get_content_type() == "text/html" and "<a href=\"https://hrdebate.test/" \
        in html.get_content()
    assert message["List-Unsubscribe"].startswith("<https://hrdebate.test/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [row] = _outbox(app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    with app.test_request_context():
        row = db.session.get(OutboxMail, row.id)
        assert message["Message-ID"] == compose_module.message_id(row)


def test_a_long_subject_in_uzbek_keeps_its_spaces(app, smtp_server, make_user, make_club,
                                                  make_event):
    """Python's folding of encoded words drops the space at a fold (every
    mail program would read "huquqlariva"): the transport folds subjects
    so that they read as written, in lines of at most 78 characters."""
    title = "Bolalar huquqlari va taʼlim: oʻzbek tilida uzun sarlavha, Права ребёнка"
    make_user("dilnoza", email="dilnoza@example.org", locale="uz")
    event = make_event(make_club(), title=title)
    _notify(app, [fetch_user(app, "dilnoza")], event)
    deliver_mail(app)
    [received] = smtp_server.messages
    assert title in received.message["Subject"]
    head = received.raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


def test_publishing_writes_rows_and_sends_nothing(app, client, auth, smtp_server, make_user,
                                                  make_club, make_event):
    """The request that publishes only writes the outbox; the worker sends."""
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    followers = _people(make_user, 3)
    quiet = make_user("quiet")  # follows, gave no address: no mail
    with app.app_context():
        db.session.add_all([ClubFollow(user_id=u.id, club_id=club.id) for u in [*followers, quiet]])
        db.session.commit()
    event = make_event(club, status="draft", title="Debate night")
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/publish").status_code == 302
    assert smtp_server.messages == []
    assert [r.status for r in _outbox(app)] == ["pending"] * 3
    assert deliver_mail(app)["sent"] == 3
    assert smtp_server.recipients() == sorted(f"{u.username}@example.org" for u in followers)
    assert all("Debate night" in m.message["Subject"] for m in smtp_server.messages)


def test_server_away_then_back_everything_arrives_once(app, smtp_server, make_user, make_club,
                                                       make_event):
    app.config.update(MAIL_RETRY_SECONDS=60, MAIL_RETRY_MAX_SECONDS=300)
    people = _people(make_user, 5)
    event = make_event(make_club())
    smtp_server.stop()
    _notify(app, people, event)
    now = utcnow()
    waits = []
    for _ in range(5):  # five failed attempts, each when the last one said
        report = deliver_mail(app, now=now)
        assert report["unreachable"] == 5 and not report["sent"]
        rows = _outbox(app)
        assert {r.status for r in rows} == {"pending"}
        assert all("Connection refused" in r.last_error or "unreachable" in r.last_error
                   for r in rows)
        assert len({r.next_attempt_at for r in rows}) == 1
        waits.append(rows[0].next_attempt_at - now)
        assert deliver_mail(app, now=now + waits[-1] - timedelta(seconds=1)) == {}  # not yet
        now += waits[-1]
    # Exponential, capped: 60, 120, 240, then 300 s.
    assert waits == [timedelta(seconds=s) for s in (60, 120, 240, 300, 300)]
    assert smtp_server.messages == []

    smtp_server.start()
    assert deliver_mail(app, now=now)["sent"] == 5
    assert deliver_mail(app, now=now + timedelta(days=1)) == {}
    assert smtp_server.recipients() == sorted(f"p{i}@example.org" for i in range(5))
    assert {(r.status, r.last_error) for r in _outbox(app)} == {("sent", None)}


def test_451_is_tried_again_550_fails_at_once(app, smtp_server, make_user, make_club, make_event):
    gone, busy, fine = _people(make_user, 3)
    smtp_server.answer("p0@example.org", "550 5.1.1 No such user")
    smtp_server.answer("p1@example.org", "451 4.3.0 Mailbox busy, try later")
    _notify(app, [gone, busy, fine], make_event(make_club()))
    now = utcnow()
    assert deliver_mail(app, now=now) == {"failed": 1, "retried": 1, "sent": 1}
    rows = {r.user_id: r for r in _outbox(app)}
    assert rows[gone.id].status == "failed" and "550" in rows[gone.id].last_error
    assert rows[busy.id].status == "pending" and "451" in rows[busy.id].last_error
    assert rows[busy.id].next_attempt_at == now + timedelta(seconds=app.config["MAIL_RETRY_SECONDS"])
    assert smtp_server.recipients() == ["p2@example.org"]

    smtp_server.normal()
    assert deliver_mail(app, now=now + timedelta(hours=2)) == {"sent": 1}
    assert smtp_server.recipients() == ["p1@example.org", "p2@example.org"]  # never p0
    assert _outbox(app)[0].status == "failed"


def test_a_421_answer_closes_the_session_and_the_next_mail_opens_another(
        app, smtp_server, make_user, make_club, make_event):
    people = _people(make_user, 2)
    _notify(app, people, make_event(make_club()))
    smtp_server.answer_data("421 4.3.2 Shutting down")
    now = utcnow()
    assert deliver_mail(app, now=now) == {"retried": 2}
    smtp_server.answer_data(None)
    assert deliver_mail(app, now=now + timedelta(hours=1)) == {"sent": 2}


def test_a_refused_sender_fails_nobody_s_mail(app, smtp_server, make_user, make_club,
                                              make_event):
    """The relay refuses MAIL_FROM (a setting to fix, the same for every
    mail): the mail waits, nothing is marked failed."""
    _notify(app, _people(make_user, 3), make_event(make_club()))
    smtp_server.answer_mail("550 5.7.1 Sender not allowed")
    now = utcnow()
    assert deliver_mail(app, now=now) == {"unreachable": 3}
    assert {(r.status, "550" in r.last_error) for r in _outbox(app)} == {("pending", True)}
    smtp_server.normal()
    assert deliver_mail(app, now=now + timedelta(hours=1)) == {"sent": 3}


def test_given_up_after_mail_give_up_hours(app, smtp_server, make_user, make_club, make_event):
    app.config["MAIL_GIVE_UP_HOURS"] = 48
    [person] = _people(make_user, 1)
    smtp_server.stop()
    _notify(app, [person], make_event(make_club()))
    written = _outbox(app)[0].created_at
    deliver_mail(app, now=written + timedelta(hours=47))
    assert _outbox(app)[0].status == "pending"
    deliver_mail(app, now=written + timedelta(hours=48, minutes=1))
    [row] = _outbox(app)
    assert row.status == "failed" and "refused" in row.last_error.lower()
    smtp_server.start()
    assert deliver_mail(app, now=written + timedelta(hours=60)) == {}
    assert smtp_server.messages == []


def test_a_mail_that_cannot_be_composed_fails_alone(app, smtp_server, make_user, make_club,
                                                    make_event, monkeypatch):
    people = _people(make_user, 3)
    _notify(app, people, make_event(make_club()))
    real = compose_module.CONTEXTS[MailKind.NOTIFICATION.value]

    def broken_for_p1(mail):
        if mail.user.username == "p1":
            raise KeyError("a template's missing value")
        return real(mail)

    monkeypatch.setitem(compose_module.CONTEXTS, MailKind.NOTIFICATION.value, broken_for_p1)
    assert deliver_mail(app) == {"sent": 2, "failed": 1}
    rows = {r.user_id: r for r in _outbox(app)}
    assert rows[people[1].id].status == "failed"
    assert rows[people[1].id].last_error.startswith("compose: KeyError")
    assert smtp_server.recipients() == ["p0@example.org", "p2@example.org"]
    assert deliver_mail(app, now=utcnow() + timedelta(days=1)) == {}


def test_a_session_lost_mid_batch_goes_on_on_a_new_one(app, smtp_server, make_user, make_club,
                                                       make_event, monkeypatch):
    """The connection breaks after the server took the third message and
    before it said so: the worker opens a new session, sends that message
    again (one copy more, the same Message-ID: the guarantee) and goes on
    with the batch; nothing waits for a retry."""
    _notify(app, _people(make_user, 5), make_event(make_club()))
    smtp_server.slow(0.01)
    sent = []
    real = transport.Connection._send

    def send_and_cut_at_third(connection, message):
        sent.append(message["To"])
        if len(sent) == 3:
            smtp_server.cut()
        return real(connection, message)

    monkeypatch.setattr(transport.Connection, "_send", send_and_cut_at_third)
    assert deliver_mail(app) == {"sent": 5}
    assert smtp_server.recipients() == sorted(
        ["p0@example.org", "p1@example.org", "p2@example.org", "p2@example.org",
         "p3@example.org", "p4@example.org"])
    first, again = smtp_server.to("p2@example.org")
    assert first.message_id == again.message_id
    assert {(r.status, r.attempts) for r in _outbox(app)} == {("sent", 1)}


def test_a_slow_server_never_outlasts_the_claim(app, smtp_server, make_user, make_club,
                                                make_event):
    """Sends start only in the first half of the claim: with a server this
    slow, the rest of a batch is given back and claimed afresh, so that no
    mail is sent after its claim ran out (when another run could take it)."""
    app.config.update(MAIL_CLAIM_SECONDS=1, MAIL_BATCH=5)
    _notify(app, _people(make_user, 8), make_event(make_club()))
    smtp_server.slow(0.3)
    report = deliver_mail(app)
    assert report["sent"] == 8 and report["released"] >= 1, report
    assert smtp_server.recipients() == sorted(f"p{i}@example.org" for i in range(8))
    rows = _outbox(app)
    assert {r.status for r in rows} == {"sent"} and max(r.attempts for r in rows) >= 2


def test_a_session_that_breaks_is_opened_again(app, smtp_server, make_user, make_club, make_event):
    """The server restarts between two messages of one run: the second
    goes on a new session, not back to the queue."""
    people = _people(make_user, 2)
    _notify(app, people, make_event(make_club()))
    with app.test_request_context():
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        messages = [compose_module.compose(row) for row in rows]
        with transport.Connection() as connection:
            connection.send(messages[0])
            smtp_server.stop()
            smtp_server.start()
            connection.send(messages[1])
            smtp_server.stop()  # and away for good: the fresh session fails too
            try:
                connection.send(messages[1])
            except transport.Unreachable as error:
                assert "refused" in str(error).lower()
            else:
                raise AssertionError("sent to a server that is away")
    assert smtp_server.recipients() == ["p0@example.org", "p1@example.org"]


def test_a_claim_takes_one_batch(app, smtp_server, make_user, make_club, make_event):
    """On PostgreSQL a LIMIT ... SKIP LOCKED subquery evaluated again per row
    once claimed every due mail: one run held them all, under one claim."""
    from hrdebate.mail import outbox

    _notify(app, _people(make_user, 10), make_event(make_club()))
    with app.app_context():
        first = outbox._claim(utcnow(), 3)
        second = outbox._claim(utcnow(), 3)
    assert len(first) == len(second) == 3 and not set(first) & set(second)
    assert set(first.values()) == {1}  # each one's first attempt
    assert sorted(r.attempts for r in _outbox(app)) == [0] * 4 + [1] * 6


def test_two_runs_at_once_never_send_a_mail_twice(app, smtp_server, make_user, make_club,
                                                  make_event):
    app.config["MAIL_BATCH"] = 5
    people = _people(make_user, 40)
    _notify(app, people, make_event(make_club()))
    smtp_server.slow(0.005)
    start = threading.Barrier(3)
    reports = []

    def run():
        start.wait()
        reports.append(deliver_mail(app))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(reports) == 3 and sum(r["sent"] for r in reports) == 40, reports
    assert sum(1 for r in reports if r["sent"]) >= 2  # they did run side by side
    assert smtp_server.recipients() == sorted(f"p{i}@example.org" for i in range(40))
    assert len({m.message_id for m in smtp_server.messages}) == 40
    assert {r.attempts for r in _outbox(app)} == {1}


def test_run_due_says_what_ran(app, smtp_server, runner, make_user, make_club, make_event):
    _notify(app, _people(make_user, 2), make_event(make_club()))
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "deliver: {'sent': 2}" in result.output
    assert len(smtp_server.messages) == 2


def test_a_request_succeeds_when_the_queue_is_away(app, client, auth, smtp_server, make_user,
                                                   make_club, make_event, caplog):
    """Redis down when the request nudges the worker: the page answers, the
    mail waits in the outbox, and the worker's tick delivers it."""
    from hrdebate import jobs

    app.config["JOBS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    jobs.init_app(app)
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    [follower] = _people(make_user, 1)
    with app.app_context():
        db.session.add(ClubFollow(user_id=follower.id, club_id=club.id))
        db.session.commit()
    event = make_event(club, status="draft")
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/publish").status_code == 302
    assert "could not wake the worker" in caplog.text
    assert [r.status for r in _outbox(app)] == ["pending"]
    with app.app_context():
        assert jobs.run_due()["deliver"] == {"sent": 1}
    assert smtp_server.recipients() == ["p0@example.org"]
