"""Display names cannot impersonate, and text fields are clean (issue #9
item 10): every one-line field is NFKC-normalised and refuses invisible and
direction-changing characters; every text area refuses controls and
direction overrides; display names that read as a staff title or the
programme's name, in any script or look-alike letters, are refused."""

import html
import importlib
import inspect
import pkgutil
from unittest import mock

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import hrdebate
from hrdebate.extensions import db
from hrdebate.forms import Form, multi_line, single_line
from hrdebate.models import Club, Comment, Event, User
from hrdebate.text import imitates_staff
from tests.helpers import fetch

pytestmark = pytest.mark.usefixtures("english")

SIGN_UP = {"username": "newcomer", "password": "tulips in the rain",
           "password_confirm": "tulips in the rain", "email": ""}
RESERVED = "looks like a title of the site’s staff"
UNSAFE = "invisible or control characters"
RLO, ZWJ, ZWSP, LRM = "\u202e", "\u200d", "\u200b", "\u200e"

IMPERSONATIONS = [
    "Admin", "\u0410dmin",  # Cyrillic А
    "AD MIN", "a.d.m.i.n", "adm1n", "4dmin", "ΑDΜΙΝ",  # Greek capitals
    "ᴀᴅᴍɪɴ", "𝐀𝐝𝐦𝐢𝐧", "Ⓐⓓⓜⓘⓝ", "SiteAdmin", "Admin_Aibek", "Администратор", "админ", "Адм",
    "m0derator", "Модератор", "Модер", "Moderatorlar", "Moderatsiya", "модерация", "Mod",
    "hrdebate team", "HR-Debate", "hrd3bate", "ХРДебейт", "Эйчар Дебейт", "Хрдебат",
    "Official", "Официальный", "Расмий", "Rasmiy", "Support", "S u p p o r t", "Sup port",
    "Служба поддержки", "Поддержка", "Staff", "Maʼmuriyat", "System",
    # found by the security review: stems, plurals, glued words
    "Moderation", "Site Moderation", "Moderation Team", "Техподдержка", "Тех. поддержка",
    "Модерлер", "Модераторлор", "Модеры", "Officials", "Staffs", "Supportteam", "TechSupport",
    "Moderador", "Администрация", "Администрация сайта", "Administration", "Rasmiysahifa",
    "Moderatorship", "Техническая поддержка",
]
ORDINARY = [
    "Адилет", "Айгерим", "Бакыт", "Жылдыз", "Нурлан", "Гүлнара", "Чолпон", "Эрмек", "Алмазбек",
    "Мирлан", "Азамат", "Асель", "Дамир", "Радмила", "Адмиралов", "Нургүл", "Өмүрбек", "Үмүт",
    "Мадина", "Модест", "Дмитрий", "Хуршид", "Эльмира", "Жамиля", "Асылбек", "Кадыр",
    "Dilnoza", "Oʻtkir", "Shahnoza", "Gʻayrat", "Ulugʻbek", "Shoxrux", "Sardor", "Madina",
    "Mohammad", "Admira", "Kanykei", "Meerim", "Nodira", "Amina", "Mode",
    "Badminton fan", "Modern Law Club", "Moderate Voice", "Supporters of Article 19",
    "Debate Team Osh", "Айбек 🏳️‍🌈", "Школа № 5",
    "Supporters club", "Moderately Serious Debaters", "Modern Moderate", "Norasmiy klub",
    "Staffordshire Exchange", "Officina Debate", "Модник", "Модель ООН", "Бишкек Дебат Клуб",
]


def sign_up(client, display_name, headers=None):
    return client.post_form("/auth/register", {**SIGN_UP, "display_name": display_name},
                            headers=headers or {})


# -- reserved names -------------------------------------------------------------------------

@pytest.mark.parametrize("name", IMPERSONATIONS)
def test_rule_imitates_staff(name):
    assert imitates_staff(name)


@pytest.mark.parametrize("name", ORDINARY)
def test_rule_ordinary_names_pass(name):
    assert not imitates_staff(name)


@pytest.mark.parametrize("name", ["Admin", "\u0410dmin", "AD MIN", "m0derator", "Модератор",
                                  "hrdebate team", "ＡＤＭＩＮ"])
def test_sign_up_with_a_staff_name_is_refused_and_the_form_kept(app, client, name):
    response = sign_up(client, name)
    assert response.status_code == 422
    assert RESERVED in html.unescape(response.text)
    kept = "ADMIN" if name == "ＡＤＭＩＮ" else name  # NFKC: full-width letters are plain
    assert f'value="{html.escape(kept)}"' in response.text
    assert fetch(app, User, username="newcomer") is None


