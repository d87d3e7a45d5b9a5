"""The page cache: whole answers to anonymous readers, and fragments.

A page marked ``@public_page`` is the same for every anonymous reader of its
URL in one language, so its answer is kept (Flask-Caching: each worker's
memory by default, Redis when ``CACHE_TYPE`` says so) and given again until
something it shows may have changed.

What "may have changed" means is kept in the database, not in the cache:
every transaction that writes to a table the public reads (an engine hook
sees each INSERT, UPDATE and DELETE, from the ORM or not) raises that
table's number in ``page_generations`` just before it commits, in the same
transaction. A page is stored and found under the numbers read at the start
of the request, before anything else: a page rendered from data older than
a write can only be stored under the numbers before it, which nobody asks
for once the write has committed. So a moderator's decision, a new comment
or an edit is seen by the next reader, on every worker and every host,
whatever the cache backend; the cache only saves the rendering.

Never stored: an answer to a signed-in person (or about one: ``personal``
views), an answer that carries a CSRF token, sets a cookie or changed the
session (a flash message shown), or any status but 200. Entries also expire
after ``PAGE_CACHE_SECONDS``: what changes with the clock alone (an event
that started, voting that closed at its time) is at most that late.

Stored pages carry an ``ETag`` (and ``Last-Modified``: the last write to a
public table) and answer 304 to a browser that has them; ``Cache-Control``
lets a reverse proxy keep them ``PAGE_CACHE_PROXY_SECONDS`` (README, "Page
cache").

``fragment`` keeps a piece of a page (the rendered thread) under the numbers
of just the tables it reads, for signed-in pages too; what is personal in
such a page is rendered around it, never inside."""

import functools
import gzip
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from . import htmx
from .dbtypes import utcnow
from .extensions import cache, db
from .idempotent import dialect_insert
from .models import PageGeneration

# Tables no public page reads: writing them changes no cached page.
PRIVATE_TABLES = frozenset({
    "page_generations", "outbox", "job_runs", "mail_opt_outs", "notifications",
    "club_invitations", "watched_words", "attendance_changes",
})
_WRITE = re.compile(
    r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_][a-z0-9_]*)', re.IGNORECASE)
_WRITTEN = "hrdebate.written_tables"


# -- what a transaction wrote ------------------------------------------------------------

def watch_writes(engine) -> None:
    """Note on each connection the public tables its transaction writes."""
    tables = db.metadata.tables

    @event.listens_for(engine, "before_cursor_execute")
    def _note(connection, _cursor, statement, _parameters, _context, _executemany):
        head = statement.lstrip()[:6].upper()
        if head == "SELECT":
            return
        for name in _WRITE.findall(statement):
            if name in tables and name not in PRIVATE_TABLES:
                connection.info.setdefault(_WRITTEN, set()).add(name)

    @event.listens_for(engine, "rollback")
    def _forget(connection):
        connection.info.pop(_WRITTEN, None)


@event.listens_for(Session, "before_commit")
def _bump_generations(session):
    """In the committing transaction: each written public table's number up.
    (``before_commit`` comes before the commit's own flush: flush first.)"""
    session.flush()
    for connection in _connections(session):
        written = connection.info.pop(_WRITTEN, None)
        if not written:
            continue
        now = utcnow()
        statement = dialect_insert(PageGeneration).values(
            [{"table": name, "number": 1, "changed_at": now} for name in sorted(written)])
        statement = statement.on_conflict_do_update(
            index_elements=["table"],
            set_={"number": PageGeneration.number + 1, "changed_at": now})
        connection.execute(statement)


def _connections(session):
    transaction = session.get_transaction()
    if transaction is None:
        return []
    return [entry[0] for entry in transaction._connections.values()]


# -- the numbers a request reads ------------------------------------------------------------

_columns = PageGeneration.__table__.c
_READ_GENERATIONS = select(_columns.table, _columns.number, _columns.changed_at)


def _generations() -> dict:
    """Every table's number and time of change, read once per request (the
    first statement of a cached page's request: see the module's text)."""
    if "page_generations" not in g:
        # Core, on the request's own connection (so in its transaction): a
        # third of what the ORM costs for the same rows.
        rows = db.session.connection().execute(_READ_GENERATIONS).all()
        g.page_generations = {table: (number, changed) for table, number, changed in rows}
    return g.page_generations


