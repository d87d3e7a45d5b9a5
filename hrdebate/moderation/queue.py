"""Reading the moderation area (a service, without request objects): what
waits in the queue, its filters and counts, the context moderators read
beside each item, the log with its filters, and one person's record. The
routes parse the request into ``QueueFilters`` / ``LogFilters`` and render."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, or_, select, text
from sqlalchemy.orm import joinedload

from ..bounds import as_id, sane_day
from ..choices import Labelled
from ..extensions import db
from ..models import Club, Comment, Event, Flag, Membership, ModerationAction, User, utcnow
from ..models.club import MemberRole
from ..models.comment import CommentStatus, FlagReason, HeldFor, LoggedAction, may_wait
from ..search import matches
from ..text import clean_query
from ..timeutil import local_to_utc

QUEUE_PER_PAGE = 20
LOG_PER_PAGE = 50
APPEAL = "appeal"  # the queue's reason filter: appealed rejections
REMOVALS = (LoggedAction.REJECT, LoggedAction.HIDE, LoggedAction.AUTO_HIDE,
            LoggedAction.APPEAL_DISMISSED)
SANCTION_ACTIONS = (LoggedAction.WARN, LoggedAction.MUTE, LoggedAction.BAN)


class QueueAge(Labelled):
    """The queue's age filter: items waiting longer than this."""

    HOUR = "1h", _l("Waiting over an hour")
    DAY = "24h", _l("Waiting over a day")
    WEEK = "7d", _l("Waiting over a week")

    @property
    def delta(self) -> timedelta:
        return {"1h": timedelta(hours=1), "24h": timedelta(hours=24),
                "7d": timedelta(days=7)}[self.value]


# What waits for a moderator: held comments, flagged comments that nobody has
# reviewed yet (from the first flag, still published or hidden by three), and
# appeals against a rejection. ``open_flags > 0`` comes first: the index on it
# finds the few flagged comments among the many published ones.
# Asked as ``id IN (open flags)``: PostgreSQL hashes the open flags once
# (``ix_flags_open``) instead of probing them for each flagged comment.
_open_flag = Comment.id.in_(select(Flag.comment_id).where(Flag.resolved_at.is_(None)))
IS_PENDING = Comment.status == CommentStatus.PENDING
IS_FLAGGED = and_(Comment.open_flags > 0,
                  Comment.status.in_((CommentStatus.PUBLISHED, CommentStatus.HIDDEN)), _open_flag)
IS_APPEAL = and_(Comment.status == CommentStatus.REJECTED, Comment.appealed_at.is_not(None),
                 Comment.appeal_decided_at.is_(None))
# Said with the partial index's predicate (``may_wait``): the queue reads the
# waiting few through ``ix_comments_waiting`` (and their open flags through
# ``ix_flags_open``).
MAY_WAIT = text(f"({may_wait('comments')})")
IN_QUEUE = and_(MAY_WAIT, or_(IS_PENDING, IS_FLAGGED, IS_APPEAL))
# The kinds of waiting items, counted at the top of the queue (``kind=``).
KIND_CONDITIONS = {"pending": IS_PENDING, "flagged": IS_FLAGGED, "appeals": IS_APPEAL}
# An edit held again waits since it was made (DESIGN §8).
WAITING_SINCE = func.coalesce(Comment.appealed_at, Comment.edited_at, Comment.created_at)


# -- the queue --------------------------------------------------------------------------

@dataclass
class QueueFilters:
    club: str = ""
    event: int | None = None
    reason: str = ""
    age: str = ""
    kind: str = ""

    @classmethod
    def from_args(cls, args) -> "QueueFilters":
        reason = args.get("reason", "")
        reasons = (*HeldFor.values(), *FlagReason.values(), APPEAL)
        return cls(
            club=args.get("club", "")[:80],
            event=as_id(args.get("event", "")),
            reason=reason if reason in reasons else "",
            age=args.get("age", "") if args.get("age") in QueueAge.values() else "",
            kind=args.get("kind", "") if args.get("kind") in KIND_CONDITIONS else "",
        )

    def args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    def apply(self, query, now: datetime | None = None):
        if self.club:
            query = query.where(Comment.event_id.in_(
                select(Event.id).join(Club, Club.id == Event.club_id)
                .where(Club.slug == self.club)))
        if self.event:
            query = query.where(Comment.event_id == self.event)
        if self.kind:
            query = query.where(KIND_CONDITIONS[self.kind])
        if self.reason == APPEAL:
            query = query.where(IS_APPEAL)
        elif self.reason in HeldFor.values():
            query = query.where(Comment.held_for == self.reason,
                                IS_FLAGGED if self.reason == HeldFor.FLAGS else IS_PENDING)
        elif self.reason:
            query = query.where(IS_FLAGGED, Comment.id.in_(select(Flag.comment_id).where(
                Flag.resolved_at.is_(None), Flag.reason == self.reason)))
        if self.age:
            query = query.where(WAITING_SINCE < (now or utcnow()) - QueueAge(self.age).delta)
        return query


