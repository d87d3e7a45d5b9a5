"""Event rules: the list, create, edit, publish, cancel; debate votes;
judgements; civic-project milestones and updates. No Flask request objects
here. Services add and flush; the request commits once (``unit_of_work``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..idempotent import RESENT_WITHIN, dialect_insert
from ..models import (
    Club,
    ClubFollow,
    Event,
    Milestone,
    Notification,
    ProgressUpdate,
    Registration,
    Topic,
    User,
    Vote,
    utcnow,
)
from ..models.event import (
    KIND_FIELDS,
    Instrument,
    VOTING_TRANSITIONS,
    EventKind,
    EventStatus,
    VoteChoice,
    VotePhase,
)
from ..models.notification import NotificationKind
from ..models.registration import RegistrationStatus
from ..notifications.services import notify, notify_event_changed
from ..participation.services import date_change_refusal, registration_of
from ..rules import Refusal, RuleError, refuse
from ..text import render_markdown
from ..timeutil import LOCAL_TZ
from ..unit_of_work import lock_and_reread, lock_row
from .filters import Cursor

PER_PAGE = 20
COMMON_FIELDS = (
    "kind", "title", "summary", "description", "starts_at", "ends_at", "venue", "region",
    "online_url", "language", "capacity", "registration_opens_at", "registration_closes_at",
)
EDITABLE_FIELDS = COMMON_FIELDS + tuple(f for fields in KIND_FIELDS.values() for f in fields)


# -- the list ------------------------------------------------------------------

@dataclass(frozen=True)
class EventPage:
    """One page of the event list, by keyset (issue #14): a page is asked
    for by the place it starts after (``Cursor``) or ends before, so a deep
    page costs what the first does. ``number`` is the page's number when it
    is known (the first page, an old ``?page=N`` link), else None."""

    items: list
    total: int
    number: int | None
    next_after: str | None  # the next page's ``after``, or None at the end
    previous_before: str | None  # the previous page's ``before``
    previous_is_first: bool  # the previous page is the first: a link without a cursor

    @property
    def pages(self) -> int:
        return -(-self.total // PER_PAGE)

    @property
    def has_previous(self) -> bool:
        return self.previous_is_first or self.previous_before is not None


def event_list(filters, page: int = 1, after: Cursor | None = None,
               before: Cursor | None = None, now: datetime | None = None) -> EventPage:
    """One page of the public events matching ``filters`` (``EventFilters``):
    after the cursor ``after``, before ``before``, or page number ``page``
    (old links: the page's first key is found by an offset over the keys
    alone, bounded by the number of events; a page past the end is the
    last one). Three statements: the count, the keys (a numbered page
    only), the page."""
    now = now or utcnow()
    total = db.session.scalar(select(func.count(Event.id)).where(*filters.conditions(now)))
    last_page = max(1, -(-total // PER_PAGE))
    number = None
    if after is None and before is None and page > 1:
        number = min(page, last_page)
        if number > 1:
            key = db.session.execute(
                select(Event.starts_at, Event.id).where(*filters.conditions(now))
                .order_by(*filters.order()).offset((number - 1) * PER_PAGE - 1).limit(1)).first()
            after = Cursor(*key) if key else None
    stmt = filters.query(now).limit(PER_PAGE + 1)
    if before is not None:
        rows = list(db.session.scalars(
            stmt.where(*before.beyond(not filters.ascending))
            .order_by(None).order_by(*filters.order(reverse=True))))
        if len(rows) == PER_PAGE + 1:
            rows = rows[:PER_PAGE][::-1]
            return EventPage(rows, total, None, str(Cursor.of(rows[-1])), str(Cursor.of(rows[0])),
                             False)
        # The start of the list: the first page, whole.
        after = None
    if after is not None:
        stmt = stmt.where(*after.beyond(filters.ascending))
    elif number is None:
        number = 1
    rows = list(db.session.scalars(stmt))
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    first = number == 1
    return EventPage(
        rows, total, number,
        next_after=str(Cursor.of(rows[-1])) if more else None,
        previous_before=None if first or not rows else str(Cursor.of(rows[0])),
        previous_is_first=number == 2,
    )


def club_options() -> list[tuple[str, str]]:
    """Every club as (slug, name), for the list's club filter."""
    return [tuple(row) for row in db.session.execute(
        select(Club.slug, Club.name).order_by(Club.name))]


def _apply(event: Event, data: dict, topic_slugs: list[str]) -> None:
    for field in EDITABLE_FIELDS:
        if field in data:
            setattr(event, field, data[field])
    event.description_html = render_markdown(event.description)
    event.facts_html = render_markdown(event.facts) if event.facts else None
    event.topics = list(
        db.session.scalars(select(Topic).where(Topic.slug.in_(topic_slugs)))
    ) if topic_slugs else []
    event.refresh_search_key()


def _refuse_if_archived(club: Club) -> None:
    """An archived club (nobody left to run it) publishes no new events."""
    if club.archived_at is not None:
        raise RuleError(Refusal.CLUB_ARCHIVED)


def start_refusal(starts_at: datetime | None, by: User | None, event: Event | None = None,
                  now: datetime | None = None) -> Refusal | None:
    """Why ``by`` may not give an event (``event``, or a new one) this start,
    or None: an organiser cannot date an event into the past, so no made-up
    past event adds a selection to the turnout report (README, "Small
    groups"); an event that already started keeps its start when edited. An
    admin may (a privileged act, as is correcting final attendance); None
    for ``by`` is the system itself (the demo seeder, on its own clock)."""
    return _past_refusal(starts_at, event.starts_at if event else None, by,
                         Refusal.PAST_START, now)


def end_refusal(ends_at: datetime | None, by: User | None, event: Event | None = None,
                now: datetime | None = None) -> Refusal | None:
    """The same for the end: moving a running event's end into the past
    would put it, with the walk-ins added while it ran, into a quarter that
    is already reported (README, "Small groups")."""
    return _past_refusal(ends_at, event.ends_at if event else None, by, Refusal.PAST_END, now)


def _past_refusal(moment, before, by, refusal, now) -> Refusal | None:
    if by is None or by.is_admin or moment is None:
        return None
    if before is not None and _to_the_minute(before) == _to_the_minute(moment):
        return None  # unchanged (the form gives minutes)
    return refusal if moment < (now or utcnow()) else None


def _to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def create_event(club, data: dict, topic_slugs: list[str], *, by: User | None) -> Event:
    _refuse_if_archived(club)
    refuse(start_refusal(data.get("starts_at"), by))
    refuse(end_refusal(data.get("ends_at"), by))
    made = just_drafted(club, data["title"])
    if made is not None:
        return made
    event = Event(club=club, status=EventStatus.DRAFT)
    _apply(event, data, topic_slugs)
    db.session.add(event)
    db.session.flush()
    return event


def just_drafted(club: Club, title: str, besides: int | None = None) -> Event | None:
    """The draft a resent "new event" form already made, if this is one: a
    draft of the same title in the same club, made in the last minute (an
    event records no author: any two organisers of one club sending the same
    title within a minute share one draft, which both may edit). The club's
    row is locked first, so of ten identical forms at once one writes and
    the other nine find its draft. ``besides`` is an event that does not
    count (the one a copy is made of, itself a fresh draft of that title)."""
    lock_row(Club, club.id)
    query = select(Event).where(Event.club_id == club.id, Event.title == title,
                                Event.status == EventStatus.DRAFT,
                                Event.created_at >= utcnow() - RESENT_WITHIN)
    if besides is not None:
        query = query.where(Event.id != besides)
    return db.session.scalars(query.order_by(Event.id).limit(1)).first()


def update_event(event: Event, data: dict, topic_slugs: list[str], *,
                 by: User | None) -> int:
    """Save an edit; returns how many people were told of a move in time or
    place (``_notify_changes``)."""
    # Read as the last edit left it: of two edits at once (a double click),
    # the second sees the first's times and place, and tells nobody again.
    lock_and_reread(event)
    if "starts_at" in data:
        refuse(start_refusal(data["starts_at"], by, event))
    if "ends_at" in data:  # final attendance stays final (participation.services)
        refuse(end_refusal(data["ends_at"], by, event))
        refuse(date_change_refusal(event, data["ends_at"]))
    before = _when_and_where(event)
    _apply(event, data, topic_slugs)
    db.session.flush()
    return _notify_changes(event, before) if event.is_published else 0


def is_published(event_id: int) -> bool:
    """Whether the event is published (its edits may tell its people, and
    are rate-limited: ``RATELIMIT_EVENT_EDIT``). Read by primary key: the
    route's own load of the event finds it in the session."""
    event = db.session.get(Event, event_id)
    return event is not None and event.is_published


def _when_and_where(event: Event) -> dict:
    """What the event's people must be told of when it changes: its times
    (to the minute, as the form gives them) and its place."""
    return {"starts_at": _to_the_minute(event.starts_at), "ends_at": _to_the_minute(event.ends_at),
            "venue": event.venue or "", "online_url": event.online_url or ""}


def _notify_changes(event: Event, before: dict) -> int:
    """A published event moved in time or place: the people registered or
    waiting for a seat are told, old -> new (``Notification.changes``). A
    title, a description, a typo in the summary tell nobody. Each person
    holds at most one unread change notice per event (coalesced). Returns
    how many people were told."""
    after = _when_and_where(event)
    changes = {}
    for name in ("starts_at", "ends_at"):
        if before[name] != after[name]:
            changes[name] = [before[name].isoformat(), after[name].isoformat()]
    if before["venue"] != after["venue"]:
        changes["venue"] = [before["venue"], after["venue"]]
    if bool(before["online_url"]) != bool(after["online_url"]):
        changes["online"] = [bool(before["online_url"]), bool(after["online_url"])]
    elif before["online_url"] != after["online_url"]:
        changes["online_link"] = [True, True]  # the link itself is on the page, for them
    if not changes:
        return 0
    # Coalesced: one unread notice per person and event, updated and mailed
    # again at each change (``notify_event_changed``); RATELIMIT_EVENT_EDIT
    # bounds how often.
    return notify_event_changed(registrant_ids(event), event.id, changes)


def publish_event(event: Event, *, by: User | None = None, now: datetime | None = None) -> None:
    """Make a draft public and tell the club's followers. Publishing it
    again (a double click) changes nothing and tells nobody twice: the
    event's row is locked and read again before its status is looked at.
    A draft whose start has passed (saved when it was still to come, kept
    by an edit, or copied) is not published by an organiser: the same rule
    as ``start_refusal``, with the same exception (an admin recording a
    past event)."""
    lock_and_reread(event)
    if event.is_published:
        return
    if not event.is_draft:
        raise RuleError(Refusal.ONLY_DRAFTS)
    _refuse_if_archived(event.club)
    refuse(_past_refusal(event.starts_at, None, by, Refusal.PAST_START, now))
    event.status = EventStatus.PUBLISHED
    event.published_at = utcnow()
    followers = db.session.scalars(
        select(ClubFollow.user_id).where(ClubFollow.club_id == event.club_id)
    )
    notify(followers, "new_event", event_id=event.id)
    db.session.flush()


def cancel_event(event: Event, reason: str | None = None, *, by: User | None = None,
                 now: datetime | None = None) -> None:
    """Cancel a published event and tell everyone who follows it, with the
    organisers' ``reason`` (also shown on the event's page). An event that has
    ended is part of what the turnout report holds: only an admin may cancel
    it then (README, "Small groups"). A draft is not cancelled (that would
    make it public): it is deleted (``delete_draft``). Cancelling it again (a
    double click) changes nothing and tells nobody twice: the event's row is
    locked and read again before its status is looked at."""
    lock_and_reread(event)
    if event.is_cancelled:
        return
    refuse(draft_cancel_refusal(event))
    refuse(_past_refusal(event.ends_at, None, by, Refusal.PAST_CANCEL, now))
    event.status = EventStatus.CANCELLED
    event.cancelled_at = utcnow()
    event.cancellation_reason = reason or None
    notify(event_audience(event), "event_cancelled", event_id=event.id, detail=reason or None)
    db.session.flush()


def draft_cancel_refusal(event: Event) -> Refusal | None:
    return Refusal.DRAFT_NOT_CANCELLED if event.is_draft else None


def delete_refusal(event: Event) -> Refusal | None:
    return None if event.is_draft else Refusal.ONLY_DRAFTS_DELETED


def delete_draft(event: Event) -> None:
    """Delete a draft nobody but its organisers has seen (with its themes
    and milestones). A published or cancelled event stays in the records.
    Deleting it again (a double click) finds it gone and does nothing."""
    lock_row(Event, event.id)
    status = db.session.scalar(select(Event.status).where(Event.id == event.id))
    if status is None:
        return
    if status != EventStatus.DRAFT:
        raise RuleError(Refusal.ONLY_DRAFTS_DELETED)
    db.session.delete(event)
    db.session.flush()


def event_exists(event_id: int) -> bool:
    return db.session.scalar(select(Event.id).where(Event.id == event_id)) is not None


# What a copy takes over; never its votes, judgement, registrations,
# comments, milestones or updates.
COPIED_FIELDS = tuple(f for f in EDITABLE_FIELDS if f not in (
    "starts_at", "ends_at", "registration_opens_at", "registration_closes_at"))
WEEK = timedelta(days=7)


def copy_shift(starts_at: datetime, now: datetime | None = None) -> timedelta:
    """How far a copy of an event starting at ``starts_at`` moves: whole
    weeks, at least one, to the first such start still to come (same
    weekday, same time of day in Bishkek, which keeps no summer time)."""
    now = now or utcnow()
    weeks = 1
    if starts_at <= now:
        weeks = (now - starts_at) // WEEK + 1
    return weeks * WEEK


def duplicate_event(source: Event, *, now: datetime | None = None) -> Event:
    """A new draft of the same club with what ``source`` says (its kind's
    fields too, and its themes), its times moved forward by whole weeks
    (``copy_shift``) for the organiser to check. The same copy asked for
    twice within a minute (a double click) is made once (``just_drafted``)."""
    club = source.club
    _refuse_if_archived(club)
    made = just_drafted(club, source.title, besides=source.id)
    if made is not None:
        return made
    shift = copy_shift(source.starts_at, now)
    data = {field: getattr(source, field) for field in COPIED_FIELDS}
    for field in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        moment = getattr(source, field)
        data[field] = moment + shift if moment is not None else None
    if data.get("instruments"):  # only the codes the form still offers
        data["instruments"] = ",".join(
            code for code in source.instrument_codes if code in Instrument.values()) or None
    event = Event(club=club, status=EventStatus.DRAFT)
    _apply(event, data, [topic.slug for topic in source.topics])
    db.session.add(event)
    db.session.flush()
    return event


def event_audience(event: Event) -> set[int]:
    """Everyone to tell about a change to the event: the club's followers
    and the people registered or waiting for a seat."""
    followers = select(ClubFollow.user_id).where(ClubFollow.club_id == event.club_id)
    registrants = select(Registration.user_id).where(
        Registration.event_id == event.id, Registration.user_id.is_not(None),
        Registration.status.in_((RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)),
    )
    return set(db.session.scalars(followers.union(registrants)))


# To whom an organiser's message goes: the form's ``audience``.
AUDIENCES = {
    "registered": (RegistrationStatus.REGISTERED,),
    "waitlisted": (RegistrationStatus.WAITLISTED,),
    "all": (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED),
}


def registrant_ids(event: Event, audience: str = "all") -> set[int]:
    """The accounts registered for the event or waiting for a seat (walk-ins
    without an account have no inbox)."""
    return set(db.session.scalars(
        select(Registration.user_id).where(
            Registration.event_id == event.id, Registration.user_id.is_not(None),
            Registration.status.in_(AUDIENCES[audience]))))


def audience_counts(event: Event) -> dict[str, int]:
    """How many people each audience reaches, counted in one query."""
    counts = dict(db.session.execute(
        select(Registration.status, func.count(Registration.user_id.distinct()))
        .where(Registration.event_id == event.id, Registration.user_id.is_not(None),
               Registration.status.in_(AUDIENCES["all"]))
        .group_by(Registration.status)).all())
    registered = counts.get(RegistrationStatus.REGISTERED.value, 0)
    waitlisted = counts.get(RegistrationStatus.WAITLISTED.value, 0)
    return {"registered": registered, "waitlisted": waitlisted, "all": registered + waitlisted}


def message_refusal(event: Event) -> Refusal | None:
    """Why the organisers cannot write to the event's people, or None."""
    return None if event.is_published else Refusal.MESSAGE_PUBLISHED_ONLY


def message_people(event: Event, subject: str, body: str, audience: str) -> int:
    """The organisers write to the event's people: one notification each
    (and mail, like every notification), the subject and the text kept in it.
    Only a published event's people are written to. The same message sent
    again within a minute (a double click) is sent once: the event's row is
    locked, and the first one's count is the answer."""
    if audience not in AUDIENCES:
        raise ValueError(audience)
    lock_and_reread(event, "status")
    refuse(message_refusal(event))
    sent = db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.event_id == event.id,
            Notification.kind == NotificationKind.ORGANISER_MESSAGE,
            Notification.subject == subject, Notification.detail == body,
            Notification.created_at >= utcnow() - RESENT_WITHIN))
    if sent:
        return sent
    return notify(registrant_ids(event, audience), NotificationKind.ORGANISER_MESSAGE,
                  event_id=event.id, detail=body, subject=subject)


