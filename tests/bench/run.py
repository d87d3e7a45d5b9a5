"""`make bench`: issue #14's figures in one table, and as JSON.

    .venv/bin/python -m tests.bench.run [--json instance/bench.json] [--only latency|throughput]

1. The programme-scale dataset (``tests.bench.dataset``), built or reused.
2. The in-process latency table on it (``tests.bench.latency``): SQLite, and
   PostgreSQL when ``HRDEBATE_TEST_DATABASE_URL`` is set (that database is
   EMPTIED and rebuilt unless it already holds the same dataset).
3. Throughput against hello-world with wrk and gunicorn on the demo data
   (``tests.bench.throughput``; its PostgreSQL database is
   ``<that name>_demo``).

Settings (environment, or the options of each module):
  BENCH_SCALE            dataset scale (default 1: the issue's programme; 0.01 is quick)
  BENCH_SQLITE           the SQLite file of the dataset (default /tmp/hrdebate-bench-<scale>.sqlite)
  BENCH_ROUNDS           latency rounds per page (default 20), BENCH_WARMUP (default 2)
  BENCH_PAGE_SECONDS     a page stops after this many seconds of rounds, 3 rounds at least (30)
  BENCH_WRK_DURATION     each wrk run (default 10s); BENCH_WRK_CONNECTIONS (32), BENCH_WRK_THREADS (2)
  BENCH_GUNICORN_WORKERS gunicorn workers for the app and hello-world (default 2)
  BENCH_REDIS_URL        rate limits (and a cache, if the app has one) (redis://127.0.0.1:6379/14)
  HRDEBATE_TEST_DATABASE_URL  also run on this PostgreSQL database (emptied!)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tests.bench import latency, throughput

ROOT = Path(__file__).resolve().parents[2]


def machine() -> dict:
    def shell(*command):
        try:
            return subprocess.run(command, capture_output=True, text=True, cwd=ROOT).stdout.strip()
        except OSError:
            return ""

    model = next((line.split(":", 1)[1].strip() for line in shell("lscpu").splitlines()
                  if line.startswith("Model name")), platform.processor())
    import sqlite3

    versions = {"sqlite": sqlite3.sqlite_version,
                "wrk": (shell("wrk", "-v").split() or ["", ""])[1],
                "gunicorn": shell(sys.executable, "-m", "gunicorn", "--version")}
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    if postgres:
        import psycopg

        with psycopg.connect(postgres.replace("postgresql+psycopg", "postgresql")) as connection:
            versions["postgresql"] = connection.execute("SHOW server_version").fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "versions": versions,
            "system": platform.platform(), "commit": shell("git", "rev-parse", "--short", "HEAD"),
            "load_average_before": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=os.environ.get("BENCH_JSON",
                                                         str(ROOT / "instance" / "bench.json")))
    parser.add_argument("--only", choices=("latency", "throughput"))
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", 1)))
    args = parser.parse_args()
    postgres = os.environ.get("HRDEBATE_TEST_DATABASE_URL")
    report = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": machine()}
    started = time.perf_counter()
    if args.only != "throughput":
        report["latency"] = latency.run(
            args.scale, int(os.environ.get("BENCH_ROUNDS", 20)),
            int(os.environ.get("BENCH_WARMUP", 2)),
            float(os.environ.get("BENCH_PAGE_SECONDS", 30)), os.environ.get("BENCH_SQLITE"),
            postgres)
    if args.only != "latency":
        report["throughput"] = throughput.run(
            int(os.environ.get("BENCH_WRK_CONNECTIONS", 32)),
            int(os.environ.get("BENCH_WRK_THREADS", 2)),
            os.environ.get("BENCH_WRK_DURATION", "10s"),
            int(os.environ.get("BENCH_GUNICORN_WORKERS", 2)), postgres)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.perf_counter() - started, 1)
    m = report["machine"]
    print(f"\n# hrdebate bench, {report['started_at']}, commit {m['commit']}: {m['cpus']} CPUs "
          f"({m['cpu']}), load average {m['load_average_before'][0]} before, "
          f"{m['load_average_after'][0]} after (1 min)")
    if "latency" in report:
        sizes = next(iter(report["latency"].values()))["dataset"]["sizes"]
        print(f"\n## In-process latency, one request at a time (scale {args.scale:g}: "
              f"{sizes['events']:,} events, {sizes['users']:,} people, "
              f"{sizes['registrations']:,} registrations, {sizes['comments']:,} comments)\n")
        print(latency.table(report["latency"]))
    if "throughput" in report:
        s = report["throughput"]["settings"]
        print(f"\n## Throughput: wrk -t{s['threads']} -c{s['connections']} -d{s['duration']}, "
              f"gunicorn {s['gunicorn_workers']} workers, demo data\n")
        print(throughput.table(report["throughput"]))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\n(written to {args.json})")


if __name__ == "__main__":
    main()
