"""Helpers shared by the test modules."""

import html
import re
from contextlib import contextmanager
from html.parser import HTMLParser

from flask.testing import FlaskClient
from sqlalchemy import event

from hrdebate.extensions import db

_HX_HEADERS = re.compile(r'hx-headers="([^"]+)"')


class Client(FlaskClient):
    """The Flask test client, able to fetch a CSRF token like a browser."""

    def csrf_token(self) -> str:
        page = self.get("/privacy").text
        match = _HX_HEADERS.search(page)
        assert match, "every page carries the CSRF token for htmx"
        return re.search(r'"X-CSRFToken": "([^"]+)"', html.unescape(match.group(1))).group(1)

    def post_form(self, url, data=None, **kwargs):
        """POST a form the way a browser does: with the page's CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
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
