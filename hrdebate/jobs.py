"""The background worker and its periodic jobs, on Huey.

Huey runs with no extra service on the embedded default (its SQLite
storage, ``instance/jobs.sqlite``) and on Redis in production
(``JOBS_URL=redis://...``). Two tasks:

- ``deliver``: sends the outbox; every commit that wrote mail asks for it,
  so mail leaves within a second or so of the request.
- ``tick``: every minute, ``run_due``: every periodic job that is due.

``flask worker`` runs the consumer; ``flask jobs run-due`` runs ``run_due``
once (for cron, and for tests). A job is due by its own rule (``PERIODIC``):
the outbox and the reminders at every tick (each is safe to run twice at
once), a daily job once a Bishkek day from its hour, claimed in
``job_runs`` so two workers or a worker and cron never both run it."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import JobRun, utcnow
from .timeutil import LOCAL_TZ

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], object]
    # None: at every tick; an hour: once a Bishkek day, from that hour on.
    daily_at: int | None = None


PERIODIC: dict[str, Job] = {}


def periodic(name: str, daily_at: int | None = None):
    """Register ``function(now)`` as a periodic job."""
    def register(function):
        PERIODIC[name] = Job(name, function, daily_at)
        return function
    return register


@periodic("deliver")
def _deliver(now: datetime):
    from .mail import deliver_due

    return dict(deliver_due(now))


def run_due(now: datetime | None = None) -> dict[str, object]:
    """Run every periodic job that is due at ``now``, once; returns what
    each job that ran returned."""
    now = now or utcnow()
    done = {}
    for job in PERIODIC.values():
        if job.daily_at is not None and not _claim_daily(job, now):
            continue
        try:
            done[job.name] = job.run(now)
        except Exception:
            db.session.rollback()
            log.exception("periodic job %s failed", job.name)
            done[job.name] = "failed"
    return done


def _claim_daily(job: Job, now: datetime) -> bool:
    """True once a Bishkek day, from ``job.daily_at`` o'clock on, for whoever
    asks first (one UPDATE decides)."""
    local = now.astimezone(LOCAL_TZ)
    due_from = datetime.combine(local.date(), time(job.daily_at), LOCAL_TZ)
    if local < due_from:
        return False
    due_from = due_from.astimezone(now.tzinfo)
    if db.session.get(JobRun, job.name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(JobRun(name=job.name))
        except IntegrityError:
            pass  # another run added it meanwhile
    claimed = db.session.execute(
        update(JobRun)
        .where(JobRun.name == job.name,
               or_(JobRun.last_run_at.is_(None), JobRun.last_run_at < due_from))
        .values(last_run_at=now)
    ).rowcount
    db.session.commit()
    return claimed == 1


def last_runs() -> dict[str, datetime | None]:
    return dict(db.session.execute(select(JobRun.name, JobRun.last_run_at)).all())


# -- Huey --------------------------------------------------------------------------

def init_app(app) -> None:
    url = app.config.get("JOBS_URL")
    if url == "memory://":  # tests: tasks are queued and never run
        huey = MemoryHuey("hrdebate", results=False)
    elif url and url.startswith("sqlite:///"):  # one machine, its own file
        huey = SqliteHuey("hrdebate", results=False, filename=url.removeprefix("sqlite:///"))
    elif url:
        # Short timeouts: a request that wrote mail nudges the worker after its
        # commit, and must not hang on a Redis that does not answer (the
        # consumer's blocking reads wait 1 second: well under socket_timeout).
        from redis import ConnectionPool

        huey = RedisHuey("hrdebate", results=False, connection_pool=ConnectionPool.from_url(
            url, socket_connect_timeout=2, socket_timeout=5))
    else:
        huey = SqliteHuey("hrdebate", results=False,
                          filename=os.path.join(app.instance_path, "jobs.sqlite"))

    def in_app(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            with app.app_context():
                return function(*args, **kwargs)
        return run

    deliver = huey.task(name="deliver")(in_app(lambda: _deliver(utcnow())))
    huey.periodic_task(crontab(minute="*"), name="tick")(in_app(lambda: run_due()))
    app.extensions["jobs"] = {"huey": huey, "deliver": deliver}


def nudge() -> None:
    """Ask the worker to deliver the outbox now (after a commit that wrote
    mail). If the queue is away, the worker's next tick delivers it."""
    try:
        current_app.extensions["jobs"]["deliver"]()
    except Exception as error:  # Redis down: the mail is safe in the outbox
        current_app.logger.warning("could not wake the worker: %s", error)


def huey():
    return current_app.extensions["jobs"]["huey"]


from . import periodic as _periodic  # noqa: E402,F401  (registers hrdebate/periodic/)
