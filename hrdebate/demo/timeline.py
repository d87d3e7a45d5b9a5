"""The demo's story: what its people did, each step at its own moment.

The seeder first writes every step down with its moment, then runs them in
time order, each on a frozen clock (``dbtypes.frozen_clock``): the services
read that clock, so a vote cast, a comment posted or a check-in made "18
days ago" carries that date, and each rule is judged as it stood then (a
vote phase still open, a check-in window, an author not yet trusted, a mute
not yet given). A step finds what earlier steps made (users, clubs, events,
registrations) in the timeline's dictionaries.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import partial
from operator import itemgetter

from ..dbtypes import frozen_clock
from ..extensions import db
from ..timeutil import LOCAL_TZ


def local_moment(today: date, day: int, clock: str = "12:00") -> datetime:
    """``day`` days from ``today`` at ``clock`` Bishkek time, as aware UTC."""
    local = datetime.combine(today + timedelta(days=day), time.fromisoformat(clock), LOCAL_TZ)
    return local.astimezone(timezone.utc)


@dataclass(frozen=True)
class EventTimes:
    """When an event of the data was created, published, cancelled and held."""

    created: datetime
    published: datetime | None
    cancelled: datetime | None
    starts: datetime
    ends: datetime


class Timeline:
    def __init__(self, now: datetime, today: date):
        self.now = now
        self.today = today
        self.users = {}  # username: User
        self.clubs = {}  # slug: Club
        self.events = {}  # title: Event
        self.registrations = {}  # (title, username): Registration
        self.comments = []  # records of the discussions, with the Comment each made
        self.counts = Counter()
        self._steps = []

    def at(self, moment: datetime, step: Callable, *args, **kwargs) -> None:
        """Do ``step(*args, **kwargs)`` at ``moment``. Steps at the same
        moment run in the order they were written down."""
        assert moment <= self.now, f"{step.__name__} is in the future: {moment}"
        self._steps.append((moment, len(self._steps), partial(step, *args, **kwargs)))

    def run(self) -> None:
        """Every step in time order, each on its moment's clock; one commit
        at the end, as one request would (services only flush)."""
        for moment, _, step in sorted(self._steps, key=itemgetter(0, 1)):
            with frozen_clock(moment):
                step()
        db.session.commit()

    def event_times(self, spec: dict) -> EventTimes:
        """The moments of an ``EVENTS`` entry: a draft was written three days
        ago; a public event was published 12 days before it started (or
        before today, if it is running) and written two days before that; a
        cancelled one was cancelled two days ago."""
        starts = local_moment(self.today, spec["day"], spec["at"])
        ends = starts + spec.get("duration", timedelta(hours=2))
        if spec["status"] == "draft":
            return EventTimes(self.now - timedelta(days=3), None, None, starts, ends)
        published = min(starts, self.now) - timedelta(days=12)
        cancelled = self.now - timedelta(days=2) if spec["status"] == "cancelled" else None
        return EventTimes(published - timedelta(days=2), published, cancelled, starts, ends)
