"""Which kinds of mail a person refuses (``MailOptOut``), and how the
choice reads on /account/#mail. Nothing here commits.

The choice is per kind (what ``REFUSABLE`` lists and what a mail's
List-Unsubscribe link stops), shown in groups a person recognises
(``GROUPS``): the link in a mail stops exactly one kind, so the page shows
that same kind, checked or not, and every refusal made from a mail can be
undone here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import MailOptOut, NotificationKind, User
from . import tokens

# What a person may refuse: every notification's kind, the reminders, the digest.
REFUSABLE = (*NotificationKind.values(), "reminder", "digest")

K = NotificationKind
# Each refusable kind, as the person sees it, in groups (the group's title, its kinds).
GROUPS: tuple[tuple[object, tuple[tuple[str, object], ...]], ...] = (
    (_l("Events"), (
        (K.NEW_EVENT.value, _l("A club you follow publishes a new event")),
        ("reminder", _l("A reminder the day before an event you registered for")),
        (K.EVENT_CHANGED.value, _l("An event you registered for changes its time or place")),
        (K.EVENT_CANCELLED.value, _l("An event you registered for is cancelled")),
        (K.WAITLIST_PROMOTED.value, _l("A seat frees up for you on a waiting list")),
        (K.ORGANISER_MESSAGE.value, _l("The organisers of your events write to you")),
    )),
    (_l("Your comments"), (
        (K.REPLY.value, _l("Someone replies to your comment")),
        (K.COMMENT_APPROVED.value, _l("Your comment is approved")),
        (K.COMMENT_REJECTED.value, _l("Your comment is rejected")),
        (K.COMMENT_HIDDEN.value, _l("Your comment is hidden by the moderators")),
        (K.COMMENT_RESTORED.value, _l("Your comment is public again")),
        (K.APPEAL_UPHELD.value, _l("Your appeal is accepted")),
        (K.APPEAL_DISMISSED.value, _l("Your appeal is not accepted")),
    )),
    (_l("Clubs"), (
        (K.CLUB_INVITATION.value, _l("A club invites you to help run it")),
        (K.CLUB_VERIFIED.value, _l("An admin verifies your club")),
        (K.CLUB_REFUSED.value, _l("An admin refuses to verify your club")),
    )),
    (_l("Your account"), (
        (K.WARNED.value, _l("A moderator warns you")),
        (K.MUTED.value, _l("A moderator mutes you")),
        (K.BANNED.value, _l("Your account is suspended")),
    )),
    (_l("Moderation"), (
        ("digest", _l("Once a day, what waits for your review (only when something does)")),
    )),
)
LABELS = {kind: label for _, kinds in GROUPS for kind, label in kinds}


def label(kind: str) -> str:
    return str(LABELS.get(kind, kind))


def refused(user_id: int) -> set[str]:
    return set(db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == user_id)))


def refuse(user_id: int, kind: str) -> None:
    """Idempotent: refusing twice (a double click, a mail program's one-click
    request and the person's own) leaves one row."""
    _refuse_all(user_id, [kind])


def _refuse_all(user_id: int, kinds) -> None:
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(MailOptOut).values(
        [{"user_id": user_id, "kind": kind} for kind in kinds]).on_conflict_do_nothing())


def allow(user_id: int, kind: str) -> None:
    db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user_id,
                                                MailOptOut.kind == kind))


def stop_token(user: User, kind: str) -> str:
    """The secret of a stop link: the account (its id and when it was made:
    an id may be given again, on SQLite, once its account is deleted), the
    address it was mailed to, and the kind. It does not expire, but it works
    only while the account has that address: a mailbox the account left has
    no say over its mail."""
    return tokens.sign("unsubscribe", {"u": user.id, "c": _made(user), "a": _mailbox(user),
                                       "k": kind})


def _made(user: User) -> int:
    return round(user.created_at.timestamp() * 1_000_000)  # to the microsecond


def _mailbox(user: User) -> str:
    address = (user.email or "").lower()
    return hashlib.sha256(address.encode()).hexdigest()[:12]


def from_link(token: str) -> tuple[User, str] | None:
    """The person and the kind a stop link names; None for a link that is
    forged, damaged, made for another purpose, or names someone or
    something that is not there (any more)."""
    payload = tokens.read("unsubscribe", token)
    if payload is None or not isinstance(payload.get("u"), int) \
            or payload.get("k") not in REFUSABLE:
        return None
    user = db.session.get(User, payload["u"])
    if user is None or payload.get("c") != _made(user):
        return None  # deleted, or another account given the same id since
    if payload.get("a") != _mailbox(user):
        return None  # mailed to an address the account no longer has
    return user, payload["k"]


def moderates(user) -> bool:
    """Whether the digest concerns this person: site moderators and admins,
    and club moderators (the menu's own rule, access.menu_facts)."""
    from ..access import menu_facts

    facts = menu_facts(user)
    return bool(facts and facts.moderator)


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    wanted: bool


def choices(user) -> list[tuple[str, list[Choice]]]:
    """(group title, its choices) as ``user`` sees them on /account/: the
    digest only for people who moderate, or who refused it once (so they can
    take it back)."""
    no = refused(user.id)
    shown = [kind for kind in REFUSABLE if kind != "digest" or "digest" in no or moderates(user)]
    return [(str(title), [Choice(kind, str(text), kind not in no)
                          for kind, text in kinds if kind in shown])
            for title, kinds in GROUPS if any(kind in shown for kind, _ in kinds)]


def save(user, wanted_kinds) -> None:
    """Keep exactly ``wanted_kinds`` among the kinds ``user`` is shown, in
    two statements; a kind not shown (the digest, for someone who moderates
    nothing) is left as it is."""
    shown = {choice.kind for _, kinds in choices(user) for choice in kinds}
    wanted = shown & set(wanted_kinds)
    refused_now = sorted(shown - wanted)
    if wanted:
        db.session.execute(delete(MailOptOut).where(MailOptOut.user_id == user.id,
                                                    MailOptOut.kind.in_(sorted(wanted))))
    if refused_now:
        _refuse_all(user.id, refused_now)
