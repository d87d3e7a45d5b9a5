"""Helpers shared by the test modules."""

import html
import re
from contextlib import contextmanager
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy import event

from hrdebate.extensions import db
from hrdebate.form_messages import MESSAGES as WTFORMS_MESSAGES

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

_HX_HEADERS = re.compile(r'hx-headers="([^"]+)"')


class Client(FlaskClient):
    """The Flask test client, able to fetch a CSRF token like a browser."""

    def csrf_token(self) -> str:
        """Signed in, every page carries the token for htmx; a page for
        anonymous readers carries none (it may be cached), so an anonymous
        browser takes it from a form, the login page's."""
        page = self.get("/privacy").text
        match = _HX_HEADERS.search(page)
        if match:
            return re.search(r'"X-CSRFToken": "([^"]+)"', html.unescape(match.group(1))).group(1)
        page = self.get("/auth/login").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post_form(self, url, data=None, **kwargs):
        """POST a form the way a browser does: with the page's CSRF token."""
        data = dict(data or {})
        if "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.post(url, data=data, **kwargs)


@contextmanager
def count_queries(app):
    """Collect the SQL statements run inside the block, for query budgets."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is no query
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


class _Text(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, skip_lang_other_than):
        super().__init__(convert_charrefs=True)
        self.keep_lang = skip_lang_other_than
        self.stack: list[bool] = []  # per open element: is it in another language?
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang")
        foreign = bool(self.stack and self.stack[-1]) or tag in ("script", "style", "textarea") or bool(
            self.keep_lang and tag != "html" and lang and lang != self.keep_lang)
        self.stack.append(foreign)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def page_text(html_text: str, lang: str | None = None) -> str:
    """The interface text of a page: no scripts, styles or what a textarea
    holds. With ``lang``, text marked as written in another language (an
    event's own title and description) is left out too."""
    parser = _Text(lang)
    parser.feed(html_text)
    return " ".join(parser.parts)


@cache
def catalog(code):
    """The catalogue of ``code`` (translations/<code>/LC_MESSAGES/messages.po)."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _forms(text) -> tuple:
    """A message's one text, or each form of a plural one."""
    return text if isinstance(text, tuple) else (text,)


@cache
def _english_patterns(code) -> tuple:
    """Each English message (of our catalogue, and WTForms' own listed in
    form_messages.py) that ``code`` does not write the same way, with its
    ``message_pattern``."""
    same = {s for m in catalog(code) if m.id for s in _forms(m.id) if s in _forms(m.string)}
    ours = {s for m in catalog("en") if m.id for s in _forms(m.id)
            if "<" not in s and len(_PLACEHOLDER.sub("", s)) > 12}  # no single words
    english = ours | {s for m in WTFORMS_MESSAGES for s in _forms(m)}
    return tuple((s, message_pattern(s)) for s in sorted(english - same))


def message_pattern(message):
    """A message as it may read on a page: its placeholders filled by a few words."""
    return re.compile(".{1,80}?".join(re.escape(part) for part in _PLACEHOLDER.split(message)))


def english_leftovers(html_text, code):
    """English messages that appear untranslated in a page shown in ``code``."""
    text = " ".join(page_text(html_text, lang=code).split())
    return [s for s, pattern in _english_patterns(code) if pattern.search(text)]


def fetch(app, model, **where):
    """Load a fresh copy of one row, outside any request."""
    with app.app_context():
        obj = db.session.scalars(db.select(model).filter_by(**where)).one_or_none()
        if obj is not None:
            db.session.expunge(obj)
        return obj


def quarter_closed(app, *events):
    """A moment (aware UTC) when the calendar quarters of ``events`` are
    closed, so the turnout's demographic tables may describe them (their
    last day ended ``ATTENDANCE_LOCK_DAYS`` ago, and an hour more)."""
    from datetime import timedelta

    from hrdebate.timeutil import utc_to_local
    from hrdebate.turnout.services import Quarter

    ends = max(Quarter.of(utc_to_local(event.starts_at).date()).ends_at for event in events)
    return ends + timedelta(days=app.config["ATTENDANCE_LOCK_DAYS"], hours=1)


def empty_schema() -> None:
    """Inside an app context: every table dropped and made anew (Alembic's
    version table too), the themes seeded; for benchmarks, the load test and
    tests that run the migrations."""
    from sqlalchemy import text

    from hrdebate.extensions import db
    from hrdebate.models import seed_topics

    db.drop_all()
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()
    db.create_all()
    seed_topics()
    db.session.commit()


def deliver_mail(app, now=None):
    """What the worker does: send every mail due in the outbox (to the
    console with MAIL_CONSOLE, to MAIL_SERVER otherwise); its report."""
    from hrdebate.mail import deliver_due

    with app.app_context():
        report = deliver_due(now)
        db.session.remove()
        return report


def console_mails(capsys):
    """The mails the console printed since the last call (MAIL_CONSOLE), parsed."""
    from email import message_from_bytes
    from email.policy import default

    err = capsys.readouterr().err
    return [message_from_bytes(part.encode(), policy=default)
            for part in err.split("--- email ---\n")[1:]]
