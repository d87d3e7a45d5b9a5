"""The data export: everything we hold about a person, in one JSON document
(DESIGN §8), and nothing about anyone else.

The export is declared, table by table, in ``SECTIONS``: each section is the
rows of one table whose ``subject`` column holds the person's id, with every
column but those ``left_out`` (each with the reason the file tells). A table
that refers to users but whose rows are about someone else is listed in
``NOT_ABOUT_THE_PERSON`` with its reason. ``tests/test_export.py`` walks the
schema and fails for any column referring to users that is declared in
neither, so a new table cannot be forgotten: adding one is one line here.

Erasure (``erasure.py``) reads the same declaration: what the export shows
of the person is what deletion must take away.

Other people are never named: the moderator who decided is "a moderator",
reporters of the person's comments are not told, whom the person checked in
or moderated is left out. The cost is fixed: one query per section, plus one
each for the person, their certificates, and the events and clubs the rows
refer to."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..certificates.services import certificate_state
from ..extensions import db
from ..models import Club, Event, Registration, User, utcnow

# Raise it when a section, or a key of one, changes meaning or goes away.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Section:
    """The rows of ``table`` whose ``subject`` column is the person."""

    name: str
    table: str
    subject: str
    about: object  # what the section holds, told in the file
    left_out: Mapping[str, object] = field(default_factory=dict)  # column: why
    order_by: tuple[str, ...] = ("id",)


_MODERATOR = _l("Who decided: moderators act as “a moderator”, never by name.")
_REPORTS = _l("How many people flagged the comment: who reports is never told to the author.")
_TARGET = _l("Whom your decision was about: that person's data is theirs.")
_DOOR = _l("Who checked you in at the door: an organiser's data is theirs.")
_CLAIM = _l("A walk-in's one-time claim code: once used, it only stops a second claim.")

SECTIONS: tuple[Section, ...] = (
    Section("club_memberships", "memberships", "user_id",
            _l("The clubs you belong to, with your role and since when."),
            order_by=("club_id",)),
    Section("club_invitations", "club_invitations", "invitee_id",
            _l("The invitations to a club you received: the club, the role offered, when, "
               "and your answer."),
            left_out={"inviter_id": _l("Who invited you: that person's data is theirs."),
                      "token": _l("The secret in the invitation's address, which opens only "
                                  "for you.")}),
    Section("club_follows", "club_follows", "user_id",
            _l("The clubs you follow, and since when."), order_by=("club_id",)),
    Section("comments", "comments", "author_id",
            _l("The comments you wrote, with their status, a moderator's decision and reason, "
               "and your appeal. A comment you deleted keeps only its place in the thread."),
            left_out={"decided_by_id": _MODERATOR, "open_flags": _REPORTS}),
    Section("flags", "flags", "reporter_id",
            _l("The comments you flagged, with your reason and note, and how it was resolved.")),
    Section("moderation_about_you", "moderation_actions", "target_user_id",
            _l("Moderation decisions about you and your comments, warnings, mutes and bans "
               "included, with their reasons."),
            left_out={"actor_id": _MODERATOR}),
    Section("moderation_by_you", "moderation_actions", "actor_id",
            _l("The moderation decisions you took, with the reasons you gave."),
            left_out={"target_user_id": _TARGET}),
    Section("notifications", "notifications", "user_id",
            _l("The notifications the site sent you, read or not.")),
    Section("mail", "outbox", "user_id",
            _l("The mail we sent you or are about to send (kept for a while after it left: "
               "the privacy page says how long): its kind, when, and whether it arrived. What "
               "a mail said is not kept: it is written when the mail leaves.")),
    Section("mail_choices", "mail_opt_outs", "user_id",
            _l("The kinds of mail you asked us not to send."), order_by=("kind",)),
    Section("registrations", "registrations", "user_id",
            _l("Your registrations for events: waitlist, cancellation, check-in and "
               "certificate code."),
            left_out={"checked_in_by_id": _DOOR, "claim_code": _CLAIM,
                      "claimed_by_id": _l("Who claimed a walk-in's certificate: always empty "
                                          "on your own registrations.")}),
    Section("claimed_certificates", "registrations", "claimed_by_id",
            _l("The certificates you claimed with a walk-in's claim code: the name the "
               "organisers wrote down at the door, your check-in and the certificate code."),
            left_out={"checked_in_by_id": _DOOR, "claim_code": _CLAIM,
                      "user_id": _l("A walk-in came without an account: always empty.")}),
    Section("votes", "votes", "user_id", _l("Your votes in debates, before and after.")),
    Section("progress_updates", "progress_updates", "author_id",
            _l("The progress updates you posted on civic projects.")),
)

# Columns referring to users whose rows are about someone else (no section
# exports them): "table", "column": why.
NOT_ABOUT_THE_PERSON: dict[tuple[str, str], object] = {
    ("attendance_changes", "actor_id"): _l("It names the organiser or administrator who changed "
                                           "someone's attendance; your own attendance is under "
                                           "registrations."),
}

# Columns of the person's own row that the file does not carry.
ACCOUNT_LEFT_OUT: dict[str, object] = {
    "password_hash": _l("Your password's hash only serves to check your password; a file "
                        "can be copied, so it stays with us."),
    "session_token": _l("The secret that keeps you signed in: whoever had it could act as you."),
    "calendar_token": _l("The secret in your personal calendar feed's address: whoever had it "
                         "could read your calendar. The “My events” page shows it."),
}

# Columns whose names look secret but that the person should have (users.search_key
# is their display name folded for the admins' search).
SECRET_LOOKING_ALLOWED = {"registrations.certificate_code", "users.search_key"}

_DESCRIBED = {
    "account": _l("Your account: username, display name, email, language, site role, "
                  "demographic answers and consent, and any mute or ban."),
    "certificates": _l("Your certificates of attendance: each one's code, which anyone can "
                       "check on the site, and whether it stands or was revoked."),
    "events": _l("The events the rows above refer to, by id."),
    "clubs": _l("The clubs the rows above refer to, by id."),
    "left_out": _l("What we hold but leave out of this file, and why."),
}


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(table_name: str, columns, where, order_by) -> list[dict]:
    table = db.metadata.tables[table_name]
    stmt = select(*(c for c in table.columns if c.name in columns)).where(where(table)) \
        .order_by(*(table.c[name] for name in order_by))
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in db.session.execute(stmt)]


def _section_rows(section: Section, user_id: int) -> list[dict]:
    table = db.metadata.tables[section.table]
    columns = [c.name for c in table.columns if c.name not in section.left_out]
    return _rows(section.table, columns, lambda t: t.c[section.subject] == user_id,
                 section.order_by)


def _certificates(user_id: int, now: datetime) -> list[dict]:
    registrations = db.session.scalars(
        select(Registration).options(joinedload(Registration.event))
        .where(Registration.user_id == user_id, Registration.certificate_code.is_not(None))
        .order_by(Registration.id)
    ).all()
    return [
        {"event_id": r.event_id, "code": r.certificate_code, "state": str(state),
         "revoked_at": _plain(r.certificate_revoked_at)}
        for r in registrations if (state := certificate_state(r, now)) is not None
    ]


def _referenced(sections: dict[str, list[dict]]) -> tuple[dict, dict]:
    """The events and clubs the rows name, as id: what the person saw of them."""
    event_ids = {row["event_id"] for rows in sections.values() for row in rows
                 if row.get("event_id")}
    events = {}
    if event_ids:
        for event in db.session.execute(
                select(Event.id, Event.title, Event.kind, Event.starts_at, Event.club_id)
                .where(Event.id.in_(event_ids)).order_by(Event.id)):
            events[str(event.id)] = {"title": event.title, "kind": event.kind,
                                     "starts_at": _plain(event.starts_at),
                                     "club_id": event.club_id}
    club_ids = {row["club_id"] for rows in sections.values() for row in rows
                if row.get("club_id")} | {e["club_id"] for e in events.values()}
    clubs = {}
    if club_ids:
        for club in db.session.execute(select(Club.id, Club.name, Club.slug)
                                       .where(Club.id.in_(club_ids)).order_by(Club.id)):
            clubs[str(club.id)] = {"name": club.name, "slug": club.slug}
    return events, clubs


def left_out() -> dict[str, str]:
    """Every column we hold that the file leaves out, as "table.column": why."""
    reasons = {f"users.{name}": why for name, why in ACCOUNT_LEFT_OUT.items()}
    for section in SECTIONS:
        reasons.update({f"{section.table}.{name}": why for name, why in section.left_out.items()})
    reasons.update({f"{table}.{column}": why
                    for (table, column), why in NOT_ABOUT_THE_PERSON.items()})
    return {key: str(why) for key, why in reasons.items()}


def export_data(user: User, now: datetime | None = None) -> dict:
    """Everything we hold about ``user``, for the data-export download."""
    users = db.metadata.tables["users"]
    [account] = _rows("users", [c.name for c in users.columns if c.name not in ACCOUNT_LEFT_OUT],
                      lambda t: t.c.id == user.id, ("id",))
    sections = {section.name: _section_rows(section, user.id) for section in SECTIONS}
    events, clubs = _referenced(sections)
    schema = {name: str(about) for name, about in _DESCRIBED.items()}
    schema.update({section.name: str(section.about) for section in SECTIONS})
    return {
        "schema_version": SCHEMA_VERSION,
        "exported_at": _plain(now or utcnow()),
        "schema": schema,
        "account": account,
        **sections,
        "certificates": _certificates(user.id, now or utcnow()),
        "events": events,
        "clubs": clubs,
        "left_out": left_out(),
    }
