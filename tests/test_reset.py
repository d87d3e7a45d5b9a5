"""Password reset (/auth/reset): the same answer whether or not an address
is known; a mail in the account's language with a link on BASE_URL that
works once and for an hour; a new password ends every other session;
limits per email address, per account and per address asking; nothing to
an unconfirmed address."""

import os
import re
import uuid

import pytest
from itsdangerous import timed

from hrdebate.auth import services
from hrdebate.extensions import db
from hrdebate.models import MailKind, OutboxMail, User
from hrdebate.notifications.services import notify
from tests.conftest import BASE_URL, PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows
from tests.helpers import console_mails as mails, deliver_mail, fetch

NEW_PASSWORD = "apricots of the fergana valley"
REDIS = os.environ.get("HRDEBATE_TEST_REDIS_URL")
STORAGES = ["memory://"] + ([REDIS] if REDIS else [])


# -- helpers -------------------------------------------------------------------------

def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(re.escape(BASE_URL) + r"/auth/(?:reset|verify)/\S+", text).group(0)


def path_of(url: str) -> str:
    return url.removeprefix(BASE_URL)


def outbox(app, kind=None):
    with app.app_context():
        query = db.select(OutboxMail).order_by(OutboxMail.id)
        if kind:
            query = query.filter_by(kind=kind.value)
        rows = db.session.scalars(query).all()
        return [(row.user_id, row.kind, row.to_address) for row in rows]


def ask_reset(client, address):
    return client.post_form("/auth/reset", {"email": address})


def token_for(app, username, seconds_ago=0, monkeypatch=None):
    """A reset link's token for ``username``, as if made ``seconds_ago``."""
    with app.test_request_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        if seconds_ago:
            real = timed.time.time
            monkeypatch.setattr(timed, "time", type("Clock", (), {
                "time": staticmethod(lambda: real() - seconds_ago)}))
        try:
            return services.reset_token(user)
        finally:
            if seconds_ago:
                monkeypatch.undo()


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def set_new_password(client, path, password=NEW_PASSWORD):
    return client.post_form(path, {"password": password, "password_confirm": password})


# -- the same answer, known or not ---------------------------------------------------

def test_known_and_unknown_addresses_get_the_same_answer(mailing, client, make_user, english):
    make_user("aida", email="aida@example.org")
    client.get("/auth/reset")
    known = ask_reset(client, "AIDA@example.org")
    unknown = ask_reset(client, "nobody@example.org")
    for answer in (known, unknown):
        assert answer.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.data == unknown.data
    cookies = [sorted(c.split("=", 1)[0] for c in a.headers.getlist("Set-Cookie"))
               for a in (known, unknown)]
    assert cookies[0] == cookies[1]
    page = client.get(known.headers["Location"])
    again = client.get(unknown.headers["Location"])
    assert page.status_code == again.status_code == 200
    assert page.data == again.data
    assert "If an account uses this address and it is confirmed, a link is on its way; " \
           "it works for an hour." in page.text
    # Only the known, confirmed address got a mail in the outbox, with no secret in it.
    aida = fetch(mailing, User, username="aida")
    assert outbox(mailing) == [(aida.id, "reset", None)]


def test_the_form_and_the_way_to_it(client, english):
    login = client.get("/auth/login")
    assert 'href="/auth/reset"' in login.text and "Forgot your password?" in login.text
    page = client.get("/auth/reset")
    assert page.status_code == 200 and 'name="email"' in page.text
    bad = ask_reset(client, "not an address")
    assert bad.status_code == 422 and "Enter a valid email address." in bad.text
    assert ask_reset(client, "").status_code == 422


def test_every_account_with_the_address_gets_its_own_link(mailing, client, make_user, capsys):
    make_user("aida", email="family@example.org", locale="en")
    make_user("bek", email="Family@Example.org", locale="en")
    make_user("cholpon", email="family@example.org", email_verified_at=None)
    ask_reset(client, "family@example.org")
    deliver_mail(mailing)
    sent = mails(capsys)
    assert sorted(m["To"] for m in sent) == ["Family@Example.org", "family@example.org"]
    texts = " ".join(m.get_body(("plain",)).get_content() for m in sent)
    assert "aida" in texts and "bek" in texts and "cholpon" not in texts


# -- the mail and its link -----------------------------------------------------------

