"""Sign-up and sign-in rules, a forgotten password, and the confirmation of
an address. No Flask request objects here; nothing here commits (the
request does, once). The mail these queue says what ``auth/mail.py`` has
it say, written when the worker sends it."""

import hashlib
import hmac
from datetime import timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from .. import ratelimits
from ..extensions import db
from ..forms import is_plain_address
from ..idempotent import RESENT_WITHIN, add_once
from ..mail import tokens
from ..mail.outbox import enqueue
from ..models import MailKind, OutboxMail, User, utcnow


# Checked when the username is unknown, so a wrong username costs as much
# time as a wrong password and does not reveal who has an account.
_DUMMY_HASH = "scrypt:32768:8:1$wH0Z3bM3a0y6Qm6V$" + "0" * 128


def register_user(username: str, display_name: str, password: str, email: str | None,
                  locale: str | None = None) -> User | None:
    """A new account; ``locale`` is the language the person signed up in
    (mail and a new device use it until the profile changes it). None when
    the username was taken by someone else, a moment or long ago: the
    database's unique constraint decides.

    The same sign-up sent twice (a double click, a phone that retries)
    answers the second time with the account the first created, so both
    requests sign the person in: only when that account is younger than
    ``RESENT_WITHIN`` and has the same name, e-mail address and password.
    Anyone else gets the "taken" answer; and a clash is no way to try
    passwords on established accounts (logging in counts those tries)."""
    username = username.strip().lower()
    display_name = display_name.strip()
    user = User(username=username, display_name=display_name, email=email, locale=locale)
    user.set_password(password)
    user, new = add_once(user, lambda: User.by_username(username))
    if new:
        send_verification(user)  # an address given is unconfirmed till its link is opened
        return user  # flushed: its id and session token, to log in
    if user is not None and user.created_at > utcnow() - RESENT_WITHIN \
            and user.display_name == display_name and user.email == email \
            and user.check_password(password):
        return user
    return None


