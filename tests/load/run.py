"""``make loadtest``: 30 signed-in people against gunicorn with 4 workers,
while one worker is killed and (on PostgreSQL) every database connection is
terminated once. Exits non-zero on any server error, "database is locked" or
a traceback in the server's log, a capacity overrun or a lost write.

    python -m tests.load.run                      # SQLite file in a temp dir
    python -m tests.load.run --postgres           # a new PostgreSQL database, dropped after
    HRDEBATE_LOADTEST_DATABASE_URL=postgresql://postgres@127.0.0.1/hr_load \\
        python -m tests.load.run                  # PostgreSQL (emptied first!)
    LOADTEST_SECONDS=30 LOADTEST_USERS=30 ...     # duration and people

With PostgreSQL, rate limits are counted in Redis (``LOADTEST_REDIS_URL``,
default redis://127.0.0.1:6379/14); with SQLite in each worker's memory.
"""

# Locust patches the standard library for gevent: it must be imported first.
import locust  # noqa: F401  isort: skip

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

import gevent
import psutil
from locust.env import Environment

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.load.locustfile import LEDGER, Person  # noqa: E402

EVENTS = 6
CAPACITY = 8
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOADTEST_SECONDS", 60)))
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", 30)))
    parser.add_argument("--database-url", default=os.environ.get("HRDEBATE_LOADTEST_DATABASE_URL"))
    parser.add_argument("--redis-url",
                        default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--postgres", action="store_true",
                        help="run on a new PostgreSQL database on LOADTEST_POSTGRES "
                             "(default postgresql://postgres@127.0.0.1:5432), dropped afterwards")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--prove-checks", action="store_true",
                        help="lose an acknowledged comment and vote on purpose after the run "
                             "and overfill an event: the run must then fail")
    args = parser.parse_args()

    if args.postgres and not args.database_url:
        server = os.environ.get("LOADTEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
        name = f"hrdebate_load_{os.getpid()}"
        _admin(server, f"CREATE DATABASE {name}")
        try:
            args.database_url = f"{server}/{name}"
            return main_with(args)
        finally:
            _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return main_with(args)


def _admin(server, statement):
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def main_with(args) -> int:
    folder = Path(tempfile.mkdtemp(prefix="hrdebate-load-"))
    url = args.database_url or f"sqlite:///{folder / 'load.sqlite'}"
    postgres = not url.startswith("sqlite")
    print(f"Database: {'PostgreSQL' if postgres else 'SQLite'}; {args.users} people, "
          f"{args.seconds} s, {args.workers} workers; log in {folder}")

    app = seed(url, args.users)
    storage = args.redis_url if postgres else "memory://"
    log_path = folder / "gunicorn.log"
    server, base = start_gunicorn(url, storage, args.workers, log_path)
    try:
        stats, faults = run_people(base, args, server, url if postgres else None)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    if args.prove_checks:
        sabotage(app)
    problems = check(app, log_path, faults)
    report(stats, faults, problems)
    return 1 if problems else 0


# -- the world --------------------------------------------------------------------------

def seed(url, people):
    from hrdebate import create_app
    from hrdebate.extensions import db
    from tests.factories import Rows
    from tests.helpers import empty_schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "load-test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        empty_schema()
    rows = Rows(app)
    organiser = rows.user("organiser")
    club = rows.club(owner=organiser, verified=True)
    LEDGER.event_ids[:] = [
        rows.event(club, capacity=CAPACITY, starts_in=timedelta(days=3 + n)).id
        for n in range(EVENTS)
    ]
    LEDGER.accounts[:] = [rows.user(f"loadperson{n}").username for n in range(people)]
    for event_id in LEDGER.event_ids:  # something to flag from the start
        rows.comment(_event(app, event_id), organiser, "Welcome: say what you think.")
    with app.app_context():
        db.engine.dispose()
    return app


def _event(app, event_id):
    from hrdebate.extensions import db
    from hrdebate.models import Event

    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge(event)
        return event


def start_gunicorn(url, storage, workers, log_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ,
           "DATABASE_URL": url, "HRDEBATE_SECRET_KEY": "load-test",
           "HRDEBATE_RATELIMIT_STORAGE_URI": storage}
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "info", "hrdebate:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return server, base
        except OSError:
            if server.poll() is not None:
                sys.exit(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


# -- the run ----------------------------------------------------------------------------

def run_people(base, args, server, postgres_url):
    env = Environment(user_classes=[Person], host=base)
    runner = env.create_local_runner()
    faults = {}

    def kill_a_worker():
        workers = psutil.Process(server.pid).children()
        victim = workers[0].pid
        os.kill(victim, signal.SIGKILL)
        faults["worker killed"] = f"pid {victim} (SIGKILL) at {args.seconds // 3} s"

    def terminate_connections():
        if postgres_url is None:
            faults["database connections"] = "n/a on SQLite (no server connections to kill)"
            return
        import psycopg

        plain = re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", postgres_url)
        with psycopg.connect(plain, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
        faults["database connections"] = \
            f"{killed} terminated (pg_terminate_backend) at {2 * args.seconds // 3} s"

    runner.start(args.users, spawn_rate=args.users)
    gevent.spawn_later(args.seconds / 3, kill_a_worker)
    gevent.spawn_later(2 * args.seconds / 3, terminate_connections)
    gevent.spawn_later(args.seconds, runner.quit)
    runner.greenlet.join()
    return env.stats, faults


# -- the checks -------------------------------------------------------------------------

def check(app, log_path, faults) -> list[str]:
    from sqlalchemy import func, select

    from hrdebate.extensions import db
    from hrdebate.models import Comment, Event, Flag, Registration, User, Vote

    problems = []
    if LEDGER.bad_5xx:
        problems.append(f"{len(LEDGER.bad_5xx)} server errors, e.g. {LEDGER.bad_5xx[:5]}")
    log = log_path.read_text()
    for needle in ("database is locked", "Traceback"):
        if needle in log:
            problems.append(f'"{needle}" in the server log ({log_path})')
    if "worker killed" not in faults:
        problems.append("no worker was killed")

    with app.app_context():
        for event in db.session.scalars(select(Event)):
            seated = db.session.scalar(select(func.count(Registration.id)).where(
                Registration.event_id == event.id, Registration.status == "registered"))
            if event.capacity is not None and seated > event.capacity:
                problems.append(f"event {event.id}: {seated} registered for {event.capacity} seats")

        users = dict(db.session.execute(select(User.username, User.id)).all())
        states = {(r.user_id, r.event_id): r.status
                  for r in db.session.scalars(select(Registration))}
        lost = []
        for (username, event_id), registered in LEDGER.registered.items():
            if ("registration", username, event_id) in LEDGER.uncertain:
                continue
            status = states.get((users[username], event_id))
            active = status in ("registered", "waitlisted")
            if active != registered:
                lost.append(f"registration {username}/{event_id}: acknowledged "
                            f"{'in' if registered else 'out'}, database {status}")
        votes = {(v.user_id, v.event_id): v.choice
                 for v in db.session.scalars(select(Vote).where(Vote.phase == "before"))}
        for (username, event_id), choice in LEDGER.votes.items():
            if ("vote", username, event_id) in LEDGER.uncertain:
                continue
            if votes.get((users[username], event_id)) != choice:
                lost.append(f"vote {username}/{event_id}: acknowledged {choice}, "
                            f"database {votes.get((users[username], event_id))}")
        bodies = set(db.session.scalars(select(Comment.body)))
        lost += [f"comment {body!r}" for body in LEDGER.comments if body not in bodies]
        flags = {(f.reporter_id, f.comment_id) for f in db.session.scalars(select(Flag))}
        lost += [f"flag {u}/{c}" for u, c in LEDGER.flags if (users[u], c) not in flags]
        db.engine.dispose()
    lost += LEDGER.surprises
    if lost:
        problems.append(f"{len(lost)} acknowledged writes not in the database, e.g. {lost[:5]}")
    return problems


def sabotage(app):
    """What the checks must catch: a lost comment, a lost vote, an overrun."""
    from sqlalchemy import delete, update

    from hrdebate.extensions import db
    from hrdebate.models import Comment, Event, Vote

    with app.app_context():
        db.session.execute(delete(Comment).where(Comment.body == LEDGER.comments[0]))
        db.session.execute(delete(Vote))
        db.session.execute(update(Event).values(capacity=1))
        db.session.commit()
        db.engine.dispose()


def report(stats, faults, problems):
    total = stats.total
    print()
    print(f"Requests: {total.num_requests}")
    statuses = Counter({str(k): v for k, v in LEDGER.statuses.items()})
    print("Answers by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    errors = {k: v for k, v in statuses.items() if not k.isdigit() or int(k) >= 429}
    print("Errors by status: " + (", ".join(f"{k}: {v}" for k, v in sorted(errors.items()))
                                  or "none"))
    if LEDGER.refused:
        print("Refusals and limits: " + ", ".join(f"{k}: {v}" for k, v in LEDGER.refused.items()))
    if LEDGER.retried_503:
        print("Forms answered 503 + Retry-After and sent again: "
              + ", ".join(f"{k}: {v}" for k, v in LEDGER.retried_503.items()))
    print(f"Response times (ms): p50 {total.get_response_time_percentile(0.5):.0f}, "
          f"p95 {total.get_response_time_percentile(0.95):.0f}, "
          f"p99 {total.get_response_time_percentile(0.99):.0f}, max {total.max_response_time:.0f}")
    print(f"Acknowledged: {sum(LEDGER.registered.values())} registrations held at the end, "
          f"{len(LEDGER.votes)} votes, {len(LEDGER.comments)} comments, {len(LEDGER.flags)} flags"
          f" ({len(LEDGER.uncertain)} writes of unknown fate skipped)")
    for name, what in faults.items():
        print(f"Fault, {name}: {what}")
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
    else:
        print("\nOK: no server errors, no lock errors, no overrun, no lost write.")


if __name__ == "__main__":
    sys.exit(main())