def _version(tables: Iterable[str] | None = None) -> str:
    generations = _generations()
    names = sorted(generations if tables is None else tables)
    # With the time of the change: numbers that came back (a restored backup)
    # do not find pages kept before.
    return ",".join(f"{name}:{number}@{changed.timestamp() if changed else 0}"
                    for name in names for number, changed in [generations.get(name, (0, None))])


@functools.cache
def _release() -> str:
    """What this code is: a stored page from an earlier release (a shared
    Redis outlives a deploy) is not served by the next one."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".txt", ".css", ".js", ".svg"}:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for path in sorted((root.parent / "translations").rglob("*.mo")):
        digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def _key(*parts) -> str:
    return "hrdebate:" + hashlib.sha256(repr((_release(),) + parts).encode()).hexdigest()


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
        key = _key("page", request.url, str(get_locale()), htmx.wants_fragment(), generations_version)
        stored = _get(key)
        if stored is None:
            response = make_response(view(*args, **kwargs))
            if not _may_store(response):
                return response
            response.add_etag()
            body = response.get_data()
            stored = (body, _gzip(body), list(response.headers.items()))
            _set(key, stored)
        else:
            body, _zipped, headers = stored
            response = current_app.response_class(body, headers=headers)
        return _public(response, zipped=stored[1])

    return cached_view


def _may_serve() -> bool:
    return (current_app.config["PAGE_CACHE_ENABLED"]
            and request.method in ("GET", "HEAD")
            and not current_user.is_authenticated
            and "_flashes" not in session)


def _may_store(response) -> bool:
    """Nothing of one person's: no CSRF token in the page (Flask-WTF keeps the
    one it rendered in ``g``), no change to the session (a flash shown, a
    token made), no cookie, and still nobody signed in."""
    return (response.status_code == 200
            and not response.is_streamed
            and not response.direct_passthrough
            and current_app.config["WTF_CSRF_FIELD_NAME"] not in g
            and not session.modified
            and not g.get("remember_language")
            and "Set-Cookie" not in response.headers
            and not current_user.is_authenticated)


def _gzip(body: bytes) -> bytes | None:
    """The body as Flask-Compress would send it to a browser taking gzip
    (all of them), made once when the page is kept instead of at each answer."""
    config = current_app.config
    if len(body) < config["COMPRESS_MIN_SIZE"]:
        return None
    return gzip.compress(body, compresslevel=config["COMPRESS_LEVEL"], mtime=0)


def _public(response, zipped: bytes | None = None):
    """Validators, a 304 when the browser has this page, and permission for a
    shared cache (a proxy) to keep it a few seconds."""
    if zipped is not None and request.accept_encodings["gzip"]:
        # As Flask-Compress marks it (which leaves an encoded answer alone).
        etag, _weak = response.get_etag()
        response.set_data(zipped)
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        if etag:
            response.set_etag(f"{etag}:gzip")
    last_write = max((changed for _number, changed in _generations().values()), default=None)
    if last_write is not None:
        response.last_modified = last_write
    seconds = current_app.config["PAGE_CACHE_PROXY_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age=0, s-maxage={seconds}" if seconds \
        else "public, no-cache"
    response.vary.update(("Accept-Language", "Cookie", "HX-Request"))
    return response.make_conditional(request)


# -- fragments ----------------------------------------------------------------------------------------

def fragment(name: str, parts: tuple, tables: Iterable[str], render: Callable[[], str]) -> Markup:
    """The HTML ``render()`` makes, kept under ``name``, ``parts`` (what else
    it depends on: an event's id, a page number, a view; never a person),
    the language and the numbers of ``tables`` (every table it reads)."""
    if not current_app.config["PAGE_CACHE_ENABLED"]:
        return Markup(render())
    key = _key("fragment", name, parts, str(get_locale()), _version(tables))
    html = _get(key)
    if html is None:
        html = str(render())
        _set(key, html)
    return Markup(html)


def _get(key):
    """The stored value, or None; a cache that does not answer (Redis down)
    costs a rendering, never an error page."""
    try:
        return cache.get(key)
    except Exception as error:  # noqa: BLE001 - any backend's failure
        current_app.logger.warning("page cache: %s", error)
        return None


def _set(key, value) -> None:
    try:
        cache.set(key, value, timeout=current_app.config["PAGE_CACHE_SECONDS"])
    except Exception as error:  # noqa: BLE001
        current_app.logger.warning("page cache: %s", error)


def init_app(app):
    cache.init_app(app)
    with app.app_context():
        watch_writes(db.engine)
