"""Who each rate limit counts, stated once (DESIGN §8, README "Rate limits").

- A signed-in person's actions (vote, comment, flag, check-in, register and
  unregister, invitations) count per account: a hall of 300 people on the
  venue's Wi-Fi share one address, and each of them is a person of their own.
- Anonymous actions (login, sign-up) can only count per address; their limits
  are sized for a hall on one address (config.py).
- Login attempts also count per target: the username being tried, whoever
  tries it and from wherever. Only failed attempts count, and unknown
  usernames count exactly like known ones, so the refusal says nothing about
  whether an account exists. Rotating addresses does not help guessing.
- Password reset requests count per email address typed (hashed the same
  way, known and unknown alike) from each asking address, and the mail
  they queue per account (``allow``: beyond the limit nothing more is
  queued, and the answer to the person stays the same). Mail that asks to
  confirm an address counts per account, and per recipient address both
  from each asking address and from everywhere together.
- Device cookies (OWASP, "Slow down online guessing attacks with device
  cookies") keep that limit from locking the owner out: a browser where an
  account logged in before holds a signed cookie naming it (by its hash), and
  its attempts for that account count in a bucket of their own. Guesses from
  everywhere else share the "unknown devices" bucket, and only logging in
  from new devices pauses when it is full. The cookie is no session: it signs
  nobody in, and logging out leaves it.

The address is the peer's address, or the one the proxies in front of the app
reported when (and only when) ``PROXY_COUNT`` says there are such proxies
(ProxyFix in ``create_app``): a forged ``X-Forwarded-For`` changes nothing.
Keys live only in the limiter's short-lived storage (memory or Redis); the
username in a login key is hashed.
"""

import hashlib
import hmac
import logging
import math
import os
import secrets
import sys
import time
import unicodedata

from flask import current_app, flash, g, make_response, request, session
from flask.logging import default_handler
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadData, URLSafeSerializer
from limits import parse_many
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter
from .htmx import wants_fragment

log = logging.getLogger(__name__)


# -- keys ----------------------------------------------------------------------------

def per_address() -> str:
    return f"address:{get_remote_address()}"


