"""Helpers shared by the test modules."""

import html
import re
from contextlib import contextmanager

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
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def page_text(html_text: str) -> str:
    """The visible text of a page: tags, scripts and attributes removed."""
    html_text = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html_text)
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


def fetch(app, model, **where):
    """Load a fresh copy of one row, outside any request."""
    with app.app_context():
        obj = db.session.scalars(db.select(model).filter_by(**where)).one_or_none()
        if obj is not None:
            db.session.expunge(obj)
        return obj
