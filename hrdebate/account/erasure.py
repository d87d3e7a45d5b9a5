"""Deleting an account (DESIGN §8): it takes effect at once and leaves no
trace of the person, only anonymous counts.

- What the person wrote is erased: comment texts and appeals (comments keep
  their place in threads as "deleted"), the notes of their flags and of
  flags on their comments (which describe the erased text).
- Rows that only count people (registrations for turnout, votes) lose their
  link (ON DELETE SET NULL); rows that belong to the person (memberships,
  follows, notifications) go (ON DELETE CASCADE); so do their sessions,
  which live in their row.
- Moderators' free text that names the person (log reasons, decision
  reasons, notification details, flag notes) keeps the decision with the
  name replaced by ``ERASED_NAME``.
- A club nobody else owns passes to its longest-serving organiser, or is
  archived when it has none: no club is left with nobody to run it.
- What the database keeps of old row versions is cleared once the deletion
  has committed (``purge_old_versions``): SQLite overwrites deleted content
  (``PRAGMA secure_delete``, set on every connection) and a checkpoint
  empties the WAL file; PostgreSQL's VACUUM removes the dead row versions
  of the tables concerned. What remains beyond that (backups, PostgreSQL's
  WAL, free space in pages) is said in the README.

No Flask request objects here; nothing here commits (the request does, once).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, event, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..access import MANAGER_ROLES
from ..extensions import db
from ..models import Club, Comment, Flag, Membership, Registration, User, utcnow
from ..models.club import MemberRole
from ..models.comment import CommentStatus
from .export import NOT_ABOUT_THE_PERSON, SECTIONS

# Stored in place of the person's name in moderators' notes: the same in
# every language, as the notes themselves are not translated.
ERASED_NAME = "[deleted account]"

# Free text in which moderators and reporters may name people.
NAMED_IN = (
    ("moderation_actions", "reason"),
    ("comments", "decision_reason"),
    ("notifications", "detail"),
    ("flags", "note"),
    ("attendance_changes", "reason"),
)


# -- names in free text ----------------------------------------------------------------------

def _name_pattern(names: Iterable[str | None]) -> re.Pattern | None:
    names = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def anonymise(text: str, names: Iterable[str | None]) -> str:
    """``text`` with every whole-word occurrence of ``names`` (any case)
    replaced by ``ERASED_NAME``."""
    pattern = _name_pattern(names)
    return pattern.sub(ERASED_NAME, text) if pattern and text else text


def _mentions(names: list[str]) -> list[tuple[str, str, list[dict]]]:
    """The notes that name the person, as (table, column, [{row_id,
    new_text}]). The texts are read in Python: SQL's case-insensitive
    matching does not fold Cyrillic alike on SQLite and PostgreSQL. Only
    reads: on SQLite the write lock is not held while the notes are read."""
    pattern = _name_pattern(names)
    if pattern is None:
        return []
    found = []
    for table_name, column_name in NAMED_IN:
        table = db.metadata.tables[table_name]
        column = table.c[column_name]
        changed = [
            {"row_id": row_id, "new_text": pattern.sub(ERASED_NAME, text)}
            for row_id, text in db.session.execute(
                select(table.c.id, column).where(column.is_not(None)))
            if pattern.search(text)
        ]
        if changed:
            found.append((table_name, column_name, changed))
    return found


def _rewrite(mentions: list[tuple[str, str, list[dict]]]) -> None:
    """One statement per column rewrites the notes that named the person."""
    for table_name, column_name, changed in mentions:
        table = db.metadata.tables[table_name]
        db.session.execute(
            update(table).where(table.c.id == bindparam("row_id"))
            .values({column_name: bindparam("new_text")}),
            changed,
        )


# -- the clubs the person runs ------------------------------------------------------------------

@dataclass(frozen=True)
class Succession:
    """What becomes of a club the person runs: ``successor`` (the
    membership of its longest-serving organiser) takes it over, or, when
    None, the club is archived."""

    club_id: int
    club_name: str
    club_slug: str
    successor: Membership | None
    successor_name: str | None


def clubs_after_deletion(user: User) -> list[Succession]:
    """The clubs that would be left without an owner if ``user`` went, and
    who takes each over (two queries, whatever the number of clubs)."""
    run = select(Membership.club_id).where(Membership.user_id == user.id,
                                           Membership.role.in_(MANAGER_ROLES))
    clubs = db.session.execute(
        select(Club.id, Club.name, Club.slug).where(Club.id.in_(run)).order_by(Club.name, Club.id)).all()
    others = db.session.execute(
        select(Membership, User.display_name).join(User, User.id == Membership.user_id)
        .where(Membership.club_id.in_(run), Membership.user_id != user.id,
               Membership.role.in_(MANAGER_ROLES))
        .order_by(Membership.created_at, Membership.id)
    ).all()
    successions = []
    for club_id, name, slug in clubs:
        team = [(m, n) for m, n in others if m.club_id == club_id]
        if any(m.role == MemberRole.OWNER for m, _n in team):
            continue  # another owner runs it already
        successor, successor_name = team[0] if team else (None, None)
        successions.append(Succession(club_id, name, slug, successor, successor_name))
    return successions


def _hand_over_clubs(user: User, now) -> None:
    archive = []
    for succession in clubs_after_deletion(user):
        if succession.successor is not None:
            succession.successor.role = MemberRole.OWNER
        else:
            archive.append(succession.club_id)
    if archive:
        db.session.execute(update(Club).where(Club.id.in_(archive)).values(archived_at=now))


# -- the deletion ---------------------------------------------------------------------------

def erased_tables() -> set[str]:
    """Every table that held something of a deleted person."""
    return {"users", *(s.table for s in SECTIONS), *(t for t, _c in NAMED_IN),
            *(t for t, _c in NOT_ABOUT_THE_PERSON)}


def delete_account(user: User) -> None:
    """Erase the account at once; see the module's docstring."""
    mentions = _mentions([user.username, user.display_name, user.email])
    _hand_over_clubs(user, utcnow())
    _rewrite(mentions)  # first: what is erased below stays erased
    own_comments = select(Comment.id).where(Comment.author_id == user.id)
    db.session.execute(
        update(Flag).where(or_(Flag.reporter_id == user.id, Flag.comment_id.in_(own_comments)))
        .values(note=None))
    db.session.execute(
        update(Comment).where(Comment.author_id == user.id)
        .values(status=CommentStatus.DELETED, body="", body_html="", appeal_message=None,
                decision_reason=None))
    # A certificate names its holder: with the holder gone, no code leads
    # to the row, which stays as an anonymous attendance.
    db.session.execute(
        update(Registration).where(Registration.user_id == user.id)
        .values(certificate_code=None, certificate_revoked_at=None))
    db.session.delete(user)
    db.session.flush()
    db.session.info.setdefault("erased_tables", set()).update(erased_tables())


# -- after the commit: old row versions ----------------------------------------------------------

def purge_old_versions(engine, tables: Iterable[str]) -> None:
    """Clear what the database keeps of rows changed or deleted by a
    committed erasure. SQLite: deleted content is already overwritten
    (secure_delete); copy the WAL into the database and truncate it.
    PostgreSQL: VACUUM the tables concerned, outside any transaction, so
    that no dead row version holds the person's data. A failure is logged:
    the deletion itself is committed."""
    try:
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                cursor.close()
            finally:
                raw.close()
            if busy:
                current_app.logger.warning("erasure: the WAL checkpoint was blocked by a reader")
        elif engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in sorted(tables))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {names}")
    except DBAPIError as error:
        current_app.logger.warning("erasure: old row versions not purged: %s", error)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    tables = session.info.pop("erased_tables", None)
    if tables:
        purge_old_versions(session.get_bind(), tables)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("erased_tables", None)
