"""What admins see of the outbox at /admin/mail: how much waits, was sent
today and failed; the latest failures and the mails that wait too long;
when each daily job last ran. And the one thing they can do: give a failed
mail another attempt. A retry is not written to the moderation log (it
records decisions about people and their words, and a retry decides
nothing about anyone: it re-sends what was already due); it goes to the
application log with the admin's id. No request objects; flush only (the
request commits).

Recipients are shown by display name, linked to their admin page: the
address is one click away there for an admin who needs it, and this page,
shown while fixing a mail server, lists no one's address."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select, update
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from ..extensions import db
from ..forms import Form
from ..timeutil import LOCAL_TZ
from ..jobs import PERIODIC, last_runs
from ..models import Notification, OutboxMail, OutboxStatus, User, utcnow

log = logging.getLogger(__name__)

LISTED = 50
# A mail still pending this long after it was written has met a refusal
# (it waits for its next attempt) or no worker is running: a mail normally
# leaves within seconds, and a worker's claim lasts MAIL_CLAIM_SECONDS.
LATE_AFTER = timedelta(minutes=15)

@dataclass(frozen=True)
class Counts:
    pending: int
    late: int
    sent_today: int  # since midnight in Bishkek
    failed: int


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    notification_kind: str | None
    user_id: int
    display_name: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_error: str | None


def _today_starts(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return datetime.combine(local.date(), time(0), LOCAL_TZ).astimezone(now.tzinfo)


def counts(now: datetime | None = None) -> Counts:
    """The four numbers, in one statement."""
    now = now or utcnow()
    pending = OutboxMail.status == OutboxStatus.PENDING

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(select(
        count(pending),
        count(pending & (OutboxMail.created_at <= now - LATE_AFTER)),
        count((OutboxMail.status == OutboxStatus.SENT)
              & (OutboxMail.sent_at >= _today_starts(now))),
        count(OutboxMail.status == OutboxStatus.FAILED),
    )).one()
    return Counts(*(int(value) for value in row))


def _rows(condition, order) -> list[Row]:
    stmt = (
        select(OutboxMail.id, OutboxMail.kind, Notification.kind, OutboxMail.user_id,
               User.display_name, OutboxMail.status, OutboxMail.attempts,
               OutboxMail.created_at, OutboxMail.next_attempt_at, OutboxMail.last_error)
        .join(User, User.id == OutboxMail.user_id)
        .outerjoin(Notification, Notification.id == OutboxMail.notification_id)
        .where(condition).order_by(*order).limit(LISTED)
    )
    return [Row(*row) for row in db.session.execute(stmt)]


def failed() -> list[Row]:
    """The latest failed mails, newest first."""
    return _rows(OutboxMail.status == OutboxStatus.FAILED,
                 (OutboxMail.created_at.desc(), OutboxMail.id.desc()))


def late(now: datetime | None = None) -> list[Row]:
    """Pending mails written more than LATE_AFTER ago, oldest first."""
    now = now or utcnow()
    return _rows((OutboxMail.status == OutboxStatus.PENDING)
                 & (OutboxMail.created_at <= now - LATE_AFTER),
                 (OutboxMail.created_at, OutboxMail.id))


@dataclass(frozen=True)
class JobRow:
    name: str
    daily_at: int | None  # None: at every tick of the worker (each minute)
    last_run_at: datetime | None


def job_runs() -> list[JobRow]:
    """Every periodic job, with when a daily one last ran (jobs that run at
    every tick keep no record: the mails they send are their trace)."""
    runs = last_runs()
    return [JobRow(job.name, job.daily_at, runs.get(job.name)) for job in PERIODIC.values()]


class RetryMailForm(Form):
    """The Retry button of a failed mail (its id in a hidden field)."""

    mail = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


def retry(mail_id: int, admin: User) -> bool | None:
    """Give a failed mail another attempt, now: it is pending again, due at
    once, with its attempts and last error kept. Its give-up clock is not
    reset: if the server still cannot take it, it fails again at its next
    attempt rather than being retried for another MAIL_GIVE_UP_HOURS.
    False when it is not failed (any more): a double click does nothing;
    None when there is no such mail."""
    if db.session.get(OutboxMail, mail_id) is None:
        return None
    done = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=utcnow())
    ).rowcount == 1
    if done:
        log.info("admin %s retries mail %s", admin.id, mail_id)
    return done
