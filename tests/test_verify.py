"""Confirming an address: a link mailed when one is given at sign-up or on
/account/, a page with a button (opening the link changes nothing: mail
scanners fetch links), the account's own address only, nothing else mailed
to an unconfirmed address."""

import pytest

from hrdebate.auth import services
from hrdebate.models import MailKind, User
from tests.conftest import BASE_URL, PASSWORD, _empty_database
from tests.factories import Rows
from tests.helpers import deliver_mail, fetch
from tests.test_reset import _limited_app, link_in, mails, outbox, path_of

SIGN_UP = {"username": "aida", "display_name": "Night Owl", "password": PASSWORD,
           "password_confirm": PASSWORD}


def save_profile(client, email, display_name="Aida", locale="en"):
    """The owner saves the profile, typing the current password (which
    replacing or removing a confirmed address asks for; test_attack_mail)."""
    return client.post_form("/account/", {"profile-display_name": display_name,
                                          "profile-locale": locale, "profile-email": email,
                                          "profile-current_password": PASSWORD})


def verified(app, username="aida"):
    return fetch(app, User, username=username).email_verified_at is not None


def test_sign_up_with_an_address_mails_a_link_that_confirms_it(mailing, client, app, capsys):
    client.set_cookie("lang", "ru")
    assert client.post_form("/auth/register", {**SIGN_UP, "email": "aida@example.org"}
                            ).status_code == 302
    aida = fetch(app, User, username="aida")
    assert aida.email == "aida@example.org" and aida.email_verified_at is None
    assert outbox(app) == [(aida.id, "verify", "aida@example.org")]
    deliver_mail(mailing)
    [message] = mails(capsys)
    assert message["To"] == "aida@example.org" and message["Content-Language"] == "ru"
    assert "List-Unsubscribe" not in message
    url = link_in(message)
    assert url.startswith(f"{BASE_URL}/auth/verify/")
    assert "aida" not in message.get_body(("plain",)).get_content().replace(
        "aida@example.org", "")  # no username to an address that may be someone else's

    # Opened on the phone, not signed in. Opening changes nothing (scanners).
    phone = app.test_client()
    phone.set_cookie("lang", "en")
    page = phone.get(path_of(url))
    assert page.status_code == 200 and ">Confirm<" in page.text
    assert not verified(app)
    # A double click: both fine, confirmed once.
    for _ in range(2):
        answer = phone.post_form(path_of(url))
        assert answer.status_code == 302
        assert verified(app)
    after = phone.get(path_of(url))
    assert after.status_code == 200 and "is confirmed" in after.text
    assert ">Confirm<" not in after.text


def test_sign_up_says_where_the_link_went(mailing, client, english):
    answer = client.post_form("/auth/register", {**SIGN_UP, "email": "aida@example.org"},
                              follow_redirects=True)
    assert "We sent a link to aida@example.org" in answer.text


def test_sign_up_without_an_address_mails_nothing(mailing, client):
    client.post_form("/auth/register", {**SIGN_UP, "email": ""})
    assert outbox(mailing) == []


def test_confirming_needs_the_csrf_token(mailing, client, make_user, english):
    aida = make_user("aida", email="aida@example.org", email_verified_at=None)
    with mailing.test_request_context():
        token = services.verification_token(aida.id, "aida@example.org")
    assert client.post(f"/auth/verify/{token}").status_code == 400
    assert not verified(mailing)


