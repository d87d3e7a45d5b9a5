"""The page cache: whole answers to anonymous readers, and fragments.

A page marked ``@public_page`` is the same for every anonymous reader of its
URL in one language, so its answer is kept (Flask-Caching: each worker's
memory by default, Redis when ``CACHE_TYPE`` says so) and given again until
something it shows may have changed.

What "may have changed" means is kept in the database, not in the cache:
every transaction that writes to a table the public reads (an engine hook
sees each INSERT, UPDATE and DELETE, from the ORM or not, through a Session
or not) raises that table's number in ``page_generations`` just before it
commits, in the same transaction. A page is stored and found under the
numbers read at the start of the request, before anything else: a page
rendered from data older than a write can only be stored under the numbers
before it, which nobody asks for once the write has committed. So a moderator's decision, a new comment
or an edit is seen by the next reader, on every worker and every host,
whatever the cache backend; the cache only saves the rendering.

Never stored: an answer to a signed-in person (or about one: ``personal``
views), an answer that carries a CSRF token, sets a cookie or changed the
session (a flash message shown), or any status but 200. Entries also expire
after ``PAGE_CACHE_SECONDS``: what changes with the clock alone (an event
that started, voting that closed at its time) is at most that late.

Stored pages carry an ``ETag`` and answer 304 to a browser that has them;
``Cache-Control`` lets a reverse proxy keep them ``PAGE_CACHE_PROXY_SECONDS``
(README, "Page cache"). A typed search (``q``) is never kept: how fast it
comes back would tell whether someone just asked the same.

``fragment`` keeps a piece of a page (the rendered thread) under the numbers
of just the tables it reads, for signed-in pages too; what is personal in
such a page is rendered around it, never inside."""

import functools
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qsl

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header, parse_cookie, parse_etags, unquote_etag

from . import htmx
from .dbtypes import utcnow
from .extensions import cache, db
from .models import PageGeneration
from .urls import trusted_host

# Tables no public page (nor fragment) reads: writing them changes nothing
# kept. Flags and the moderation log are for moderators, whose pages are
# never kept.
PRIVATE_TABLES = frozenset({
    "page_generations", "outbox", "job_runs", "mail_opt_outs", "notifications",
    "club_invitations", "watched_words", "attendance_changes", "flags", "moderation_actions",
})
# Columns of public tables no public page shows: an UPDATE of only these (a
# login's new session token, a language chosen, a password, an address) keeps
# every page, so one person switching languages in a loop cannot empty
# everyone's cache.
PRIVATE_COLUMNS = {
    "users": frozenset({
        "password_hash", "email", "email_verified_at", "locale", "session_token",
        "demographics_consent_at", "age_band", "gender", "affiliation", "region", "record_key",
        "calendar_token", "muted_until", "approved_comment_count", "search_key",
    }),
}
_WRITE = re.compile(
    r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_][a-z0-9_]*)', re.IGNORECASE)
_SET = re.compile(r'^\s*UPDATE\s+"?(\w+)"?\s+SET\s+(.*?)\s+WHERE\s', re.IGNORECASE | re.DOTALL)
_ASSIGNED = re.compile(r'(?:^|,)\s*"?([a-z_][a-z0-9_]*)"?\s*=', re.IGNORECASE)
_WRITTEN = "hrdebate.written_tables"
_OFF = "hrdebate.page_cache.off"  # set by migrations/env.py on its connection
# What the fast path tells the app in the WSGI environ: the generations it
# read, and (back) that the view's answer may be kept.
_GENERATIONS = "hrdebate.page_cache.generations"
_STORABLE = "hrdebate.page_cache.storable"


# -- what a transaction wrote ------------------------------------------------------------

def watch_writes(engine) -> None:
    """Note on each connection the public tables its transaction writes."""
    tables = db.metadata.tables

    @event.listens_for(engine, "before_cursor_execute")
    def _note(connection, _cursor, statement, _parameters, _context, _executemany):
        head = statement.lstrip()[:6].upper()
        if head == "SELECT":
            return
        names = [name for name in _WRITE.findall(statement)
                 if name in tables and name not in PRIVATE_TABLES]
        if names and not _private_update(statement):
            connection.info.setdefault(_WRITTEN, set()).update(names)

    @event.listens_for(engine, "rollback")
    def _forget(connection):
        if not connection.invalidated:  # lost (faults.py): a new one knows nothing
            connection.info.pop(_WRITTEN, None)

    @event.listens_for(engine, "commit")
    def _bump_generations(connection):
        """In the committing transaction, just before the database commits it
        (after the Session's last flush): each written public table's number
        up. Whoever wrote, through a Session or not."""
        written = connection.info.pop(_WRITTEN, None)
        if written and not connection.info.get(_OFF):
            connection.execute(_bump(connection.dialect.name, written))


