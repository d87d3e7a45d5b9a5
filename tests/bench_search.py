"""Benchmark of the event search on a large generated programme.

    .venv/bin/python -m tests.bench_search [--events 10000] [--runs 40]

Generates events whose titles, venues, clubs, regions and themes mix the
four languages (Kyrgyz and Russian Cyrillic, Uzbek Latin, English), with
their search keys, then times the search: the SQL of one page of results
(the count and the page, as ``events.services.event_list`` runs them) and
the whole /events/ request, p50 and p95 over ``--runs`` runs, and the
matching alone (counting the events the query finds), for short,
long, several-word and unmatched queries; and counts the page's statements
with and without a query. Runs on a throw-away SQLite file, and also on
PostgreSQL when ``HRDEBATE_TEST_DATABASE_URL`` is set (there it shows
whether the planner uses the trigram index, with the default
``random_page_cost`` and with the 1.1 advised for SSDs). That database is emptied (all
tables dropped and created) like the test suite does: never point it at
real data.

Not collected by pytest (no ``test_`` prefix).
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from hrdebate.choices import Region
from hrdebate.events.filters import EventFilters
from hrdebate.events.services import event_list
from hrdebate.extensions import db
from hrdebate.models import Club, Event, EventKind, Topic, event_topics, utcnow
from hrdebate.search import club_key, event_key, matches
from tests.bench_turnout import _app, _bulk
from tests.helpers import count_queries

BATCH = 5_000
# Words of titles in the four languages (Kyrgyz, Russian, Uzbek Latin, English).
WORDS = (
    "Жаштар кеңеши шайлоо укук эркиндик сөз жамаат аялдар балдар билим сот акыйкат "
    "Свобода слова право выборы молодёжь суд защита равенство женщины дети образование "
    "yigʻilish huquq xalqaro yoshlar jamiyat ozodlik saylov ayollar bolalar taʼlim sud "
    "rights youth council court freedom speech women children education equality debate"
).split()
VENUES = ("Ош мамлекеттик университети", "AUCA, room 301", "Naryn, Jashtar Borboru",
          "Бишкек, Дом дружбы", "Oʻsh, Navoiy koʻchasi 5", "Main hall", "Каракол, 2-мектеп")
QUERIES = ("Ош", "кенеш", "yig'ilish", "свобода слова", "xalqaro huquq", "ab", "nothing-like-this")


def _vocabulary(rng, size: int = 3000) -> list[str]:
    """Made-up words of two to four syllables, half in Cyrillic, half in
    Latin letters: the bulk of the titles, so that a real word is as rare
    in the generated programme as in a real one."""
    syllables = ("ка ла ма ны ру тө сү бе ки до жа ңа ша ор ул ис эм ба ты ке "
                 "qo ʻl gʻa xa yo sh ch ni ro ta mu za be li so ve do pa ri").split()
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
            for _ in range(size)]


def _words(rng, vocabulary: list[str], n: int) -> str:
    """``n`` words; now and then one of the real ``WORDS``."""
    return " ".join(rng.choice(WORDS) if rng.random() < 0.1 else rng.choice(vocabulary)
                    for _ in range(n))


def generate(n_events: int, seed: int = 11) -> int:
    """Clubs and ``n_events`` events with themes and search keys; returns
    the number of events."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    now = utcnow()
    topics = dict(db.session.execute(select(Topic.slug, Topic.id)).all())
    clubs = []
    for i in range(max(1, n_events // 25)):
        region = rng.choice(Region.values())
        name = f"{_words(rng, vocabulary, 2).capitalize()} {i}"
        clubs.append({"slug": f"club-{i}", "name": name, "club_type": "university_club",
                      "city": "Bishkek", "region": region,
                      "search_key": club_key(name=name, city="Bishkek", region=region,
                                             description="")})
    _bulk(Club, clubs)
    club_rows = db.session.execute(select(Club.id, Club.name)).all()

    events, themes = [], []
    for i in range(n_events):
        club_id, club_name = rng.choice(club_rows)
        starts_at = now - timedelta(days=rng.uniform(-60, 730))
        title = _words(rng, vocabulary, 5).capitalize()
        summary = _words(rng, vocabulary, 12)
        venue, region = rng.choice(VENUES), rng.choice(Region.values())
        slugs = rng.sample(list(topics), rng.choice((1, 2, 3)))
        events.append({
            "club_id": club_id, "kind": EventKind.DEBATE.value, "status": "published",
            "title": title, "summary": summary, "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2), "venue": venue, "region": region,
            "language": rng.choice(("ky", "ru", "uz", "en")),
            "motion": "This house would lower the voting age to 16",
            "search_key": event_key(title=title, summary=summary, motion=None, case_title=None,
                                    venue=venue, region=region, club_name=club_name,
                                    topic_slugs=slugs),
        })
        themes.append(slugs)
    _bulk(Event, events)
    ids = db.session.scalars(select(Event.id).order_by(Event.id)).all()
    _bulk(event_topics, [{"event_id": event_id, "topic_id": topics[slug]}
                         for event_id, slugs in zip(ids, themes) for slug in slugs])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return len(ids)


def _percentiles(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:>7.1f} {p95 * 1000:>7.1f}"


def _plans(queries: list[str]) -> None:
    """PostgreSQL's plan for counting the matches, as chosen and with the
    trigram index forced (sequential scans off), with their run times."""
    for query in queries:
        counting = select(func.count()).select_from(Event).where(*matches(Event.search_key, query))
        compiled = counting.compile(db.engine, compile_kwargs={"literal_binds": True})
        for setting in ("on", "off"):
            db.session.execute(text(f"SET enable_seqscan = {setting}"))
            plan = db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
            scans = [line.strip() for line in plan if "Scan" in line or "Execution" in line]
            print(f"plan for {query!r}, seqscan {setting}:", *scans, sep="\n    ")
        db.session.execute(text("RESET enable_seqscan"))


def bench(label: str, url: str, n_events: int, runs: int, settings: str = "") -> None:
    app = _app(url, settings)
    started = time.perf_counter()
    with app.app_context():
        made = generate(n_events)
    print(f"\n== {label}: {made:,} events (generated in {time.perf_counter() - started:.1f} s)")
    print(f"{'query':<22} {'found':>6} {'match p50':>10} {'p95':>7} {'SQL p50':>10} {'p95':>7}"
          f" {'page p50':>10} {'p95':>7} {'statements':>10}")
    client = app.test_client()
    for query in ("", *QUERIES):
        filters = EventFilters(q=query, when="all")
        sql, match = [], []
        with app.app_context():
            found = event_list(filters, 1).total
            counting = select(func.count()).select_from(Event).where(
                *matches(Event.search_key, query))
            for _ in range(runs):
                begun = time.perf_counter()
                db.session.scalar(counting)
                match.append(time.perf_counter() - begun)
            for _ in range(runs):
                begun = time.perf_counter()
                event_list(filters, 1).items
                sql.append(time.perf_counter() - begun)
                db.session.remove()
        page = []
        for _ in range(runs):
            begun = time.perf_counter()
            response = client.get("/events/", query_string={"q": query, "when": "all"})
            response.get_data()
            page.append(time.perf_counter() - begun)
        with count_queries(app) as statements:
            assert client.get("/events/", query_string={"q": query, "when": "all"}
                              ).status_code == 200
        print(f"{query or '(none)':<22} {found:>6} {_percentiles(match)} ms {_percentiles(sql)} ms"
              f" {_percentiles(page)} ms {len(statements):>6}")
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _plans(["кенеш", "свобода слова", "nothing-like-this"])
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.events, args.runs)
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    if postgres:
        bench("PostgreSQL", postgres, args.events, args.runs)
        # PostgreSQL's advice for SSDs; with the default (4) the planner
        # prefers reading the whole table at 10,000 events.
        bench("PostgreSQL, random_page_cost = 1.1", postgres, args.events, args.runs,
              "-c random_page_cost=1.1")
    else:
        print("\n(Set HRDEBATE_TEST_DATABASE_URL to run on PostgreSQL too.)")


if __name__ == "__main__":
    main()