def test_a_changed_address_is_unconfirmed_and_gets_a_link(mailing, client, auth, make_user,
                                                          capsys):
    aida = make_user("aida", email="aida@example.org", locale="en")
    auth.login("aida")
    old_link = None
    with mailing.test_request_context():
        old_link = services.verification_token(aida.id, "aida@example.org")

    # The same address, even in other capitals, keeps its state and sends nothing.
    assert save_profile(client, "aida@example.org").status_code == 302
    assert save_profile(client, "Aida@Example.org").status_code == 302
    assert verified(mailing) and outbox(mailing) == []

    answer = save_profile(client, "aida@new.example.org")
    assert answer.status_code == 302
    page = client.get("/account/")
    assert "We sent a link to aida@new.example.org" in page.text
    assert "not confirmed" in page.text and "Send the link again" in page.text
    assert not verified(mailing)
    assert outbox(mailing) == [(aida.id, "verify", "aida@new.example.org")]

    # A link made for the old address does nothing now.
    other = mailing.test_client()
    other.set_cookie("lang", "en")
    dead = other.get(f"/auth/verify/{old_link}")
    assert dead.status_code == 410 and "This link does not work any more" in dead.text
    assert other.post_form(f"/auth/verify/{old_link}").status_code == 410
    assert not verified(mailing)

    # Changed again before confirming: the first link is dead, its mail dropped.
    save_profile(client, "aida@third.example.org")
    deliver_mail(mailing)
    sent = mails(capsys)
    assert [m["To"] for m in sent] == ["aida@third.example.org"]
    new_path = path_of(link_in(sent[0]))
    other.post_form(new_path)
    assert verified(mailing)
    assert "aida@third.example.org: confirmed." in client.get("/account/").text

    # Removing the address: nothing to confirm, nothing sent.
    save_profile(client, "")
    user = fetch(mailing, User, username="aida")
    assert user.email is None and user.email_verified_at is None


def test_send_the_link_again(mailing, client, auth, make_user, english):
    aida = make_user("aida", email="aida@example.org", email_verified_at=None)
    auth.login("aida")
    assert client.post_form("/account/email/confirm").status_code == 302
    assert outbox(mailing, MailKind.VERIFY) == [(aida.id, "verify", "aida@example.org")]
    assert "We sent a link to aida@example.org" in client.get("/account/").text


def test_a_confirmed_address_has_no_button(mailing, client, auth, make_user, english):
    make_user("aida", email="aida@example.org")
    auth.login("aida")
    page = client.get("/account/")
    assert "aida@example.org: confirmed." in page.text
    assert "Send the link again" not in page.text
    client.post_form("/account/email/confirm")
    assert outbox(mailing) == []


def test_forged_expired_or_foreign_links_are_refused(app, client, make_user, monkeypatch,
                                                     english):
    from itsdangerous import timed

    aida = make_user("aida", email="aida@example.org", email_verified_at=None)
    make_user("bek", email="bek@example.org", email_verified_at=None)
    with app.test_request_context():
        good = services.verification_token(aida.id, "aida@example.org")
        # Bek's account with Aida's address: not his address.
        foreign = services.verification_token(aida.id + 1, "aida@example.org")
        real = timed.time.time
        monkeypatch.setattr(timed, "time", type("Clock", (), {
            "time": staticmethod(lambda: real() - 7 * 24 * 3600 - 1)}))
        old = services.verification_token(aida.id, "aida@example.org")
        monkeypatch.undo()
    for bad in (good[:-3] + "abc", "nonsense", foreign, old, f"{good}x"):
        page = client.get(f"/auth/verify/{bad}")
        assert page.status_code == 410, bad
        assert client.post_form(f"/auth/verify/{bad}").status_code == 410
    assert not verified(app) and not verified(app, "bek")
    assert client.get(f"/auth/verify/{good}").status_code == 200


# -- the limit per account -----------------------------------------------------------

@pytest.fixture
def limited(tmp_path):
    app = _limited_app(tmp_path, "memory://", RATELIMIT_VERIFY_MAIL="2 per hour")
    yield app
    _empty_database(app)


def test_links_to_confirm_are_limited_per_account(limited):
    Rows(limited).user("aida", email="aida@example.org", email_verified_at=None)
    client = limited.test_client()
    client.set_cookie("lang", "en")
    client.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
    for _ in range(3):
        assert client.post_form("/account/email/confirm").status_code == 302
    assert len(outbox(limited)) == 2
    assert "We could not send a link to this address now" in client.get("/account/").text
    # Changing the address counts in the same limit: the address is saved, no mail.
    saved = save_profile(client, "aida@other.example.org")
    assert len(outbox(limited)) == 2
    # ...and the person is told no link went out, not left waiting for one.
    assert "We could not send a link to this address now" in \
        client.get(saved.headers["Location"]).text
    assert fetch(limited, User, username="aida").email == "aida@other.example.org"
    # Another account is not held up.
    Rows(limited).user("bek", email="bek@example.org", email_verified_at=None)
    bek = limited.test_client()
    bek.post_form("/auth/login", {"username": "bek", "password": PASSWORD})
    bek.post_form("/account/email/confirm")
    assert len(outbox(limited)) == 3