def _bump(dialect: str, tables: set[str]):
    now = utcnow()
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(PageGeneration)
    return insert.values(
        [{"table": name, "number": 1, "changed_at": now} for name in sorted(tables)]
    ).on_conflict_do_update(index_elements=["table"],
                            set_={"number": PageGeneration.number + 1, "changed_at": now})


def _private_update(statement: str) -> bool:
    """An UPDATE of a public table that sets only columns no page shows."""
    match = _SET.match(statement)
    if match is None or match.group(1) not in PRIVATE_COLUMNS:
        return False
    assigned = set(_ASSIGNED.findall(match.group(2)))
    return bool(assigned) and assigned <= PRIVATE_COLUMNS[match.group(1)]


def bump_all() -> None:
    """Every public table's number up (``flask page-cache clear``): after a
    change made by hand in the database, every kept page is given up."""
    for table in sorted(set(db.metadata.tables) - PRIVATE_TABLES):
        db.session.connection().info.setdefault(_WRITTEN, set()).add(table)


# -- the numbers a request reads ------------------------------------------------------------

_columns = PageGeneration.__table__.c
_READ_GENERATIONS = select(_columns.table, _columns.number, _columns.changed_at)


def _generations() -> dict:
    """Every table's number and time of change, read once per request (the
    first statement of a cached page's request: see the module's text)."""
    if "page_generations" not in g:
        # Read already by the fast path (before this request's transaction
        # began: what the request reads is no older), or now: in core, on the
        # request's own connection (a third of what the ORM costs).
        fast = request.environ.get(_GENERATIONS)
        g.page_generations = fast if fast is not None \
            else _read_generations(db.session.connection())
    return g.page_generations


def _read_generations(connection) -> dict:
    return {table: (number, changed)
            for table, number, changed in connection.execute(_READ_GENERATIONS).all()}


def _version(tables: Iterable[str] | None = None, generations: dict | None = None) -> str:
    if generations is None:
        generations = _generations()
    names = sorted(generations if tables is None else tables)
    # With the time of the change: numbers that came back (a restored backup)
    # do not find pages kept before.
    return ",".join(f"{name}:{number}@{changed.timestamp() if changed else 0}"
                    for name in names for number, changed in [generations.get(name, (0, None))])


