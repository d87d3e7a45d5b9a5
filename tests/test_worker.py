"""The real worker, in its own process, against a real SMTP server
(tests/smtp.py) and the test's database (its SQLite file, or PostgreSQL
with HRDEBATE_TEST_DATABASE_URL): killed in the middle of a batch and
started again; two at once; and the Huey path, where a request's commit
nudges the ``deliver`` task and ``flask worker`` sends the mail without
anyone calling deliver_due (its queue in a SQLite file, and in Redis when
HRDEBATE_TEST_REDIS_URL is set)."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hrdebate import jobs
from hrdebate.extensions import db
from hrdebate.models import ClubFollow, OutboxMail, utcnow
from hrdebate.notifications.services import notify
from tests.conftest import BASE_URL

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("HRDEBATE_TEST_REDIS_URL")


def _env(app, smtp_server, jobs_url, **settings):
    """The settings of a process of the app: the test's database, mail to
    ``smtp_server``, its queue at ``jobs_url``."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "HRDEBATE_SECRET_KEY": app.config["SECRET_KEY"],  # the same Message-IDs
        "HRDEBATE_BASE_URL": BASE_URL,
        "HRDEBATE_JOBS_URL": jobs_url,
        **smtp_server.env(),
    }
    env.pop("FLASK_APP", None)
    env.update({f"HRDEBATE_{name}": str(value) for name, value in settings.items()})
    return env


def _flask(env, *args, **popen):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "hrdebate", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **popen)


def _run(env, *args) -> str:
    process = _flask(env, *args)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "Traceback" not in output, output
    return output


def _mail_people(app, make_user, make_club, make_event, n):
    people = [make_user(f"p{i}", email=f"p{i}@example.org") for i in range(n)]
    event = make_event(make_club())
    with app.test_request_context():
        notify([p.id for p in people], "event_cancelled", event_id=event.id)
        db.session.commit()
    return sorted(f"p{i}@example.org" for i in range(n))


def _statuses(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(OutboxMail.status)).all())


def test_worker_killed_mid_batch_and_started_again(app, smtp_server, tmp_path, make_user,
                                                   make_club, make_event):
    """SIGKILL while the server takes its time over a message: when the
    claim runs out, the next run sends what is left. Everyone gets the
    mail; the one message in flight at the kill may come twice, with the
    same Message-ID (the documented guarantee)."""
    addresses = _mail_people(app, make_user, make_club, make_event, 12)
    env = _env(app, smtp_server, f"sqlite:///{tmp_path / 'jobs.sqlite'}",
               MAIL_BATCH=4, MAIL_CLAIM_SECONDS=60)
    smtp_server.slow(0.4)
    worker = _flask(env, "jobs", "run-due")
    try:
        assert smtp_server.wait_for(6, timeout=60), worker.stdout.read()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    at_kill = len(smtp_server.messages)
    assert at_kill < 12  # killed mid-run
    before = _statuses(app)
    assert before["sent"] in (at_kill - 1, at_kill)  # the last one maybe not marked
    assert before["pending"] == 12 - before["sent"]

    with app.app_context():
        unclaimed = db.session.scalar(select(db.func.count()).where(OutboxMail.attempts == 0))
    assert unclaimed < before["pending"]  # the dead run held a claim

    smtp_server.normal()
    # Started again at once: what the dead run had not claimed goes; what it
    # claimed waits for the claim to run out.
    output = _run(env, "jobs", "run-due")
    assert (f"deliver: {{'sent': {unclaimed}}}" if unclaimed else "deliver: {}") in output
    assert _statuses(app)["pending"] == before["pending"] - unclaimed
    later = (utcnow() + timedelta(seconds=61)).strftime("%Y-%m-%dT%H:%M:%S")
    output = _run(env, "jobs", "run-due", "--now", later)
    assert "'sent': " in output
    assert _statuses(app) == {"sent": 12}

    got = Counter(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert sorted(got) == addresses  # nobody missed
    copies = [address for address, n in got.items() if n > 1]
    assert sum(got.values()) - 12 <= 1 and all(got[a] == 2 for a in copies)
    for address in copies:
        first, second = smtp_server.to(address)
        assert first.message_id == second.message_id


def test_two_worker_processes_at_once_send_each_mail_once(app, smtp_server, tmp_path, make_user,
                                                          make_club, make_event):
    addresses = _mail_people(app, make_user, make_club, make_event, 20)
    env = _env(app, smtp_server, f"sqlite:///{tmp_path / 'jobs.sqlite'}", MAIL_BATCH=2)
    smtp_server.slow(0.2)  # 4 s of sending: the second starts long before the first is done
    workers = [_flask(env, "jobs", "run-due") for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all("Traceback" not in o for o in outputs), outputs
    assert smtp_server.recipients() == addresses
    assert all("'sent': " in o for o in outputs), outputs  # both took a share
    assert _statuses(app) == {"sent": 20}


QUEUES = ["sqlite", pytest.param("redis", marks=pytest.mark.skipif(
    not REDIS_URL, reason="HRDEBATE_TEST_REDIS_URL not set"))]


@pytest.mark.parametrize("queue", QUEUES)
def test_a_request_nudges_the_worker_which_sends_the_mail(queue, app, client, auth, smtp_server,
                                                          tmp_path, make_user, make_club,
                                                          make_event):
    jobs_url = REDIS_URL if queue == "redis" else f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    app.config["JOBS_URL"] = jobs_url
    jobs.init_app(app)
    with app.app_context():
        jobs.huey().flush()  # the test's own queue
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    followers = [make_user(f"f{i}", email=f"f{i}@example.org") for i in range(3)]
    with app.app_context():
        db.session.add_all([ClubFollow(user_id=f.id, club_id=club.id) for f in followers])
        db.session.commit()
    event = make_event(club, status="draft")
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/publish").status_code == 302
    with app.app_context():
        assert jobs.huey().pending_count() == 1  # the nudge: one "deliver" task
    assert smtp_server.messages == []

    worker = _flask(_env(app, smtp_server, jobs_url), "worker", start_new_session=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(worker.stdout), daemon=True)
    reader.start()
    try:
        started = time.monotonic()
        assert smtp_server.wait_for(3, timeout=30), "".join(lines)
        took = time.monotonic() - started
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        reader.join(timeout=10)
        worker.stdout.close()
    output = "".join(lines)
    assert smtp_server.recipients() == ["f0@example.org", "f1@example.org", "f2@example.org"]
    assert "Traceback" not in output, output
    assert "hrdebate.deliver" in output or "deliver" in output
    assert took < 20, output
    assert _statuses(app) == {"sent": 3}
    with app.app_context():
        assert jobs.huey().pending_count() == 0