def authenticate(username: str, password: str) -> User | None:
    user = User.by_username(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of ``user``, on every device
    (logout, "log out on every other device"). The device that asked signs
    in again afterwards if it should stay signed in."""
    user.end_other_sessions()


# Too many links lately, to this account or to this address (whoever asked):
# the limits are per hour and per day, so the wait may be longer than an hour.
NO_LINK_NOW = _l("We could not send a link to this address now: several were sent lately. "
                 "Ask for one again later with “Send the link again”.")


# -- addresses and their confirmation ------------------------------------------------

def same_address(one: str | None, other: str | None) -> bool:
    """The same address, whatever its Latin capitals ("Aida@Example.org" is
    "aida@example.org"); nothing else counts as the same: not Unicode case
    folding, which maps different mailboxes together ("ß" and "ss", final
    and plain sigma). Addresses typed since issue #13 are ASCII anyway
    (``forms.EMAIL_RE``); an older one with other letters only equals itself."""
    if not one or not other:
        return one == other
    if one.isascii() and other.isascii():
        return one.lower() == other.lower()
    return one == other


def needs_password(user: User, address: str | None) -> bool:
    """Whether giving ``user`` the address ``address`` (None: none) asks for
    the current password: it adds or changes an address, or removes a
    confirmed one. An address, once confirmed, is how the account is taken
    back after a lost password, so a borrowed session must not plant its
    own (on an account with none, or with one not confirmed yet)."""
    if same_address(address, user.email):
        return False
    return bool(address) or user.email_verified_at is not None


def set_email(user: User, address: str | None) -> bool:
    """Give ``user`` the address ``address`` (None: none). A new address is
    unconfirmed until its link is opened, and a link to confirm it is
    queued; the same address keeps its state (``same_address``: one
    differing only in Latin capitals stays confirmed). Whoever calls this
    for a confirmed address has checked the password (``needs_password``).
    True when a link was queued."""
    if address == user.email:
        return False
    if user.email_verified_at is not None and same_address(address, user.email):
        user.email = address
        return False
    user.email = address
    user.email_verified_at = None
    return bool(address) and send_verification(user)


def send_verification(user: User) -> bool:
    """Queue the link that confirms the account's address, if it has an
    unconfirmed one we can mail (``forms.is_plain_address``: not an older
    address the forms refuse now) and neither the account
    (``RATELIMIT_VERIFY_MAIL``) nor the address, from the asking address
    (``RATELIMIT_VERIFY_ADDRESS``) and from everywhere
    (``RATELIMIT_VERIFY_ADDRESS_ALL``), has had too many such links lately.
    True when queued."""
    if not user.email or user.email_verified_at is not None \
            or not is_plain_address(user.email):
        return False
    if user.id is None:
        db.session.flush()
    if not ratelimits.allow_all([
            ("RATELIMIT_VERIFY_MAIL", f"verify-mail:{user.id}"),
            ("RATELIMIT_VERIFY_ADDRESS",
             f"{ratelimits.address_target('verify', user.email)}:{ratelimits.per_address()}"),
            ("RATELIMIT_VERIFY_ADDRESS_ALL", ratelimits.address_target("verify", user.email))]):
        return False
    return enqueue(user.id, MailKind.VERIFY, to_address=user.email)


def link_queued(user: User) -> bool:
    """Whether a link to confirm the account's present address is in the
    outbox (queued by this request, or by the first of a double submit)."""
    return user.email is not None and db.session.scalar(
        select(OutboxMail.id).where(OutboxMail.user_id == user.id,
                                    OutboxMail.kind == MailKind.VERIFY,
                                    OutboxMail.to_address == user.email).limit(1)) is not None


def verification_token(user_id: int, address: str) -> str:
    return tokens.sign("verify", {"u": user_id, "e": address})


def read_verification(token: str) -> tuple[User | None, bool]:
    """The account a confirmation link is for, and whether the link still
    applies: it is genuine, younger than ``EMAIL_VERIFY_SECONDS``, and the
    account still has the address it confirms. (None, False) for a link
    that is forged, damaged, too old or of an account that is gone."""
    payload = tokens.read("verify", token, max_age=current_app.config["EMAIL_VERIFY_SECONDS"])
    user_id = payload and payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        return None, False
    return user, bool(user.email) and user.email == payload.get("e")


def confirm_email(user: User) -> None:
    """The address is confirmed (again: a second click changes nothing)."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


# -- password reset ------------------------------------------------------------------

def accounts_with_address(address: str) -> list[User]:
    """The accounts whose confirmed address is ``address``, whatever its
    Latin capitals (``same_address``; addresses are not unique: one person
    may have several accounts, a family one address). SQL's lower() folds
    ASCII alike on every database, and Python's lower() of an ASCII
    address folds nothing else; an older address with other letters is
    found only as stored."""
    address = (address or "").strip()
    if not address:
        return []
    if address.isascii():
        matches = func.lower(User.email) == address.lower()
    else:
        matches = User.email == address
    return list(db.session.scalars(
        select(User).where(matches, User.email_verified_at.is_not(None)).order_by(User.id)))


def request_reset(address: str) -> int:
    """Queue a reset link for each account whose confirmed address is
    ``address``, within ``RATELIMIT_RESET_ACCOUNT`` per account (and known
    device: ``ratelimits.reset_mail_key``). The link is
    made when the mail is written (``auth.mail``), so the outbox holds no
    secret. Returns how many were queued: for tests, never for the person
    asking, who gets the same answer in every case."""
    queued = 0
    for user in accounts_with_address(address):
        if ratelimits.allow("RATELIMIT_RESET_ACCOUNT", ratelimits.reset_mail_key(user)):
            queued += enqueue(user.id, MailKind.RESET)
    return queued


def _password_stamp(user: User) -> str:
    """A short digest of what a reset link may act on: the account's
    password hash, session token, address and the moment it was
    confirmed. A reset link carries it, so setting a password, logging out
    everywhere, or changing (or confirming again) the address makes every
    link made before worthless: a mailbox the account has left has no
    power over it any more."""
    key = current_app.secret_key
    confirmed = user.email_verified_at
    if confirmed is not None:
        confirmed = int(confirmed.replace(tzinfo=confirmed.tzinfo or timezone.utc).timestamp())
    address = (user.email or "").lower() if (user.email or "").isascii() else user.email
    text = f"{user.password_hash}:{user.session_token}:{address}:{confirmed}"  # same_address
    digest = hmac.new(key if isinstance(key, bytes) else key.encode(), text.encode(),
                      hashlib.sha256)
    return digest.hexdigest()[:16]


def reset_token(user: User) -> str:
    return tokens.sign("reset", {"u": user.id, "p": _password_stamp(user)})


def user_for_reset(token: str) -> tuple[User | None, bool]:
    """The account a reset link is for, and whether the link still works:
    genuine, younger than ``PASSWORD_RESET_SECONDS``, and not used (the
    password and sessions are as they were when it was made). (user, False)
    for a genuine, recent link that was used (a double click's second
    request, say); (None, False) for one forged, damaged, too old, or of an
    account that is gone."""
    payload = tokens.read("reset", token, max_age=current_app.config["PASSWORD_RESET_SECONDS"])
    user_id, stamp = (payload or {}).get("u"), (payload or {}).get("p")
    if not isinstance(user_id, int) or not isinstance(stamp, str):
        return None, False
    user = db.session.get(User, user_id)
    if user is None:
        return None, False
    return user, hmac.compare_digest(_password_stamp(user), stamp)


def reset_password(user: User, password: str) -> None:
    """The new password from a reset link; every session so far ends (the
    link's page signs its own browser in again)."""
    user.set_password(password)
    user.end_other_sessions()
