"""Benchmark of the public lists (home, event list, feeds, clubs, themes) at
programme scale: 200 clubs, 10,000 events, 100,000 people, 1,000,000
registrations, 200,000 votes, 500,000 comments.

    .venv/bin/python -m tests.bench_lists build  --sqlite /tmp/lists.sqlite [--postgres URL]
    .venv/bin/python -m tests.bench_lists measure --sqlite /tmp/lists.sqlite [--postgres URL]

``build`` empties the databases (all tables dropped and made) and fills them
with bulk inserts; no ANALYZE is run (as on a site that never ran one), so
``measure`` sees the planner as production does, until the app gathers its
statistics itself. ``measure`` first creates the indexes the models declare
that the database lacks, then times each page (Flask test client, one
request at a time) and counts its SQL statements.

Not collected by pytest (no ``test_`` prefix).
"""

import argparse
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert, inspect

from hrdebate import create_app
from hrdebate.choices import Region
from hrdebate.extensions import db
from hrdebate.models import (
    Club,
    Comment,
    Event,
    EventKind,
    Registration,
    Topic,
    User,
    Vote,
    event_topics,
    utcnow,
)
from tests.helpers import Client, count_queries, empty_schema

BATCH = 20_000
PAGES = ["/", "/events/", "/events/?when=all&page=200", "/events/?when=all&page=2",
         "/events/?when=past&kind=debate&page=50", "/events.ics", "/events.atom",
         "/clubs/", "/clubs/club-7", "/clubs/club-7?page=4", "/topics/", "/topics/women",
         "/topics/women?page=30"]


def _app(url: str):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
    })
    app.test_client_class = Client
    return app


def _bulk(table, rows):
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[i:i + BATCH])


