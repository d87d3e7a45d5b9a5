"""A route fuzz test (issue #10 item 5): every rule of ``app.url_map`` and
every method it answers, as anonymous, citizen, organiser, moderator and
admin, with real ids of a seeded world and with hostile values in each URL
variable, each query parameter a view reads and each form field it reads.
No answer may be a server error, and no exception may escape.

Nothing here lists routes, parameters or fields: the rules come from the URL
map; the query parameters and form fields a view reads are recorded while it
runs (``request.args`` and ``request.form`` are swapped for dictionaries that
note every name asked for), and the parameter names found by a scan of the
source must all have been seen, so a parameter read only on some path cannot
be missed. A new route whose URL variable has a name unknown here fails with
a message asking for a real value in ``World.value``.

One run lists every failure, with the role, the request and the values."""

import os
import re
import traceback
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)

import hrdebate.forms
from hrdebate.auth import services as auth_services
from hrdebate.extensions import db
from hrdebate.models import ClubInvitation, Flag, Milestone, ProgressUpdate, WatchedWord, utcnow
from tests.factories import PASSWORD, Rows

ROLES = ("anonymous", "citizen", "organiser", "moderator", "admin")

NUMBERS = ("0", "-1", str(10**20), "²")
TEXTS = ("abc", "x" * 5000, "ёжик", "a\r\nb")
DATES = ("0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59")
HOSTILE = NUMBERS + TEXTS + DATES
# What a name suggests it holds gets every value of its kind (and a stranger);
# the other names get a sample that changes with the role.
KINDS = (
    (re.compile(r"date|_at$|_on$|start|end|day|quarter"), DATES + ("²",)),
    (re.compile(r"page|id|event|actor|target|number|count|capacity|seats|parent"),
     NUMBERS + ("١٢",)),
    (re.compile(r"code|token"), TEXTS + ("²", "ＡＢＣＤ２３４５")),
)
PER_NAME_SAMPLE = 2
VERBOSE = bool(os.environ.get("HRDEBATE_FUZZ_VERBOSE"))

SOURCE = Path(__file__).resolve().parent.parent / "hrdebate"
_ARG_NAME = re.compile(r"""\bargs(?:\.get|\.getlist|\.get_all)?\s*[\[(]\s*["'](\w+)["']""")


# -- recording what a view reads ------------------------------------------------------------

class _Recording(ImmutableMultiDict):
    """``request.args`` or ``request.form``, noting every name asked for."""

    seen: set

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.seen.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.seen.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)


class Recorder:
    def __init__(self):
        self.args: set[str] = set()
        self.form: set[str] = set()
        self.forms: list = []  # the form objects built in the last request

    def install(self, app, monkeypatch):
        from flask import request

        def swap():
            raw = request._get_current_object()
            args = _Recording(raw.args)
            args.seen = self.args
            raw.args = args
            if raw.method == "POST":
                form = _Recording(raw.form)
                form.seen = self.form
                raw.form = form

        app.before_request(swap)
        original = hrdebate.forms.Form.__init__
        recorder = self

        def init(form, *args, **kwargs):
            recorder.forms.append(form)
            original(form, *args, **kwargs)

        monkeypatch.setattr(hrdebate.forms.Form, "__init__", init)

    def reset(self):
        self.args, self.form, self.forms = set(), set(), []
        return self


# -- the world -----------------------------------------------------------------------------

