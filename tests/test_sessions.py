"""Sessions end when they should (issue #9, item 4): logout and "log out on
every other device" end them on the server, an idle session expires, a login
lasts at most REMEMBER_COOKIE_DURATION, and the cookie holds nothing derived
from the address or the browser.

The attacks replay cookies captured before the event in a fresh client, as
someone who copied them from a shared or seized phone would."""

from datetime import datetime, timedelta, timezone

import pytest

from hrdebate.dbtypes import frozen_clock
from tests.conftest import PASSWORD

SESSION = "hrdebate_session"
REMEMBER = "hrdebate_remember"
NEW_PASSWORD = "a different passphrase"
T0 = datetime(2025, 3, 8, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def timur(make_user):
    return make_user("timur", display_name="Timur")


def login(client, username="timur", password=PASSWORD, remember=False, lang="en"):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post_form(f"/auth/login?lang={lang}", data)
    assert response.status_code == 302, response.text
    return response


def stolen(client, *names):
    """The cookies ``client`` holds now, as an attacker would copy them."""
    cookies = {name: client.get_cookie(name) for name in names}
    assert all(cookies.values()), cookies
    return {name: cookie.value for name, cookie in cookies.items()}


def replay(app, cookies):
    """A fresh browser carrying only the copied cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def opens_account(client) -> bool:
    response = client.get("/account/")
    if response.status_code == 302:
        assert response.location.startswith("/auth/login")
        return False
    assert response.status_code == 200
    return True


def session_data(app, client) -> dict:
    cookie = client.get_cookie(SESSION)
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


# -- logout ends the session on the server ------------------------------------------

def test_a_session_cookie_copied_before_logout_no_longer_opens_the_account(app, client, timur):
    login(client)
    copy = stolen(client, SESSION)
    assert opens_account(replay(app, copy))  # the copy works while the person is signed in

    assert client.post_form("/auth/logout").status_code == 302
    assert not opens_account(client)
    assert not opens_account(replay(app, copy))


def test_a_remember_cookie_copied_before_logout_no_longer_opens_the_account(app, client, timur):
    login(client, remember=True)
    copy = stolen(client, SESSION, REMEMBER)
    assert opens_account(replay(app, {REMEMBER: copy[REMEMBER]}))

    client.post_form("/auth/logout")
    assert not opens_account(replay(app, copy))
    assert not opens_account(replay(app, {REMEMBER: copy[REMEMBER]}))


def test_logout_says_every_device_is_logged_out(app, client, timur):
    login(client)
    response = client.post_form("/auth/logout?lang=en", follow_redirects=True)
    assert "You are logged out on all your devices." in response.text


def test_logging_in_again_after_logout_works(app, client, timur):
    login(client, remember=True)
    client.post_form("/auth/logout")
    login(client, remember=True)
    assert opens_account(client)
    assert opens_account(replay(app, {REMEMBER: client.get_cookie(REMEMBER).value}))


# -- password change --------------------------------------------------------------------

def test_cookies_copied_before_a_password_change_no_longer_work(app, client, timur):
    login(client, remember=True)
    copy = stolen(client, SESSION, REMEMBER)
    response = client.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
        "pw-password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert opens_account(client)  # this device stays signed in
    assert not opens_account(replay(app, copy))
    assert not opens_account(replay(app, {REMEMBER: copy[REMEMBER]}))
    # ...and this device's new remember cookie works on its own.
    assert opens_account(replay(app, {REMEMBER: client.get_cookie(REMEMBER).value}))


# -- log out on every other device ----------------------------------------------------

def test_log_out_on_every_other_device_ends_them_and_keeps_this_one(app, client, timur):
    login(client, remember=True)
    phone = app.test_client()
    login(phone, remember=True)
    phone_cookies = stolen(phone, SESSION, REMEMBER)

    response = client.post_form("/account/sessions/end?lang=en", follow_redirects=True)
    assert response.status_code == 200
    assert "You are logged out on all your other devices. This device stays signed in." \
        in response.text
    assert opens_account(client)
    assert not opens_account(phone)
    assert not opens_account(replay(app, phone_cookies))
    assert not opens_account(replay(app, {REMEMBER: phone_cookies[REMEMBER]}))
    # This device's new remember cookie carries the new token.
    assert opens_account(replay(app, {REMEMBER: client.get_cookie(REMEMBER).value}))


def test_log_out_on_every_other_device_works_without_remember_me(app, client, timur):
    login(client)
    before = stolen(client, SESSION)
    assert client.post_form("/account/sessions/end").status_code == 302
    assert opens_account(client)
    assert client.get_cookie(REMEMBER) is None  # not remembered before, not now
    assert not opens_account(replay(app, before))


def test_the_account_page_offers_it_as_a_plain_form(client, timur):
    login(client)
    page = client.get("/account/?lang=en").text
    assert 'action="/account/sessions/end"' in page
    assert "Log out on all other devices" in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("lang", ["ky", "ru", "uz"])
def test_the_button_and_its_answer_speak_every_language(app, client, timur, lang):
    from flask_babel import force_locale
    from flask_babel import gettext as _

    button = "Log out on all other devices"
    answer = "You are logged out on all your other devices. This device stays signed in."
    with app.test_request_context(), force_locale(lang):
        button, answer = _(button), _(answer)
    assert "devices" not in button + answer
    login(client, lang=lang)
    assert button in client.get(f"/account/?lang={lang}").text
    response = client.post_form(f"/account/sessions/end?lang={lang}", follow_redirects=True)
    assert answer in response.text


def test_log_out_on_every_other_device_needs_a_csrf_token_and_a_login(app, client, timur):
    login(client)
    phone = app.test_client()
    login(phone)
    assert client.post("/account/sessions/end").status_code == 400
    assert opens_account(phone)
    anonymous = app.test_client()
    response = anonymous.post_form("/account/sessions/end")
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert opens_account(phone)


def test_log_out_on_every_other_device_via_htmx_redirects_too(app, client, timur):
    login(client)
    response = client.post("/account/sessions/end", headers={
        "HX-Request": "true", "X-CSRFToken": client.csrf_token()})
    assert response.status_code == 302 and response.location == "/account/"


# -- idle expiry ---------------------------------------------------------------------

def test_an_idle_session_is_logged_out_and_told_so(app, client, timur):
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    with frozen_clock(T0):
        login(client)
    with frozen_clock(T0 + idle - timedelta(minutes=1)):
        assert opens_account(client)
    # Measured from the last request, not from the login.
    with frozen_clock(T0 + 2 * idle - timedelta(minutes=2)):
        assert opens_account(client)
    with frozen_clock(T0 + 3 * idle):
        copy = stolen(client, SESSION)
        response = client.get("/account/?lang=en", follow_redirects=True)
        assert response.request.path == "/auth/login"
        assert "For your safety you were logged out: this session was inactive for 3 hours." \
            in response.text
        assert not opens_account(client)
        assert not opens_account(replay(app, copy))


def test_idle_time_counts_every_request_but_rewrites_the_cookie_only_now_and_then(
        app, client, timur):
    with frozen_clock(T0):
        login(client)
        client.get("/")  # shows (and so removes) the "logged in" message
    with frozen_clock(T0 + timedelta(minutes=1)):
        response = client.get("/")
        assert "Set-Cookie" not in response.headers
    with frozen_clock(T0 + timedelta(minutes=10)):
        response = client.get("/")
        assert any(c.startswith(SESSION + "=") for c in response.headers.getlist("Set-Cookie"))
        assert session_data(app, client)["seen"] == int((T0 + timedelta(minutes=10)).timestamp())
    with frozen_clock(T0 + timedelta(minutes=11)):
        assert "Set-Cookie" not in client.get("/events/").headers


def test_a_page_polling_by_itself_does_not_keep_the_session_alive(app, client, timur,
                                                                  make_club, make_event):
    event = make_event(make_club(), voting_state="before_open")
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    with frozen_clock(T0):
        login(client)
        assert 'data-hx-trigger="every 15s"' in client.get(f"/events/{event.id}").text
    for minutes in range(10, int(idle.total_seconds() // 60) + 30, 10):
        with frozen_clock(T0 + timedelta(minutes=minutes)):
            response = client.get(f"/events/{event.id}/tally", headers={"HX-Request": "true"})
            assert response.status_code == 200
    with frozen_clock(T0 + idle + timedelta(minutes=30)):
        assert not opens_account(client)


def test_the_idle_time_is_a_setting(tmp_path):
    from tests.conftest import _empty_database, _prepare_schema, make_test_app
    from tests.factories import Rows

    app = make_test_app(tmp_path, SESSION_IDLE_MINUTES=10)
    _prepare_schema(app)
    try:
        client = app.test_client()
        Rows(app).user("aida")
        with frozen_clock(T0):
            login(client, "aida")
        with frozen_clock(T0 + timedelta(minutes=9)):
            assert opens_account(client)
        with frozen_clock(T0 + timedelta(minutes=20)):
            assert not opens_account(client)
    finally:
        _empty_database(app)


def test_a_remembered_device_is_not_logged_out_when_idle(app, client, timur):
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    with frozen_clock(T0):
        login(client, remember=True)
    with frozen_clock(T0 + 5 * idle):
        assert opens_account(client)
        # Only the session cookie, copied without the remember cookie, is idle.
        assert not opens_account(replay(app, {SESSION: client.get_cookie(SESSION).value}))


@pytest.mark.parametrize("fake", ["x", "1|0000", "1:abc:123|0000"])
def test_a_made_up_remember_cookie_does_not_keep_an_idle_session_alive(app, client, timur, fake):
    """Only a real remember cookie of this very login counts (and a real one
    would open the account by itself anyway, until logout or 30 days)."""
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    with frozen_clock(T0):
        login(client)
        copy = stolen(client, SESSION)
    with frozen_clock(T0 + 2 * idle):
        assert not opens_account(replay(app, {**copy, REMEMBER: fake}))


def test_a_login_lasts_at_most_30_days_even_with_a_copied_remember_cookie(app, client, timur):
    duration = app.config["REMEMBER_COOKIE_DURATION"]
    assert duration == timedelta(days=30)
    with frozen_clock(T0):
        login(client, remember=True)
        copy = stolen(client, SESSION, REMEMBER)
    with frozen_clock(T0 + duration - timedelta(hours=1)):
        assert opens_account(replay(app, copy))
        assert opens_account(replay(app, {REMEMBER: copy[REMEMBER]}))
        # In use every day, the remember cookie is still not extended.
        assert not any(c.startswith(REMEMBER + "=")
                       for c in client.get("/").headers.getlist("Set-Cookie"))
    with frozen_clock(T0 + duration + timedelta(hours=1)):
        assert not opens_account(replay(app, copy))
        assert not opens_account(replay(app, {REMEMBER: copy[REMEMBER]}))
        assert not opens_account(client)


def test_cookies_of_the_old_format_no_longer_work(app, client, timur):
    """A cookie made before login times were recorded (``<id>:<token>``)."""
    from hrdebate.auth.sessions import load_user
    from hrdebate.models import User

    from hrdebate.extensions import db

    with app.test_request_context():
        user = db.session.get(User, timur.id)
        assert load_user(user.get_id()) is None
        assert load_user(f"{user.get_id()}:not-a-time") is None
        assert load_user("1") is None and load_user("") is None


# -- nothing derived from the address or the browser --------------------------------------

@pytest.mark.parametrize("remember", [False, True])
def test_the_session_cookie_holds_nothing_derived_from_the_address(app, client, timur, remember):
    import hashlib

    address, agent = "203.0.113.7", "Mozilla/5.0 (Linux; Android 14) Firefox/128.0"
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    login(client, remember=remember)
    data = session_data(app, client)
    assert "_id" not in data
    assert set(data) <= {"_user_id", "_fresh", "csrf_token", "seen", "_flashes"}, data
    flat = repr(data) + client.get_cookie(REMEMBER).value if remember else repr(data)
    for derived in (address, hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()):
        assert derived not in flat
    assert app.login_manager.session_protection is None


@pytest.mark.parametrize("minutes, shown", [(180, "3 hours"), (60, "1 hour"), (90, "90 minutes"),
                                            (10, "10 minutes"), (2160, "36 hours")])
def test_the_idle_time_is_told_exactly(app, minutes, shown):
    from hrdebate.auth.sessions import _exact_duration

    with app.test_request_context("/?lang=en"):
        assert _exact_duration(timedelta(minutes=minutes)) == shown


def test_the_login_lifetime_may_be_given_in_seconds_from_the_environment(app, client, timur):
    """HRDEBATE_REMEMBER_COOKIE_DURATION=86400 arrives as a number, as Flask-Login allows."""
    app.config["REMEMBER_COOKIE_DURATION"] = 24 * 3600
    with frozen_clock(T0):
        login(client, remember=True)
        copy = stolen(client, SESSION, REMEMBER)
    with frozen_clock(T0 + timedelta(hours=23)):
        assert opens_account(replay(app, copy))
    with frozen_clock(T0 + timedelta(hours=25)):
        assert not opens_account(replay(app, copy))
