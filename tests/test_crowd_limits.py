"""Limits that a crowd must pass and a guesser must not: a hall of 300
signing up at the door from one address, and the forms that check a
signed-in person's current password (a borrowed phone is no oracle)."""

import os
import uuid

import pytest

from hrdebate.extensions import db
from hrdebate.models import User
from tests.conftest import PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows

REDIS = os.environ.get("HRDEBATE_TEST_REDIS_URL")
HALL = 300


@pytest.fixture(params=["memory://"] + ([REDIS] if REDIS else []))
def production_limits(request, tmp_path):
    """The limits as configured for production, on the given storage."""
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=request.param,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    _prepare_schema(app)
    yield app
    _empty_database(app)


def test_a_hall_of_300_signs_up_from_one_address(production_limits):
    app = production_limits
    statuses = []
    for n in range(HALL):
        person = app.test_client()  # every one from 127.0.0.1
        statuses.append(person.post("/auth/register", data={
            "username": f"student{n}", "display_name": f"Student {n}", "password": PASSWORD,
            "password_confirm": PASSWORD, "csrf_token": person.csrf_token()}).status_code)
    assert statuses == [302] * HALL
    with app.app_context():
        assert db.session.query(User).count() == HALL


@pytest.mark.parametrize("form", ["password", "delete"])
def test_a_borrowed_session_cannot_guess_the_password(production_limits, form):
    """Someone holding a signed-in phone tries passwords in the forms that
    check the current one: refused after a few, and the account is kept."""
    app = production_limits
    Rows(app).user("aida")
    client = app.test_client()
    client.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
    if form == "password":
        url, field, extra = "/account/password", "pw-current_password", {
            "pw-password": "a new long passphrase", "pw-password_confirm": "a new long passphrase"}
    else:
        url, field, extra = "/account/delete", "password", {"confirm": "y"}
    statuses = [client.post_form(url, {field: f"guess {n}", **extra}).status_code
                for n in range(40)]
    assert statuses[:5] == [422] * 5 and set(statuses[5:]) == {303}  # back, with why
    with app.app_context():
        assert db.session.query(User).filter_by(username="aida").one().check_password(PASSWORD)


def test_sign_up_is_no_way_to_guess_a_new_accounts_password(production_limits):
    """A sign-up that repeats a minute-old account's username, name and
    password signs in to it (a double click); wrong guesses count like
    failed logins, so after ten even the right password is refused."""
    app = production_limits
    victim = app.test_client()
    details = {"username": "newcomer", "display_name": "New Comer"}
    assert victim.post("/auth/register", data={
        **details, "password": PASSWORD, "password_confirm": PASSWORD,
        "csrf_token": victim.csrf_token()}).status_code == 302
    statuses = []
    for n in range(11):
        attacker = app.test_client()
        guess = f"guess number {n}"
        statuses.append(attacker.post("/auth/register", data={
            **details, "password": guess, "password_confirm": guess,
            "csrf_token": attacker.csrf_token()}).status_code)
    assert statuses == [422] * 10 + [429]
    attacker = app.test_client()
    right = attacker.post("/auth/register", data={
        **details, "password": PASSWORD, "password_confirm": PASSWORD,
        "csrf_token": attacker.csrf_token()})
    assert right.status_code == 429
    assert attacker.get("/account/").status_code == 302  # not signed in


def test_a_device_cookie_does_not_tell_who_used_the_browser(production_limits):
    """Whoever holds a shared computer can read the device cookie: its
    hashes are keyed with the secret key, so hashing a list of usernames
    does not find the accounts used there."""
    import hashlib

    from itsdangerous import URLSafeSerializer

    from hrdebate import ratelimits

    app = production_limits
    Rows(app).user("aida")
    client = app.test_client()
    client.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
    client.post_form("/auth/logout", {})
    cookie = client.get_cookie(ratelimits.DEVICE_COOKIE).value
    targets = URLSafeSerializer("ignored").loads_unsafe(cookie)[1]["targets"]
    plain = "login:" + hashlib.sha256(b"aida").hexdigest()[:32]
    assert targets and plain not in targets


def test_an_invisible_character_in_a_code_is_not_named(app, client, auth):
    """The cleaner's error says what is wrong; the code's own error does not
    put the invisible character (a direction override) into the page."""
    from tests.test_fuzz import World

    World(app)
    auth.login("citizen")
    client.set_cookie("lang", "en")
    response = client.post_form("/events/1/checkin", {"code": "ABCD\u202e2345"})
    assert response.status_code == 422
    assert "invisible or control characters" in response.text
    assert "“\u202e”" not in response.text
