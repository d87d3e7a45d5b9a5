"""Form errors in the reader's language (issue #11 point 2): WTForms writes
some messages itself ("This field is required.", "Not a valid integer
value."...) and ships no Kyrgyz or Uzbek. Every form of the app is found by
a walk of the URL map in the world of tests/test_fuzz.py (the forms a POST
builds are recorded), then sent in each language empty, with a bad value of
each kind in every field, and without its CSRF token; no answer may hold an
English message (ours or WTForms', tests/helpers.py ``english_leftovers``).
In English, the same answers must show WTForms' messages of each kind, so
the walk is known to reach them."""

import pytest
from flask_babel import force_locale
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectFieldBase,
    URLField,
)

import hrdebate.forms
from hrdebate.errors import CSRF_MESSAGE
from hrdebate.extensions import db
from tests.factories import PASSWORD, Rows
from tests.helpers import english_leftovers, message_pattern, page_text
from tests.test_fuzz import ENDING, Recorder, Run, World, _rules

LANGUAGES = ("ky", "ru", "uz", "en")
ROLES = ("anonymous", "citizen", "author", "organiser", "moderator", "admin")
# Forms no POST builds: read from a GET's query (tested below), or a base.
NOT_POSTED = {"TurnoutFilterForm": "GET", "UserForm": "base of PasswordForm and DeleteForm"}
# WTForms' messages the bad values below must bring up, in English.
EXPECTED_IN_ENGLISH = (
    "This field is required.",
    "Field cannot be longer than %(max)d characters.",
    "Not a valid integer value.",
    "Number must be between %(min)s and %(max)s.",
    "Not a valid datetime value.",
    "Not a valid date value.",
    "Not a valid choice.",
    "'%(value)s' is not a valid choice for this field.",
    "Invalid URL.",
)


def bad_values(field) -> tuple:
    """Values ``field`` refuses, one of each kind it can be given wrong: text
    too long or not of its form, no number or one out of range, no date or
    one out of range, a choice not offered."""
    if isinstance(field, BooleanField):
        return ()
    if isinstance(field, DateTimeField):  # DateTimeLocalField too
        return ("the day after tomorrow", "1999-12-31T10:00")
    if isinstance(field, DateField):
        return ("31.02.2030", "1999-12-31")
    if isinstance(field, IntegerField):
        return ("many", "-5")
    if isinstance(field, SelectFieldBase):
        return ("no-such-choice",)
    if isinstance(field, HiddenField):
        return ("no-such-value",)
    if isinstance(field, (EmailField, URLField)):
        return ("x" * 5000, "not an address")
    if isinstance(field, PasswordField):
        return ("x" * 5000, "short")
    return ("x" * 5000,)


def _data_fields(form) -> dict:
    return {field.name: field for field in form if field.name != "csrf_token"}


class Walk:
    """The world of tests/test_fuzz.py, with a rejected comment its author
    may appeal, and a signed-in client per role (and the author)."""

    def __init__(self, app, monkeypatch):
        self.recorder = Recorder()
        self.recorder.install(app, monkeypatch)
        self.world = World(app)
        self.rejected = Rows(app).comment(self.world.events[0], self.world.author,
                                          status="rejected")
        self.app, self.monkeypatch = app, monkeypatch
        self.clients = {role: self.login(role) for role in ROLES}

    def login(self, role):
        """A new client, signed in as ``role``, with its CSRF token."""
        client = self.app.test_client()
        if role != "anonymous":
            client.post_form("/auth/login", {"username": role, "password": PASSWORD})
        client.token = client.csrf_token()
        return client

    def send(self, role, url, fields):
        """A POST of ``fields`` (and the CSRF token) as ``role``, which keeps
        nothing it wrote (sent empty, an action with no form would act: a
        cancelled event shows no form); the forms it built are in
        ``self.recorder.forms``."""
        self.recorder.reset()
        client = self.clients[role]
        with self.monkeypatch.context() as patch:
            patch.setattr(db.session, "commit", db.session.rollback)
            return client.post(url, data={"csrf_token": client.token, **fields})

    def urls(self, rule):
        """The rule's URL with real values; one per event for an event's rule
        (a judgement is a moot court's, a milestone a civic project's), one
        per comment for a comment's (only a rejected one can be appealed)."""
        real = {name: self.world.value(rule.endpoint, name) for name in rule.arguments}
        urls = [Run.build(rule, real)]
        if "event_id" in rule.arguments:
            urls += [Run.build(rule, {**real, "event_id": e.id}) for e in self.world.events[1:]]
        if "comment_id" in rule.arguments:
            urls.append(Run.build(rule, {**real, "comment_id": self.rejected.id}))
        return urls

    def submitted(self, role, url):
        """The forms a POST to ``url`` builds (sent empty), if they have fields."""
        response = self.send(role, url, {})
        forms = [f for f in self.recorder.forms if _data_fields(f)]
        return forms if response.status_code not in (403, 404) else []

    def form_pages(self, app):
        """(role, endpoint, url, forms) for each form a person can send: the first role
        (from anonymous to admin) whose POST builds it. Actions that end a
        session come last, and the role signs in again after each."""
        pages, seen = [], set()
        for rule, method in _rules(app):
            if method != "POST":
                continue
            for role in ROLES:
                found = next(((url, forms) for url in self.urls(rule)
                              if (forms := self.submitted(role, url))), None)
                if ENDING.search(rule.endpoint):
                    self.clients[role] = self.login(role)
                if found:
                    pages.append((role, rule.endpoint, *found))
                    seen |= {type(form) for form in found[1]}
                    break
        return pages, seen


