"""``seed``: the demo's data done again by its people, through the services
they use on the site (see ``timeline``). People sign up and clubs are
founded half a year ago; events are written, published, held, voted on,
judged and cancelled at their own dates; then come the registrations
(``attendance``) and the discussions with their moderation
(``discussions``). Every date is relative to today, so the demo always has
past, running and upcoming events, whenever it is loaded.
"""

from datetime import timedelta

from ..account.services import give_demographics
from ..clubs.services import (
    APPOINTABLE_ROLES,
    appoint,
    follow,
    found_club,
    set_verified,
)
from ..clubs.services import EDITABLE_FIELDS as CLUB_FIELDS
from ..events.services import (
    EDITABLE_FIELDS,
    add_milestone,
    add_progress_update,
    cancel_event,
    cast_vote,
    change_voting,
    create_event,
    publish_event,
    publish_judgement,
    set_milestone_status,
)
from ..extensions import db
from ..models import User, seed_topics, utcnow
from ..moderation.services import sanction
from ..notifications.services import mark_all_read
from ..timeutil import LOCAL_TZ
from . import attendance, discussions
from .data import (
    ACCOUNT_DEMOGRAPHICS,
    ACCOUNTS,
    AUDIENCE,
    CITIZENS,
    CLUBS,
    EVENTS,
    FOLLOWS,
    MEMBERSHIPS,
    SANCTIONS,
    VOTERS,
)
from .timeline import Timeline, local_moment

# The story begins: people sign up, clubs are founded and followed.
STORY_BEGINS_DAYS_AGO = 180
# Keys of an EVENTS entry that are not event fields.
EXTRA_KEYS = ("club", "status", "day", "at", "duration", "topics", "voting_state", "votes",
              "milestones", "updates", "judgement", "cancellation_reason")
# How a debate's vote reaches each state: the organiser's actions, in order.
VOTING_STEPS = {
    "before_open": (),
    "before_closed": ("close_before",),
    "after_open": ("close_before", "open_after"),
    "closed": ("close_before", "open_after", "close_after"),
}


def seed(password: str) -> str:
    seed_topics()
    now = utcnow()
    story = Timeline(now, now.astimezone(LOCAL_TZ).date())
    begins = now - timedelta(days=STORY_BEGINS_DAYS_AGO)
    story.at(begins, _sign_up, story, password)
    story.at(begins + timedelta(days=10), _found_clubs, story)
    for username, slug in FOLLOWS:
        story.at(begins + timedelta(days=12), _follow, story, username, slug)
    for n, spec in enumerate(EVENTS):
        _schedule_event(story, spec, offset=7 * n)
    attendance.schedule(story)
    discussions.schedule(story)
    for username, by, kind, reason, days, hours_ago in SANCTIONS:
        story.at(now - timedelta(hours=hours_ago), _sanction, story, username, by, kind,
                 reason, days)
    # Everyone read their notifications three days ago; what came since is new.
    story.at(now - timedelta(days=3), _read_notifications, story)
    story.run()
    discussions.check_outcomes(story)
    counts = story.counts
    return (f"Created {len(story.users)} users, {len(story.clubs)} clubs, "
            f"{len(story.events)} events, {counts['votes']} votes, "
            f"{counts['registrations']} registrations and {counts['comments']} comments.")


# -- people and clubs ------------------------------------------------------------

def _sign_up(story: Timeline, password: str) -> None:
    """Every account, with the same password (hashed once: scrypt is slow on
    purpose). The site role and locale are plain attributes, as
    ``flask create-user`` sets them; the demographics go through the account
    service, which records the consent."""
    password_hash = None
    for username, display_name, role, locale in ACCOUNTS:
        # Confirmed addresses at example.org (reserved: nothing is delivered
        # there): with `make run`, the console shows their reminders and digests.
        story.users[username] = User(username=username, display_name=display_name,
                                     site_role=role, locale=locale,
                                     email=f"{username}@example.org",
                                     email_verified_at=story.now)
    for username, display_name, locale, *_answers in CITIZENS + VOTERS + AUDIENCE:
        story.users[username] = User(username=username, display_name=display_name,
                                     site_role="citizen", locale=locale)
    for user in story.users.values():
        if password_hash is None:
            user.set_password(password)
            password_hash = user.password_hash
        user.password_hash = password_hash
    db.session.add_all(story.users.values())
    db.session.flush()
    answers = {row[0]: row[3:] for row in CITIZENS + VOTERS + AUDIENCE if row[3]}
    answers.update(ACCOUNT_DEMOGRAPHICS)
    for username, (age_band, gender, affiliation, region) in answers.items():
        give_demographics(story.users[username], age_band=age_band, gender=gender,
                          affiliation=affiliation, region=region)