# -- debate votes ---------------------------------------------------------

def change_voting(event: Event, action: str, now: datetime | None = None) -> None:
    """The organiser moves the vote on, whatever the time (``Event.voting_refusal``
    and the table ``VOTING_TRANSITIONS`` say what is possible). The event's
    row is locked and read again first: a vote cast at the same moment is
    counted before the phase closes, or refused after (``cast_vote``). The
    same button pressed twice (a double click, two organisers) changes
    nothing the second time."""
    lock_and_reread(event)
    new_state = VOTING_TRANSITIONS[action][1] if action in VOTING_TRANSITIONS else None
    if new_state is not None and event.voting_state == new_state \
            and event.voting_changed_at is not None:
        return
    refuse(event.voting_refusal(action))
    event.voting_state = new_state
    event.voting_changed_at = now or utcnow()
    db.session.flush()


def restrict_voting(event: Event, checked_in_only: bool) -> None:
    """The organiser lets only checked-in attendees vote, or everyone again.
    Votes already cast stay counted: set it before the before-vote opens for
    a clean swing."""
    lock_and_reread(event)
    if not event.is_debate or not event.is_published:
        raise RuleError(Refusal.NOT_A_PUBLISHED_DEBATE)
    event.voting_checked_in_only = checked_in_only
    db.session.flush()