def generate(scale: float = 1.0, seed: int = 14) -> dict:
    rng = random.Random(seed)
    now = utcnow()
    n_clubs, n_events = int(200 * scale), int(10_000 * scale)
    n_users, n_regs = int(100_000 * scale), int(1_000_000 * scale)
    n_votes, n_comments = int(200_000 * scale), int(500_000 * scale)
    _bulk(Club, [{"slug": f"club-{i}", "name": f"Club {i:03d}", "club_type": "university_club",
                  "city": "Bishkek", "region": rng.choice(Region.values()),
                  "verified": i % 3 != 0, "search_key": f" club {i:03d} bishkek"}
                 for i in range(n_clubs)])
    club_ids = list(db.session.scalars(db.select(Club.id).order_by(Club.id)))
    _bulk(User, [{"username": f"person{i}", "display_name": f"Person {i}",
                  "password_hash": "x", "search_key": f" person {i}"} for i in range(n_users)])
    user_ids = list(db.session.scalars(db.select(User.id).order_by(User.id)))
    events = []
    for i in range(n_events):
        starts_at = now - timedelta(days=rng.uniform(-60, 730))
        kind = rng.choice(EventKind.values())
        events.append({
            "club_id": rng.choice(club_ids), "kind": kind,
            "status": rng.choices(("published", "cancelled", "draft"), (93, 4, 3))[0],
            "title": f"Event {i}", "summary": "A summary of the event " * 4,
            "description": "Description " * 40, "description_html": "<p>Description</p>" * 40,
            "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2),
            "region": rng.choice(Region.values()), "venue": "Hall 1",
            "language": rng.choice(("ky", "ru", "uz", "en")), "capacity": 150,
            "search_key": f" event {i}", "created_at": starts_at - timedelta(days=20),
            "updated_at": starts_at - timedelta(days=10),
            "published_at": starts_at - timedelta(days=15),
            "voting_state": "closed" if kind == "debate" and starts_at < now else "before_open",
            "motion": "This house would" if kind == "debate" else None,
            "judgement_published_at": starts_at + timedelta(days=2)
            if kind == "moot_court" and starts_at < now - timedelta(days=2) else None,
        })
    _bulk(Event, events)
    event_rows = db.session.execute(db.select(Event.id, Event.starts_at).order_by(Event.id)).all()
    topic_ids = list(db.session.scalars(db.select(Topic.id)))
    _bulk(event_topics, [{"event_id": event_id, "topic_id": topic_id}
                         for event_id, _ in event_rows
                         for topic_id in rng.sample(topic_ids, rng.choice((1, 1, 2)))])
    regs, per_event = [], n_regs // len(event_rows)
    for event_id, starts_at in event_rows:
        for user_id in rng.sample(user_ids, per_event):
            came = starts_at < now and rng.random() < 0.6
            regs.append({"event_id": event_id, "user_id": user_id,
                         "status": rng.choices(("registered", "waitlisted", "cancelled"),
                                               (85, 10, 5))[0], "source": "online",
                         "registered_at": starts_at - timedelta(days=3),
                         "checked_in_at": starts_at if came else None,
                         "checked_in_by_id": user_ids[0] if came else None,
                         "record_key": rng.randrange(1, 100)})
        if len(regs) >= 200_000:
            _bulk(Registration, regs)
            regs = []
    _bulk(Registration, regs)
    votes, debates = set(), [e for e, _s in event_rows[::3]]
    while len(votes) < n_votes:
        votes.add((rng.choice(debates), rng.choice(user_ids), rng.choice(("before", "after"))))
    _bulk(Vote, [{"event_id": e, "user_id": u, "phase": p,
                  "choice": rng.choice(("for", "against", "undecided"))} for e, u, p in votes])
    comments = []
    for i in range(n_comments):
        event_id, starts_at = rng.choice(event_rows)
        created = min(now, starts_at + timedelta(hours=rng.uniform(-240, 240)))
        comments.append({"event_id": event_id, "author_id": rng.choice(user_ids),
                         "body": "A comment", "body_html": "<p>A comment</p>",
                         "status": rng.choices(("published", "pending", "hidden", "rejected"),
                                               (90, 4, 3, 3))[0],
                         "created_at": created})
        if len(comments) >= 100_000:
            _bulk(Comment, comments)
            comments = []
    _bulk(Comment, comments)
    db.session.commit()
    return {"clubs": n_clubs, "events": n_events, "users": n_users}


def add_missing_indexes() -> list[str]:
    """The indexes the models declare that the database lacks (a database
    built before a migration that adds them; the migration itself is what
    production runs)."""
    made = []
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        have = {ix["name"] for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have:
                index.create(db.engine)
                made.append(index.name)
    return made


def measure(app, client, url: str, runs: int):
    with count_queries(app) as statements:
        response = client.get(url)
        pass
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return len(statements), statistics.median(timings), p95, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("build", "measure"))
    parser.add_argument("--sqlite")
    parser.add_argument("--postgres")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--analyze", action="store_true")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    for label, url in (("SQLite", args.sqlite and f"sqlite:///{args.sqlite}"),
                       ("PostgreSQL", args.postgres)):
        if not url:
            continue
        app = _app(url)
        with app.app_context():
            if args.action == "build":
                started = time.perf_counter()
                empty_schema()
                made = generate(args.scale)
                print(f"{label}: built {made} in {time.perf_counter() - started:.0f} s")
                continue
            made = add_missing_indexes()
            if made:
                print(f"{label}: made indexes {made}")
            if args.analyze:  # as the migration and the daily job do
                from hrdebate.periodic.statistics import gather_statistics

                started = time.perf_counter()
                gather_statistics(db.session)
                db.session.commit()
                print(f"{label}: statistics in {time.perf_counter() - started:.1f} s")
        if args.action == "measure":
            client = app.test_client()
            print(f"== {label}")
            for page in args.pages or PAGES:
                count, p50, p95, status = measure(app, client, page, args.runs)
                print(f"{page:<45} {status} {count:>3} statements  p50 {p50:6.1f} ms"
                      f"  p95 {p95:6.1f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
