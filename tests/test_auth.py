import os
import uuid
from datetime import timedelta

import pytest

from hrdebate import ratelimits
from hrdebate.models import User
from tests.conftest import PASSWORD
from tests.helpers import fetch

GOOD = {
    "username": "Aziza_K",
    "display_name": "Aziza",
    "password": "tulips in the rain",
    "password_confirm": "tulips in the rain",
    "email": "",
}


def test_register_page_explains_pseudonyms(client):
    response = client.get("/auth/register?lang=en")
    assert response.status_code == 200
    assert "A pseudonym is fine" in response.text
    for name in ("username", "display_name", "password", "password_confirm", "email"):
        assert f'name="{name}"' in response.text


def test_register_creates_account_and_logs_in(app, client):
    response = client.post_form("/auth/register", GOOD)
    assert response.status_code == 302
    user = fetch(app, User, username="aziza_k")
    assert user is not None and user.display_name == "Aziza" and user.email is None
    assert user.password_hash.startswith("pbkdf2:") and PASSWORD not in user.password_hash
    # Logged in: the account page opens.
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short1", "password_confirm": "short1"}, "at least 10 characters"),
        ({"password": "1234567890", "password_confirm": "1234567890"}, "too common"),
        ({"password": "qwertyuiop", "password_confirm": "qwertyuiop"}, "too common"),
        ({"password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"}, "too common"),
        ({"password_confirm": "something else"}, "do not match"),
        ({"username": "a b"}, "Latin letters"),
        ({"username": ""}, "This field is required"),
        ({"display_name": "   "}, "This field is required"),
        ({"email": "not-an-email"}, "valid email"),
    ],
)
def test_register_bad_input_is_refused_with_422(app, client, change, message):
    response = client.post_form("/auth/register?lang=en", {**GOOD, **change})
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert fetch(app, User, username="aziza_k") is None
    # What the user typed is kept (except passwords).
    if change.get("display_name") is None:
        assert 'value="Aziza"' in response.text


def test_register_username_is_unique_ignoring_case(client, make_user):
    make_user("aziza_k")
    response = client.post_form("/auth/register?lang=en", GOOD)
    assert response.status_code == 422
    assert "This username is taken" in response.text


def test_login_and_logout(client, auth, make_user):
    make_user("timur")
    response = auth.login("TIMUR ")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/account/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/account/").status_code == 302


def test_logout_needs_post(client, auth, make_user):
    make_user("timur")
    auth.login("timur")
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("username,password", [("timur", "wrong password!"), ("nobody", PASSWORD)])
def test_login_failure_does_not_say_which_part_was_wrong(client, auth, make_user, username, password):
    make_user("timur")
    response = client.post_form(
        "/auth/login?lang=en", {"username": username, "password": password}
    )
    assert response.status_code == 422
    assert "The username or password is wrong." in response.text
    assert client.get("/account/").status_code == 302


def test_banned_user_cannot_log_in(client, make_user):
    make_user("spammer", banned=True)
    response = client.post_form("/auth/login?lang=en", {"username": "spammer", "password": PASSWORD})
    assert response.status_code == 422
    assert "suspended" in response.text


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example/",
        "http://localhost/account/",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_login_ignores_offsite_next(auth, make_user, target):
    make_user("timur")
    response = auth.login("timur", next=target)
    assert response.status_code == 302
    assert response.location == "/"


def test_login_follows_local_next(auth, make_user):
    make_user("timur")
    response = auth.login("timur", next="/account/")
    assert response.location == "/account/"


def test_anonymous_is_sent_to_login_and_back(client, auth, make_user):
    make_user("timur")
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    response = client.post_form(response.location, {"username": "timur", "password": PASSWORD})
    assert response.location == "/account/"


