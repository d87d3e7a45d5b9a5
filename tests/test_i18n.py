"""Four languages: selection order, completeness, plurals, no English left."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from hrdebate.config import LANGUAGES
from hrdebate.models import User
from tests.conftest import DEMO_PASSWORD
from tests.helpers import TRANSLATIONS, catalog, english_leftovers, fetch

PLURAL_COUNTS = {"ru": 3, "ky": 2, "uz": 2, "en": 2}


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_is_complete(code):
    messages = catalog(code)
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template_ids = {m.id for m in read_po(f) if m.id}
    ids = {m.id for m in messages if m.id}
    assert template_ids <= ids, f"{code}: run `make translations`: {template_ids - ids}"
    untranslated = [m.id for m in messages if m.id and not all(
        m.string if isinstance(m.string, tuple) else (m.string,))]
    fuzzy = [m.id for m in messages if m.id and m.fuzzy]
    assert not untranslated, f"{code}: untranslated: {untranslated}"
    assert not fuzzy, f"{code}: fuzzy: {fuzzy}"


def _messages_in_the_code():
    """Every message the code and the templates hold, extracted here with the
    project's babel.cfg but WITHOUT Babel's default folder filter (which
    skips folders starting with "_", such as templates/_macros/): the
    catalogues are checked against the source, not against themselves."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = TRANSLATIONS.parent
    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            root, method_map, options_map, keywords=keywords,
            directory_filter=lambda path: not Path(path).name.startswith(".")):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add((msgid, context))
    return found


def test_the_code_finds_its_messages_in_the_templates_macros():
    """Guards the extraction itself: a message only in _macros/ is found."""
    assert ("Please correct the marked fields.", None) in _messages_in_the_code()


@pytest.mark.parametrize("code", ["ky", "ru", "uz"])
def test_every_message_in_the_code_is_translated(code):
    messages = catalog(code)
    missing = []
    for msgid, context in sorted(_messages_in_the_code(), key=str):
        message = messages.get(msgid, context=context)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid)
    assert missing == [], f"{code}: run `make translations` and translate: {missing}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_forms_follow_cldr(code):
    messages = catalog(code)
    assert messages.num_plurals == PLURAL_COUNTS[code]
    for message in messages:
        if message.id and message.pluralizable:
            assert len(message.string) == PLURAL_COUNTS[code]
            assert all(message.string), message.id


@pytest.mark.parametrize("code", LANGUAGES)
def test_placeholders_survive_translation(code):
    names = re.compile(r"%\((\w+)\)[sd]")
    for message in catalog(code):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        target = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(names.findall(source[-1]))
        for text in target:
            assert set(names.findall(text)) <= expected | set(names.findall(source[0]))
            if len(source) == 1:
                assert set(names.findall(text)) == expected, (code, message.id)


def test_plural_message_in_russian(app):
    from flask_babel import ngettext

    forms = []
    for n in (1, 3, 10, 21):
        with app.test_request_context("/?lang=ru"):
            forms.append(ngettext("Use at least %(num)d character.",
                                  "Use at least %(num)d characters.", n))
    assert len({f.replace(str(n), "#") for f, n in zip(forms, (1, 3, 10, 21))}) >= 2
    assert forms[0].replace("1", "#") == forms[3].replace("21", "#")


@pytest.mark.parametrize("url", ["/", "/auth/login", "/auth/register", "/conduct", "/privacy"])
@pytest.mark.parametrize("code", ["ky", "ru", "uz", "en"])
def test_pages_render_in_each_language(client, url, code):
    response = client.get(f"{url}?lang={code}")
    assert response.status_code == 200
    assert f'<html lang="{code}">' in response.text


@pytest.mark.parametrize("url", ["/", "/auth/login", "/auth/register", "/conduct", "/privacy"])
@pytest.mark.parametrize("code", ["ky", "ru", "uz"])
def test_no_english_left(client, url, code):
    """Every English message that the page would show is translated."""
    assert not english_leftovers(client.get(f"{url}?lang={code}").text, code)