def checked_in(event_id: int, user_id: int) -> bool:
    """The person is checked in at the event (their registration has
    ``checked_in_at``)."""
    registration = registration_of(event_id, user_id)
    return registration is not None and registration.checked_in_at is not None


def voter_refusal(event: Event, user: User) -> Refusal | None:
    """Why ``user`` may not vote in this debate whatever the phase, or None:
    the organiser let only checked-in attendees vote and they are not."""
    if event.voting_checked_in_only and not checked_in(event.id, user.id):
        return Refusal.NOT_CHECKED_IN
    return None


def cast_vote(event: Event, user: User, phase: str, choice: str,
              now: datetime | None = None) -> None:
    """Record or change the user's vote for an open phase (one per phase).
    The event's row is locked and read again before the phase is looked
    at: a vote that arrives as the organiser closes the phase is either in
    before the close or refused after it, never counted late."""
    if phase not in VotePhase.values() or choice not in VoteChoice.values():
        raise RuleError(Refusal.BAD_VOTE)
    if user.is_muted(now):
        raise RuleError(Refusal.MUTED)
    lock_and_reread(event)
    if not event.vote_open(phase, now):
        raise RuleError(Refusal.VOTE_CLOSED)
    refuse(voter_refusal(event, user))
    values = {"event_id": event.id, "user_id": user.id, "phase": phase, "choice": choice,
              "created_at": utcnow(), "updated_at": utcnow()}
    # One statement that inserts or changes the vote, safe against double clicks.
    stmt = dialect_insert(Vote).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["event_id", "user_id", "phase"],
        set_={"choice": choice, "updated_at": values["updated_at"]},
    )
    db.session.execute(stmt)


