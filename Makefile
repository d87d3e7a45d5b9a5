# hrdebate: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app.py

.PHONY: run test install translations compile-translations db clean loadtest bench

$(BIN)/flask: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/flask

compile-translations: install
	$(BIN)/pybabel compile -d translations

db: install compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty

# The background worker (mail, reminders, digests, retention) runs beside the
# development server; mail is printed here instead of sent. Ctrl+C stops both.
run: db
	export HRDEBATE_MAIL_CONSOLE=true; \
	$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The suite runs on TEST_WORKERS processes (pytest-xdist; auto: one per CPU
# core); `make test TEST_WORKERS=0` runs it in this one process. loadfile:
# a file's tests run in one worker, in order (the fuzz walk's last test reads
# what its role runs saw; a module's shared server starts once).
TEST_WORKERS ?= auto
test: compile-translations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# 30 signed-in people against gunicorn (4 workers) while a worker is killed
# and the database connections are terminated; not part of `make test`.
# LOADTEST_SECONDS (default 60); HRDEBATE_LOADTEST_DATABASE_URL=postgresql://...
# runs on that PostgreSQL database (emptied first!) with Redis rate limits.
loadtest: install compile-translations
	$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,load]'
	$(BIN)/python -m tests.load.run
	$(BIN)/python -m tests.load.run --postgres

# Issue #14's figures (tests/bench/run.py): the programme-scale dataset (built
# once, then reused), in-process latency on it, and throughput against a
# hello-world with wrk and gunicorn; one table, and instance/bench.json. Not
# part of `make test`. BENCH_SCALE=0.01 for a quick run; the other settings
# (BENCH_*, HRDEBATE_TEST_DATABASE_URL=postgresql://... , emptied!) are in
# tests/bench/run.py.
bench: install compile-translations
	command -v wrk >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

# Extract every message, update the ky, ru, uz and en catalogues, compile.
translations: install
	$(BIN)/flask i18n update

clean:
	rm -rf $(VENV) .pytest_cache