@pytest.mark.parametrize("code", ["ky", "ru", "uz"])
def test_no_english_left_on_a_full_site(client, demo_urls, code):
    """The demo site, every kind of page, read by the admin in ``code``."""
    client.set_cookie("lang", code)
    client.post_form("/auth/login", {"username": "admin", "password": DEMO_PASSWORD})
    client.post_form(f"/language/{code}", {"next": "/"})  # the admin's own choice
    for url in demo_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{code}">' in response.text, url
        assert not english_leftovers(response.text, code), url


def _sets_language_cookie(response):
    return any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))


def test_locale_order(client, make_user, auth):
    # Accept-Language, then the default.
    assert '<html lang="ky">' in client.get("/", headers={"Accept-Language": "ky,ru;q=0.8"}).text
    assert '<html lang="ru">' in client.get("/", headers={"Accept-Language": "de"}).text
    # ?lang= wins, for that request only.
    response = client.get("/?lang=uz", headers={"Accept-Language": "en"})
    assert '<html lang="uz">' in response.text
    assert not _sets_language_cookie(response)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).text
    # A signed-in person's stored language beats Accept-Language...
    make_user("timur", locale="en")
    auth.login("timur")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "ky"}).text
    # ...and this device's choice (the cookie) beats the stored language.
    client.set_cookie("lang", "uz")
    assert '<html lang="uz">' in client.get("/").text
    assert '<html lang="ky">' in client.get("/?lang=ky").text
    assert '<html lang="uz">' in client.get("/").text


def test_stored_language_is_used_on_a_new_device(client, make_user, auth):
    make_user("timur", locale="en")
    auth.login("timur")
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "ru"}).text


def test_lang_in_an_address_is_for_that_page_only(app, client, make_user, auth):
    """A link to a page in another language neither sticks on this device
    nor changes the account's language."""
    make_user("timur", locale="en")
    auth.login("timur")
    response = client.get("/privacy?lang=uz")
    assert '<html lang="uz">' in response.text and not _sets_language_cookie(response)
    assert '<html lang="en">' in client.get("/privacy").text
    assert fetch(app, User, username="timur").locale == "en"


def test_the_switcher_sticks_on_this_device(client):
    page = client.get("/privacy?lang=en", headers={"Accept-Language": "ru"}).text
    assert 'formaction="/language/uz"' in page
    response = client.post_form("/language/uz", {"next": "/privacy"},
                                headers={"Accept-Language": "ru"})
    assert response.status_code == 302 and response.headers["Location"] == "/privacy"
    assert _sets_language_cookie(response)
    assert '<html lang="uz">' in client.get("/privacy", headers={"Accept-Language": "ru"}).text


def test_the_switcher_stores_the_language_of_a_signed_in_person(app, client, make_user, auth):
    make_user("timur", locale="en")
    auth.login("timur")
    client.post_form("/language/ky", {"next": "/"})
    assert fetch(app, User, username="timur").locale == "ky"
    assert '<html lang="ky">' in client.get("/").text
    # The account's mail and a new device follow the choice.
    client.delete_cookie("lang")
    assert '<html lang="ky">' in client.get("/", headers={"Accept-Language": "ru"}).text


def test_a_link_to_the_switcher_sets_only_the_cookie(app, client, make_user, auth):
    """A GET never writes to the database."""
    make_user("timur", locale="en")
    auth.login("timur")
    response = client.get("/language/uz?next=/privacy")
    assert response.headers["Location"] == "/privacy" and _sets_language_cookie(response)
    assert fetch(app, User, username="timur").locale == "en"


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client):
    assert client.post_form("/language/xx", {"next": "/"}).status_code == 404
    response = client.post_form("/language/ky", {"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_the_switcher_without_a_csrf_token_changes_nothing(app, client, make_user, auth):
    make_user("timur", locale="en")
    auth.login("timur")
    response = client.post("/language/ky", data={"next": "/"})
    assert response.status_code == 400 and not _sets_language_cookie(response)
    assert fetch(app, User, username="timur").locale == "en"


def test_saving_the_profile_stores_the_language_and_switches_the_device(app, client, make_user,
                                                                       auth):
    make_user("timur", locale="en", display_name="Timur")
    auth.login("timur")
    response = client.post_form("/account/", {"profile-display_name": "Timur",
                                              "profile-locale": "uz", "profile-email": ""})
    assert response.status_code == 302
    assert fetch(app, User, username="timur").locale == "uz"
    page = client.get("/account/").text
    assert '<html lang="uz">' in page
    assert "Profilingiz saqlandi." in page  # the confirmation in the language chosen


def test_unknown_language_is_ignored(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.text
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))


def test_language_switcher_comes_back_to_the_page(client):
    """Each language's button posts to /language/<code>; ``next`` is this
    page without its ?lang= (which would override the choice), except on
    the event list, where ?lang= filters events."""
    text = client.get("/privacy?lang=ru&x=1").text
    for code in LANGUAGES:
        assert f'formaction="/language/{code}" lang="{code}"' in text
    assert 'name="next" value="/privacy?x=1"' in text
    assert 'name="next" value="/events/?lang=uz"' in client.get("/events/?lang=uz").text


def test_times_are_shown_in_bishkek(app):
    from datetime import datetime, timezone

    from flask_babel import format_datetime

    with app.test_request_context("/?lang=en"):
        shown = format_datetime(datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc), "HH:mm")
    assert shown == "18:00"  # Asia/Bishkek is UTC+6 all year


