"""Who registered, waited, cancelled, came and stayed away, as each city's
``ATTENDANCE`` says, through the participation services: the service gives a
seat or a place on the waitlist, checks people in (which issues their
certificate code) and lets walk-ins in; the club revokes a certificate
through the certificates service. Who of the audience did what is drawn with
a fixed random seed, so the demo is the same every time it is loaded.
"""

import random
from datetime import datetime, timedelta

from ..certificates.services import revoke_certificate
from ..models import User
from ..participation.services import (
    add_walk_in,
    register,
    self_check_in,
    set_checked_in,
    unregister,
)
from .data import ATTENDANCE, AUDIENCE, CITIZENS, EVENTS, MEMBERSHIPS, VOTERS
from .timeline import Timeline

SHARE_CHECKING_IN_THEMSELVES = 0.45


def schedule(story: Timeline) -> None:
    rng = random.Random(20240601)  # the same demo every time
    people = CITIZENS + VOTERS + AUDIENCE
    audience = [row[0] for row in people]
    region_of = {row[0]: row[6] for row in people}
    owners = {slug: username for slug, username, role in MEMBERSHIPS if role == "owner"}
    crew = {(slug, username) for slug, username, role in MEMBERSHIPS
            if role in ("owner", "organiser")}
    specs = {spec["title"]: spec for spec in EVENTS}
    unknown = set(ATTENDANCE) - set(specs)
    assert not unknown, f"no such demo events: {unknown}"
    for title, spec in ATTENDANCE.items():
        event = specs[title]
        assert event["status"] != "draft", title
        pool = [name for name in audience if (event["club"], name) not in crew]
        _schedule_event(story, title, spec, story.event_times(event), pool, region_of,
                        owners[event["club"]], rng)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _schedule_event(story: Timeline, title: str, spec: dict, times, pool: list[str],
                    region_of: dict, checker: str, rng: random.Random) -> None:
    """One event's registrations, cancellations, check-ins, walk-ins and
    revoked certificates. ``pool``: who may come (never the club's own
    owner or organisers, who do the checking in)."""
    also = list(spec.get("also", ()))
    waitlist = list(spec.get("waitlist", ()))
    cancelled = list(spec.get("cancelled", ()))
    named = also + waitlist + cancelled
    assert len(set(named)) == len(named), f"someone named twice: {title}"

    # Mostly people from the club's own regions, a few from elsewhere.
    pool = [name for name in pool if name not in named]
    local = [name for name in pool if region_of[name] in spec["regions"]]
    others = [name for name in pool if region_of[name] not in spec["regions"]]
    rng.shuffle(local)
    rng.shuffle(others)
    wanted = spec["registered"] - len(also)
    n_local = min(len(local), round(wanted * 0.85))
    seated = also + local[:n_local] + others[:wanted - n_local]
    rng.shuffle(seated)
    assert len(seated) == spec["registered"], f"not enough demo people: {title}"

    # From publication until shortly before the start (or the cancellation);
    # the waitlist joined after the last seat was taken.
    opened = times.published
    closed = min(times.starts - timedelta(hours=2), story.now - timedelta(hours=1))
    if times.cancelled:
        closed = min(closed, times.cancelled - timedelta(hours=1))
    moments = sorted(_between(rng, opened, closed) for _ in range(len(seated) + len(waitlist)))
    for n, (name, at) in enumerate(zip(seated + waitlist, moments)):
        expected = "registered" if n < len(seated) else "waitlisted"
        story.at(at, _register, story, title, name, expected)
    for name in cancelled:
        at = _between(rng, opened, closed)
        story.at(at, _register, story, title, name, "registered")
        story.at(_between(rng, at, closed), _unregister, story, title, name)

    if times.starts >= story.now:
        return
    # Check-in at the door: about half by the organiser, the rest with the
    # code on the screen. People named in ``also`` always came.
    stayed_away = set(rng.sample([n for n in seated if n not in also], spec.get("no_shows", 0)))
    came = [name for name in seated if name not in stayed_away]
    for name in came:
        at = times.starts + timedelta(minutes=rng.randint(-40, 15))
        by = None if rng.random() < SHARE_CHECKING_IN_THEMSELVES else checker
        story.at(at, _check_in, story, title, name, by)
    for name, answers in spec.get("walk_ins", ()):
        at = times.starts + timedelta(minutes=rng.randint(-15, 30))
        story.at(at, _walk_in, story, title, checker, name, answers)
    for name in rng.sample([n for n in came if n not in also], spec.get("revoked", 0)):
        at = min(times.ends + timedelta(days=rng.randint(2, 6)), story.now - timedelta(hours=3))
        story.at(at, _revoke, story, title, name)


def _register(story: Timeline, title: str, username: str, expected: str) -> None:
    registration = register(story.events[title], story.users[username])
    assert registration.status == expected, f"{username} is {registration.status}: {title}"
    story.registrations[title, username] = registration
    story.counts["registrations"] += 1


def _unregister(story: Timeline, title: str, username: str) -> None:
    unregister(story.events[title], story.users[username])


def _check_in(story: Timeline, title: str, username: str, by: str | None) -> None:
    event = story.events[title]
    if by is None:
        self_check_in(event, story.users[username], event.checkin_code)
    else:
        set_checked_in(story.registrations[title, username], story.users[by], True)


def _walk_in(story: Timeline, title: str, by: str, name: str, answers: tuple | None) -> None:
    demographics = dict(zip(User.DEMOGRAPHIC_FIELDS, answers or ()))
    add_walk_in(story.events[title], story.users[by], name, consent=answers is not None,
                **demographics)
    story.counts["registrations"] += 1


def _revoke(story: Timeline, title: str, username: str) -> None:
    revoke_certificate(story.registrations[title, username])