def test_post_without_csrf_token_is_refused(app, client, make_user):
    make_user("timur")
    response = client.post("/auth/login?lang=en", data={"username": "timur", "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.text
    response = client.post("/auth/register", data=GOOD)
    assert response.status_code == 400
    assert fetch(app, User, username="aziza_k") is None


def test_htmx_header_token_is_accepted(client, make_user):
    make_user("timur")
    token = client.csrf_token()
    response = client.post(
        "/auth/login",
        data={"username": "timur", "password": PASSWORD},
        headers={"X-CSRFToken": token, "HX-Request": "true", "HX-Boosted": "true"},
    )
    assert response.status_code == 302


def _cookie_header(response, name):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_cookie_flags(app, auth, make_user):
    make_user("timur")
    response = auth.login("timur", remember=True)
    session = _cookie_header(response, "hrdebate_session")
    remember = _cookie_header(response, "hrdebate_remember")
    for cookie in (session, remember):
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP in development
    assert "Max-Age=2592000" in remember or "Expires=" in remember
    assert app.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)


def test_cookies_are_secure_over_https(client, make_user):
    make_user("timur")
    token = client.csrf_token()
    response = client.post(
        "/auth/login",
        data={"username": "timur", "password": PASSWORD, "remember": "y", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) >= 2
    assert all("Secure" in c and "HttpOnly" in c for c in cookies)


def test_remember_me_keeps_user_logged_in_after_session_ends(client, auth, make_user):
    make_user("timur")
    auth.login("timur", remember=True)
    client.delete_cookie("hrdebate_session")
    assert client.get("/account/").status_code == 200


def test_without_remember_me_the_browser_session_ends_it(client, auth, make_user):
    make_user("timur")
    auth.login("timur")
    client.delete_cookie("hrdebate_session")
    assert client.get("/account/").status_code == 302


STORAGES = ["memory://"] + (
    [os.environ["HRDEBATE_TEST_REDIS_URL"]] if os.environ.get("HRDEBATE_TEST_REDIS_URL") else []
)


@pytest.mark.parametrize("storage", STORAGES)
def test_login_is_rate_limited_with_a_translated_page(tmp_path, storage):
    from tests.conftest import _empty_database, _prepare_schema, make_test_app

    app = make_test_app(
        tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute",
        RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    _prepare_schema(app)
    try:
        client = app.test_client()
        token = client.csrf_token()
        data = {"username": "x", "password": "wrong password", "csrf_token": token}
        statuses = [client.post("/auth/login?lang=ru", data=data).status_code for _ in range(4)]
        assert statuses == [422, 422, 422, 429]
        response = client.post("/auth/login?lang=ru", data=data)
        assert response.status_code == 429
        # The login form again, with the username typed (never the
        # password), and how long to wait, translated.
        assert 'value="x"' in response.text and "wrong password" not in response.text
        with app.test_request_context("/?lang=ru"):
            waits = [str(ratelimits.attempts_message(s)) for s in range(1, 61)]
        assert "Too many" not in waits[30]
        assert any(wait in response.text for wait in waits)
        # Reading the form is not limited, and htmx gets a small fragment.
        assert client.get("/auth/login").status_code == 200
        fragment = client.post("/auth/login", data=data, headers={"HX-Request": "true"})
        assert fragment.status_code == 429 and "<html" not in fragment.text
    finally:
        _empty_database(app)


def test_a_username_taken_at_the_same_instant_comes_back_as_a_form_error(app, client, english):
    """Two sign-ups with one username: the database's unique constraint
    decides, and the second person (another name, another password) reads
    the form's usual sentence (422) instead of a server error."""
    from hrdebate.auth import forms

    data = {"username": "same", "display_name": "First", "password": "a long passphrase 1",
            "password_confirm": "a long passphrase 1"}
    assert client.post_form("/auth/register", data).status_code == 302
    client.post_form("/auth/logout")
    response = client.post_form("/auth/register", {**data, "display_name": "Second"})
    assert response.status_code == 422
    assert str(forms.USERNAME_TAKEN) in response.text
    with app.app_context():
        from hrdebate.extensions import db

        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_a_device_that_chose_no_language_keeps_the_accounts_after_login(client, make_user):
    """Logged in on a phone that never chose a language, then signed out from
    another device: the login page still speaks the account's language."""
    from tests.helpers import catalog

    make_user("dilnoza", locale="uz")
    client.delete_cookie("lang")
    answer = client.post_form("/auth/login", {"username": "dilnoza", "password": PASSWORD},
                              headers={"Accept-Language": "en"})
    assert client.get_cookie("lang").value == "uz"
    assert answer.status_code == 302
    client.post_form("/auth/logout")
    page = client.get("/auth/login", headers={"Accept-Language": "en"})
    assert catalog("uz")["Log in"].string in page.text


def test_a_language_the_device_chose_stays_after_login(client, make_user):
    make_user("dilnoza", locale="uz")
    client.set_cookie("lang", "ru")
    client.post_form("/auth/login", {"username": "dilnoza", "password": PASSWORD})
    assert client.get_cookie("lang").value == "ru"
