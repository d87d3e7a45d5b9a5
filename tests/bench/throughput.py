"""Throughput against hello-world (issue #14): wrk against gunicorn.

    .venv/bin/python -m tests.bench.throughput [--duration 10s] [--connections 32]

The app and a Flask hello-world (``tests.bench.hello``) are served the same
way in the same run: gunicorn, 2 sync workers (``BENCH_GUNICORN_WORKERS``),
production settings from the environment (``DATABASE_URL``,
``HRDEBATE_SECRET_KEY``, rate limits in Redis, ``BENCH_REDIS_URL``, default
redis://127.0.0.1:6379/14, or in each worker's memory when Redis does not
answer; a Flask-Caching ``CACHE_TYPE`` setting, when the app has one, is
pointed at the same Redis with a key prefix of its own). Rate limits stay
on: the pages measured are GETs, which no limit counts, and the one login is
well within the login limits; wrk's non-2xx answers are reported (and must be
0). Other ``HRDEBATE_*`` variables in the environment reach the app as usual.

The app serves the demo data (``flask seed-demo``, built anew each run) plus
comments on one published debate to bring it to exactly 100 published
comments. On a SQLite file in a temporary directory, and, when
``HRDEBATE_TEST_DATABASE_URL`` is set, on a PostgreSQL database next to it
named ``<that name>_demo`` (created if missing, emptied every run).

For each target: ``wrk -t2 -c32 -d2s`` to warm up, then ``wrk -t2 -c32 -d10s
--latency --timeout 30s`` with ``Accept-Encoding: gzip`` (like a browser): req/s, the ratio
to hello-world, p50 and p99. The signed-in event page is requested with the
cookies of the demo citizen, logged in once. Hello-world runs first and again
last; the ratios are to the mean of the two (a shared machine's load moves).
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "hrdebate-demo"
COMMENTS = 100
TARGETS = [  # (label, path or None for hello-world, signed in)
    ("hello-world", None, False),
    ("event page, 100 comments, anonymous", "/events/{event}", False),
    ("home", "/", False),
    ("event list", "/events/", False),
    ("event page, 100 comments, signed in", "/events/{event}", True),
]
_HX_HEADERS = re.compile(r'hx-headers="([^"]+)"')


# -- the demo database ----------------------------------------------------------------------

def prepare(url: str) -> int:
    """Empty the database at ``url``, load the demo, bring one published
    debate to exactly ``COMMENTS`` published comments; its id."""
    from sqlalchemy import func, insert, select, text

    from hrdebate import create_app
    from hrdebate.demo import seed
    from hrdebate.extensions import db
    from hrdebate.models import Comment, Event, User, utcnow
    from hrdebate.text import render_markdown
    from tests.bench.dataset import BODIES
    from tests.helpers import empty_schema

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        empty_schema()
        seed(DEMO_PASSWORD)
        db.session.commit()
        now = utcnow()
        event = db.session.scalars(
            select(Event).where(Event.status == "published", Event.kind == "debate",
                                Event.starts_at > now).order_by(Event.starts_at)).first()
        have = db.session.scalar(select(func.count()).select_from(Comment).where(
            Comment.event_id == event.id, Comment.status == "published"))
        authors = list(db.session.scalars(select(User.id).where(User.banned.is_(False))
                                          .order_by(User.id)))
        rows, parents = [], list(db.session.scalars(
            select(Comment.id).where(Comment.event_id == event.id, Comment.depth == 1,
                                     Comment.status == "published")))
        start = now - (now - event.published_at) / 2 if event.published_at else now
        for i in range(COMMENTS - have):
            body = BODIES[i % len(BODIES)]
            reply = parents and i % 3 != 0
            rows.append({"event_id": event.id, "author_id": authors[(i * 7) % len(authors)],
                         "parent_id": parents[(i * 5) % len(parents)] if reply else None,
                         "depth": 2 if reply else 1, "body": body,
                         "body_html": render_markdown(body), "status": "published",
                         "stance": ("for", "against", "neutral", None)[i % 4],
                         "created_at": start + (now - start) * i / COMMENTS})
        # Top-level comments first, so that replies have parents among them.
        db.session.execute(insert(Comment), [r for r in rows if r["parent_id"] is None])
        db.session.execute(insert(Comment), [r for r in rows if r["parent_id"] is not None])
        db.session.commit()
        event_id = event.id
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        else:
            db.session.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return event_id


# -- servers ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: no Redis
        return False


class Server:
    """gunicorn with ``workers`` sync workers serving ``target``."""

    def __init__(self, target: str, env: dict, workers: int, log_path: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", target],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            try:
                urllib.request.urlopen(self.base + "/", timeout=2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn {target} stopped: see {log_path}") from None
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start: see {log_path}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def app_env(url: str, redis_url: str | None) -> dict:
    from hrdebate.config import Defaults

    env = {"DATABASE_URL": url, "HRDEBATE_SECRET_KEY": "bench-throughput",
           "HRDEBATE_RATELIMIT_STORAGE_URI": redis_url or "memory://"}
    if redis_url and hasattr(Defaults, "CACHE_TYPE"):
        env.setdefault("HRDEBATE_CACHE_TYPE", "RedisCache")
        env.setdefault("HRDEBATE_CACHE_REDIS_URL", redis_url)
        env.setdefault("HRDEBATE_CACHE_KEY_PREFIX", f"bench{os.getpid()}:")
    return env


def login_cookie(base: str, username: str, password: str) -> str:
    """The Cookie header of a browser that logged in as ``username``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    field = re.search(r'name="csrf_token" value="([^"]+)"', page)  # the form's own token
    token = html.unescape(field.group(1)) if field else re.search(
        r'"X-CSRFToken": "([^"]+)"', html.unescape(_HX_HEADERS.search(page).group(1))).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    opener.open(base + "/auth/login", data=data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + "/account/", headers={"Cookie": cookie})
    with urllib.request.urlopen(check) as response:  # a signed-in page answers 200
        assert response.status == 200, response.status
    return cookie