def _every_form_class():
    found, todo = set(), [hrdebate.forms.Form]
    while todo:
        for cls in todo.pop().__subclasses__():
            found.add(cls)
            todo.append(cls)
    return found


def _english_wtforms_messages(text):
    """WTForms' English messages (``EXPECTED_IN_ENGLISH``) in a page's text."""
    return {message for message in EXPECTED_IN_ENGLISH if message_pattern(message).search(text)}


def test_every_form_answers_in_the_readers_language(app, monkeypatch):
    walk = Walk(app, monkeypatch)
    pages, seen = walk.form_pages(app)
    missed = {cls.__name__ for cls in _every_form_class() - seen}
    assert missed == set(NOT_POSTED), "a form no POST of the walk builds"

    leftovers, english_seen, failures = [], set(), []
    for code in LANGUAGES:
        with app.test_request_context(), force_locale(code):
            csrf_message = str(CSRF_MESSAGE)
        for role, endpoint, url, forms in pages:
            client = walk.clients[role]
            client.set_cookie("lang", code)
            fields = {name: field for form in forms for name, field in _data_fields(form).items()}
            sendings = [("empty", {})]
            for kind in (0, 1):
                values = {name: bad[min(kind, len(bad) - 1)]
                          for name, field in fields.items() if (bad := bad_values(field))}
                sendings.append((f"bad values {kind + 1}", values))
            answers = []
            for what, values in sendings:
                response = walk.send(role, url, values)
                if response.status_code >= 500:
                    failures.append((code, role, url, what))
                    continue
                answers.append((what, client.get(response.location).text
                                if response.status_code in (302, 303) else response.text))
            response = client.post(url, data={})
            assert response.status_code == 400, (url, "sent without its CSRF token")
            assert csrf_message in page_text(response.text), (code, url)
            answers.append(("no CSRF token", response.text))
            for what, html in answers:
                if code == "en":
                    english_seen |= _english_wtforms_messages(" ".join(page_text(html).split()))
                elif found := english_leftovers(html, code):
                    leftovers.append(f"{code} {role} POST {url} ({what}): {found}")
            if ENDING.search(endpoint):
                walk.clients[role] = walk.login(role)
    assert failures == []
    assert set(EXPECTED_IN_ENGLISH) <= english_seen, "the bad values reach WTForms' checks"
    assert leftovers == [], "\n".join(leftovers)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_turnout_filter_answers_in_the_readers_language(client, auth, make_user, code):
    """The one form read from a GET's query: a day that is no date."""
    make_user(username="admin", site_role="admin")
    auth.login("admin")
    client.set_cookie("lang", code)
    response = client.get("/turnout/?start=31.02.2030&end=tomorrow&kind=no-such-kind")
    assert response.status_code < 500
    if code == "en":
        assert "Not a valid date value." in page_text(response.text)
    else:
        assert english_leftovers(response.text, code) == []