class World:
    """A club with an event of each kind, comments, registrations, a flag,
    an invitation, a certificate, a milestone and a watched word. Some rows
    hold what no form lets in today (a line break in a club's name and an
    event's title), as rows written by older code or by hand may."""

    def __init__(self, app):
        rows = Rows(app)
        self.users = {
            "citizen": rows.user(username="citizen"),
            "organiser": rows.user(username="organiser"),
            "moderator": rows.user(username="moderator", site_role="moderator"),
            "admin": rows.user(username="admin", site_role="admin"),
        }
        author = rows.user(username="author", calendar_token="c" * 43)
        member = rows.user(username="member", email="member@example.org")
        citizen = self.users["citizen"]
        self.club = rows.club(owner=self.users["organiser"], moderators=[member],
                              name="Club\r\nwith a line break", slug="fuzz-club")
        self.events = [rows.event(self.club, kind=kind, title=f"{kind}\nnew line",
                                  starts_in=timedelta(minutes=10), checkin_code="ABCD2345")
                       for kind in ("debate", "moot_court", "civic_project")]
        self.events.append(rows.event(self.club, status="draft"))
        past = rows.event(self.club, starts_in=-timedelta(days=2))
        self.events.append(past)
        event = self.events[0]
        self.comment = rows.comment(event, author)
        rows.comment(event, citizen, parent=self.comment)
        rows.comment(event, author, status="pending", held_for="pre_moderation")
        self.registration = rows.registration(event, citizen)
        rows.registration(self.events[1], citizen)
        certified = rows.registration(past, author, checked_in=True)
        rows.registration(past, source="walk_in", walk_in_name="Guest", checked_in=True)
        self.certificate = certified.certificate_code
        with app.app_context():
            db.session.add(Flag(comment_id=self.comment.id, reporter_id=member.id,
                                reason="spam"))
            invitation = ClubInvitation(club_id=self.club.id, inviter_id=self.users["organiser"].id,
                                        invitee_id=citizen.id, role="organiser")
            milestone = Milestone(event_id=self.events[2].id, title="First",
                                  due_date=date(2030, 1, 1))
            word = WatchedWord(word="badword")
            update = ProgressUpdate(event_id=self.events[2].id, posted_on=date(2026, 1, 1),
                                    body="First", body_html="<p>First</p>")
            db.session.add_all([invitation, milestone, word, update])
            db.session.commit()
            self.invitation, self.milestone, self.word = invitation.token, milestone.id, word.id
            self.update = update.id
            # Mailed links: a password reset, and the confirmation of an address.
            self.mailed = {"auth.reset_password": auth_services.reset_token(member),
                           "auth.verify_email": auth_services.verification_token(
                               member.id, member.email)}
        self.author, self.member = author, member

    def value(self, endpoint: str, name: str):
        """A real value for the URL variable ``name`` of ``endpoint``."""
        if name == "slug":
            return "women" if endpoint.startswith("topics.") else self.club.slug
        if name == "code":
            return "en" if endpoint == "main.set_language" else self.certificate
        if name == "token":
            if endpoint in self.mailed:
                return self.mailed[endpoint]
            return self.author.calendar_token if endpoint.startswith("me.") else self.invitation
        if name == "user_id":
            return self.author.id if endpoint.startswith("moderation.") else self.member.id
        known = {"event_id": self.events[0].id, "comment_id": self.comment.id,
                 "registration_id": self.registration.id, "milestone_id": self.milestone,
                 "word_id": self.word, "update_id": self.update,
                 "name": "0" * 32 + "-1x1.webp"}  # images.file
        if name not in known:
            raise LookupError(f"{endpoint}: no real value for the URL variable <{name}>; "
                              "give one in tests/test_fuzz.py World.value")
        return known[name]

    def query_value(self, name: str) -> str | None:
        """A real value for the query parameter ``name``, if it names a row."""
        return {"club": self.club.slug, "event": str(self.events[0].id), "topic": "women",
                "code": "ABCD2345", "target": str(self.comment.id)}.get(name)


# -- values for forms ----------------------------------------------------------------------

def _choice(field):
    for choice in getattr(field, "choices", None) or ():
        value = choice[0] if isinstance(choice, tuple | list) else getattr(choice, "value", None)
        if value not in (None, ""):
            return str(value)
    return ""


def good_value(field) -> str | None:
    """A value the field accepts, so that hostile values in the other fields
    reach as far into the view as they can."""
    if isinstance(field, (FieldList, FormField)):
        return None
    if isinstance(field, BooleanField):
        return "y"
    if isinstance(field, DateTimeLocalField):  # in the order an event's times need
        days, hour = (1, 10) if "open" in field.name else (9, 10) if "close" in field.name \
            else (10, 20) if "end" in field.name else (10, 18)
        return (utcnow() + timedelta(days=days)).strftime(f"%Y-%m-%dT{hour}:00")
    if isinstance(field, DateField):
        return (utcnow() + timedelta(days=10)).strftime("%Y-%m-%d")
    if isinstance(field, (IntegerField, DecimalField)):
        return "5"
    if isinstance(field, (SelectField, SelectMultipleField, RadioField)):
        return _choice(field)
    if isinstance(field, PasswordField):
        return PASSWORD
    if isinstance(field, HiddenField):
        return "1"
    if "email" in field.name:
        return "fuzz@example.org"
    if "url" in field.name or "link" in field.name:
        return "https://example.org/"
    if isinstance(field, TextAreaField):
        return "A few words of fuzz."
    return "Fuzz words"


# -- the run -------------------------------------------------------------------------------