def test_the_mail_is_in_the_accounts_language_with_a_link_on_base_url(mailing, client,
                                                                        make_user, capsys):
    make_user("aida", email="aida@example.org", locale="ru")
    client.set_cookie("lang", "en")  # asked in English: the mail follows the account
    ask_reset(client, "aida@example.org")
    assert mails(capsys) == []  # the worker sends it, not the request
    deliver_mail(mailing)
    [message] = mails(capsys)
    assert message["To"] == "aida@example.org"
    assert message["Content-Language"] == "ru"
    assert message["Subject"] == "hrdebate: выберите новый пароль"
    assert "List-Unsubscribe" not in message  # a mail one asked for cannot be refused
    text = message.get_body(("plain",)).get_content()
    assert "aida" in text  # says which account
    assert "один час" in text
    assert link_in(message).startswith(f"{BASE_URL}/auth/reset/")


def test_the_link_works_once(mailing, client, app, make_user, capsys, english):
    make_user("aida", email="aida@example.org")
    ask_reset(client, "aida@example.org")
    deliver_mail(mailing)
    path = path_of(link_in(mails(capsys)[0]))

    reader = app.test_client()  # opened on another device, not signed in
    reader.set_cookie("lang", "en")
    form = reader.get(path)
    assert form.status_code == 200
    assert 'name="password"' in form.text and 'name="password_confirm"' in form.text
    assert "aida" in form.text

    short = set_new_password(reader, path, "short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.text
    mismatch = reader.post_form(path, {"password": NEW_PASSWORD, "password_confirm": "other"})
    assert mismatch.status_code == 422 and "The passwords do not match." in mismatch.text

    done = set_new_password(reader, path)
    assert done.status_code == 302
    assert signed_in(reader)  # this browser is signed in with the new password

    # Replayed: refused, with a way to ask again (the browser signed in
    # with it goes to the home page: nothing more to do there).
    again = reader.get(path)
    assert again.status_code == 302 and again.headers["Location"] == "/"
    for who in (app.test_client(), app.test_client()):
        who.set_cookie("lang", "en")
        dead = who.get(path)
        assert dead.status_code == 410
        assert "This link does not work any more" in dead.text
        assert 'href="/auth/reset"' in dead.text
        assert set_new_password(who, path, "another fine password").status_code == 410
    assert set_new_password(reader, path, "another fine password").status_code == 302

    fresh = app.test_client()
    assert not signed_in(fresh)
    fresh.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
    assert not signed_in(fresh)
    fresh.post_form("/auth/login", {"username": "aida", "password": NEW_PASSWORD})
    assert signed_in(fresh)


def test_a_double_click_on_save(app, make_user, english):
    """The second request finds the link used: the browser that got the
    first answer goes on signed in; one that did not is told to log in
    with the password it just chose."""
    make_user("aida", email="aida@example.org")
    path = f"/auth/reset/{token_for(app, 'aida')}"
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    token = browser.csrf_token()
    form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, "csrf_token": token}
    late = app.test_client()  # the same browser before the first answer arrived
    late.set_cookie("lang", "en")
    name = app.config["SESSION_COOKIE_NAME"]
    late.set_cookie(name, browser.get_cookie(name).value)

    assert browser.post(path, data=form).status_code == 302
    second = browser.post(path, data=form)
    assert second.status_code == 302 and second.headers["Location"] == "/"
    assert signed_in(browser)

    lost = late.post(path, data=form)
    assert lost.status_code == 410
    assert "log in with your new password" in lost.text
    assert 'href="/auth/login"' in lost.text


def test_the_link_expires_after_an_hour(app, client, make_user, monkeypatch, english):
    make_user("aida", email="aida@example.org")
    nearly = token_for(app, "aida", seconds_ago=3590, monkeypatch=monkeypatch)
    assert client.get(f"/auth/reset/{nearly}").status_code == 200
    old = token_for(app, "aida", seconds_ago=3601, monkeypatch=monkeypatch)
    page = client.get(f"/auth/reset/{old}")
    assert page.status_code == 410 and "works for one hour" in page.text
    assert set_new_password(client, f"/auth/reset/{old}").status_code == 410
    with app.app_context():  # the password is as it was
        assert db.session.scalar(db.select(User).filter_by(username="aida")).check_password(PASSWORD)


def test_a_forged_or_damaged_link_is_refused(app, client, make_user, english):
    make_user("aida", email="aida@example.org")
    token = token_for(app, "aida")
    for bad in (token[:-2] + "xx", "nonsense", token + "x"):
        assert client.get(f"/auth/reset/{bad}").status_code == 410
    with app.test_request_context():  # a link of another purpose
        verify = services.verification_token(1, "aida@example.org")
    assert client.get(f"/auth/reset/{verify}").status_code == 410


def test_a_link_made_before_the_password_changed_is_dead(app, client, auth, make_user,
                                                         english):
    make_user("aida", email="aida@example.org")
    token = token_for(app, "aida")
    auth.login("aida")
    changed = client.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
        "pw-password_confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    other = app.test_client()
    assert other.get(f"/auth/reset/{token}").status_code == 410