def _events_of(club_ids):
    """The ids of the events of ``club_ids``, for ``Comment.event_id.in_``:
    a semi-join the planner drives from the clubs' events when they are few."""
    return select(Event.id).where(Event.club_id.in_(club_ids))


def _scoped(query, club_ids, condition=IN_QUEUE):
    """Only what waits (``condition``), on the events of ``club_ids`` (None:
    every club). No join: a page of the queue is chosen from the comments
    alone, then its few rows are joined to their event, club, author and
    parent."""
    query = query.where(condition)
    if club_ids is not None:
        query = query.where(Comment.event_id.in_(_events_of(club_ids)))
    return query


def pending_count(user) -> int:
    """How many items wait for ``user`` (the menu's badge): ``waiting_for``'s
    kinds together. One statement; 0 for anyone who moderates nothing (and
    no statement for an anonymous visitor)."""
    if not user.is_authenticated:
        return 0
    return sum(waiting_for(user).values())


def waiting_for(user) -> dict[str, int]:
    """What waits for ``user``, by kind (``pending``: held comments,
    ``flagged``, ``appeals``), in one statement: on the events of the clubs
    they moderate (every club for site moderators and admins), less the
    appeals against their own rejections (another moderator decides those).
    The menu's badge and the moderators' daily digest both count with it."""
    counts = _waiting(user)
    return {"pending": counts["pending"], "flagged": counts["flagged"],
            "appeals": counts["appeals_for_others"]}


def _waiting(user) -> dict[str, int]:
    """``waiting_for``'s counts and every appeal (the queue's own count), in
    one statement over the few that may wait. Asked once per GET request and
    person (the queue's counts and the menu's badge are the same numbers);
    a POST that decides asks again after deciding."""
    memo = g.setdefault("moderation_waiting", {}) \
        if has_request_context() and request.method == "GET" else {}
    if user.id not in memo:
        kinds = {
            "pending": IS_PENDING,
            "flagged": IS_FLAGGED,
            "appeals": IS_APPEAL,
            "appeals_for_others": and_(IS_APPEAL,
                                       func.coalesce(Comment.decided_by_id, 0) != user.id),
        }
        query = _scoped(
            select(*[func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                     for condition in kinds.values()]).select_from(Comment),
            None if user.is_site_moderator else select(Membership.club_id).where(
                Membership.user_id == user.id, Membership.role == MemberRole.MODERATOR),
            MAY_WAIT)
        row = db.session.execute(query).one()
        memo[user.id] = {kind: int(count) for kind, count in zip(kinds, row)}
    return memo[user.id]


def queue_counts(club_ids) -> dict[str, int]:
    """How many items of each kind wait, in one statement."""
    columns = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(kind)
               for kind, cond in KIND_CONDITIONS.items()]
    row = db.session.execute(
        _scoped(select(*columns).select_from(Comment), club_ids, MAY_WAIT)).one()
    return {kind: int(row._mapping[kind]) for kind in KIND_CONDITIONS}


def queue_context(comments: list[Comment]) -> dict:
    """Open flags and the authors' records of the comments on a page: two
    statements, whatever their number. Reporters are never loaded."""
    flags: dict[int, list] = {c.id: [] for c in comments}
    records: dict[int, dict] = {}
    if comments:
        for row in db.session.execute(
            select(Flag.comment_id, Flag.reason, Flag.note, Flag.created_at)
            .where(Flag.comment_id.in_(list(flags)), Flag.resolved_at.is_(None))
            .order_by(Flag.created_at)
        ):
            flags[row.comment_id].append(row)
        author_ids = {c.author_id for c in comments if c.author_id}
        if author_ids:
            for row in db.session.execute(
                select(
                    ModerationAction.target_user_id,
                    func.coalesce(func.sum(case(
                        (ModerationAction.action.in_(REMOVALS), 1), else_=0)), 0).label("removals"),
                    func.coalesce(func.sum(case(
                        (ModerationAction.action.in_(SANCTION_ACTIONS), 1), else_=0)), 0)
                    .label("sanctions"),
                )
                .where(ModerationAction.target_user_id.in_(author_ids))
                .group_by(ModerationAction.target_user_id)
            ):
                records[row.target_user_id] = {"removals": int(row.removals),
                                               "sanctions": int(row.sanctions)}
    return {"flags": flags, "records": records}