class Run:
    def __init__(self, app, role, world, recorder):
        self.app, self.role, self.world, self.recorder = app, role, world, recorder
        self.client = app.test_client()
        self.failures: list[str] = []
        self.requests = 0
        self.args_seen: set[str] = set()
        self.turn = ROLES.index(role)

    def values(self, name: str):
        """The hostile values sent in the parameter or field ``name``."""
        for pattern, values in KINDS:
            if pattern.search(name):
                return values
        return self.sample()

    def sample(self, k=PER_NAME_SAMPLE):
        """``k`` hostile values, a different few for each role."""
        start = (self.turn * k) % len(HOSTILE)
        return tuple(HOSTILE[(start + i) % len(HOSTILE)] for i in range(k))

    def login(self):
        self.client = self.app.test_client()  # a new session each time
        if self.role != "anonymous":
            self.call("POST", "/auth/login",
                      {"username": self.role, "password": PASSWORD, "csrf_token": self.token()},
                      quiet=True)
        self.csrf = self.token()

    def token(self):
        return self.client.csrf_token()

    def call(self, method, url, data=None, query=None, quiet=False, headers=None):
        """One request; a 5xx or an exception is noted with what was sent."""
        recorder = self.recorder.reset()
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        self.requests += 1
        try:
            response = self.client.open(url, method=method, data=data, headers=headers)
        except Exception as error:  # noqa: BLE001 - every exception is a finding
            where = traceback.extract_tb(error.__traceback__)[-1]
            self.failures.append(
                f"{self.role} {method} {url[:300]} data={_short(data)}{_hx(headers)}: "
                f"{type(error).__name__}: {str(error)[:300]} "
                f"({Path(where.filename).name}:{where.lineno})")
            return None
        finally:
            self.args_seen |= recorder.args
        if response.status_code >= 500 and not quiet:
            self.failures.append(f"{self.role} {method} {url[:300]} data={_short(data)}"
                                 f"{_hx(headers)}: status {response.status_code}")
        return response

    def fuzz_rule(self, rule, method):
        endpoint = rule.endpoint
        real = {name: self.world.value(endpoint, name) for name in rule.arguments}
        urls = [self.build(rule, real)]
        if "event_id" in rule.arguments:  # the first event is fuzzed, the others visited
            urls += [self.build(rule, {**real, "event_id": e.id}) for e in self.world.events[1:]]
        # The event a rule is about (a judgement is a moot court's): the
        # first that does not answer 404 is fuzzed.
        missing = {url for url in urls
                   if getattr(self.send(method, url), "status_code", 404) == 404}
        urls.sort(key=lambda url: url in missing)
        # Hostile URL variables, one at a time.
        for name in rule.arguments:
            number = type(rule._converters[name]).__name__ == "IdConverter"
            for value in NUMBERS + ("abc",) if number else HOSTILE:
                self.send(method, self.build(rule, {**real, name: value}))
        # Hostile query parameters and form fields: the names the view read.
        self.send(method, urls[0])
        args = set(self.recorder.args)
        self.send(method, urls[0], headers={"HX-Request": "true"})  # what htmx asks for
        args |= self.recorder.args
        # The parameters that name a row get a real one (?club= on /events/new).
        real_query = {name: v for name in args if (v := self.world.query_value(name))}
        if real_query:
            url = urls[0] + "?" + urlencode(real_query)
            self.send(method, url)
            args |= self.recorder.args
        else:
            url = urls[0]
        fields = self.form_fields(method, url) if method == "POST" else {}
        for name in sorted(args):
            for value in self.values(name):
                self.send(method, urls[0], query={**real_query, name: value}, fields=fields)
        for value in self.sample():
            for headers in (None, {"HX-Request": "true"}):
                self.send(method, urls[0], query={name: value for name in args}, fields=fields,
                          headers=headers)
        for name in sorted(fields):
            for value in self.values(name):
                self.send(method, url, fields={**fields, name: value})
        if fields:
            for value in self.sample():
                self.send(method, url, fields={name: value for name in fields})

    def form_fields(self, method, url) -> dict:
        """The form fields the view reads, with values it accepts."""
        self.send(method, url, fields={})
        names = set(self.recorder.form) - {"csrf_token"}
        good = {}
        for form in self.recorder.forms:
            for field in form:
                value = good_value(field)
                if field.name in names and value is not None:
                    good[field.name] = value
        fields = {name: good.get(name, "1") for name in names}
        if VERBOSE:
            response = self.call(method, url, {"csrf_token": self.csrf, **fields})
            print(self.role, method, url, "good fields:", response and response.status_code,
                  sorted(fields))
        return fields

    def send(self, method, url, query=None, fields=None, headers=None):
        data = None
        if method != "GET":
            data = {"csrf_token": self.csrf, **(fields or {})}
        return self.call(method, url, data, query, headers=headers)

    @staticmethod
    def build(rule, values):
        path = rule.rule
        for name, value in values.items():
            path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", quote(str(value), safe=""), path)
        return path