def _selected_language(page):
    return re.search(r'<option selected value="(\w+)"', page).group(1)


def test_signing_up_keeps_the_language_and_the_profile_shows_it(app, client):
    """An Uzbek reader follows a link to the sign-up page in Uzbek, signs
    up, saves the profile without touching the language: still Uzbek (it
    used to switch to the list's first, Kyrgyz)."""
    page = client.get("/auth/register?lang=uz", headers={"Accept-Language": "ru"}).text
    assert 'action="/auth/register?lang=uz"' in page
    client.post_form("/auth/register?lang=uz", {
        "username": "nodira", "display_name": "Nodira", "password": "a long uzbek passphrase",
        "password_confirm": "a long uzbek passphrase"}, headers={"Accept-Language": "ru"})
    assert fetch(app, User, username="nodira").locale == "uz"
    # On this device (no cookie: ?lang= was for one page) and in the profile.
    assert '<html lang="uz">' in client.get("/", headers={"Accept-Language": "ru"}).text
    profile = client.get("/account/").text
    assert _selected_language(profile) == "uz"
    client.post_form("/account/", {"profile-display_name": "Nodira N.",
                                   "profile-locale": _selected_language(profile),
                                   "profile-email": ""})
    assert fetch(app, User, username="nodira").locale == "uz"
    assert '<html lang="uz">' in client.get("/").text


def test_signing_up_after_the_switcher_keeps_its_language(app, client):
    client.post_form("/language/ky", {"next": "/auth/register"})
    client.post_form("/auth/register", {"username": "bakyt", "display_name": "Bakyt",
                                        "password": "a long kyrgyz passphrase",
                                        "password_confirm": "a long kyrgyz passphrase"})
    assert fetch(app, User, username="bakyt").locale == "ky"


def test_an_account_without_a_stored_language_sees_the_current_one(app, client, make_user, auth):
    """Accounts from before languages were stored at sign-up: the profile
    preselects the language the page is read in, so saving it keeps what
    the person reads."""
    make_user("old_account")
    auth.login("old_account")
    client.set_cookie("lang", "uz")
    profile = client.get("/account/").text
    assert _selected_language(profile) == "uz"
    assert _selected_language(client.get("/account/?lang=ru").text) == "ru"
    assert fetch(app, User, username="old_account").locale is None


@pytest.mark.parametrize("code", ["ky", "ru", "uz"])
def test_no_english_kept_in_brackets(code):
    """A label reads in one language: "Окуу сот", not "Окуу сот (moot court)":
    no translation repeats words of the English in brackets (unless the
    English has the same brackets)."""
    bracketed = re.compile(r"\(([A-Za-z][A-Za-z ]*)\)")
    kept = []
    for message in catalog(code):
        if not message.id:
            continue
        source = " ".join(message.id if isinstance(message.id, tuple) else (message.id,))
        target = message.string if isinstance(message.string, tuple) else (message.string,)
        kept += [(message.id, words) for text in target for words in bracketed.findall(text)
                 if words.lower() in source.lower() and f"({words})" not in source]
    assert kept == []
