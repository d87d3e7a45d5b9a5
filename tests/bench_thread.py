"""Benchmark of the event page's discussion and the moderation queue at
programme scale (issue #14): 10,000 events, 100,000 people, 500,000
comments, 50,000 flags.

    .venv/bin/python -m tests.bench_thread [--db PATH] [--keep] [--runs 30]

Generates the data with bulk inserts (once: ``--keep`` leaves the SQLite file
at ``--db`` and the PostgreSQL database filled, and a later run with
``--reuse`` skips the generation), then times the event page with 300 and
100 comments (anonymous, a citizen, the club's moderator), its thread
fragment, the moderation queue (a site moderator, a club moderator) and the
menu badge, with their statement counts. Runs on SQLite, and also on
PostgreSQL when ``HRDEBATE_TEST_DATABASE_URL`` is set (that database is
emptied like the test suite does: never point it at real data).

Not collected by pytest: the tests assert statement counts only.
"""

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert, text

from hrdebate import create_app
from hrdebate.extensions import db
from hrdebate.models import (
    Club,
    Comment,
    Event,
    Flag,
    Membership,
    ModerationAction,
    Registration,
    User,
    utcnow,
)
from tests.helpers import Client, count_queries, empty_schema

PASSWORD = "correct horse battery"
BATCH = 10_000
HOT = 300  # comments on the event the page is measured on
WARM = 100


def _app(url: str, empty: bool, cache: bool = True):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False,
        "PAGE_CACHE_ENABLED": cache,
    })
    app.test_client_class = Client
    if empty:
        with app.app_context():
            empty_schema()
    return app


def _bulk(model, rows):
    for i in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[i:i + BATCH])


def _thread(rng, event_id, n, next_id, user_ids, start, statuses, weights):
    """``n`` comments of one event: a third top-level, the rest replies."""
    rows, parents = [], []
    for i in range(n):
        depth_one = not parents or rng.random() < 0.35
        parent = None if depth_one else rng.choice(parents)
        depth = 1 if parent is None else parent[1] + 1
        status = rng.choices(statuses, weights)[0]
        row = {"id": next_id, "event_id": event_id, "author_id": rng.choice(user_ids),
               "parent_id": parent[0] if parent else None, "depth": depth,
               "body": f"Comment {next_id}", "body_html": f"<p>Comment {next_id} "
               + "lorem ipsum dolor sit amet " * rng.randint(1, 6) + "</p>",
               "stance": rng.choice(("for", "against", "neutral")) if depth == 1 else None,
               "status": status, "created_at": start + timedelta(minutes=i),
               "held_for": "pre_moderation" if status == "pending" else None}
        rows.append(row)
        if depth < 3:
            parents.append((next_id, depth))
        next_id += 1
    return rows, next_id


def generate(n_events=10_000, n_users=100_000, n_comments=500_000, n_flags=50_000,
             seed=14) -> dict:
    rng = random.Random(seed)
    now = utcnow()
    staff = {}
    for name, role in (("admin", "admin"), ("sitemod", "moderator"), ("clubmod", "citizen"),
                       ("citizen", "citizen")):
        user = User(username=name, display_name=name.title(), site_role=role)
        user.set_password(PASSWORD)
        db.session.add(user)
        staff[name] = user
    db.session.flush()
    password_hash = staff["admin"].password_hash
    _bulk(Club, [{"slug": f"club-{i}", "name": f"Club {i:03d}", "club_type": "university_club",
                  "city": "Bishkek", "region": "bishkek",
                  "moderation_mode": "pre" if i % 3 == 0 else "post"} for i in range(200)])
    club_ids = list(db.session.scalars(db.select(Club.id).order_by(Club.id)))
    _bulk(User, [{"username": f"person{i}", "display_name": f"Person {i}",
                  "password_hash": password_hash} for i in range(n_users)])
    user_ids = list(db.session.scalars(
        db.select(User.id).where(User.username.like("person%")).order_by(User.id)))
    events = []
    for i in range(n_events):
        starts_at = now - timedelta(days=rng.uniform(-30, 730))
        events.append({"club_id": club_ids[0] if i < 2 else rng.choice(club_ids),
                       "kind": "debate" if i < 2 else rng.choice(
                           ("debate", "moot_court", "civic_project")),
                       "status": "published" if i < 2 else rng.choices(
                           ("published", "cancelled", "draft"), (95, 3, 2))[0],
                       "title": f"Event {i}", "starts_at": starts_at,
                       "ends_at": starts_at + timedelta(hours=2), "region": "bishkek",
                       "language": "ru", "capacity": 100, "motion": "This house would"})
    _bulk(Event, events)
    event_ids = list(db.session.scalars(db.select(Event.id).order_by(Event.id)))
    db.session.add(Membership(club_id=club_ids[0], user_id=staff["clubmod"].id,
                              role="moderator"))
    _bulk(Registration, [{"event_id": e, "user_id": u, "status": "registered",
                          "source": "online", "registered_at": now}
                         for e in event_ids[:2] for u in rng.sample(user_ids, 80)])

    statuses = ("published", "pending", "rejected", "hidden", "deleted")
    weights = (94, 2, 1, 1.5, 1.5)
    next_id, comments = 1, []
    start = now - timedelta(days=400)
    for event_id, n in ((event_ids[0], HOT), (event_ids[1], WARM)):
        rows, next_id = _thread(rng, event_id, n, next_id, user_ids + [staff["citizen"].id],
                                start, statuses, weights)
        comments += rows
    rest = n_comments - HOT - WARM
    per_event = rest // (n_events - 2)
    for k, event_id in enumerate(event_ids[2:]):
        n = per_event + (1 if k < rest % (n_events - 2) else 0)
        rows, next_id = _thread(rng, event_id, n, next_id, user_ids,
                                now - timedelta(days=rng.uniform(0, 700)), statuses, weights)
        comments += rows
    # Flags: on published and hidden comments; a third still open.
    flaggable = [c for c in comments if c["status"] in ("published", "hidden")]
    flags, pairs = [], set()
    while len(flags) < n_flags:
        comment = rng.choice(flaggable)
        reporter = rng.choice(user_ids)
        if (comment["id"], reporter) in pairs:
            continue
        pairs.add((comment["id"], reporter))
        resolved = rng.random() < 0.67
        flags.append({"comment_id": comment["id"], "reporter_id": reporter,
                      "reason": rng.choice(("spam", "harassment", "off_topic", "other")),
                      "created_at": comment["created_at"] + timedelta(hours=1),
                      "resolved_at": now if resolved else None,
                      "resolution": "kept" if resolved else None})
        if not resolved:
            comment["open_flags"] = comment.get("open_flags", 0) + 1
    for c in comments:
        c.setdefault("open_flags", 0)
    _bulk(Comment, comments)
    _bulk(Flag, flags)
    _bulk(ModerationAction, [{"actor_id": staff["sitemod"].id,
                              "action": rng.choice(("reject", "hide", "warn", "approve")),
                              "comment_id": c["id"], "target_user_id": c["author_id"],
                              "event_id": c["event_id"], "created_at": now}
                             for c in comments if c["status"] in ("rejected", "hidden")])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval('comments_id_seq', (SELECT max(id) FROM comments))"))
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"events": n_events, "users": n_users, "comments": len(comments),
            "flags": len(flags), "hot": event_ids[0], "warm": event_ids[1]}