@dataclass(frozen=True)
class Distribution:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, choice: str) -> float:
        """Percentage of this phase's voters who chose ``choice``."""
        return 100.0 * self.counts.get(choice, 0) / self.total if self.total else 0.0


@dataclass(frozen=True)
class Tally:
    before: Distribution
    after: Distribution

    @property
    def swing_for(self) -> float:
        return self.after.share("for") - self.before.share("for")

    @property
    def swing_against(self) -> float:
        return self.after.share("against") - self.before.share("against")

    @property
    def winner(self) -> str | None:
        """Oxford style: the side whose share grew more, before to after.
        ``None`` until both phases have votes; ``"tie"`` when they grew equally."""
        if not self.before.total or not self.after.total:
            return None
        if round(self.swing_for, 6) > round(self.swing_against, 6):
            return "for"
        if round(self.swing_against, 6) > round(self.swing_for, 6):
            return "against"
        return "tie"


def tally_from_rows(rows) -> Tally:
    counts = {phase: {choice: 0 for choice in VoteChoice.values()}
              for phase in VotePhase.values()}
    for phase, choice, n in rows:
        counts[phase][choice] = n
    return Tally(Distribution(counts["before"]), Distribution(counts["after"]))


def tally(event_id: int) -> Tally:
    rows = db.session.execute(
        select(Vote.phase, Vote.choice, func.count())
        .where(Vote.event_id == event_id)
        .group_by(Vote.phase, Vote.choice)
    )
    return tally_from_rows(rows)


