"""The moderation area: the queue, decisions (one or in bulk), the log,
sanctions and the watched-words list. Rules live in services.py; here we
load, check access, call a service and render."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from ..access import can_moderate_club
from ..discussions.forms import FLAG_REASON_NAMES
from ..discussions.services import add_watched_word, remove_watched_word
from ..extensions import db
from ..forms import render_form
from ..htmx import render_page, wants_fragment
from ..models import (
    FLAG_REASONS,
    MODERATION_ACTIONS,
    Club,
    Comment,
    Event,
    Flag,
    Membership,
    ModerationAction,
    User,
    WatchedWord,
    utcnow,
)
from ..rules import RuleError
from ..rules import message as rule_message
from ..timeutil import local_to_utc
from . import bp, services
from .forms import (
    ACTION_LABELS,
    AGE_LABELS,
    CONDUCT_REASONS,
    HELD_FOR_LABELS,
    LOG_ACTION_LABELS,
    SANCTION_LABELS,
    DecisionForm,
    SanctionForm,
    WatchedWordForm,
    describe_reason,
)

QUEUE_PER_PAGE = 20
LOG_PER_PAGE = 50
AGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
HELD_FOR = ("pre_moderation", "watched_word", "flags")
KINDS = ("pending", "flagged", "appeals")
REMOVALS = ("reject", "hide", "auto_hide", "appeal_dismissed")
SANCTION_ACTIONS = ("warn", "mute", "ban")

# What waits for a moderator: held comments, comments hidden by flags that
# nobody has reviewed yet, and appeals against a rejection.
_open_flag = exists().where(Flag.comment_id == Comment.id, Flag.resolved_at.is_(None))
IS_PENDING = Comment.status == "pending"
IS_FLAGGED = and_(Comment.status == "hidden", _open_flag)
IS_APPEAL = and_(Comment.status == "rejected", Comment.appealed_at.is_not(None),
                 Comment.appeal_decided_at.is_(None))
IN_QUEUE = or_(IS_PENDING, IS_FLAGGED, IS_APPEAL)
KIND_CONDITIONS = {"pending": IS_PENDING, "flagged": IS_FLAGGED, "appeals": IS_APPEAL}
WAITING_SINCE = func.coalesce(Comment.appealed_at, Comment.created_at)


# -- access ----------------------------------------------------------------------------

def moderated_club_ids(user) -> list[int] | None:
    """None for site moderators and admins (every club); otherwise the clubs
    the user moderates. 403 for someone who moderates nothing."""
    if user.is_site_moderator:
        return None
    ids = list(db.session.scalars(select(Membership.club_id).where(
        Membership.user_id == user.id, Membership.role == "moderator")))
    if not ids:
        abort(403)
    return ids


def require_site_moderator():
    if not current_user.is_site_moderator:
        abort(403)


def require_admin():
    if not current_user.is_admin:
        abort(403)


def get_comment_to_moderate(comment_id: int) -> Comment:
    comment = db.session.scalar(
        select(Comment).options(joinedload(Comment.event)).where(Comment.id == comment_id))
    if comment is None:
        abort(404)
    if not can_moderate_club(current_user, comment.event.club_id):
        abort(403)
    return comment


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
        return cls(
            club=args.get("club", "")[:80],
            event=args.get("event", type=int),
            reason=reason if reason in HELD_FOR + FLAG_REASONS + ("appeal",) else "",
            age=args.get("age", "") if args.get("age") in AGES else "",
            kind=args.get("kind", "") if args.get("kind") in KINDS else "",
        )

    def args(self) -> dict:
        return {k: v for k, v in vars(self).items() if v}

    def apply(self, query):
        if self.club:
            query = query.where(Event.club_id == select(Club.id).where(
                Club.slug == self.club).scalar_subquery())
        if self.event:
            query = query.where(Comment.event_id == self.event)
        if self.kind:
            query = query.where(KIND_CONDITIONS[self.kind])
        if self.reason == "appeal":
            query = query.where(IS_APPEAL)
        elif self.reason in HELD_FOR:
            query = query.where(Comment.held_for == self.reason,
                                IS_FLAGGED if self.reason == "flags" else IS_PENDING)
        elif self.reason:
            query = query.where(IS_FLAGGED, exists().where(
                Flag.comment_id == Comment.id, Flag.resolved_at.is_(None),
                Flag.reason == self.reason))
        if self.age:
            query = query.where(WAITING_SINCE < utcnow() - AGES[self.age])
        return query


def _scoped(query, club_ids, with_club=False):
    query = query.join(Event, Event.id == Comment.event_id).where(IN_QUEUE)
    if with_club:
        query = query.join(Club, Club.id == Event.club_id)
    if club_ids is not None:
        query = query.where(Event.club_id.in_(club_ids))
    return query


def queue_counts(club_ids) -> dict[str, int]:
    """How many items of each kind wait, in one statement."""
    columns = [func.coalesce(func.sum(case((cond, 1), else_=0)), 0).label(kind)
               for kind, cond in KIND_CONDITIONS.items()]
    row = db.session.execute(_scoped(select(*columns).select_from(Comment), club_ids)).one()
    return {kind: int(row._mapping[kind]) for kind in KINDS}


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


def _queue_page(status=200):
    club_ids = moderated_club_ids(current_user)
    filters = QueueFilters.from_args(request.args)
    page = request.args.get("page", 1, type=int)
    query = filters.apply(_scoped(
        select(Comment).options(
            joinedload(Comment.event).joinedload(Event.club),
            joinedload(Comment.author), joinedload(Comment.parent)),
        club_ids)).order_by(WAITING_SINCE, Comment.id)
    pagination = db.paginate(query, page=page, per_page=QUEUE_PER_PAGE, error_out=False)
    items = list(pagination.items)
    # The filter choices: only the clubs and events that have something waiting.
    places = db.session.execute(
        _scoped(select(Club.slug, Club.name, Event.id, Event.title).select_from(Comment),
                club_ids, with_club=True)
        .distinct().order_by(Club.name, Event.title).limit(200)
    ).all()
    return render_page(
        "moderation/queue.html", "queue", items=items, pagination=pagination,
        filters=filters, counts=queue_counts(club_ids),
        events=[(p.id, p.title) for p in places],
        clubs=sorted({(p.slug, p.name) for p in places}, key=lambda c: c[1]),
        form=DecisionForm(formdata=None), now=utcnow(), **queue_context(items),
        **_labels(),
    ), status


def _labels() -> dict:
    return {"reasons": CONDUCT_REASONS, "action_labels": ACTION_LABELS,
            "flag_labels": FLAG_REASON_NAMES, "held_for_labels": HELD_FOR_LABELS,
            "age_labels": AGE_LABELS, "describe_reason": describe_reason,
            "allowed_actions": _allowed_actions}


@bp.get("/moderation/")
@login_required
def queue():
    return _queue_page()


def _allowed_actions(comment: Comment) -> tuple[str, ...]:
    if comment.appeal_pending:
        return ("approve", "reject")
    if comment.status == "hidden" and comment.held_for == "flags":
        return ("hide", "restore")  # keep hidden after review, or restore
    return {"pending": ("approve", "reject"), "published": ("hide",),
            "hidden": ("restore",)}.get(comment.status, ())


def _decided_response(message, category):
    """htmx: the item leaves the queue, the counters update out of band.
    A plain form: back to the queue, with its filters."""
    if wants_fragment():
        return render_block("moderation/queue.html", "counts", oob=True,
                            counts=queue_counts(moderated_club_ids(current_user)))
    flash(message, category)
    return redirect(request.form.get("next") if _safe_next() else url_for(".queue"))


def _safe_next() -> bool:
    target = request.form.get("next", "")
    return target.startswith(url_for(".queue")) and "//" not in target


def _refused(comment, error: str):
    if wants_fragment():
        items = [comment]
        return render_block(
            "moderation/queue.html", "item", comment=comment, item_error=error, filters=None,
            form=DecisionForm(formdata=None), now=utcnow(), **queue_context(items),
            **_labels(),
        ), 422
    flash(error, "error")
    return _queue_page(422)


@bp.post("/moderation/comments/<int:comment_id>")
@login_required
def decide(comment_id):
    comment = get_comment_to_moderate(comment_id)
    form = DecisionForm()
    if not form.validate():
        errors = [e for field in form for e in field.errors]
        return _refused(comment, " ".join(str(e) for e in errors))
    try:
        services.decide(comment, current_user, form.action.data, form.stored_reason)
    except RuleError as error:
        db.session.rollback()
        return _refused(comment, rule_message(error))
    return _decided_response(_("Your decision is saved and the author is told."),
                             "success")


@bp.post("/moderation/bulk")
@login_required
def bulk():
    club_ids = moderated_club_ids(current_user)
    form = DecisionForm()
    ids = {int(i) for i in request.form.getlist("comment_ids") if i.isdigit()}
    if not form.validate() or not ids:
        message = " ".join(str(e) for field in form for e in field.errors) or _(
            "Tick at least one comment.")
        flash(message, "error")
        return _queue_page(422)
    query = select(Comment).options(joinedload(Comment.event), joinedload(Comment.author)) \
        .where(Comment.id.in_(ids))
    if club_ids is not None:
        query = query.join(Event, Event.id == Comment.event_id).where(Event.club_id.in_(club_ids))
    done = refused = 0
    for comment in db.session.scalars(query).unique().all():
        try:
            services.decide(comment, current_user, form.action.data, form.stored_reason)
            done += 1
        except RuleError:
            db.session.rollback()
            refused += 1
    refused += len(ids) - done - refused  # unknown or not yours to moderate
    if done:
        flash(ngettext("%(num)d comment decided.", "%(num)d comments decided.", done), "success")
    if refused:
        flash(ngettext("%(num)d comment could not be decided that way.",
                       "%(num)d comments could not be decided that way.", refused), "error")
    return redirect(request.form.get("next") if _safe_next() else url_for(".queue"))


# -- the log ------------------------------------------------------------------------------

@bp.get("/moderation/log")
@login_required
def log():
    require_site_moderator()
    action = request.args.get("action", "")
    action = action if action in MODERATION_ACTIONS else ""
    actor = request.args.get("actor", "")
    target = request.args.get("target", type=int)
    day = request.args.get("date", "")[:10]
    query = select(ModerationAction).options(
        joinedload(ModerationAction.actor), joinedload(ModerationAction.target_user))
    if action:
        query = query.where(ModerationAction.action == action)
    if actor == "system":
        query = query.where(ModerationAction.actor_id.is_(None))
    elif actor.isdigit():
        query = query.where(ModerationAction.actor_id == int(actor))
    else:
        actor = ""
    if target:
        query = query.where(ModerationAction.target_user_id == target)
    if day:
        try:  # a day in Bishkek, as the log shows its times
            start = local_to_utc(datetime.combine(date.fromisoformat(day), datetime.min.time()))
        except ValueError:
            day = ""
        else:
            query = query.where(ModerationAction.created_at >= start,
                                ModerationAction.created_at < start + timedelta(days=1))
    query = query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
    pagination = db.paginate(query, per_page=LOG_PER_PAGE, error_out=False)
    actors = db.session.execute(
        select(User.id, User.display_name).where(
            User.id.in_(select(ModerationAction.actor_id).distinct()))
        .order_by(User.display_name)).all()
    args = {k: v for k, v in {"action": action, "actor": actor, "target": target,
                               "date": day}.items() if v}
    return render_page("moderation/log.html", "entries", pagination=pagination, args=args,
                       actions=MODERATION_ACTIONS, actors=actors,
                       log_labels=LOG_ACTION_LABELS, describe_reason=describe_reason)


# -- sanctions ------------------------------------------------------------------------------

@bp.route("/moderation/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def user(user_id):
    require_site_moderator()
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    form = SanctionForm()
    if form.validate_on_submit():
        try:
            services.sanction(person, current_user, form.kind.data, form.reason.data,
                              days=form.days.data)
        except RuleError as error:
            db.session.rollback()
            form.kind.errors.append(rule_message(error))
        else:
            flash(_("The sanction is saved and %(name)s is told.", name=person.display_name),
                  "success")
            return redirect(url_for(".user", user_id=person.id))
    record = db.session.execute(
        select(ModerationAction).options(joinedload(ModerationAction.actor))
        .where(ModerationAction.target_user_id == person.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(20)
    ).scalars().all()
    return render_form("moderation/user.html", form, person=person, record=record,
                       now=utcnow(), log_labels=LOG_ACTION_LABELS,
                       sanction_labels=SANCTION_LABELS, describe_reason=describe_reason,
                       refused=person.id == current_user.id or person.is_admin)


# -- watched words ---------------------------------------------------------------------------

@bp.route("/moderation/words", methods=["GET", "POST"])
@login_required
def words():
    require_admin()
    form = WatchedWordForm()
    if form.validate_on_submit():
        add_watched_word(form.word.data)
        flash(_("“%(word)s” is on the watched list.", word=form.word.data.casefold()), "success")
        return redirect(url_for(".words"))
    rows = db.session.execute(select(WatchedWord.id, WatchedWord.word)
                              .order_by(WatchedWord.word)).all()
    return render_form("moderation/words.html", form, rows=rows)


@bp.post("/moderation/words/<int:word_id>/delete")
@login_required
def delete_word(word_id):
    require_admin()
    word = db.session.get(WatchedWord, word_id)
    if word is None:
        abort(404)
    text = word.word
    remove_watched_word(word_id)
    flash(_("“%(word)s” is off the watched list.", word=text), "success")
    return redirect(url_for(".words"))