def test_a_new_password_ends_every_other_session(app, make_user):
    make_user("aida", email="aida@example.org")
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post_form("/auth/login", {"username": "aida", "password": PASSWORD,
                                         "remember": "y"})
        assert signed_in(device)
    reader = app.test_client()
    assert set_new_password(reader, f"/auth/reset/{token_for(app, 'aida')}").status_code == 302
    assert signed_in(reader)
    assert not signed_in(phone) and not signed_in(laptop)


def test_a_suspended_account_can_reset_but_not_log_in(app, client, make_user, english):
    make_user("aida", email="aida@example.org", banned=True)
    answer = set_new_password(client, f"/auth/reset/{token_for(app, 'aida')}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/login"
    assert not signed_in(client)
    refused = client.post_form("/auth/login", {"username": "aida", "password": NEW_PASSWORD})
    assert "This account has been suspended." in refused.text


# -- unconfirmed addresses -----------------------------------------------------------

def test_an_unconfirmed_address_gets_no_mail_until_confirmed(mailing, client, make_user,
                                                             make_club, make_event, capsys):
    aida = make_user("aida", email="aida@example.org", email_verified_at=None)
    event = make_event(make_club())
    capsys.readouterr()

    ask_reset(client, "aida@example.org")
    with mailing.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(mailing)
    assert mails(capsys) == []
    assert outbox(mailing, MailKind.RESET) == []

    with mailing.test_request_context():
        token = services.verification_token(aida.id, "aida@example.org")
    client.post_form(f"/auth/verify/{token}")

    ask_reset(client, "aida@example.org")
    with mailing.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(mailing)
    sent = mails(capsys)
    assert len(sent) == 2 and {m["To"] for m in sent} == {"aida@example.org"}
    assert sum("/auth/reset/" in m.get_body(("plain",)).get_content() for m in sent) == 1


def test_no_mail_without_an_address_or_with_mail_off(app, client, make_user):
    make_user("aida", email="aida@example.org")
    ask_reset(client, "aida@example.org")  # MAIL_SERVER and MAIL_CONSOLE unset
    assert outbox(app) == []


# -- rate limits ---------------------------------------------------------------------

def _limited_app(tmp_path, storage, **limits):
    limits.setdefault("MAIL_CONSOLE", True)
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", **limits)
    _prepare_schema(app)
    return app


@pytest.fixture(params=STORAGES)
def storage(request):
    return request.param


@pytest.fixture
def limited(tmp_path, storage):
    app = _limited_app(tmp_path, storage, RATELIMIT_RESET_ADDRESS="3 per hour",
                       RATELIMIT_RESET_ACCOUNT="2 per hour")
    yield app
    _empty_database(app)


def test_limit_per_email_address_counts_known_and_unknown_alike(limited):
    Rows(limited).user("aida", email="aida@example.org")
    for address in ("aida@example.org", "nobody@example.org"):
        client = limited.test_client()  # a new device each time: the address counts
        client.set_cookie("lang", "en")
        spellings = [address, address.upper(), f" {address} ", address]
        statuses = [ask_reset(client, s).status_code for s in spellings]
        assert statuses == [302, 302, 302, 429], (address, statuses)
        page = ask_reset(client, address)
        assert page.status_code == 429 and "You are sending too quickly." in page.text
        assert 'name="email"' in page.text
    # Another address is not held up.
    assert ask_reset(limited.test_client(), "other@example.org").status_code == 302


def test_limit_per_account_queues_no_more_mail_and_answers_the_same(limited, capsys):
    # (Rows of this app: the ``app`` fixture would make a second app, and
    # re-initialise the shared limiter without limits.)
    Rows(limited).user("aida", email="aida@example.org")
    client = limited.test_client()
    answers = [ask_reset(client, "aida@example.org") for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert len({(a.headers["Location"], a.data) for a in answers}) == 1
    assert len(outbox(limited, MailKind.RESET)) == 2
    deliver_mail(limited)
    assert len(mails(capsys)) == 2


@pytest.fixture
def production_limits(tmp_path, storage):
    app = _limited_app(tmp_path, storage, MAIL_CONSOLE=False)
    yield app
    _empty_database(app)


def test_a_hall_on_one_wifi_can_all_ask(production_limits):
    """300 people behind one address each ask for their link at once."""
    client = production_limits.test_client()
    token = client.csrf_token()
    statuses = {client.post("/auth/reset", data={"email": f"p{n}@example.org",
                                                 "csrf_token": token}).status_code
                for n in range(300)}
    assert statuses == {302}