def test_ordinary_names_sign_up(app, client):
    for n, name in enumerate(("Адилет", "Oʻtkir", "Айбек 🏳️‍🌈")):
        response = client.post_form("/auth/register", {
            **SIGN_UP, "username": f"person{n}", "display_name": name})
        assert response.status_code == 302, name
        assert fetch(app, User, username=f"person{n}").display_name == name
        client.post_form("/auth/logout")


def test_profile_refuses_a_staff_name(app, client, auth, make_user):
    make_user("timur", display_name="Тимур")
    auth.login("timur")
    response = client.post_form("/account/", {"profile-display_name": "Модератор",
                                              "profile-locale": "en", "profile-email": ""})
    assert response.status_code == 422 and RESERVED in html.unescape(response.text)
    assert 'value="Модератор"' in response.text
    assert fetch(app, User, username="timur").display_name == "Тимур"


def test_the_staff_keep_their_names(app, client, auth, make_user):
    """The rule is for what people type: an account made by ``flask
    create-user`` keeps its name when its profile is saved, and the site's
    moderators may call themselves so."""
    make_user("boss", display_name="Administrator", site_role="admin")
    make_user("aibek", display_name="Aibek", site_role="moderator")
    make_user("old", display_name="Admin Aliev")  # from before this rule
    for username, name in (("boss", "Administrator"), ("aibek", "Moderator Aibek"),
                           ("old", "Admin Aliev")):
        auth.login(username)
        response = client.post_form("/account/", {"profile-display_name": name,
                                                  "profile-locale": "ky", "profile-email": ""})
        assert response.status_code == 302, username
        assert fetch(app, User, username=username).display_name == name
        auth.logout()


# -- invisible and direction-changing characters ---------------------------------------------

@pytest.mark.parametrize("name", [f"Aida{RLO}txt.exe", f"Ai{ZWSP}da", f"Ai{ZWJ}da",
                                  f"Aida{LRM}", "Ai\u00adda", "\u3164", "Aida\x07", "Ai\ufe00da",
                                  f"\u2066Aida\u2069"])
def test_a_display_name_with_hidden_characters_is_refused(app, client, name):
    response = sign_up(client, name)
    assert response.status_code == 422 and UNSAFE in response.text
    assert fetch(app, User, username="newcomer") is None


def test_full_width_and_spaced_names_are_normalised(app, client):
    assert sign_up(client, "  Ｔａｌａｓ\u00a0\u00a0 Ｂｅｋ ").status_code == 302
    assert fetch(app, User, username="newcomer").display_name == "Talas Bek"


@pytest.fixture
def organiser(make_user, make_club):
    owner = make_user("org", display_name="Organiser")
    return owner, make_club(owner=owner, slug="auca", region="bishkek", verified=True)


EVENT = {"kind": "debate", "summary": "An Oxford debate.", "description": "Come.",
         "starts_at": "2030-05-01T18:00", "ends_at": "2030-05-01T20:00",
         "venue": "AUCA, room 301", "region": "bishkek", "language": "ru",
         "motion": "This house would lower the voting age to 16", "debate_format": "oxford"}


@pytest.mark.parametrize("field", ["title", "venue", "motion", "proposition_team"])
def test_an_event_field_with_a_zero_width_joiner_is_refused(app, client, auth, organiser,
                                                            field):
    auth.login("org")
    data = {"title": "Debate night", **EVENT, field: f"Debate{ZWJ}night"}
    response = client.post_form("/events/new?club=auca", data)
    assert response.status_code == 422 and UNSAFE in response.text
    assert f"Debate{ZWJ}night" in response.text  # the form is kept, as typed
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Event.id))) == 0


def test_an_event_title_in_full_width_is_stored_plain(app, client, auth, organiser):
    auth.login("org")
    response = client.post_form("/events/new?club=auca", {**EVENT, "title": "Ｄｅｂａｔｅ ﬁnal"})
    assert response.status_code == 302
    assert fetch(app, Event, club_id=organiser[1].id).title == "Debate final"


@pytest.mark.parametrize("field", ["name", "city"])
def test_a_club_field_with_a_direction_override_is_refused(app, client, auth, make_user, field):
    make_user("founder")
    auth.login("founder")
    data = {"name": "Ordo", "club_type": "university_club", "city": "Бишкек",
            "region": "bishkek", "description": "", "moderation_mode": "pre",
            field: f"Ordo{RLO}cod.exe"}
    response = client.post_form("/clubs/new", data)
    assert response.status_code == 422 and UNSAFE in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Club.id))) == 0


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["plain", "htmx"])
@pytest.mark.parametrize("body", [f"Look {RLO}gnp.exe", "Bell\x07", "Nul\x00byte",
                                  "Isolate \u2067x\u2069"])