@functools.cache
def release() -> str:
    """What this code is: a stored page from an earlier release (a shared
    Redis outlives a deploy) is not served by the next one."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    files = [path for path in root.rglob("*")
             if path.suffix in {".py", ".html", ".txt", ".css", ".js", ".svg"}]
    files += (root.parent / "translations").rglob("*.mo")
    for path in sorted(files):
        digest.update(str(path.relative_to(root.parent)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def _key(*parts) -> str:
    return "hrdebate:" + hashlib.sha256(repr((release(),) + parts).encode()).hexdigest()


# -- whole pages ----------------------------------------------------------------------------------

def public_page(view):
    """Marks a view whose answer to an anonymous reader depends only on its
    URL, the language and whether htmx asked for a part (``htmx.wants_fragment``):
    that answer is kept until a public table is written, and carries
    validators for conditional requests."""

    @functools.wraps(view)
    def cached_view(*args, **kwargs):
        if not _may_serve():
            return view(*args, **kwargs)
        generations_version = _version()
        # Not the host: every page is the same on each trusted host (its links
        # start with BASE_URL), and an untrusted one never gets this far.
        key = _key("page", request.scheme, request.path, request.query_string, str(get_locale()),
                   htmx.wants_fragment(), generations_version)
        stored = _get(key)
        if stored is None:
            response = make_response(view(*args, **kwargs))
            if not _may_store(response):
                return response
            request.environ[_STORABLE] = True
            response.add_etag()
            _set(key, (response.get_data(), list(response.headers.items())),
                 current_app.config["PAGE_CACHE_SECONDS"])
        else:
            body, headers = stored
            response = current_app.response_class(body, headers=headers)
            request.environ[_STORABLE] = True
        return _public(response)

    cached_view.public_page = True
    return cached_view


def _may_serve() -> bool:
    return (current_app.config["PAGE_CACHE_ENABLED"]
            and request.method in ("GET", "HEAD")
            and not _searched(request.args)
            and not current_user.is_authenticated
            and "_flashes" not in session
            and _cache_answers())


def _searched(args) -> bool:
    """A search typed by someone (``q``) is answered fresh: how fast it comes
    back would tell whether anyone asked the same a moment ago."""
    return bool(args.get("q", "").strip())


def _may_store(response) -> bool:
    """Nothing of one person's: no CSRF token in the page (Flask-WTF keeps the
    one it rendered in ``g``), no change to the session (a flash shown, a
    token made), no cookie, and still nobody signed in."""
    return (response.status_code == 200
            and not response.is_streamed
            and not response.direct_passthrough
            and (response.content_length or 0) <= current_app.config["PAGE_CACHE_MAX_BYTES"]
            and current_app.config["WTF_CSRF_FIELD_NAME"] not in g
            and not session.modified
            and not g.get("remember_language")
            and "Set-Cookie" not in response.headers
            and not current_user.is_authenticated)


def _public(response):
    """A 304 when the browser has this page (its ETag; no Last-Modified: the
    time of the last write anywhere would tell when people act in private),
    and permission for a shared cache (a proxy) to keep it a few seconds.
    Flask-Compress compresses it afterwards, as every answer."""
    seconds = current_app.config["PAGE_CACHE_PROXY_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}" if seconds \
        else "public, no-cache"
    # Everything the answer depends on (htmx.wants_fragment reads three headers).
    response.vary.update(("Accept-Language", "Cookie", "HX-Request", "HX-Boosted",
                          "HX-History-Restore-Request"))
    return response.make_conditional(request)


# -- fragments ----------------------------------------------------------------------------------------

def fragment(name: str, parts: tuple, tables: Iterable[str], render: Callable[[], str]) -> Markup:
    """The HTML ``render()`` makes, kept under ``name``, ``parts`` (what else
    it depends on: an event's id, a page number, a view; never a person),
    the language and the numbers of ``tables`` (every table it reads)."""
    private = PRIVATE_TABLES.intersection(tables)
    if private:  # their writes raise no number: the fragment would stay as it is
        raise ValueError(f"a kept fragment cannot depend on {sorted(private)}")
    if not current_app.config["PAGE_CACHE_ENABLED"] or not _cache_answers():
        return Markup(render())
    key = _key("fragment", name, parts, str(get_locale()), _version(tables))
    html = _get(key)
    if html is None:
        html = str(render())
        _set(key, html, current_app.config["PAGE_CACHE_SECONDS"])
    return Markup(html)


# A cache that failed (Redis down, or hanging until its socket timeout) is
# not asked again for a while, in this worker: each request would wait for it.
_RESTING_SECONDS = 10


def _cache_answers(app=None) -> bool:
    app = app or current_app
    return time.monotonic() >= app.extensions.get("page_cache_rests_until", 0.0)


def _failed(app, error) -> None:
    app.extensions["page_cache_rests_until"] = time.monotonic() + _RESTING_SECONDS
    app.logger.warning("page cache: %s; pages are rendered without it for %d s",
                       error, _RESTING_SECONDS)


def _get(key, app=None):
    """The stored value, or None; a cache that does not answer costs a
    rendering, never an error page."""
    app = app or current_app
    try:
        return app.extensions["cache"][cache].get(key)
    except Exception as error:  # noqa: BLE001 - any backend's failure
        _failed(app, error)
        return None


def _set(key, value, seconds: int, app=None) -> None:
    app = app or current_app
    try:
        app.extensions["cache"][cache].set(key, value, timeout=seconds)
    except Exception as error:  # noqa: BLE001
        _failed(app, error)


# -- the fast path: whole answers to requests without a cookie --------------------------------

_FAST_HEADERS = ("HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING", "HTTP_HX_REQUEST",
                 "HTTP_HX_BOOSTED", "HTTP_HX_HISTORY_RESTORE_REQUEST", "HTTP_HX_TARGET",
                 "HTTP_HX_TRIGGER", "HTTP_HX_TRIGGER_NAME")


def _drop_refused_encodings(environ) -> None:
    """``Accept-Encoding: gzip;q=0`` refuses gzip; Flask-Compress 1.25 takes
    it for a wish (and this path would keep what it sent). A refused
    encoding is left out of the header before anyone reads it."""
    accepted = environ.get("HTTP_ACCEPT_ENCODING")
    if accepted and "q=0" in accepted.replace(" ", ""):
        environ["HTTP_ACCEPT_ENCODING"] = ", ".join(
            f"{value};q={quality}" for value, quality in parse_accept_header(accepted) if quality > 0)


class FastPath:
    """WSGI, inside the proxy fix: a GET that carries no cookie (the language's
    aside) comes from nobody signed in, with no session and so no message
    waiting. Its whole answer, as it left the app (every header, compressed
    as asked), is kept when the view said it may be (``public_page``, its
    ``_may_store``), under the request's own inputs (scheme, path and query,
    the language cookie, the Accept-Language, Accept-Encoding and htmx
    headers) and the generations read first; the next such request is
    answered here, without the app's hooks: the one statement that reads the
    generations and one cache lookup. Anything else goes to the app, which
    keeps pages for its own requests too (``public_page``)."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.language_cookie = app.config["LANGUAGE_COOKIE"]
        self.seconds = app.config["PAGE_CACHE_SECONDS"]
        self.engine = None

    def __call__(self, environ, start_response):
        _drop_refused_encodings(environ)
        if environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE_ENABLED"] \
                or not _cache_answers(self.app):
            return self.wsgi_app(environ, start_response)
        cookies = parse_cookie(environ)
        if any(name != self.language_cookie for name in cookies) \
                or not trusted_host(self.app, environ) or not self._public(environ) \
                or _searched(MultiDict(parse_qsl(environ.get("QUERY_STRING", "")))):
            return self.wsgi_app(environ, start_response)
        try:
            if self.engine is None:
                with self.app.app_context():
                    self.engine = db.engine
            with self.engine.connect() as connection:
                generations = _read_generations(connection)
            environ[_GENERATIONS] = generations
            version = _version(generations=generations)
            key = _key("fast", environ.get("wsgi.url_scheme"), environ.get("SCRIPT_NAME", ""),
                       environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                       cookies.get(self.language_cookie),
                       tuple(environ.get(name) for name in _FAST_HEADERS), version)
        except Exception:  # noqa: BLE001 - the database: the app answers (or says why)
            return self.wsgi_app(environ, start_response)
        stored = _get(key, self.app)
        if stored is not None:
            return self._answer(environ, start_response, *stored)
        return self._keep(environ, start_response, key)

    def _public(self, environ) -> bool:
        """Whether the URL is a ``public_page``'s (any other goes to the app
        untouched: a redirect, a 404, a static file, a form)."""
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(
                environ, server_name=self.app.config["SERVER_NAME"]).match()
        except HTTPException:
            return False
        return getattr(self.app.view_functions.get(endpoint), "public_page", False)

    def _answer(self, environ, start_response, status, headers, body):
        etag = dict(headers).get("ETag")
        asked = environ.get("HTTP_IF_NONE_MATCH")
        if asked and etag and parse_etags(asked).contains_weak(unquote_etag(etag)[0]):
            kept = [(name, value) for name, value in headers
                    if name not in ("Content-Length", "Content-Encoding", "Content-Type")]
            start_response("304 NOT MODIFIED", kept)
            return [b""]
        start_response(status, headers)
        return [body]

    def _keep(self, environ, start_response, key):
        answer = {}

        def recording_start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, list(headers)
            return start_response(status, headers, exc_info)

        iterable = self.wsgi_app(environ, recording_start_response)
        # Flask has run the view by now: whether it may be kept is known.
        if not environ.get(_STORABLE):
            return iterable
        try:
            body = b"".join(iterable)  # a page in memory already (never a stream)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        if answer.get("status", "").startswith("200 ") \
                and not any(name.lower() == "set-cookie" for name, _v in answer["headers"]):
            _set(key, (answer["status"], answer["headers"], body), self.seconds, self.app)
        return [body]


def init_app(app):
    if "redis" in str(app.config["CACHE_TYPE"]).lower() and not app.config.get("CACHE_OPTIONS"):
        # A Redis that hangs costs a request a fifth of a second, then rests
        # (``_failed``), instead of holding every page until the worker dies.
        app.config["CACHE_OPTIONS"] = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}
    cache.init_app(app)
    with app.app_context():
        watch_writes(db.engine)


def init_fast_path(app):
    """Inside the proxy fix (which must wrap it, to give it the client's
    scheme and host), outside everything else."""
    app.wsgi_app = FastPath(app, app.wsgi_app)