class QueuePage:
    """Where a page of the queue is (what the pager macro reads)."""

    def __init__(self, page: int, total: int):
        self.page, self.total = page, total
        self.pages = -(-total // QUEUE_PER_PAGE)
        self.has_next = page < self.pages
        self.next_num = page + 1


def queue_page(club_ids, filters: QueueFilters, page: int = 1, user=None) -> dict:
    """One page of the queue for a moderator of ``club_ids`` (None: every
    club), with its counts, the filters' choices and each item's context;
    a bounded number of statements whatever the queue's length. The page's
    ids are chosen first, from the comments alone (the limit applied before
    any join), then those rows are loaded with their event, club, author
    and parent. With ``user`` (whose clubs ``club_ids`` are), the counts are
    the menu's (``_waiting``): one statement for both."""
    now = utcnow()
    if filters.club and filters.event and not db.session.scalar(select(exists().where(
            Event.id == filters.event, Event.club_id == Club.id, Club.slug == filters.club))):
        # An event chosen in another club before this club was (the form sends
        # both): the club wins, as the event filter sent back shows.
        filters = replace(filters, event=None)
    if user is not None:
        counts = {kind: _waiting(user)[kind] for kind in KIND_CONDITIONS}
    else:
        counts = queue_counts(club_ids)
    ids = list(db.session.scalars(
        filters.apply(_scoped(select(Comment.id), club_ids), now)
        .order_by(WAITING_SINCE, Comment.id)
        .offset((page - 1) * QUEUE_PER_PAGE).limit(QUEUE_PER_PAGE)))
    if not filters.args().keys() - {"kind"}:  # the counts are the total
        total = counts[filters.kind] if filters.kind else sum(counts.values())
    else:
        total = db.session.scalar(filters.apply(
            _scoped(select(func.count()).select_from(Comment), club_ids), now))
    items = []
    if ids:
        loaded = {c.id: c for c in db.session.scalars(
            select(Comment).options(
                joinedload(Comment.event).joinedload(Event.club),
                joinedload(Comment.author), joinedload(Comment.parent))
            .where(Comment.id.in_(ids)))}
        items = [loaded[i] for i in ids if i in loaded]
    clubs, events = filter_choices(club_ids, filters)
    return {
        "items": items, "pagination": QueuePage(page, total), "filters": filters, "now": now,
        "counts": counts, "events": events, "clubs": clubs,
        **queue_context(items),
    }


EVENT_CHOICES = 200


def filter_choices(club_ids, filters: QueueFilters) -> tuple[list, list]:
    """The clubs that have something waiting, and the events with something
    waiting in the chosen club (or in the moderator's only club), at most
    ``EVENT_CHOICES``: two statements that ask each club (each event)
    whether anything waits there, which stops at the first item found,
    never a join of every waiting comment."""
    waits_at_event = exists().where(Comment.event_id == Event.id, IN_QUEUE)
    query = select(Club.slug, Club.name).where(
        exists().where(Event.club_id == Club.id, waits_at_event))
    if club_ids is not None:
        query = query.where(Club.id.in_(club_ids))
    clubs = [tuple(row) for row in db.session.execute(query.order_by(Club.name, Club.slug))]
    if filters.club:
        in_club = Club.slug == filters.club
    elif club_ids is not None and len(club_ids) == 1:
        in_club = Club.id == club_ids[0]
    else:
        in_club = None
    query = select(Event.id, Event.title).where(waits_at_event)
    if in_club is not None:
        query = query.where(Event.club_id.in_(select(Club.id).where(in_club)))
    elif filters.event:  # the chosen event stays a choice
        query = query.where(Event.id == filters.event)
    else:
        return clubs, []
    events = [tuple(row) for row in db.session.execute(
        query.order_by(Event.title, Event.id).limit(EVENT_CHOICES))]
    return clubs, events


def item_context(comment: Comment) -> dict:
    """What the queue's block for one item needs."""
    return {"comment": comment, "filters": None, "now": utcnow(), **queue_context([comment])}


# -- the log ------------------------------------------------------------------------------

@dataclass
class LogFilters:
    action: str = ""
    actor: str = ""  # a moderator's id, or "system"
    person: str = ""  # the person concerned: part of a display name (or a username)
    target: int | None = None  # the person concerned by id: links from their record
    date: str = ""  # a day in Bishkek, as the log shows its times

    @classmethod
    def from_args(cls, args) -> "LogFilters":
        action = args.get("action", "")
        actor = args.get("actor", "")
        day = args.get("date", "")[:10]
        try:
            if not sane_day(date.fromisoformat(day)):
                day = ""
        except ValueError:
            day = ""
        return cls(
            action=action if action in LoggedAction.values() else "",
            actor=actor if actor == "system" or as_id(actor) else "",
            person=clean_query(args.get("person", ""), PERSON_MAX),
            target=as_id(args.get("target", "")),
            date=day,
        )

    def args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    def apply(self, query, usernames: bool = False):
        if self.action:
            query = query.where(ModerationAction.action == self.action)
        if self.actor == "system":
            query = query.where(ModerationAction.actor_id.is_(None))
        elif self.actor:
            query = query.where(ModerationAction.actor_id == int(self.actor))
        if self.person:
            query = query.where(ModerationAction.target_user_id.in_(
                select(User.id).where(person_matches(self.person, usernames))))
        if self.target:
            query = query.where(ModerationAction.target_user_id == self.target)
        if self.date:
            start = local_to_utc(datetime.combine(date.fromisoformat(self.date),
                                                  datetime.min.time()))
            query = query.where(ModerationAction.created_at >= start,
                                ModerationAction.created_at < start + timedelta(days=1))
        return query


PERSON_MAX = 80
PEOPLE_SHOWN = 10


def person_matches(text: str, usernames: bool = False):
    """A person found by what a moderator types: words that start words of
    their display name, folded as the site's search folds them (letter case,
    apostrophes, Cyrillic and Latin: "Ulug'bek", "улугбек" and "Ulugʻbek"
    find the same person, as on the admin's people page), or, for
    ``usernames`` (site moderators and admins), their exact username. Club
    moderators never look people up by username: no form tells them which
    display name a username has."""
    by_name = matches(User.search_key, text)
    condition = and_(*by_name) if by_name else false()
    if usernames:
        condition = or_(condition, func.lower(User.username) == text.lower())
    return condition


def _club_scope(query, club_ids):
    """Only the entries about the events of ``club_ids`` (None: the whole log)."""
    if club_ids is None:
        return query
    return query.where(ModerationAction.event_id.in_(
        select(Event.id).where(Event.club_id.in_(club_ids))))


def log_page(filters: LogFilters, page: int = 1, club_ids=None,
             usernames: bool = False) -> dict:
    """One page of the log, newest first, and the moderators who appear in
    it. A club moderator (``club_ids``) reads only the entries about their
    clubs' events: their decisions and warnings, never a site mute or ban.
    With a person filter, the people it matches (at most ``PEOPLE_SHOWN``)."""
    query = _club_scope(filters.apply(select(ModerationAction).options(
        joinedload(ModerationAction.actor), joinedload(ModerationAction.target_user),
        joinedload(ModerationAction.event),
        joinedload(ModerationAction.club)), usernames), club_ids)
    query = query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    pagination = db.paginate(query, page=page, per_page=LOG_PER_PAGE, error_out=False)
    actors = db.session.execute(
        select(User.id, User.display_name).where(
            User.id.in_(_club_scope(select(ModerationAction.actor_id), club_ids).distinct()))
        .order_by(User.display_name)).all()
    people = []
    if filters.person:
        people = db.session.execute(
            select(User.id, User.display_name, User.username)
            .where(person_matches(filters.person, usernames), User.id.in_(
                _club_scope(select(ModerationAction.target_user_id), club_ids)))
            .order_by(User.display_name, User.id).limit(PEOPLE_SHOWN)).all()
    return {"pagination": pagination, "args": filters.args(), "actors": actors,
            "people": people}


def record_of(person: User, limit: int = 20) -> list[ModerationAction]:
    """The latest decisions concerning one person, newest first."""
    return list(db.session.scalars(
        select(ModerationAction).options(joinedload(ModerationAction.actor))
        .where(ModerationAction.target_user_id == person.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(limit)
    ))