def _hx(headers):
    return " (htmx)" if headers else ""


def _short(data):
    if not data:
        return data
    return {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
            for k, v in data.items() if k != "csrf_token"}


# Actions that may end the session, the account or a membership: they come
# last, and the role signs in again after each.
ENDING = re.compile(r"delete|logout|leave|end_other|withdraw|revoke|remove|^auth\.|^account\.")


def _rules(app):
    """Every rule and method; actions that end the session or the account last."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda p: (p[1] != "GET", bool(ENDING.search(p[0].endpoint)),
                                        p[0].rule, p[1]))


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_a_server_error(app, role, monkeypatch):
    recorder = Recorder()
    recorder.install(app, monkeypatch)
    world = World(app)
    run = Run(app, role, world, recorder)
    run.login()
    for rule, method in _rules(app):
        before = run.requests
        run.fuzz_rule(rule, method)
        if VERBOSE:
            print(role, method, rule.rule, "requests:", run.requests - before)
        if method != "GET" and ENDING.search(rule.endpoint):
            run.login()
    _ARGS_SEEN[role] = run.args_seen
    assert not run.failures, f"{len(run.failures)} failures in {run.requests} requests:\n" + \
        "\n".join(run.failures)


_ARGS_SEEN: dict[str, set[str]] = {}


def test_every_query_parameter_in_the_source_was_fuzzed():
    """Every name the source reads from ``request.args`` was read on some
    request of the runs above: one read only on a path they never took
    would go unfuzzed (give the world what that path needs)."""
    if set(_ARGS_SEEN) != set(ROLES):
        pytest.skip("needs the runs of every role (run the whole module)")
    named = {m for f in SOURCE.rglob("*.py") for m in _ARG_NAME.findall(f.read_text("utf-8"))}
    # ?v= is read on /static/ answers (a cache-busting version), a rule left out.
    seen = set().union(*_ARGS_SEEN.values(), {"v"})
    assert named - seen == set()


# -- the causes the fuzz run found, one test each (issue #10) ------------------------------

BIG = str(10**20)


def test_ids_are_ascii_digits_within_max_id():
    from hrdebate.bounds import as_id
    from hrdebate.dbtypes import MAX_ID

    assert [as_id(v) for v in ("7", str(MAX_ID), "²", "١٢", "0", "-1", str(MAX_ID + 1),
                               BIG, "", " 7", "abc", None)] == \
        [7, MAX_ID, None, None, None, None, None, None, None, None, None, None]


def test_page_numbers_are_clamped(app):
    from hrdebate.bounds import MAX_PAGE, page_arg

    cases = {"5": 5, "0": 1, "-3": 1, BIG: MAX_PAGE, "-" + BIG: 1, "²": 1, "abc": 1, "": 1,
             "--5": 1, "١٢": 1, " 7": 1}
    with app.test_request_context():
        assert {v: page_arg(args={"page": v}) for v in cases} == cases


@pytest.mark.parametrize("url", [
    "/events/?page=" + BIG, "/clubs/?page=" + BIG, "/topics/women?page=" + BIG,
    "/clubs/fuzz-club?page=" + BIG, "/events/1?comments_page=" + BIG,
])
def test_a_huge_page_number_names_no_page(app, client, url):
    """The last page, or 404 where the list answers so past its end."""
    World(app)
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("query", [
    "page=" + BIG, "actor=²", "actor=" + BIG, "target=" + BIG, "date=0001-01-01",
    "date=9999-12-31",
])
def test_moderation_log_filters_out_of_range_are_ignored(app, client, auth, query):
    World(app)
    auth.login("moderator")
    assert client.get("/moderation/log?" + query).status_code == 200


@pytest.mark.parametrize("query", ["page=" + BIG, "event=" + BIG, "event=²"])
def test_moderation_queue_filters_out_of_range_are_ignored(app, client, auth, query):
    World(app)
    auth.login("moderator")
    assert client.get("/moderation/?" + query).status_code == 200


@pytest.mark.parametrize("ids", [["²"], [BIG], ["-1", "abc"]])
def test_bulk_moderation_ignores_ids_that_name_nothing(app, client, auth, ids):
    World(app)
    auth.login("moderator")
    response = client.post_form("/moderation/bulk", {"comment_ids": ids, "action": "approve"})
    assert response.status_code == 422


DATE_ERROR = "Enter a date between the years 2000 and 2100."


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_turnout_filter_refuses_dates_out_of_range(app, client, auth, english, day):
    World(app)
    auth.login("admin")
    for url in ("/turnout/", "/turnout/export.csv"):
        response = client.get(f"{url}?start={day}&end={day}")
        assert response.status_code < 500
    assert DATE_ERROR in client.get(f"/turnout/?start={day}").text


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_event_form_refuses_dates_out_of_range(app, client, auth, english, moment,
                                                   monkeypatch):
    recorder = Recorder()
    recorder.install(app, monkeypatch)
    World(app)
    auth.login("organiser")
    client.get("/events/1/edit")
    fields = {field.name: good_value(field) for form in recorder.forms for field in form
              if good_value(field) is not None and field.name != "csrf_token"}
    for name in ("starts_at", "ends_at", "registration_opens_at"):
        response = client.post_form("/events/1/edit", {**fields, name: moment})
        assert response.status_code == 422, name
        assert DATE_ERROR in response.text
        response = client.post_form("/events/new?club=fuzz-club", {**fields, name: moment})
        assert response.status_code == 422, name


def _checked_in(app):
    from hrdebate.models import Registration
    from tests.helpers import fetch

    return fetch(app, Registration, event_id=1, user_id=1).checked_in_at is not None


@pytest.mark.parametrize("code", ["abcd 2345", "ABCD-2345", "ＡＢＣＤ２３４５", "АВСD2345",
                                  "abcd2З45", "abʻcd 2345", "AB’CD-2345"])
def test_check_in_codes_are_normalised(app, client, auth, code):
    World(app)  # the citizen (user 1) is registered for event 1, whose code is ABCD2345
    auth.login("citizen")
    response = client.post_form("/events/1/checkin", {"code": code})
    assert response.status_code == 302
    assert _checked_in(app)


@pytest.mark.parametrize("code", ["ёжик", "ABCD234٥", "ABCDÉ345"])
def test_a_check_in_code_in_other_letters_is_a_form_error(app, client, auth, english, code):
    World(app)
    auth.login("citizen")
    response = client.post_form("/events/1/checkin", {"code": code})
    assert response.status_code == 422
    assert "Please type it again in Latin letters" in response.text
    # The letter that is not Latin is named: on a phone it may look like one.
    foreign = next(c for c in code.upper() if not (c.isascii() and c.isalnum()))
    assert f"“{foreign}”" in response.text
    assert not _checked_in(app)


def test_kyrgyz_and_uzbek_keyboards_type_the_code_shown():
    from hrdebate.models.codes import normalise_code

    assert normalise_code("р585үм") == "P585YM"  # Kyrgyz Cyrillic, Ү for Y
    assert normalise_code("Р5 8 5-ҮМ") == "P585YM"
    assert normalise_code("pʻ585ym") == "P585YM"  # an Uzbek apostrophe typed in


def test_a_wrong_code_comes_back_as_typed(app, client, auth, english):
    """A wrong code is an error next to the field, and the field keeps what
    was typed, to compare with the screen."""
    World(app)
    auth.login("citizen")
    response = client.post_form("/events/1/checkin", {"code": "zzzz 9999"})
    assert response.status_code == 422
    assert "This check-in code is wrong" in response.text
    assert 'value="ZZZZ9999"' in response.text
    assert not _checked_in(app)


def test_the_check_in_service_refuses_other_letters(app):
    from hrdebate.extensions import db as database
    from hrdebate.models import Event, User
    from hrdebate.participation.services import self_check_in
    from hrdebate.rules import Refusal, RuleError

    World(app)
    with app.app_context():
        event, user = database.session.get(Event, 1), database.session.get(User, 1)
        with pytest.raises(RuleError) as refused:
            self_check_in(event, user, "ёжик")
        assert refused.value.code == Refusal.WRONG_CODE


def test_feeds_hold_titles_and_names_with_line_breaks(app, client):
    World(app)  # "Club\r\nwith a line break", titles "debate\nnew line"...
    for url in ("/clubs/fuzz-club/events.ics", "/events/1.ics", "/events.ics", "/events.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
    calendar = client.get("/clubs/fuzz-club/events.ics").text
    assert "Club with a line break" in calendar
    assert "SUMMARY:debate new line" in calendar