def measure(app, client, url: str, runs: int, headers=None):
    with count_queries(app) as statements:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        response.get_data()
        timings.append(time.perf_counter() - started)
    timings.sort()
    return len(statements), timings


def pages(hot: int, warm: int, names: dict):
    rows = [
        (None, f"/events/{hot}", None), (None, f"/events/{warm}", None),
        ("citizen", f"/events/{hot}", None), ("citizen", f"/events/{warm}", None),
        ("citizen", f"/events/{hot}/comments", {"HX-Request": "true"}),
        ("clubmod", f"/events/{hot}", None),
        ("sitemod", "/moderation/", None), ("clubmod", "/moderation/", None),
        ("sitemod", "/moderation/?kind=flagged", None), ("sitemod", "/moderation/?page=50", None),
        ("admin", "/moderation/?reason=spam", None),
        ("sitemod", "/privacy", None),  # the menu badge (waiting_for) and nothing else
    ]
    return [(names.get(who, who), page, headers) for who, page, headers in rows]


def bench(label, url, args):
    app = _app(url, empty=not args.reuse, cache=not args.no_cache)
    with app.app_context():
        if not args.reuse:
            started = time.perf_counter()
            made = generate()
            print(f"generated {made} in {time.perf_counter() - started:.0f} s")
        hot, warm = db.session.scalars(db.select(Event.id).order_by(Event.id).limit(2)).all()
        names = {}
        if db.session.scalar(db.select(User.id).where(User.username == "sitemod")) is None:
            # helper bench's dataset (tests/bench/dataset.py): its site moderator,
            # and a moderator of club 1 (events 1 and 2)
            names = {"sitemod": "moderator", "clubmod": db.session.scalar(
                db.select(User.username).join(Membership, Membership.user_id == User.id)
                .where(Membership.club_id == 1, Membership.role == "moderator")
                .order_by(User.id).limit(1))}
    print(f"\n== {label}" + (" (page cache off)" if args.no_cache else ""))
    print(f"{'request':<48} {'stmts':>5} {'p50':>8} {'p95':>8}")
    clients = {}
    for who, page, headers in pages(hot, warm, names):
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                clients[who].post_form("/auth/login", {"username": who, "password": PASSWORD})
        count, timings = measure(app, clients[who], page, args.runs, headers)
        p50 = statistics.median(timings) * 1000
        p95 = timings[int(len(timings) * 0.95) - 1] * 1000
        name = f"{who or 'anon'} {page}" + (" (htmx)" if headers else "")
        print(f"{name:<48} {count:>5} {p50:>6.1f}ms {p95:>6.1f}ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/bench-thread.sqlite")
    parser.add_argument("--reuse", action="store_true", help="the data is already there")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--no-cache", action="store_true", help="every page rendered anew")
    args = parser.parse_args()
    if args.only != "postgresql":
        if not args.reuse and os.path.exists(args.db):
            os.remove(args.db)
        bench("SQLite", f"sqlite:///{args.db}", args)
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    if postgres and args.only != "sqlite":
        bench("PostgreSQL", postgres, args)


if __name__ == "__main__":
    main()