def test_links_to_confirm_are_limited_per_recipient_address(tmp_path):
    """Whichever accounts ask, one address gets at most
    RATELIMIT_VERIFY_ADDRESS such mails; "Send the link again" then says so,
    and other addresses are not held up."""
    app = _limited_app(tmp_path, "memory://", RATELIMIT_VERIFY_ADDRESS="2 per hour")
    try:
        rows = Rows(app)
        for name in ("aida", "bek", "chyngyz"):
            rows.user(name, email="Shared@Example.org" if name == "bek" else "shared@example.org",
                      email_verified_at=None)
        browsers = {}
        for name in ("aida", "bek", "chyngyz"):
            browsers[name] = app.test_client()
            browsers[name].set_cookie("lang", "en")
            browsers[name].post_form("/auth/login", {"username": name, "password": PASSWORD})
            assert browsers[name].post_form("/account/email/confirm").status_code == 302
        assert len(outbox(app)) == 2  # the third asked for the same mailbox, in capitals or not
        assert "We could not send a link to this address now" in \
            browsers["chyngyz"].get("/account/").text
        save_profile(browsers["chyngyz"], "chyngyz@example.org")
        assert [row[2] for row in outbox(app)][-1] == "chyngyz@example.org"
    finally:
        _empty_database(app)


@pytest.mark.parametrize("typed, message", [
    ("g:root;x@example.org", "Enter a valid email address"),
    ("a:victim@example.org", "Enter a valid email address"),
    ("postmaster,x@example.org", "Enter a valid email address"),
    ("x<victim@example.org>", "Enter a valid email address"),
    ('"quoted"@example.org', "Enter a valid email address"),
    ("a..b@example.org", "Enter a valid email address"),
    (".a@example.org", "Enter a valid email address"),
    ("a@localhost", "Enter a valid email address"),
    ("a@-example.org", "Enter a valid email address"),
    ("a@example..org", "Enter a valid email address"),
    ("x" * 65 + "@example.org", "Enter a valid email address"),
    ("a@" + "b" * 64 + ".org", "Enter a valid email address"),
    ("a@" + ("b" * 60 + ".") * 5 + "org", "Enter a valid email address"),  # over 254
    ("\u0430\u0439\u0433\u0443\u043b\u044c@example.kg", "Use the address in Latin letters"),
    ("aida@\u043f\u0440\u0438\u043c\u0435\u0440.\u043a\u0433", "Use the address in Latin letters"),
    ("jens@stra\u00dfe.example", "Use the address in Latin letters"),
])
def test_only_plain_addresses_are_accepted(mailing, client, english, typed, message):
    answer = client.post_form("/auth/register", {**SIGN_UP, "email": typed})
    assert answer.status_code == 422 and message in answer.text, typed
    assert outbox(mailing) == []
    reset = client.post_form("/auth/reset", {"email": typed})
    assert reset.status_code == 422 and message in reset.text, typed


@pytest.mark.parametrize("typed", ["o'brien+debates@mail.example.kg", "A.Sh-2@xn--80ak6aa92e.kg",
                                   "x@1.2.3.example", "Ｎａｍｅ@example.org"])
def test_plain_addresses_of_every_shape_are_accepted(mailing, client, typed):
    assert client.post_form("/auth/register", {**SIGN_UP, "email": typed}).status_code == 302
    stored = fetch(mailing, User, username="aida").email
    assert stored == typed.replace("Ｎａｍｅ", "Name")  # full-width letters: NFKC, as every field
    assert outbox(mailing) == [(fetch(mailing, User, username="aida").id, "verify", stored)]


def test_the_confirm_page_speaks_the_mails_language_on_a_device_that_chose_none(
        mailing, client, make_user):
    """The phone review: a Kyrgyz reader opened the link on a phone whose
    browser asks for English and got an English page."""
    from hrdebate.auth import services
    from tests.helpers import catalog

    aida = make_user("aida", email="aida@example.org", email_verified_at=None, locale="ky")
    with mailing.test_request_context():
        token = services.verification_token(aida.id, "aida@example.org")
    client.delete_cookie("lang")
    page = client.get(f"/auth/verify/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert '<html lang="ky">' in page.text
    assert catalog("ky")["Confirm"].string in page.text
