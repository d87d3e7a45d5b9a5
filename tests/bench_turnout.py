"""Benchmark of the turnout dashboard on a large generated programme.

    .venv/bin/python -m tests.bench_turnout [--events 1000] [--registrations 100000]

Generates the data with bulk inserts, then times the dashboard (admin and
one organiser, no filters and filtered) and the CSV export, and counts their
SQL statements. Runs on a throw-away SQLite file, and also on PostgreSQL
when ``HRDEBATE_TEST_DATABASE_URL`` is set. That database is emptied (all
tables dropped and created) like the test suite does: never point it at
real data.

Not collected by pytest (no ``test_`` prefix): the tests assert statement
counts only; this prints timings.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, text

from hrdebate import create_app
from hrdebate.choices import Affiliation, AgeBand, Gender, Region
from hrdebate.extensions import db
from hrdebate.models import (
    Club,
    Event,
    EventKind,
    Membership,
    Registration,
    Topic,
    User,
    event_topics,
    utcnow,
)
from tests.helpers import Client, count_queries, empty_schema

PASSWORD = "correct horse battery"
BATCH = 10_000


def _app(url: str, settings: str = ""):
    """An app on an emptied database; ``settings`` are PostgreSQL's
    ``-c name=value`` options for every connection."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": settings}} if settings else {},
    })
    app.test_client_class = Client
    with app.app_context():
        empty_schema()
    return app


def _bulk(model_or_table, rows):
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(model_or_table), rows[i:i + BATCH])


def generate(n_events: int, n_registrations: int, seed: int = 4) -> dict:
    """Clubs, people, events with themes, and registrations: ``n_registrations``
    in all, about 5% walk-ins. Returns the counts made."""
    rng = random.Random(seed)
    now = utcnow()
    n_clubs = max(1, n_events // 25)
    per_event = max(1, n_registrations // n_events)
    n_users = max(per_event * 2, n_registrations // 5)  # people come about 5 times

    admin = User(username="admin", display_name="Admin", site_role="admin")
    admin.set_password(PASSWORD)
    organiser = User(username="organiser", display_name="Organiser")
    organiser.set_password(PASSWORD)
    db.session.add_all([admin, organiser])
    db.session.flush()
    password_hash = admin.password_hash

    _bulk(Club, [{"slug": f"club-{i}", "name": f"Club {i:03d}", "club_type": "university_club",
                  "city": "Bishkek", "region": rng.choice(Region.values())}
                 for i in range(n_clubs)])
    club_ids = list(db.session.scalars(db.select(Club.id).order_by(Club.id)))
    db.session.add(Membership(club_id=club_ids[0], user_id=organiser.id, role="owner"))

    _bulk(User, [{
        "username": f"person{i}", "display_name": f"Person {i}", "password_hash": password_hash,
        "demographics_consent_at": now if rng.random() < 0.6 else None,
        "age_band": rng.choice(AgeBand.values()), "gender": rng.choice(Gender.values()),
        "affiliation": rng.choice(Affiliation.values()), "region": rng.choice(Region.values()),
    } for i in range(n_users)])
    user_ids = list(db.session.scalars(
        db.select(User.id).where(User.username.like("person%")).order_by(User.id)))

    events = []
    for i in range(n_events):
        # Two years back, and a few weeks ahead.
        starts_at = now - timedelta(days=rng.uniform(-30, 730))
        events.append({
            "club_id": rng.choice(club_ids), "kind": rng.choice(EventKind.values()),
            "status": rng.choices(("published", "cancelled", "draft"), (95, 3, 2))[0],
            "title": f"Event {i}", "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2), "region": rng.choice(Region.values()),
            "language": rng.choice(("ky", "ru", "uz", "en")), "capacity": per_event,
        })
    _bulk(Event, events)
    event_rows = db.session.execute(db.select(Event.id, Event.ends_at).order_by(Event.id)).all()
    topic_ids = list(db.session.scalars(db.select(Topic.id)))
    _bulk(event_topics, [{"event_id": event_id, "topic_id": topic_id}
                         for event_id, _ in event_rows
                         for topic_id in rng.sample(topic_ids, rng.choice((1, 1, 2)))])

    registrations = []
    for i, (event_id, ends_at) in enumerate(event_rows):
        ended = ends_at <= now
        size = per_event + (1 if i < n_registrations % n_events else 0)
        walk_ins = size // 20 if ended else 0
        for user_id in rng.sample(user_ids, size - walk_ins):
            status = rng.choices(("registered", "waitlisted", "cancelled"), (85, 10, 5))[0]
            came = ended and status == "registered" and rng.random() < 0.7
            registrations.append({
                "event_id": event_id, "user_id": user_id, "status": status, "source": "online",
                "registered_at": ends_at - timedelta(days=3),
                "checked_in_at": ends_at - timedelta(hours=2) if came else None,
            })
        for _ in range(walk_ins):
            registrations.append({
                "event_id": event_id, "user_id": None, "status": "registered",
                "source": "walk_in", "walk_in_name": "Walk-in",
                "walk_in_consent": rng.random() < 0.5,
                "age_band": rng.choice(AgeBand.values()), "gender": rng.choice(Gender.values()),
                "affiliation": rng.choice(Affiliation.values()),
                "registered_at": ends_at - timedelta(hours=2),
                "checked_in_at": ends_at - timedelta(hours=2),
            })
    _bulk(Registration, registrations)
    # Bulk INSERTs bypass the write path: compute the turnout aggregates, as
    # `flask turnout rebuild` does after an import.
    from hrdebate.turnout.aggregates import rebuild
    rebuild(db.session.connection())
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        db.session.execute(text("ANALYZE"))
    return {"clubs": n_clubs, "users": n_users, "events": len(event_rows),
            "registrations": len(registrations)}


def measure(app, client, url: str, runs: int) -> tuple[int, list[float], int]:
    """Statements of one request, the timings of ``runs`` more, and the
    compressed size of the response."""
    with count_queries(app) as statements:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.get_data())
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return len(statements), timings, size


def bench(label: str, url: str, n_events: int, n_registrations: int, runs: int) -> None:
    app = _app(url)
    started = time.perf_counter()
    with app.app_context():
        made = generate(n_events, n_registrations)
    print(f"\n== {label}: {made['events']:,} events, {made['registrations']:,} registrations, "
          f"{made['users']:,} people, {made['clubs']} clubs "
          f"(generated in {time.perf_counter() - started:.1f} s)")
    print(f"{'request':<52} {'statements':>10} {'median':>9} {'min':>9} {'gzip':>8}")
    for who, urls in (
        ("admin", ["/turnout/", "/turnout/?kind=debate&start=2025-01-01",
                   "/turnout/?page=20&cm_page=5", "/turnout/export.csv"]),
        ("organiser", ["/turnout/", "/turnout/export.csv"]),
    ):
        client = app.test_client()
        assert client.post_form("/auth/login", {"username": who, "password": PASSWORD}
                                ).status_code == 302
        for page in urls:
            count, timings, size = measure(app, client, page, runs)
            print(f"{who + ' ' + page:<52} {count:>10} {statistics.median(timings) * 1000:>7.0f} ms"
                  f" {min(timings) * 1000:>6.0f} ms {size / 1024:>6.1f} KB")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.events,
              args.registrations, args.runs)
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    if postgres:
        bench("PostgreSQL", postgres, args.events, args.registrations, args.runs)
    else:
        print("\n(Set HRDEBATE_TEST_DATABASE_URL to run on PostgreSQL too.)")


if __name__ == "__main__":
    main()
