"""Reminders before an event (hrdebate/periodic/reminders.py): once per
person and event, whatever the number of runs and however many run at once;
only to seat holders who want them; in their language; the online link only
for those who may see it; dropped when nothing is left to remind of."""

import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from hrdebate import timeutil
from hrdebate.extensions import db
from hrdebate.jobs import run_due
from hrdebate.mail.compose import compose
from hrdebate.models import Event, MailOptOut, OutboxMail, Registration, User, utcnow
from hrdebate.periodic import reminders
from tests.helpers import deliver_mail

pytestmark = pytest.mark.usefixtures("mailing")  # mail on, to the console


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user("owner"), slug="osh-club")


def run(app, now=None):
    with app.app_context():
        done = run_due(now)
        db.session.remove()
        return done


def reminders_of(app, user=None, event=None):
    """(user_id, event_id, status) of the reminder rows, in order."""
    with app.app_context():
        query = select(OutboxMail.user_id, OutboxMail.event_id, OutboxMail.status).where(
            OutboxMail.kind == "reminder").order_by(OutboxMail.id)
        if user is not None:
            query = query.where(OutboxMail.user_id == user.id)
        if event is not None:
            query = query.where(OutboxMail.event_id == event.id)
        rows = [tuple(row) for row in db.session.execute(query)]
        db.session.remove()
        return rows


def composed(app, user):
    """The reminder mail of ``user`` as it would leave now (None: dropped)."""
    with app.app_context():
        mail = db.session.scalars(select(OutboxMail).where(
            OutboxMail.user_id == user.id, OutboxMail.kind == "reminder")).one()
        message = compose(mail)
        db.session.remove()
        return message


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_once_per_person_and_event_however_often_it_runs(app, club, make_user, make_event,
                                                         rows):
    soon = make_event(club, starts_in=timedelta(hours=20))
    later = make_event(club, starts_in=timedelta(hours=30))
    aida = make_user("aida", email="aida@example.org", locale="en")
    rows.registration(soon, aida)
    rows.registration(later, aida)
    now = utcnow()
    for _ in range(3):
        run(app, now)
    assert reminders_of(app) == [(aida.id, soon.id, "pending")]
    # Seven hours on, the later event is inside its 24 hours: its one reminder.
    for _ in range(2):
        run(app, now + timedelta(hours=7))
    assert [r[:2] for r in reminders_of(app)] == [(aida.id, soon.id), (aida.id, later.id)]


def test_reminder_is_delivered_once_with_what_to_know(app, club, make_user, make_event, rows,
                                                      capsys):
    event = make_event(club, starts_in=timedelta(hours=20), title="Right to protest",
                       venue="Hall 2, AUCA")
    aida = make_user("aida", email="aida@example.org", locale="en")
    rows.registration(event, aida)
    run(app)
    capsys.readouterr()
    assert deliver_mail(app)["sent"] == 1
    run(app)
    assert deliver_mail(app)["sent"] == 0
    err = capsys.readouterr().err
    assert err.count("--- email ---") == 1
    mail = message_from_bytes(err.split("--- email ---\n", 1)[1].encode(), policy=default_policy)
    assert mail["To"] == "aida@example.org"
    assert mail["Subject"] == "Reminder: Right to protest"
    assert mail["List-Unsubscribe"]  # reminders may be refused
    text = mail.get_content()
    with app.test_request_context(), force_locale("en"):
        when = timeutil.day_time(event.starts_at, weekday=True)
    assert f"which starts on {when} (Bishkek time)" in text
    assert "Venue: Hall 2, AUCA" in text
    assert f"https://hrdebate.test/events/{event.id}" in text
    assert "give up your seat" in text
    assert "Join online" not in text  # not an online event


def test_registering_inside_the_window_gets_one_at_the_next_run(app, club, make_user,
                                                                make_event, rows):
    event = make_event(club, starts_in=timedelta(hours=3))
    first = make_user("first", email="first@example.org")
    rows.registration(event, first)
    run(app)
    late = make_user("late", email="late@example.org")
    rows.registration(event, late)  # three hours before: after this tick
    run(app)
    run(app)
    assert [r[0] for r in reminders_of(app)] == [first.id, late.id]