# -- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _drain(url: str) -> None:
    """Wait until the server has answered what was queued before."""
    urllib.request.urlopen(url, timeout=120).close()


def wrk(url: str, connections: int, threads: int, duration: str, cookie: str | None) -> dict:
    headers = ["-H", "Accept-Encoding: gzip"]
    if cookie:
        headers += ["-H", f"Cookie: {cookie}"]
    # A request wrk gives up on stays queued in gunicorn and slows the next
    # run: a long timeout, and the queue drained after each run.
    base = ["wrk", f"-t{threads}", f"-c{connections}", "--timeout", "30s", *headers]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)
    _drain(url)
    output = subprocess.run([*base, f"-d{duration}", "--latency", url], check=True,
                            capture_output=True, text=True).stdout
    _drain(url)
    figures = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
               "requests": int(re.search(r"(\d+) requests in", output)[1])}
    for share in ("50", "99"):
        figures[f"p{share}_ms"] = round(_ms(re.search(rf"\s{share}%\s+(\S+)", output)[1]), 2)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(bad[1]) if bad else 0
    errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = errors[1] if errors else ""
    return figures


def run(connections: int, threads: int, duration: str, workers: int,
        postgres: str | None = None, redis_url: str | None = None, log=print) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does)")
    redis_url = redis_url or os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if not _redis_answers(redis_url):
        log(f"  Redis at {redis_url} does not answer: rate limits in each worker's memory")
        redis_url = None
    out = {"settings": {"connections": connections, "threads": threads, "duration": duration,
                        "gunicorn_workers": workers, "redis": redis_url}}
    with tempfile.TemporaryDirectory(prefix="hrdebate-bench-") as tmp:
        tmp = Path(tmp)
        targets = [("sqlite", f"sqlite:///{tmp / 'demo.sqlite'}")]
        if postgres:
            targets.append(("postgresql", _demo_database(postgres)))
        hello = Server("tests.bench.hello:app", {}, workers, tmp / "hello.log")
        try:
            for name, url in targets:
                log(f"== throughput on {name}: demo data")
                event = prepare(url)
                server = Server("app:app", app_env(url, redis_url), workers, tmp / f"{name}.log")
                try:
                    cookie = login_cookie(server.base, "citizen", DEMO_PASSWORD)
                    rows = {}
                    for label, path, signed_in in TARGETS:
                        target = hello.base + "/" if path is None \
                            else server.base + path.format(event=event)
                        rows[label] = {"path": "/" + target.split("/", 3)[3], **wrk(
                            target, connections, threads, duration,
                            cookie if signed_in else None)}
                        log(f"  {label}: {rows[label]['requests_per_second']:.0f} req/s")
                    # hello-world again at the end: on a shared machine the load
                    # changes during a run; the ratios use the mean of both.
                    again = wrk(hello.base + "/", connections, threads, duration, None)
                    first = rows["hello-world"]
                    first["first_requests_per_second"] = first["requests_per_second"]
                    first["last_requests_per_second"] = again["requests_per_second"]
                    first["requests_per_second"] = round(
                        (first["requests_per_second"] + again["requests_per_second"]) / 2, 2)
                finally:
                    server.stop()
                    server_log = (tmp / f"{name}.log").read_text()
                hello_rps = rows["hello-world"]["requests_per_second"]
                for figures in rows.values():
                    figures["ratio"] = round(figures["requests_per_second"] / hello_rps, 4)
                out[name] = {"event": event, "targets": rows,
                             "server_errors": server_log.count("Traceback")}
        finally:
            hello.stop()
    return out


def _demo_database(url: str) -> str:
    """``url``'s server, database ``<name>_demo`` (created if missing)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_demo"
    server = parts._replace(path="/postgres").geturl().replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path="/" + name).geturl()


def table(results: dict) -> str:
    databases = [d for d in results if d != "settings"]
    lines = ["| target | " + " | ".join(f"{d}: req/s (ratio), p50 / p99" for d in databases)
             + " |", "|" + " --- |" * (1 + len(databases))]
    for label, _path, _signed in TARGETS:
        cells = []
        for d in databases:
            f = results[d]["targets"][label]
            bad = f" **{f['non_2xx']} non-2xx**" if f["non_2xx"] else ""
            cells.append(f"{f['requests_per_second']:,.0f} ({f['ratio']:.3f}×), "
                         f"{f['p50_ms']:.1f} / {f['p99_ms']:.1f} ms{bad}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default=os.environ.get("BENCH_WRK_DURATION", "10s"))
    parser.add_argument("--connections", type=int,
                        default=int(os.environ.get("BENCH_WRK_CONNECTIONS", 32)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_WRK_THREADS", 2)))
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("BENCH_GUNICORN_WORKERS", 2)))
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    results = run(args.connections, args.threads, args.duration, args.workers,
                  os.environ.get("HRDEBATE_TEST_DATABASE_URL"))
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