def tallies(event_ids: list[int]) -> dict[int, Tally]:
    """Tallies of several debates in one query, for lists."""
    rows: dict[int, list] = {eid: [] for eid in event_ids}
    if event_ids:
        for event_id, phase, choice, n in db.session.execute(
            select(Vote.event_id, Vote.phase, Vote.choice, func.count())
            .where(Vote.event_id.in_(event_ids))
            .group_by(Vote.event_id, Vote.phase, Vote.choice)
        ):
            rows[event_id].append((phase, choice, n))
    return {eid: tally_from_rows(r) for eid, r in rows.items()}


def votes_of(event_id: int, user_id: int) -> dict[str, str]:
    """The user's own votes on a debate, by phase."""
    return dict(db.session.execute(
        select(Vote.phase, Vote.choice).where(Vote.event_id == event_id, Vote.user_id == user_id)
    ).all())


# -- moot court -------------------------------------------------------------

def publish_judgement(event: Event, outcome: str, reasoning: str,
                      now: datetime | None = None) -> None:
    """Publish the bench's judgement, or change it. A change to a published
    judgement is marked "amended" with its date; publishing it the first
    time, or sending it again unchanged (a double click), is not. The row is
    locked and read again, so two sendings at once count as one."""
    if event.kind != EventKind.MOOT_COURT or not event.is_published:
        raise RuleError(Refusal.NOT_A_PUBLISHED_MOOT_COURT)
    if not event.has_started(now):
        raise RuleError(Refusal.NOT_STARTED)
    lock_and_reread(event)
    if event.has_judgement:
        if (event.judgement_outcome, event.judgement_reasoning) == (outcome, reasoning):
            return
        event.judgement_amended_at = now or utcnow()
    else:
        event.judgement_published_at = now or utcnow()
    event.judgement_outcome = outcome
    event.judgement_reasoning = reasoning
    event.judgement_reasoning_html = render_markdown(reasoning)
    db.session.flush()