def test_a_comment_with_controls_or_overrides_is_refused(app, client, auth, organiser,
                                                         make_event, make_user, body, headers):
    event = make_event(organiser[1], kind="civic_project")
    make_user("writer", approved_comment_count=5)
    auth.login("writer")
    response = client.post_form(f"/events/{event.id}/comments", {"body": body}, headers=headers)
    assert response.status_code == 422
    assert "control characters that hide it or change its direction" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == 0


def test_a_comment_keeps_its_lines_tabs_and_direction_marks(app, client, auth, organiser,
                                                             make_event, make_user):
    event = make_event(organiser[1], kind="civic_project")
    make_user("writer", approved_comment_count=5)
    auth.login("writer")
    body = f"First line\r\n\tindented {LRM}mark, emoji 👩{ZWJ}💻\r\nlast ² line"
    assert client.post_form(f"/events/{event.id}/comments", {"body": body}).status_code == 302
    stored = fetch(app, Comment, event_id=event.id).body
    assert stored == body.replace("\r\n", "\n")


def test_a_search_is_cleaned_not_refused(client):
    response = client.get(f"/events/?q=Ｔａｌａｓ{RLO}{ZWSP}+debate")
    assert response.status_code == 200
    assert 'value="Talas debate"' in response.text


# -- one place: every form of the app cleans every text field --------------------------------

def _form_classes():
    for module in pkgutil.walk_packages(hrdebate.__path__, "hrdebate."):
        importlib.import_module(module.name)
    seen, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("hrdebate.") and c is not Form),
                  key=lambda c: (c.__module__, c.__name__))


def _build(cls, formdata):
    """An instance of any form class: required arguments (a club, a user, a
    reach...) are stand-ins."""
    required = [p for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.name != "formdata"]
    stand_ins = {p.name: mock.MagicMock() for p in required}
    return cls(formdata=formdata, meta={"csrf": False}, **stand_ins)


def test_every_form_derives_from_the_cleaning_form():
    forms = _form_classes()
    assert {"RegisterForm", "ProfileForm", "ClubForm", "EventForm", "CommentForm",
            "WalkInForm", "DecisionForm"} <= {c.__name__ for c in forms}
    strays = [f"{c.__module__}.{c.__name__}" for c in forms if not issubclass(c, Form)]
    assert not strays, f"derive these from hrdebate.forms.Form: {strays}"


def test_every_text_field_of_every_form_is_cleaned(app):
    """Each one-line text field applies ``single_line`` and each text area
    ``multi_line`` first, in every form of the app: a hidden character sent
    to any of them is refused (passwords and hidden fields excepted)."""
    checked = 0
    with app.test_request_context(method="POST"):
        for cls in _form_classes():
            names = [name for name, value in vars(cls).items()
                     if hasattr(value, "field_class")]
            data = MultiDict({name: f"x{RLO}y" for name in names})
            form = _build(cls, data)
            for field in form:
                kind = field.__class__
                if not issubclass(kind, StringField) or issubclass(kind, (PasswordField,
                                                                          HiddenField)):
                    continue
                expected = multi_line if issubclass(kind, TextAreaField) else single_line
                assert field.filters[0] is expected, f"{cls.__name__}.{field.name}"
                assert field.process_errors, f"{cls.__name__}.{field.name} took {field.data!r}"
                checked += 1
    assert checked >= 30


@pytest.mark.parametrize(("typed", "kept"), [
    ("  Ｔａｌａｓ\u00a0\u00a0Ｂｅｋ ", "Talas Bek"),
    ("Школа № 5", "Школа № 5"),  # NFKC would write "No"
    ("ﬁnal ①", "final 1"),
    ("Oʻtkir Gʻayrat", "Oʻtkir Gʻayrat"),
    ("Айбек 🏳️‍🌈", "Айбек 🏳️‍🌈"),
])
def test_rule_single_line_normalises(typed, kept):
    assert single_line(typed) == kept


@pytest.mark.parametrize(("typed", "kept"), [
    ("one\r\ntwo\rthree", "one\ntwo\nthree"),
    (f"tab\tand {LRM}mark and zero{ZWSP}width", f"tab\tand {LRM}mark and zero{ZWSP}width"),
    ("x² and ½", "x² and ½"),  # a block is not NFKC-normalised
])
def test_rule_multi_line_keeps_the_text(typed, kept):
    assert multi_line(typed) == kept
