"""In-process latency at programme scale (issue #14): the Flask test client,
one request at a time, on the dataset of ``tests.bench.dataset``.

    .venv/bin/python -m tests.bench.latency [--scale 1] [--rounds 20] [--sqlite PATH]

Runs on a SQLite file (built or reused, default /tmp/hrdebate-bench-<scale>.sqlite)
and, when ``HRDEBATE_TEST_DATABASE_URL`` is set, on that PostgreSQL database
too (EMPTIED and rebuilt unless it already holds the same dataset).

Each page: warm-up requests, then ``rounds`` rounds over all the pages in turn
(a page whose rounds have taken more than ``--page-seconds`` in all stops
early, after at least three); p50 and p95 of the rounds, the SQL statements
of one request (``tests.helpers.count_queries``) and the response's size. The
app runs with production settings (TESTING off, CSRF on), rate limits off;
requests ask for gzip like a browser. Anonymous requests carry no cookies
(a first visit, like wrk); signed-in ones carry the login cookie.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from tests.bench import dataset

# (label, who: None for anonymous or a dataset username, path with {info} fields)
PAGES = [
    ("/", None, "/"),
    ("/events/<id> 300 comments, anonymous", None, "/events/{event_300_comments}"),
    ("/events/<id> 300 comments, signed in", "citizen", "/events/{event_300_comments}"),
    ("/events/?when=all&page=200", None, "/events/?when=all&page=200"),
    ("/events/<id>/attendance (organiser)", "organiser", "/events/{event_attendance}/attendance"),
    ("/turnout/ admin", "admin", "/turnout/"),
    ("/turnout/ organiser", "organiser", "/turnout/"),
    ("/turnout/export.csv admin", "admin", "/turnout/export.csv"),
    ("/moderation/ (moderator)", "moderator", "/moderation/"),
    ("/events.ics", None, "/events.ics"),
]
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "ru"}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def app_for(url: str):
    from hrdebate import create_app
    from tests.helpers import Client

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    app.test_client_class = Client
    return app


def measure(url: str, info: dict, rounds: int, warmup: int, page_seconds: float,
            log=print) -> dict:
    """The latency table on the database at ``url``: {label: figures}."""
    from tests.helpers import count_queries

    app = app_for(url)
    clients = {None: app.test_client(use_cookies=False)}
    for who in {who for _label, who, _path in PAGES if who}:
        client = app.test_client()
        response = client.post_form("/auth/login", {"username": who,
                                                     "password": dataset.PASSWORD})
        assert response.status_code == 302, (who, response.status_code)
        clients[who] = client

    def get(who, path):
        started = time.perf_counter()
        response = clients[who].get(path, headers=HEADERS)
        body = response.get_data()
        return time.perf_counter() - started, response.status_code, len(body)

    results = {}
    for label, who, path in PAGES:
        path = path.format(**info)
        for _ in range(warmup):
            if get(who, path)[0] > 5:  # a slow page: one warm-up is enough
                break
        with count_queries(app) as statements:
            _elapsed, status, size = get(who, path)
        results[label] = {"path": path, "who": who or "anonymous", "status": status,
                          "bytes": size, "statements": len(statements), "times": []}
        log(f"  {label}: {status}, {len(statements)} statements, {size:,} bytes")
    for n in range(rounds):
        for label, who, _path in PAGES:
            figures = results[label]
            if len(figures["times"]) >= 3 and sum(figures["times"]) > page_seconds:
                continue
            elapsed, status, _size = get(who, figures["path"])
            figures["times"].append(elapsed)
            if status != figures["status"]:
                figures["status"] = status
    for figures in results.values():
        times = figures.pop("times")
        figures.update(rounds=len(times), p50_ms=round(percentile(times, 0.5) * 1000, 1),
                       p95_ms=round(percentile(times, 0.95) * 1000, 1),
                       max_ms=round(max(times) * 1000, 1))
    with app.app_context():
        from hrdebate.extensions import db

        db.session.remove()
        db.engine.dispose()
    return results


def sqlite_url(path: str | None, scale: float) -> str:
    path = path or os.environ.get("BENCH_SQLITE") or f"/tmp/hrdebate-bench-{scale:g}.sqlite"
    return f"sqlite:///{Path(path).resolve()}"


def run(scale: float, rounds: int, warmup: int, page_seconds: float, sqlite: str | None = None,
        postgres: str | None = None, seed: int = 14, log=print) -> dict:
    """Both databases' tables (PostgreSQL only with ``postgres``)."""
    out = {}
    targets = [("sqlite", sqlite_url(sqlite, scale))]
    if postgres:
        targets.append(("postgresql", postgres))
    for name, url in targets:
        log(f"== {name}: dataset at scale {scale:g}")
        info = dataset.build(url, scale, seed, log=log)
        started = time.perf_counter()
        pages = measure(url, info, rounds, warmup, page_seconds, log=log)
        out[name] = {"dataset": {"scale": scale, "seed": seed, "sizes": info["sizes"],
                                 "built_at": info["built_at"]},
                     "seconds": round(time.perf_counter() - started, 1), "pages": pages}
    return out


def table(results: dict) -> str:
    """Markdown: one row per page, p50 / p95 and statements per database."""
    databases = list(results)
    head = "| page | " + " | ".join(f"{d} p50 / p95 (statements)" for d in databases) + " |"
    lines = [head, "|" + " --- |" * (1 + len(databases))]
    for label, _who, _path in PAGES:
        cells = []
        for d in databases:
            f = results[d]["pages"][label]
            bad = "" if f["status"] == 200 else f" **HTTP {f['status']}**"
            cells.append(f"{_ms(f['p50_ms'])} / {_ms(f['p95_ms'])} ({f['statements']}){bad}")
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ms(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1)))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 20)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 2)))
    parser.add_argument("--page-seconds", type=float,
                        default=float(os.environ.get("BENCH_PAGE_SECONDS", 30)))
    parser.add_argument("--sqlite", help="the SQLite file (built or reused)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    results = run(args.scale, args.rounds, args.warmup, args.page_seconds, args.sqlite,
                  os.environ.get("HRDEBATE_TEST_DATABASE_URL"))
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