# -- civic project ----------------------------------------------------------

def _require_civic(event: Event) -> None:
    if not event.progress_open:
        raise RuleError(Refusal.NOT_A_CIVIC_PROJECT)


def add_milestone(event: Event, title: str, due_date: date | None, status: str) -> Milestone:
    _require_civic(event)
    milestone = Milestone(event=event, title=title, due_date=due_date,
                          status=status)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def set_milestone_status(milestone: Milestone, status: str) -> None:
    _require_civic(milestone.event)
    milestone.status = status
    db.session.flush()


def add_progress_update(event: Event, author: User, posted_on: date, body: str) -> ProgressUpdate:
    _require_civic(event)
    refuse(posted_on_refusal(posted_on))
    update = ProgressUpdate(event=event, author_id=author.id, posted_on=posted_on, body=body,
                            body_html=render_markdown(body))
    db.session.add(update)
    db.session.flush()
    return update


def posted_on_refusal(posted_on: date | None, now: datetime | None = None) -> Refusal | None:
    """An update tells what happened: it may not be dated after today in
    Bishkek (today itself is allowed)."""
    today = (now or utcnow()).astimezone(LOCAL_TZ).date()
    return Refusal.FUTURE_UPDATE if posted_on is not None and posted_on > today else None


def edit_milestone(milestone: Milestone, title: str, due_date: date | None, status: str) -> None:
    _require_civic(milestone.event)
    milestone.title, milestone.due_date, milestone.status = title, due_date, status
    db.session.flush()


def delete_milestone(milestone: Milestone) -> None:
    _require_civic(milestone.event)
    db.session.delete(milestone)
    db.session.flush()


def edit_progress_update(update: ProgressUpdate, posted_on: date, body: str) -> None:
    """The update's date and text; its author stays who first wrote it."""
    _require_civic(update.event)
    refuse(posted_on_refusal(posted_on))
    update.posted_on, update.body = posted_on, body
    update.body_html = render_markdown(body)
    db.session.flush()


def delete_progress_update(update: ProgressUpdate) -> None:
    _require_civic(update.event)
    db.session.delete(update)
    db.session.flush()