def per_account() -> str:
    """A signed-in person's account (their address only if, against every
    route's ``login_required``, nobody is signed in)."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return per_address()


def _target(kind: str, text: str) -> str:
    """``text`` folded (NFKC, stripped, lower-case) and hashed, as ``kind:<hash>``:
    the same key for "Aida", " aida" and "ａｉｄａ", and no usernames or
    addresses in the limiter's storage."""
    name = unicodedata.normalize("NFKC", text or "").strip().lower()
    # Keyed with the secret key: the hashes in a device cookie (readable by
    # whoever holds the browser) cannot be matched against a list of usernames.
    key = current_app.secret_key
    digest = hmac.new(key if isinstance(key, bytes) else key.encode(),
                      name.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"{kind}:" + digest.hexdigest()[:32]


def login_target(username: str) -> str:
    """The account a login tries, as the lookup sees it (``User.by_username``
    strips and lower-cases; forms fold to NFKC), hashed."""
    return _target("login", username)


def address_target(kind: str, address: str) -> str:
    """An email address, folded and hashed like a login's target, for the
    limits of ``kind`` ("reset", "verify")."""
    return _target(kind, address)


def per_reset_target() -> str:
    """The email address a password reset is asked for (folded and hashed
    like a login's target: known and unknown addresses count alike), from
    this address of the asker's: requests from elsewhere (the attacker's
    machine) never use up the owner's."""
    return f"{address_target('reset', request.form.get('email', ''))}:{per_address()}"


def per_login_target() -> str:
    """The username's shared bucket for unknown devices, or, on a device
    where that account logged in before, this device's own bucket for it."""
    target = login_target(request.form.get("username", ""))
    device = known_device()
    if device is not None and target in device["targets"]:
        return f"{target}:device:{device['id']}"
    return target


def reset_mail_key(user) -> str:
    """The bucket of ``RATELIMIT_RESET_ACCOUNT`` for a reset mail to
    ``user``: the account's own on a device where it logged in before (a
    person who forgot her password on her usual phone), else the one all
    other devices share. Requests from elsewhere cannot use up the mail of
    the owner's device."""
    key = f"reset-account:{user.id}"
    device = known_device()
    if device is not None and login_target(user.username) in device["targets"]:
        return f"{key}:device:{device['id']}"
    return key


# -- device cookies ------------------------------------------------------------------

DEVICE_COOKIE = "hrdebate_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
DEVICE_ACCOUNTS = 5  # the accounts one browser remembers, the latest kept


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_device() -> dict | None:
    """This browser's device cookie, if it is one we signed: ``{"id": …,
    "targets": [login_target, …]}``; None for no cookie, a forged or a
    tampered one."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie:
        return None
    try:
        data = _device_serializer().loads(cookie)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    device_id, targets = data.get("id"), data.get("targets")
    if not (isinstance(device_id, str) and isinstance(targets, list)
            and all(isinstance(t, str) for t in targets)):
        return None
    return {"id": device_id, "targets": targets[-DEVICE_ACCOUNTS:]}


def remember_device(response, username: str):
    """After a successful login: this browser is a known device of the
    account (its login target hash; no username, no session). Kept a year."""
    device = known_device() or {"id": secrets.token_urlsafe(16), "targets": []}
    target = login_target(username)
    targets = [t for t in device["targets"] if t != target] + [target]
    value = _device_serializer().dumps({"id": device["id"],
                                        "targets": targets[-DEVICE_ACCOUNTS:]})
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


# -- decorators ----------------------------------------------------------------------

def _configured(name):
    return lambda: current_app.config[name]


def for_account(setting: str, methods=None, on_breach=None, exempt_when=None):
    """Limit a signed-in action per account, by the limits in ``setting``
    (not counted while ``exempt_when()`` holds). Place it under
    ``@login_required``."""
    return limiter.limit(_configured(setting), key_func=per_account, methods=methods,
                         on_breach=on_breach, exempt_when=exempt_when)


def for_address(setting: str, methods=None, on_breach=None):
    """Limit an anonymous action per address."""
    return limiter.limit(_configured(setting), key_func=per_address, methods=methods,
                         on_breach=on_breach)


def for_login_target(on_breach=None):
    """Limit failed logins per username tried (``RATELIMIT_LOGIN_TARGET``).
    The view calls ``login_failed()`` when a password is wrong or the
    username unknown; only those requests are counted. The check comes before
    the password is read, so once the limit is reached even the right password
    is refused until the window ends, on devices that are not known for
    the account (``per_login_target``)."""
    return limiter.limit(_configured("RATELIMIT_LOGIN_TARGET"), key_func=per_login_target,
                         methods=["POST"], scope="login-target",
                         deduct_when=lambda response: g.get("login_failed", False),
                         on_breach=on_breach)


def login_failed() -> None:
    g.login_failed = True


def for_reset_target(on_breach=None):
    """Limit password reset requests per email address typed and address
    asking (``RATELIMIT_RESET_ADDRESS``, ``per_reset_target``). Not per
    address typed alone: anyone could then lock its owner out of the
    reset. The mail itself is capped per account (``RATELIMIT_RESET_ACCOUNT``)."""
    return limiter.limit(_configured("RATELIMIT_RESET_ADDRESS"), key_func=per_reset_target,
                         methods=["POST"], scope="reset-target", on_breach=on_breach)


def allow(setting: str, key: str) -> bool:
    """Count one more of something that has no request of its own to refuse
    (a mail queued for an account): True while the limits in ``setting``
    allow it for ``key``, and then it is counted; False beyond them. The
    caller goes on quietly either way (the answer to the person must not
    change). With the limiter's storage unreachable, True."""
    return allow_all([(setting, key)])


def allow_all(limits) -> bool:
    """``allow`` for several ``(setting, key)`` pairs at once (a mail limited
    per account and per recipient address): True, and each counted, only
    when every one allows it; nothing is counted otherwise."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    checks = []
    for setting, key in limits:
        args = [part for part in (limiter._key_prefix, key, setting.lower()) if part]
        checks += [(item, args) for item in parse_many(current_app.config[setting])]
    try:
        strategy = limiter.limiter
        if not all(strategy.test(item, *args) for item, args in checks):
            return False
        for item, args in checks:
            strategy.hit(item, *args)
    except Exception:  # the storage went away: mail is not what to lose
        log.warning("Could not count %s for a rate limit",
                    ", ".join(setting for setting, _ in limits), exc_info=True)
    return True


# -- the answer at the limit ---------------------------------------------------------

def seconds_to_wait() -> int | None:
    """Seconds until the limit this request broke lets it through again."""
    try:
        breached = limiter.current_limit
        if breached is None:
            return None
        return max(1, math.ceil(breached.window[0] - time.time()))
    except Exception:  # the storage went away meanwhile: say "a while"
        log.warning("Could not read when a rate limit ends", exc_info=True)
        return None


def _minutes(seconds: int) -> int:
    return math.ceil(seconds / 60)


def _in_time(seconds: int | None, in_seconds, in_minutes) -> str:
    """The sentence for a wait of ``seconds`` (by default the broken limit's):
    ``in_seconds(n)`` under a minute, else ``in_minutes(n)``, n rounded up."""
    if seconds is None:
        seconds = seconds_to_wait() or 60
    return in_seconds(seconds) if seconds < 60 else in_minutes(_minutes(seconds))


def wait_message(seconds: int | None = None) -> str:
    """"You are sending too quickly; send again in N seconds", translated:
    the answer at every limit but the login's."""
    return _in_time(
        seconds,
        lambda n: ngettext("You are sending too quickly. Please send again in %(num)d second.",
                           "You are sending too quickly. Please send again in %(num)d seconds.",
                           n),
        lambda n: ngettext("You are sending too quickly. Please send again in %(num)d minute.",
                           "You are sending too quickly. Please send again in %(num)d minutes.",
                           n))


def attempts_message(seconds: int | None = None) -> str:
    """"Too many attempts; wait N minutes", translated: the login form's
    answer at its per-address limit."""
    return _in_time(
        seconds,
        lambda n: ngettext("Too many attempts. Please wait %(num)d second and try again.",
                           "Too many attempts. Please wait %(num)d seconds and try again.", n),
        lambda n: ngettext("Too many attempts. Please wait %(num)d minute and try again.",
                           "Too many attempts. Please wait %(num)d minutes and try again.", n))


def login_target_message() -> str:
    minutes = _minutes(seconds_to_wait() or 60)
    return ngettext(
        "Too many failed attempts to log in with this username. To protect the account, "
        "logging in with it from new devices is paused for %(num)d minute. On a device "
        "where you have logged in before, you can log in as usual.",
        "Too many failed attempts to log in with this username. To protect the account, "
        "logging in with it from new devices is paused for %(num)d minutes. On a device "
        "where you have logged in before, you can log in as usual.", minutes)


def keeping_form(render, message=wait_message):
    """An ``on_breach`` callback for a plain form: the form's page again with
    what was typed (password fields are never echoed back) and why it was
    refused, status 429. ``render(message)`` builds the page. htmx requests
    get the short fragment of ``errors.py`` instead, aimed at the message area,
    so the form on the page keeps its text."""
    def on_breach(_request_limit):
        if wants_fragment():
            g.rate_limit_message = message()
            return None
        text = message()
        flash(text, "error")
        try:
            page = render(text)
        except (HTTPException, DBAPIError):
            # No page to come back to (an event that is gone, a database that
            # went away): the 429 handler says it instead, once.
            session.get("_flashes", []).pop()
            db.session.rollback()
            g.rate_limit_message = text
            return None
        response = make_response(page)
        response.status_code = 429
        return response
    return on_breach


def message_for_this_request() -> str:
    return g.get("rate_limit_message") or wait_message()


# -- start-up checks -----------------------------------------------------------------

def worker_count(argv=None, environ=None) -> int:
    """How many worker processes the server was asked for: gunicorn's
    ``-w``/``--workers`` on the command line, else ``WEB_CONCURRENCY`` (which
    gunicorn reads too), else 1."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    for i, arg in enumerate(argv):
        value = None
        if arg in ("-w", "--workers") and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--workers="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-w") and arg[2:].isdigit():
            value = arg[2:]
        if value is not None and value.strip().isdigit():
            return int(value)
    value = environ.get("WEB_CONCURRENCY", "").strip()
    return int(value) if value.isdigit() else 1


def _gunicorn_workers() -> int | None:
    """The worker count of the gunicorn arbiter we run under, if any (it is
    the authoritative one: it includes a config file's ``workers``)."""
    module = sys.modules.get("gunicorn.arbiter")
    arbiter = getattr(module, "Arbiter", None) if module else None
    if arbiter is None:
        return None
    for obj in _arbiters(arbiter):
        return int(obj.num_workers)
    return None


def _arbiters(arbiter_class):
    import gc

    return (obj for obj in gc.get_referrers(arbiter_class)
            if isinstance(obj, arbiter_class))


def warn_if_memory_storage_is_split(app) -> None:
    """Loud warning: several workers with ``memory://`` means each worker
    counts on its own, so every limit is multiplied by the number of workers."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    if not str(app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        return
    workers = max(worker_count(), _gunicorn_workers() or 0)
    if workers > 1:
        app.logger.warning(
            "RATE LIMITS ARE NOT SHARED: %d workers with RATELIMIT_STORAGE_URI=memory:// each "
            "count on their own, so every limit is %d times too high. Set "
            "HRDEBATE_RATELIMIT_STORAGE_URI to a Redis URL in production (README, "
            "\"Rate limits\").", workers, workers)


def init_app(app) -> None:
    # One limiter object serves every app a process builds (the tests build
    # many): the key prefix is each app's own, and a new app has a new
    # storage, whose reachability the last one's says nothing about.
    limiter._key_prefix = None
    limiter.init_app(app)
    limiter._storage_dead = False
    # Flask-Limiter's own warnings ("falling back to in-memory storage" when
    # Redis is down) go where the app's do (the server's error log), not
    # only to a logger nobody listens to.
    if default_handler not in limiter.logger.handlers:
        limiter.logger.addHandler(default_handler)
    warn_if_memory_storage_is_split(app)
