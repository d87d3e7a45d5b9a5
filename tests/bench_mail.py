"""Benchmark of the mail path: publishing an event to a club's followers,
and delivering their mail to a real SMTP server.

    .venv/bin/python -m tests.bench_mail [--followers 300] [--rounds 3]

A club with ``--followers`` followers, each with a confirmed address. Each
round publishes a new event with the real POST (the test client: the whole
request, CSRF, login, the unit of work and the nudge of the worker's queue,
a SQLite file as in ``make run``) and times it; then a real worker
(``flask worker``, its own process, already running and idle) is woken by
that nudge and delivers the mail to aiosmtpd in this process: timed from
the start of the request until the server accepted the last mail. A last
round times ``deliver_due`` in this process (no worker, no queue) for
comparison. Runs on a throw-away SQLite file, and also on PostgreSQL when
``HRDEBATE_TEST_DATABASE_URL`` is set: that database is emptied (all tables
dropped and created), never point it at real data.

Not collected by pytest (no ``test_`` prefix): tests/test_outbox.py and
tests/test_worker.py assert the behaviour; this prints timings.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, insert, select

from hrdebate import create_app
from hrdebate.extensions import db
from hrdebate.models import Club, ClubFollow, Event, OutboxMail, User, utcnow
from tests.helpers import Client, count_queries, empty_schema
from tests.smtp import SMTPServer

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "https://hrdebate.test"


def _app(url: str, smtp: SMTPServer, jobs_url: str):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False,
        "BASE_URL": BASE_URL, "JOBS_URL": jobs_url, **smtp.config(),
    })
    app.test_client_class = Client
    with app.app_context():
        empty_schema()
    return app


def _generate(app, followers: int) -> str:
    """The organiser, the club and its followers; returns the club's slug."""
    from tests.factories import Rows

    rows = Rows(app)
    organiser = rows.user("organiser")
    with app.app_context():
        club = db.session.scalar(select(Club).where(Club.id == rows.club(owner=organiser).id))
        hashed = db.session.get(User, organiser.id).password_hash
        now = utcnow()
        ids = db.session.scalars(insert(User).returning(User.id), [
            {"username": f"follower{n}", "display_name": f"Follower {n}",
             "email": f"follower{n}@example.org", "email_verified_at": now,
             "password_hash": hashed, "locale": ("ru", "ky", "uz", "en")[n % 4]}
            for n in range(followers)]).all()
        db.session.execute(insert(ClubFollow), [{"user_id": i, "club_id": club.id} for i in ids])
        db.session.commit()
        return club.slug


def _worker(url: str, smtp: SMTPServer, jobs_url: str):
    env = {**os.environ, "DATABASE_URL": url, "HRDEBATE_SECRET_KEY": "bench",
           "HRDEBATE_BASE_URL": BASE_URL, "HRDEBATE_JOBS_URL": jobs_url, **smtp.env()}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "hrdebate", "worker"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while not any("consumer" in line.lower() or "worker" in line.lower() for line in lines):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the worker did not start:\n" + "".join(lines))
        time.sleep(0.05)
    time.sleep(1.5)  # idle, as it would be between requests
    return process, reader, lines


def _stop(process, reader, lines) -> str:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    reader.join(timeout=10)
    process.stdout.close()
    return "".join(lines)


def _publish(app, client, slug: str, n: int) -> tuple[float, int]:
    """A new draft published by the real POST: (ms, SQL statements)."""
    from tests.factories import Rows

    with app.app_context():
        club = db.session.scalar(select(Club).where(Club.slug == slug))
        club_id = club.id
    event = Rows(app).event(club, status="draft", title=f"Debate night {n}")
    client.get(f"/events/{event.id}")  # what the organiser had open
    with count_queries(app) as queries:
        started = time.perf_counter()
        response = client.post_form(f"/events/{event.id}/publish")
        ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.status_code
    with app.app_context():
        assert db.session.scalar(select(Event.status).where(Event.id == event.id)) == "published"
        assert db.session.get(Club, club_id) is not None
    return ms, len(queries)


def bench(name: str, url: str, followers: int, rounds: int) -> None:
    print(f"\n== {name}: a club with {followers} followers (confirmed addresses) ==")
    folder = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    jobs_url = f"sqlite:///{folder / 'jobs.sqlite'}"
    smtp = SMTPServer().start()
    app = _app(url, smtp, jobs_url)
    slug = _generate(app, followers)
    client = app.test_client()
    assert client.post_form("/auth/login", {"username": "organiser",
                                            "password": PASSWORD}).status_code == 302
    worker = _worker(url, smtp, jobs_url)
    publish_ms, delivery_s, statements = [], [], set()
    try:
        for n in range(rounds):
            smtp.messages.clear()
            started = time.perf_counter()
            ms, count = _publish(app, client, slug, n)
            if not smtp.wait_for(followers, timeout=300):
                raise SystemExit(f"only {len(smtp.messages)} mails came:\n" + "".join(worker[2]))
            delivery_s.append(time.perf_counter() - started)
            publish_ms.append(ms)
            statements.add(count)
            time.sleep(1.5)  # the worker idle again
    finally:
        output = _stop(*worker)
    if "Traceback" in output:
        print(output)
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(OutboxMail))
        sent = db.session.scalar(select(func.count()).where(OutboxMail.status == "sent"))
    print(f"publish (POST, writes {followers} notifications and outbox rows): "
          f"median {statistics.median(publish_ms):.0f} ms "
          f"(runs: {', '.join(f'{m:.0f}' for m in publish_ms)}), "
          f"SQL statements: {sorted(statements)}")
    print(f"request start -> last mail accepted by SMTP (flask worker, woken by the nudge): "
          f"median {statistics.median(delivery_s):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in delivery_s)}); "
          f"{followers / statistics.median(delivery_s):.0f} mails/s")
    print(f"outbox: {sent} of {rows} sent; mails at the server: "
          f"{len({m.message_id for m in smtp.messages})} distinct of {len(smtp.messages)}")

    # For comparison: deliver_due in this process, no queue, no worker start.
    from hrdebate.mail import deliver_due

    app.config["JOBS_URL"] = "memory://"
    from hrdebate import jobs

    jobs.init_app(app)
    _publish(app, client, slug, rounds)
    smtp.messages.clear()
    with app.app_context():
        started = time.perf_counter()
        report = deliver_due()
        took = time.perf_counter() - started
    print(f"deliver_due in this process: {dict(report)} in {took:.2f} s "
          f"({followers / took:.0f} mails/s)")
    smtp.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU cores")
    with tempfile.TemporaryDirectory() as folder:
        bench("SQLite", f"sqlite:///{folder}/bench.sqlite", args.followers, args.rounds)
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    if postgres:
        bench("PostgreSQL", postgres, args.followers, args.rounds)
    else:
        print("\n(Set HRDEBATE_TEST_DATABASE_URL to run on PostgreSQL too.)")


if __name__ == "__main__":
    main()