def test_waitlist_gets_none_until_promoted(app, club, make_user, make_event, rows):
    from hrdebate.participation.services import unregister

    event = make_event(club, starts_in=timedelta(hours=10), capacity=1)
    seated = make_user("seated", email="seated@example.org")
    waiting = make_user("waiting", email="waiting@example.org")
    rows.registration(event, seated)
    rows.registration(event, waiting, status="waitlisted")
    run(app)
    assert reminders_of(app, waiting) == []
    with app.test_request_context():
        promoted = unregister(db.session.get(Event, event.id), db.session.get(User, seated.id))
        assert promoted.user_id == waiting.id
        db.session.commit()
    run(app)
    assert [r[0] for r in reminders_of(app)] == [seated.id, waiting.id]
    # seated gave up the seat: the reminder queued for them is dropped.
    assert composed(app, seated) is None
    assert composed(app, waiting) is not None


def test_no_reminder_for_cancelled_registrations_events_walk_ins_or_refusals(
        app, club, make_user, make_event, rows):
    event = make_event(club, starts_in=timedelta(hours=5))
    cancelled_event = make_event(club, starts_in=timedelta(hours=5), status="cancelled")
    draft = make_event(club, starts_in=timedelta(hours=5), status="draft")
    started = make_event(club, starts_in=timedelta(minutes=-5))
    gone = make_user("gone", email="gone@example.org")
    rows.registration(event, gone, status="cancelled")
    fan = make_user("fan", email="fan@example.org")
    for other in (cancelled_event, draft, started):
        rows.registration(other, fan)
    rows.registration(event, source="walk_in", walk_in_name="Guest", checked_in=True)
    unconfirmed = make_user("unconfirmed", email="u@example.org", email_verified_at=None)
    rows.registration(event, unconfirmed)
    no_address = make_user("noaddress")
    rows.registration(event, no_address)
    refuser = make_user("refuser", email="refuser@example.org")
    rows.registration(event, refuser)
    with app.app_context():
        db.session.add(MailOptOut(user_id=refuser.id, kind="reminder"))
        db.session.commit()
    run(app)
    assert reminders_of(app) == []
    with app.app_context():
        # Those who do not want one are not marked: allowed again before the
        # event, reminders reach them at the next run.
        assert db.session.scalar(select(Registration.reminded_at).where(
            Registration.user_id == refuser.id)) is None
        db.session.execute(MailOptOut.__table__.delete())
        db.session.commit()
    run(app)
    assert reminders_of(app) == [(refuser.id, event.id, "pending")]


def test_a_reminder_waiting_when_the_event_is_cancelled_is_dropped(app, club, make_user,
                                                                   make_event, rows, capsys):
    event = make_event(club, starts_in=timedelta(hours=5))
    aida = make_user("aida", email="aida@example.org")
    rows.registration(event, aida)
    run(app)
    with app.app_context():
        db.session.get(Event, event.id).status = "cancelled"
        db.session.commit()
    capsys.readouterr()
    report = deliver_mail(app)
    assert report["dropped"] == 1 and report["sent"] == 0
    assert reminders_of(app) == [(aida.id, event.id, "dropped")]
    assert "--- email ---" not in capsys.readouterr().err


def test_online_link_only_for_whom_holds_a_seat(app, club, make_user, make_event, rows):
    link = "https://meet.example.org/secret-room"
    online = make_event(club, starts_in=timedelta(hours=5), online_url=link)
    offline = make_event(club, starts_in=timedelta(hours=6))
    seated = make_user("seated", email="seated@example.org", locale="en")
    rows.registration(online, seated)
    elsewhere = make_user("elsewhere", email="elsewhere@example.org", locale="en")
    rows.registration(offline, elsewhere)
    leaver = make_user("leaver", email="leaver@example.org", locale="en")
    rows.registration(online, leaver)
    run(app)
    assert f"Join online: {link}" in text_of(composed(app, seated))
    assert link not in text_of(composed(app, elsewhere))
    with app.app_context():
        registration = db.session.scalars(select(Registration).where(
            Registration.user_id == leaver.id)).one()
        registration.status = "waitlisted"  # lost the seat before the mail left
        db.session.commit()
    assert composed(app, leaver) is None  # no mail, so no link