def _found_clubs(story: Timeline) -> None:
    owners = {slug: username for slug, username, role in MEMBERSHIPS if role == "owner"}
    for spec in CLUBS:
        club = found_club(story.users[owners[spec["slug"]]],
                          {field: spec[field] for field in CLUB_FIELDS})
        club.slug = spec["slug"]  # the demo's own, shorter slugs
        db.session.flush()  # before set_verified reads the club again under its lock
        if spec["verified"]:
            set_verified(club, story.users["admin"], True)
        story.clubs[spec["slug"]] = club
    for slug, username, role in MEMBERSHIPS:
        club, user = story.clubs[slug], story.users[username]
        if role in APPOINTABLE_ROLES:
            appoint(club, user, role)
        elif role != "owner":
            club.add_member(user, role)  # no service yet: the owner added them
    db.session.flush()


def _follow(story: Timeline, username: str, slug: str) -> None:
    follow(story.users[username], story.clubs[slug])


# -- events ------------------------------------------------------------------------

def _schedule_event(story: Timeline, spec: dict, offset: int) -> None:
    """An event's life: written (with its milestones), published, progress
    updates, the debate's votes, the judgement, a cancellation."""
    times = story.event_times(spec)
    story.at(times.created, _create_event, story, spec, times)
    if times.published:
        story.at(times.published, _event_step, story, spec["title"], publish_event)
    for title, day, status in spec.get("milestones", ()):
        if status != "planned":
            # Done on its due day; still running for the last few days.
            at = min(local_moment(story.today, day, "18:00"), story.now - timedelta(days=4))
            story.at(at, _milestone_status, story, spec["title"], title, status)
    for author, day, body in spec.get("updates", ()):
        story.at(local_moment(story.today, day, "19:00"), _progress_update, story,
                 spec["title"], author, story.today + timedelta(days=day), body)
    if "votes" in spec:
        _schedule_votes(story, spec, times, offset)
    if judgement := spec.get("judgement"):
        story.at(local_moment(story.today, judgement["day"], "20:00"), _event_step, story,
                 spec["title"], publish_judgement, judgement["outcome"], judgement["reasoning"])
    if times.cancelled:
        story.at(times.cancelled, _event_step, story, spec["title"], cancel_event,
                 spec.get("cancellation_reason"))


def _create_event(story: Timeline, spec: dict, times) -> None:
    club = story.clubs[spec["club"]]
    data = {key: value for key, value in spec.items() if key not in EXTRA_KEYS}
    unknown = set(data) - set(EDITABLE_FIELDS)
    assert not unknown, f"not event fields: {unknown}"
    data.update(starts_at=times.starts, ends_at=times.ends, region=club.region)
    event = create_event(club, data, spec["topics"], by=None)  # the system
    for title, day, _status in spec.get("milestones", ()):
        add_milestone(event, title, story.today + timedelta(days=day), "planned")
    story.events[spec["title"]] = event


def _event_step(story: Timeline, title: str, service, *args) -> None:
    service(story.events[title], *args)


def _milestone_status(story: Timeline, event_title: str, title: str, status: str) -> None:
    milestone = next(m for m in story.events[event_title].milestones if m.title == title)
    set_milestone_status(milestone, status)


def _progress_update(story: Timeline, event_title: str, author: str, posted_on, body: str):
    add_progress_update(story.events[event_title], story.users[author], posted_on, body)


def _schedule_votes(story: Timeline, spec: dict, times, offset: int) -> None:
    """The same people vote in both phases, so that the swing reads as minds
    changed; ``offset`` varies the audience per debate. Before: a day before
    the start (or today). The organiser closes that vote at the start, and
    opens the second one for the last quarter of an hour."""
    voters = [row[0] for row in CITIZENS + VOTERS]
    audience = voters[offset % len(voters):] + voters[:offset % len(voters)]
    moments = {"close_before": times.starts, "open_after": times.ends - timedelta(minutes=15),
               "close_after": times.ends + timedelta(minutes=15)}
    cast = {"before": min(times.starts, story.now) - timedelta(days=1),
            "after": times.ends - timedelta(minutes=10)}
    for action in VOTING_STEPS[spec.get("voting_state", "before_open")]:
        story.at(moments[action], _event_step, story, spec["title"], change_voting, action)
    for phase, (n_for, n_against, n_undecided) in spec["votes"].items():
        choices = ["for"] * n_for + ["against"] * n_against + ["undecided"] * n_undecided
        assert len(choices) <= len(audience), "not enough demo voters"
        for username, choice in zip(audience, choices):
            story.at(cast[phase], _vote, story, spec["title"], username, phase, choice)


def _vote(story: Timeline, title: str, username: str, phase: str, choice: str) -> None:
    cast_vote(story.events[title], story.users[username], phase, choice)
    story.counts["votes"] += 1


# -- moderators and readers ------------------------------------------------------

def _sanction(story: Timeline, username: str, by: str, kind: str, reason: str,
              days: int | None) -> None:
    sanction(story.users[username], story.users[by], kind, reason, days)


def _read_notifications(story: Timeline) -> None:
    for user in story.users.values():
        mark_all_read(user.id)