@pytest.mark.parametrize("locale", ["ky", "uz"])
def test_reminder_in_the_readers_language(app, club, make_user, make_event, rows, locale):
    event = make_event(club, starts_in=timedelta(hours=20), title="Debate")
    reader = make_user("reader", email="reader@example.org", locale=locale)
    rows.registration(event, reader)
    run(app)
    message = composed(app, reader)
    text = text_of(message)
    assert message["Content-Language"] == locale
    with app.test_request_context(), force_locale(locale):
        when = timeutil.day_time(event.starts_at, weekday=True)
    assert when in text  # the date as the reader's language writes it
    # Fails until the lead merges tr-jobs.json into the catalogues (as test_i18n).
    assert "Reminder" not in message["Subject"] and "give up your seat" not in text


def test_an_event_moved_a_day_later_reminds_again(app, club, make_user, make_event, rows):
    event = make_event(club, starts_in=timedelta(hours=20))
    aida = make_user("aida", email="aida@example.org")
    rows.registration(event, aida)
    now = utcnow()
    run(app, now)
    with app.app_context():
        moved = db.session.get(Event, event.id)
        moved.starts_at += timedelta(hours=2)  # a small move: the reminder still counts
        moved.ends_at += timedelta(hours=2)
        db.session.commit()
    run(app, now + timedelta(minutes=1))
    assert len(reminders_of(app)) == 1
    with app.app_context():
        moved = db.session.get(Event, event.id)
        moved.starts_at += timedelta(days=2)
        moved.ends_at += timedelta(days=2)
        db.session.commit()
    run(app, now + timedelta(minutes=2))
    assert len(reminders_of(app)) == 1  # not yet: two days ahead
    run(app, now + timedelta(days=2, hours=1))
    run(app, now + timedelta(days=2, hours=2))
    assert len(reminders_of(app)) == 2


def test_two_runs_at_once_remind_each_person_once(app, club, make_user, make_event, rows,
                                                 monkeypatch):
    """Two workers (or a worker and cron) at the same instant, each with its
    own session and connection: the claim is one UPDATE, so the second finds
    the rows taken. The first is slowed down after its claim, to make sure
    the second runs while the first still holds its rows."""
    events = [make_event(club, starts_in=timedelta(hours=h)) for h in (4, 8)]
    people = [make_user(f"p{n}", email=f"p{n}@example.org") for n in range(12)]
    for event in events:
        for person in people:
            rows.registration(event, person)
    original = reminders.enqueue

    def slow_enqueue(*args, **kwargs):
        time.sleep(0.01)
        return original(*args, **kwargs)

    monkeypatch.setattr(reminders, "enqueue", slow_enqueue)
    start = threading.Barrier(2)
    now = utcnow()
    written, errors = [], []

    def worker():
        try:
            with app.app_context():
                start.wait()
                written.append(reminders.send_reminders(now))
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(written) == [0, 24]
    got = reminders_of(app)
    assert len(got) == 24 and len(set(got)) == 24
    run(app, now)
    assert len(reminders_of(app)) == 24


def test_with_mail_off_nobody_is_marked_reminded(app, club, make_user, make_event, rows):
    """No SMTP server and no console: nothing is written, and nobody loses
    the reminder they will get once mail is on (before the event)."""
    app.config["MAIL_CONSOLE"] = False
    event = make_event(club, starts_in=timedelta(hours=5))
    aida = make_user("aida", email="aida@example.org")
    rows.registration(event, aida)
    run(app)
    assert reminders_of(app) == []
    app.config["MAIL_CONSOLE"] = True
    run(app)
    assert reminders_of(app) == [(aida.id, event.id, "pending")]
