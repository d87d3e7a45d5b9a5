"""Attacks on the mail side of issue #13: password reset, address
confirmation, the stop link and mail choices, mail content, the periodic
jobs and /admin/mail. Each test is an attack a real attacker (or a real
crowd) would try; a test noted "Was a defect" reproduces one the attack
found, fixed since."""

import re
import smtplib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from hrdebate.auth import services
from hrdebate.extensions import db
from hrdebate.mail import preferences, tokens
from hrdebate.models import MailKind, MailOptOut, Notification, OutboxMail, User
from hrdebate.models import utcnow
from hrdebate.notifications.services import notify
from tests.conftest import BASE_URL, PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows
from tests.helpers import console_mails as mails, deliver_mail, fetch

NEW_PASSWORD = "apricots of the fergana valley"
ATTACKER_PASSWORD = "the attacker chose this one"


# -- helpers -------------------------------------------------------------------------

def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message, kind="reset|verify") -> str:
    return re.search(re.escape(BASE_URL) + rf"/auth/(?:{kind})/\S+", text_of(message)).group(0)


def path_of(url: str) -> str:
    return url.removeprefix(BASE_URL)


def outbox(app, kind=None):
    with app.app_context():
        query = db.select(OutboxMail).order_by(OutboxMail.id)
        if kind:
            query = query.filter_by(kind=kind.value)
        return [(m.user_id, m.kind, m.to_address, m.status) for m in db.session.scalars(query)]


def ask_reset(client, address):
    return client.post_form("/auth/reset", {"email": address})


def set_new_password(client, path, password=NEW_PASSWORD):
    return client.post_form(path, {"password": password, "password_confirm": password})


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def reset_token(app, user_id):
    with app.test_request_context():
        return services.reset_token(db.session.get(User, user_id))


def verify_token(app, user_id, address):
    with app.test_request_context():
        return services.verification_token(user_id, address)


def stop_token(app, user_id, kind):
    with app.test_request_context():
        return preferences.stop_token(db.session.get(User, user_id), kind)


def change_address(client, address, display_name="Aida", locale="en", password=PASSWORD):
    """The profile saved with ``address``; the owner types the current
    password (``password``), which a confirmed address's change asks for."""
    data = {"profile-display_name": display_name, "profile-locale": locale,
            "profile-email": address}
    if password is not None:
        data["profile-current_password"] = password
    return client.post_form("/account/", data)


def login(app, username, password=PASSWORD):
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    browser.post_form("/auth/login", {"username": username, "password": password})
    return browser


def refused_kinds(app, user_id):
    with app.app_context():
        return set(db.session.scalars(select(MailOptOut.kind).filter_by(user_id=user_id)))


# ====================================================================================
# DEFECTS (tests that fail on this branch)
# ====================================================================================

def test_reset_link_mailed_to_the_old_address_dies_when_the_address_changes(
        mailing, client, make_user, capsys, english):
    # Was a defect: a reset link kept working after the account's address
    # changed (the link's stamp covered the password and session token, not
    # the address; now it covers the address and its confirmation too).
    # A person who moves away from a mailbox they lost (or share) expects the old
    # mailbox to have no power over the account any more.
    aida = make_user("aida", email="old@example.org", locale="en")
    ask_reset(client, "old@example.org")  # whoever reads old@ asks for a link
    deliver_mail(mailing)
    [message] = mails(capsys)
    assert message["To"] == "old@example.org"
    path = path_of(link_in(message))

    owner = login(mailing, "aida")
    assert change_address(owner, "new@example.org").status_code == 302
    assert fetch(mailing, User, id=aida.id).email == "new@example.org"

    reader_of_old_mailbox = mailing.test_client()
    assert reader_of_old_mailbox.get(path).status_code == 410
    set_new_password(reader_of_old_mailbox, path, ATTACKER_PASSWORD)
    assert not signed_in(reader_of_old_mailbox)
    assert signed_in(owner)


def test_a_borrowed_session_cannot_swap_the_confirmed_address_without_the_password(
        mailing, app, make_user, capsys):
    # Was a defect: the profile form changed a confirmed address with no
    # password. Someone holding a session (a shared computer, a 30-day
    # remember-me cookie, a stolen cookie) turned it into a permanent
    # takeover: new address -> confirm -> reset -> the owner's password stops
    # working and every owner session ends. Now replacing or removing a
    # confirmed address asks for the current password, as changing the
    # password itself does (account.forms.PasswordForm).
    make_user("aida", email="aida@example.org", locale="en")
    borrowed = login(mailing, "aida")  # the attacker sits at the owner's browser
    assert 'name="profile-current_password"' in borrowed.get("/account/").text
    capsys.readouterr()
    for password, error in ((None, "Type your current password"),
                            ("", "Type your current password"),
                            ("a guess at the password", "This is not your current password.")):
        for address in ("mallory@evil.example", ""):  # replaced, or removed
            refused = change_address(borrowed, address, password=password)
            assert refused.status_code == 422, (password, address)
            assert error in refused.text
            assert 'value="Aida"' in refused.text  # what was typed is kept
    user = fetch(mailing, User, username="aida")
    assert (user.email, user.email_verified_at is not None) == ("aida@example.org", True)
    assert outbox(mailing, MailKind.VERIFY) == []
    # The rest of the profile saves without the password, and the same
    # address in other Latin capitals stays confirmed.
    assert change_address(borrowed, "Aida@Example.org", display_name="Aida K",
                          password=None).status_code == 302
    user = fetch(mailing, User, username="aida")
    assert (user.display_name, user.email) == ("Aida K", "Aida@Example.org")
    assert user.email_verified_at is not None
    # The chain of the takeover breaks at its first step: no reset link ever
    # reaches the attacker's mailbox, and the owner's password still works.
    ask_reset(mailing.test_client(), "mallory@evil.example")
    deliver_mail(mailing)
    assert [m for m in mails(capsys) if m["To"] == "mallory@evil.example"] == []
    assert signed_in(login(mailing, "aida", PASSWORD))
    # The owner, with the password, moves the address (unconfirmed until its link).
    owner = login(mailing, "aida")
    assert change_address(owner, "aida.new@example.org").status_code == 302
    user = fetch(mailing, User, username="aida")
    assert (user.email, user.email_verified_at) == ("aida.new@example.org", None)


def test_guessing_the_password_on_the_profile_form_is_limited(production_limits):
    """The profile's password check counts like the password form's
    (RATELIMIT_PASSWORD_CHECK, per account); saves that check no password
    do not count."""
    app = production_limits
    Rows(app).user("aida", email="aida@example.org")
    borrowed = login(app, "aida")
    for _ in range(10):  # the language and name, no password: never limited
        assert change_address(borrowed, "aida@example.org", password=None).status_code == 302
    answers = [change_address(borrowed, "mallory@evil.example", password=f"guess {n}")
               for n in range(6)]
    assert [a.status_code for a in answers] == [422] * 5 + [429]
    assert "Too many attempts." in answers[-1].text
    assert 'value="mallory@evil.example"' in answers[-1].text  # what was typed is kept
    assert change_address(borrowed, "mallory@evil.example").status_code == 429  # even the right one
    assert fetch(app, User, username="aida").email == "aida@example.org"


@pytest.fixture
def production_limits(tmp_path):
    app = make_test_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", MAIL_CONSOLE=True)
    _prepare_schema(app)
    yield app
    _empty_database(app)


def test_one_stranger_address_cannot_be_mailed_again_and_again(production_limits):
    # Was a defect (now RATELIMIT_VERIFY_ADDRESS): no limit per recipient
    # address on confirmation mails. From one IP,
    # within the production limits (sign-up: 300/minute, 1000/hour), every
    # sign-up that types the victim's address queues one more "confirm your
    # address" mail to it, and each account can add 3 an hour by switching the
    # address back and forth. The site becomes a mail cannon at a stranger
    # (whose provider then marks hrdebate as spam), although the mail promises
    # "nothing will be sent to you again". The display name (attacker's text)
    # is in every one of them.
    app = production_limits
    victim = "victim@example.org"
    for n in range(20):
        browser = app.test_client()  # each a fresh browser, all from 127.0.0.1
        answer = browser.post_form("/auth/register", {
            "username": f"spam{n:02d}", "display_name": f"Call 0555 123 456 now {n}",
            "password": PASSWORD, "password_confirm": PASSWORD, "email": victim})
        assert answer.status_code == 302, answer.status_code
    one = login(app, "spam00")
    for address in ("other@example.org", victim, "other@example.org", victim):
        change_address(one, address, display_name="Call 0555 123 456 now")
    to_victim = [row for row in outbox(app, MailKind.VERIFY) if row[2] == victim]
    assert len(to_victim) <= 5, f"{len(to_victim)} confirmation mails queued to one stranger"


@pytest.mark.parametrize("confirmed, lookalike", [
    ("jens@strasse.example", "jens@stra\u00dfe.example"),  # another IDN domain
    ("jens.strasse@example.org", "jens.stra\u00dfe@example.org"),
    ("\u03c3\u03c3@example.gr", "\u03c3\u03c2@example.gr"),  # sigma, final sigma (an older row)
])
def test_an_address_that_only_casefolds_alike_is_not_already_confirmed(
        mailing, make_user, confirmed, lookalike, capsys):
    # Was a defect: set_email kept the confirmation when the new address
    # equalled the old one under str.casefold(), which maps different
    # mailboxes together ("ß" -> "ss", final sigma -> sigma; straße.example
    # and strasse.example are different domains under IDNA 2008): the
    # account's mail went to an address nobody confirmed. Now addresses are
    # ASCII (the form says so, and changes nothing), and only Latin capitals
    # count as the same address (auth.services.same_address).
    aida = make_user("aida", email=confirmed, locale="en")
    owner = login(mailing, "aida")
    for password in (PASSWORD, None):
        answer = change_address(owner, lookalike, password=password)
        assert answer.status_code == 422
        assert "Use the address in Latin letters" in answer.text
        user = fetch(mailing, User, id=aida.id)
        assert (user.email, user.email_verified_at is not None) == (confirmed, True)
    assert outbox(mailing, MailKind.VERIFY) == []
    if confirmed.isascii():  # Latin capitals only: the same mailbox, still confirmed
        assert change_address(owner, confirmed.upper(), password=None).status_code == 302
        user = fetch(mailing, User, id=aida.id)
        assert (user.email, user.email_verified_at is not None) == (confirmed.upper(), True)


def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(
        mailing, make_user):
    # Was reported as a defect: the request for a known, confirmed address
    # writes an outbox row in the request; for an unknown address it only
    # reads, and the extra INSERT and its commit take measurable time.
    # Decision (README notes of issue #13, "Password reset"): what is
    # promised, and held here, is the same answer (status, place, page,
    # headers, cookies) whether or not an account has the address, within or
    # beyond the account's mail limit. The time the request takes still
    # differs by one INSERT and its commit, under a limit of 5 requests an
    # hour per address typed and asking address; moving the lookup into the
    # worker would remove it (a reset row for "an address", no account: a
    # change to the outbox's model and composer).
    make_user("aida", email="aida@example.org")
    make_user("bek", email="bek@example.org", email_verified_at=None)  # unconfirmed: no mail

    def answer(address):
        browser = mailing.test_client()
        browser.set_cookie("lang", "en")
        browser.csrf_token()
        response = ask_reset(browser, address)
        page = browser.get(response.headers["Location"])
        headers = lambda r: sorted((k, v) for k, v in r.headers.items()  # noqa: E731
                                   if k.lower() not in ("set-cookie", "content-length"))
        cookies = lambda r: sorted(c.split("=", 1)[0]  # noqa: E731
                                   for c in r.headers.getlist("Set-Cookie"))
        return (response.status_code, response.headers["Location"], response.data,
                headers(response), cookies(response), page.status_code,
                re.sub(r"[\w-]{20,}\.[\w-]+\.[\w-]{20,}", "<csrf>", page.text))

    known = answer("aida@example.org")
    assert len(outbox(mailing, MailKind.RESET)) == 1
    assert known[0] == 302
    for other in ("nobody@example.org", "bek@example.org", "AIDA@example.org"):
        assert answer(other) == known, other
    for _ in range(5):  # beyond the account's mail limit too
        assert answer("aida@example.org") == known


def test_a_stop_link_of_a_deleted_account_does_not_act_on_the_next_account(
        app, client, make_user):
    # Was a defect on SQLite (PostgreSQL's sequences never reuse ids):
    # users.id is a plain INTEGER PRIMARY KEY, so SQLite gives the id of the
    # newest account, once deleted, to the next account made. Stop links never
    # expire and name the account by id only: whoever holds an old mail of the
    # deleted account turns off (or, with undo, on) a stranger's mail.
    gone = make_user("gone", email="gone@example.org")
    link = f"/mail/unsubscribe/{stop_token(app, gone.id, 'reminder')}"
    with app.app_context():
        db.session.delete(db.session.get(User, gone.id))
        db.session.commit()
    newcomer = make_user("newcomer", email="new@example.org")
    answer = client.post(link)
    if newcomer.id == gone.id:
        assert answer.status_code == 404, "an old stop link acted on another person"
        assert refused_kinds(app, newcomer.id) == set()
    else:
        assert answer.status_code == 404


def test_admin_mail_page_lists_no_address_even_in_a_refusal(mailing, app, client, auth,
                                                            make_user, make_club, make_event,
                                                            monkeypatch):
    # Was a defect: /admin/mail promises to list no one's address (admin/mail.py), but
    # the "Last error" column shows smtplib's refusal as is, and
    # SMTPRecipientsRefused's text is the recipient address itself.
    mailing.config["MAIL_GIVE_UP_HOURS"] = 0  # given up at once: it is listed as failed
    make_user("adil", site_role="admin")
    aida = make_user("aida", email="aida.private@example.org", display_name="Aida")
    event = make_event(make_club())
    with app.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()

    def refuse(self, message):
        raise smtplib.SMTPRecipientsRefused(
            {"aida.private@example.org": (550, b"5.1.1 <aida.private@example.org>: unknown")})
    monkeypatch.setattr("hrdebate.mail.transport.Connection.send", refuse)
    deliver_mail(mailing)
    assert outbox(mailing)[0][3] == "failed"
    auth.login("adil")
    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert "aida.private@example.org" not in page.text


def test_a_permanent_refusal_of_one_recipient_does_not_hold_up_the_batch(
        mailing, app, make_user, make_club, make_event, monkeypatch):
    # Was a defect: smtplib.SMTPException is a subclass of OSError, so the
    # ``except transport.CONNECTION_ERRORS`` (which lists OSError) catches
    # every SMTP refusal first: a 550 "no such user" for ONE address is taken
    # for "server unreachable", the mail is not failed but retried for
    # MAIL_GIVE_UP_HOURS, and every mail after it in the batch is postponed
    # too. An unconfirmed address typed at sign-up (its confirmation mail is
    # the only one sent to it) that the smart host refuses is enough to delay
    # everyone's mail, again at each attempt.
    bad = make_user("bad", email="no-such-user@example.org")
    good = make_user("good", email="good@example.org")
    event = make_event(make_club())
    with app.test_request_context():
        notify([bad.id, good.id], "event_cancelled", event_id=event.id)
        db.session.commit()

    def send(self, message):
        if message["To"] == "no-such-user@example.org":
            raise smtplib.SMTPRecipientsRefused(
                {"no-such-user@example.org": (550, b"5.1.1 user unknown")})
    monkeypatch.setattr("hrdebate.mail.transport.Connection.send", send)
    report = deliver_mail(mailing)
    statuses = {row[0]: row[3] for row in outbox(mailing)}
    assert statuses[good.id] == "sent", report
    assert statuses[bad.id] == "failed", report


# ====================================================================================
# WHAT HELD (passing tests: attacks that did not work)
# ====================================================================================

# -- enumeration through /auth/reset --------------------------------------------------

@pytest.mark.parametrize("typed", [
    "Aida@Example.org", "  aida@example.org  ", "AIDA@EXAMPLE.ORG",
    "\uff41\uff49\uff44\uff41@example.org",  # fullwidth
    "aida@\u0435xample.org",  # a Cyrillic "е" in the domain
    "aida@xn--exmple-cua.org", "aida@example.org\u200b", "nobody@example.org",
    "twice@example.org", "unconfirmed@example.org", "banned@example.org",
])
def test_reset_answers_alike_for_every_kind_of_address(mailing, make_user, typed):
    make_user("aida", email="aida@example.org")
    make_user("twice1", email="twice@example.org")
    make_user("twice2", email="twice@example.org", email_verified_at=None)
    make_user("unconf", email="unconfirmed@example.org", email_verified_at=None)
    make_user("ban", email="banned@example.org", banned=True)
    reference = mailing.test_client()
    reference.csrf_token()
    base = ask_reset(reference, "nobody-at-all@example.org")
    browser = mailing.test_client()
    browser.csrf_token()
    answer = ask_reset(browser, typed)
    assert answer.status_code in (302, 422)
    if answer.status_code == 302:
        assert answer.headers["Location"] == base.headers["Location"]
        assert answer.data == base.data
        assert sorted(h for h in answer.headers if h[0] != "Set-Cookie") is not None
        assert sorted(c.split("=", 1)[0] for c in answer.headers.getlist("Set-Cookie")) == \
            sorted(c.split("=", 1)[0] for c in base.headers.getlist("Set-Cookie"))
        assert set(answer.headers.keys()) == set(base.headers.keys())
    # Only confirmed accounts get a mail; never the unconfirmed twin.
    with mailing.app_context():
        names = {db.session.get(User, row[0]).username for row in outbox(mailing)}
    assert names <= {"aida", "twice1", "ban"}


# -- the reset link -------------------------------------------------------------------

def test_other_purposes_tokens_and_garbage_are_no_reset_links(app, client, make_user, english):
    aida = make_user("aida", email="aida@example.org")
    bad_tokens = [
        verify_token(app, aida.id, "aida@example.org"),
        stop_token(app, aida.id, "reminder"),
        reset_token(app, aida.id)[:20], "x" * 20000, "%00", "..%2F..%2Fadmin",
        "\u0430\u0438\u0434\u0430", "eyJ1IjoxfQ", "eyJ1IjoxLCJwIjoiIn0.AAAA.BBBB",
    ]
    for token in bad_tokens:
        for answer in (client.get(f"/auth/reset/{token}"),
                       set_new_password(client, f"/auth/reset/{token}")):
            assert answer.status_code in (404, 410), (token[:30], answer.status_code)
    # a reset token is no confirmation link and no stop link either
    token = reset_token(app, aida.id)
    assert client.get(f"/auth/verify/{token}").status_code == 410
    assert client.post(f"/mail/unsubscribe/{token}").status_code == 404
    assert fetch(app, User, id=aida.id).check_password(PASSWORD)


def test_a_reset_link_of_one_account_cannot_be_bent_to_another(app, client, make_user):
    aida = make_user("aida", email="aida@example.org")
    bek = make_user("bek", email="bek@example.org")
    token = reset_token(app, aida.id)
    payload, rest = token.split(".", 1)
    import base64
    import json
    forged = base64.urlsafe_b64encode(json.dumps({"u": bek.id, "p": "0" * 16}).encode())
    bent = forged.decode().rstrip("=") + "." + rest
    assert client.get(f"/auth/reset/{bent}").status_code == 410
    assert set_new_password(client, f"/auth/reset/{bent}").status_code == 410
    assert fetch(app, User, id=bek.id).check_password(PASSWORD)


def test_a_reset_link_dies_on_log_out_everywhere(app, make_user):
    make_user("aida", email="aida@example.org")
    token = reset_token(app, fetch(app, User, username="aida").id)
    owner = login(app, "aida")
    owner.post_form("/account/sessions/end")
    assert app.test_client().get(f"/auth/reset/{token}").status_code == 410


def test_the_reset_page_is_not_cached_and_leaks_no_referrer(app, client, make_user):
    aida = make_user("aida", email="aida@example.org")
    path = f"/auth/reset/{reset_token(app, aida.id)}"
    for answer in (client.get(path), set_new_password(client, path, "short"),
                   client.get("/auth/reset/garbage")):
        assert "no-store" in answer.headers["Cache-Control"]
        assert answer.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
        # nothing loaded from elsewhere: the token cannot reach another host
        assert not re.search(r'(?:src|href)="(?:https?:)?//', answer.text), answer.text[:200]
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


# -- addresses that change -------------------------------------------------------------

def test_a_pending_reset_follows_no_address_change(mailing, client, make_user, capsys):
    """Queued for old@, the account then moves to new@ (unconfirmed) before
    the worker runs: the reset goes nowhere (not to new@, not to old@), and
    neither does the old confirmation link work."""
    aida = make_user("aida", email="old@example.org", locale="en")
    old_link = f"/auth/verify/{verify_token(mailing, aida.id, 'old@example.org')}"
    ask_reset(client, "old@example.org")
    owner = login(mailing, "aida")
    capsys.readouterr()
    change_address(owner, "new@example.org")
    deliver_mail(mailing)
    sent = mails(capsys)
    assert [m["To"] for m in sent] == ["new@example.org"]  # only the confirmation
    assert "/auth/verify/" in text_of(sent[0])
    assert ("reset", "dropped") in {(row[1], row[3]) for row in outbox(mailing)}
    assert owner.get(old_link).status_code == 410
    assert owner.post_form(old_link).status_code == 410
    assert fetch(mailing, User, id=aida.id).email_verified_at is None


def test_a_confirmation_for_an_address_given_up_is_dropped(mailing, make_user, capsys):
    aida = make_user("aida", email=None, locale="en")
    owner = login(mailing, "aida")
    change_address(owner, "typo@exmaple.org")
    change_address(owner, "aida@example.org")
    capsys.readouterr()
    deliver_mail(mailing)
    assert [m["To"] for m in mails(capsys)] == ["aida@example.org"]
    typo_link = f"/auth/verify/{verify_token(mailing, aida.id, 'typo@exmaple.org')}"
    assert owner.post_form(typo_link).status_code == 410


def test_a_confirmation_page_get_and_head_change_nothing(mailing, client, make_user):
    aida = make_user("aida", email="aida@example.org", email_verified_at=None)
    link = f"/auth/verify/{verify_token(mailing, aida.id, 'aida@example.org')}"
    assert client.get(link).status_code == 200
    assert client.head(link).status_code == 200
    assert client.post(link).status_code == 400  # no CSRF token: a forged form
    assert fetch(mailing, User, id=aida.id).email_verified_at is None


# -- mail content: injection -------------------------------------------------------------

def test_what_an_attacker_types_cannot_add_headers_or_markup(mailing, app, make_user, make_club,
                                                              make_event, rows, capsys):
    evil = '<img src=x onerror=alert(1)>\r\nBcc: all@example.org\r\n\r\n<a href="//evil">x</a>'
    aida = make_user("aida", email="aida@example.org", locale="en",
                     display_name=evil[:60], email_verified_at=None)
    club = make_club(name="Club " + evil[:80])
    event = make_event(club, title=("Title " + evil)[:120], starts_in=timedelta(hours=3),
                       online_url="https://meet.example/room")
    bek = make_user("bek", email="bek@example.org", locale="en")
    rows.registration(event, bek)
    with app.app_context():
        db.session.add(OutboxMail(user_id=aida.id, kind="verify", to_address="aida@example.org"))
        db.session.add(OutboxMail(user_id=bek.id, kind="reminder", event_id=event.id))
        db.session.commit()
    with app.test_request_context():
        notify([bek.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    from hrdebate.mail.compose import compose
    with app.app_context():
        sent = [compose(mail) for mail in db.session.scalars(select(OutboxMail))]
        db.session.remove()
    assert len(sent) == 3 and all(sent)
    for message in sent:
        headers = message.as_bytes().split(b"\n\n", 1)[0]
        assert not [line for line in headers.splitlines() if line.lower().startswith(b"bcc")]
        assert "bcc" not in {name.lower() for name in message.keys()}
        assert "Bcc" not in message and message["To"] in ("aida@example.org", "bek@example.org")
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        body = html_of(message)
        assert "<img" not in body and 'href="//evil"' not in body


# -- the stop link and mail choices ----------------------------------------------------------

def test_the_stop_link_resists_prefetch_forgery_and_csrf(app, client, make_user):
    aida = make_user("aida", email="aida@example.org")
    link = f"/mail/unsubscribe/{stop_token(app, aida.id, 'reminder')}"
    assert client.get(link).status_code == 200
    assert client.head(link).status_code == 200
    assert refused_kinds(app, aida.id) == set()  # a mail scanner's GET/HEAD stops nothing
    assert client.post(link).status_code == 200
    assert refused_kinds(app, aida.id) == {"reminder"}
    assert client.post(link + "/undo").status_code == 400  # a forged undo (no CSRF token)
    assert refused_kinds(app, aida.id) == {"reminder"}
    for kind in ("reset", "verify", "nonsense", None):
        forged = f"/mail/unsubscribe/{stop_token(app, aida.id, kind)}"
        assert client.post(forged).status_code == 404
    for garbage in ("x" * 10000, "%00", "a.b.c", stop_token(app, aida.id, "reminder")[:-3] + "AAA"):
        assert client.get(f"/mail/unsubscribe/{garbage}").status_code == 404
        assert client.post(f"/mail/unsubscribe/{garbage}").status_code == 404
    with app.test_request_context():  # a payload of the wrong shape, genuinely signed
        odd = tokens.sign("unsubscribe", {"u": str(aida.id), "k": "reminder"})
        listed = tokens.serializer = None
    assert client.post(f"/mail/unsubscribe/{odd}").status_code == 404
    del listed


def test_reset_and_verify_mails_cannot_be_refused(mailing, client, make_user, capsys):
    aida = make_user("aida", email="aida@example.org", locale="en")
    signed = login(mailing, "aida")
    answer = signed.post_form("/mail/preferences", {"kind": ["reset", "verify", "nonsense",
                                                             "x" * 5000]})
    assert answer.status_code == 302
    assert refused_kinds(mailing, aida.id) <= {"reminder", "digest"} | set(
        __import__("hrdebate.models", fromlist=["NotificationKind"]).NotificationKind.values())
    assert not refused_kinds(mailing, aida.id) & {"reset", "verify", "nonsense"}
    # a signed-out POST, or one without CSRF token, changes nothing
    before = refused_kinds(mailing, aida.id)
    anonymous = mailing.test_client()
    assert anonymous.post_form("/mail/preferences", {"kind": []}).status_code == 302
    assert signed.post("/mail/preferences", data={"kind": []}).status_code == 400
    assert refused_kinds(mailing, aida.id) == before
    ask_reset(client, "aida@example.org")
    deliver_mail(mailing)
    assert any("/auth/reset/" in text_of(m) for m in mails(capsys))


# -- reminders: the online link ---------------------------------------------------------

def test_the_online_link_reaches_only_seat_holders_at_send_time(mailing, app, make_user,
                                                                make_club, make_event, rows,
                                                                capsys):
    from hrdebate.jobs import run_due
    event = make_event(make_club(), starts_in=timedelta(hours=5),
                       online_url="https://meet.example/secret-room")
    seat, waiting, quitter = (make_user(n, email=f"{n}@example.org", locale="en")
                              for n in ("seat", "waiting", "quitter"))
    rows.registration(event, seat)
    rows.registration(event, waiting, status="waitlisted")
    quit_row = rows.registration(event, quitter)
    draft = make_event(make_club(), status="draft", starts_in=timedelta(hours=5),
                       online_url="https://meet.example/draft-room")
    rows.registration(draft, seat)
    with app.app_context():
        run_due(utcnow())
        db.session.remove()
    with app.app_context():  # the seat is given up after the reminder was queued
        db.session.get(type(quit_row), quit_row.id).status = "cancelled"
        db.session.commit()
    capsys.readouterr()
    deliver_mail(mailing)
    sent = mails(capsys)
    assert [m["To"] for m in sent] == ["seat@example.org"]
    assert "secret-room" in text_of(sent[0]) and "draft-room" not in text_of(sent[0])


# -- the digest counts only what the moderator may see -------------------------------------

def test_the_digest_counts_only_the_moderators_own_clubs(mailing, app, make_user, make_club,
                                                         make_event, make_comment, capsys):
    from hrdebate.moderation.queue import waiting_for
    from hrdebate.periodic.digest import send_digests
    mod = make_user("mod", email="mod@example.org", locale="en")
    mine = make_club(moderators=[mod], slug="mine")
    theirs = make_club(slug="theirs")
    writer = make_user("writer")
    for _ in range(3):
        make_comment(make_event(theirs), writer, status="pending")
    with app.app_context():
        assert send_digests(utcnow()) == 0
        assert sum(waiting_for(db.session.get(User, mod.id)).values()) == 0
    make_comment(make_event(mine), writer, status="pending")
    with app.app_context():
        assert send_digests(utcnow()) == 1
    capsys.readouterr()
    deliver_mail(mailing)
    [digest] = mails(capsys)
    assert "1 pending comment" in text_of(digest) and "3" not in digest["Subject"]


# -- retention ----------------------------------------------------------------------------

def test_retention_keeps_unread_notifications_and_claimed_certificates(app, make_user,
                                                                       make_club, make_event,
                                                                       rows):
    from hrdebate.models import Registration
    from hrdebate.periodic.retention import apply_retention
    aida = make_user("aida", email="aida@example.org")
    event = make_event(make_club(), starts_in=-timedelta(days=400))
    claimed = rows.registration(event, source="walk_in", walk_in_name="Aida Walk-in",
                                checked_in=True, claimed_by_id=aida.id)
    nameless = rows.registration(event, source="walk_in", walk_in_name="Bek Walk-in",
                                 checked_in=True)
    with app.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.execute(db.update(Notification).values(
            created_at=utcnow() - timedelta(days=400)))
        db.session.commit()
    with app.app_context():
        apply_retention(utcnow())
        assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1
        assert db.session.get(Registration, claimed.id).walk_in_name == "Aida Walk-in"
        assert db.session.get(Registration, nameless.id).walk_in_name == ""
        assert db.session.get(Registration, nameless.id).checked_in_at is not None


# -- /admin/mail ---------------------------------------------------------------------------

def test_admin_mail_refuses_others_and_bad_ids_and_never_resends(mailing, app, make_user,
                                                                 make_club, make_event, capsys):
    make_user("adil", site_role="admin")
    make_user("mo", site_role="moderator")
    aida = make_user("aida", email="aida@example.org")
    event = make_event(make_club())
    with app.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(mailing)
    assert len(mails(capsys)) == 1
    mail_id = outbox(mailing) and fetch(mailing, OutboxMail, user_id=aida.id).id
    for who in (mailing.test_client(), login(mailing, "mo"), login(mailing, "aida")):
        assert who.get("/admin/mail").status_code in (302, 403, 404)
        assert who.post_form("/admin/mail/retry", {"mail": mail_id}).status_code in (302, 403, 404)
    admin = login(mailing, "adil")
    assert admin.post("/admin/mail/retry", data={"mail": mail_id}).status_code == 400  # no CSRF
    for bad in ("1 OR 1=1", "-1", "0", "99999999999999999999", "abc", "", "1e3"):
        assert admin.post_form("/admin/mail/retry", {"mail": bad}).status_code in (400, 404), bad
    assert admin.post_form("/admin/mail/retry", {"mail": 2**31 - 1}).status_code == 404
    assert admin.post_form("/admin/mail/retry", {"mail": mail_id}).status_code == 302  # sent
    deliver_mail(mailing)
    assert mails(capsys) == []
    assert fetch(mailing, OutboxMail, id=mail_id).status == "sent"


def test_anyone_can_lock_a_person_out_of_the_reset_for_a_day(production_limits):
    # Was a defect (now counted per address typed AND asking address): RATELIMIT_RESET_ADDRESS (5 per hour; 10 per day) counts per
    # address TYPED, "whoever asks and from wherever": ten requests for
    # victim@example.org from an attacker's machine make the victim's own
    # request, from her own network and browser, a 429 for the rest of the
    # day, and the attacker's requests used up her account's mail allowance
    # (RATELIMIT_RESET_ACCOUNT) with links that expired an hour later. A
    # person who forgot her password cannot get back in, on the attacker's
    # schedule. (Logins solve the same problem with device cookies.)
    app = production_limits
    Rows(app).user("victim", email="victim@example.org")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(10):
        ask_reset(attacker, "victim@example.org")
    victim = app.test_client()
    victim.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    victim.set_cookie("lang", "en")
    answer = ask_reset(victim, "victim@example.org")
    assert answer.status_code == 302, f"the owner is refused: {answer.status_code}"


def test_requests_from_elsewhere_do_not_use_up_the_mail_of_the_owners_device(
        production_limits):
    """The account's reset mail (RATELIMIT_RESET_ACCOUNT, 3 an hour) used up
    by requests from many addresses: the owner's own browser, where she
    logged in before, still gets its link."""
    app = production_limits
    Rows(app).user("victim", email="victim@example.org")
    phone = login(app, "victim")  # her phone knows the account (device cookie)
    phone.post_form("/auth/logout")
    phone.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for n in range(6):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        ask_reset(attacker, "victim@example.org")
    assert len(outbox(app, MailKind.RESET)) == 3  # the shared allowance is used up
    assert ask_reset(phone, "victim@example.org").status_code == 302
    assert len(outbox(app, MailKind.RESET)) == 4
    stranger = app.test_client()  # another new device: still nothing more
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    ask_reset(stranger, "victim@example.org")
    assert len(outbox(app, MailKind.RESET)) == 4


def test_nul_and_control_bytes_in_addresses_are_a_4xx(app, make_user):
    """PostgreSQL refuses NUL in a string (psycopg raises): the forms must
    refuse it first, or the request is a 500."""
    make_user("aida", email="aida@example.org")
    owner = login(app, "aida")
    for typed in ("a\x00@example.org", "aida@example.org\x00", "a\x1b@example.org",
                  "a\u202e@example.org", "a\x7f@example.org"):
        assert ask_reset(app.test_client(), typed).status_code in (302, 400, 422), repr(typed)
        answer = change_address(owner, typed)
        assert answer.status_code in (302, 400, 422), repr(typed)
        answer = app.test_client().post_form("/auth/register", {
            "username": "newbie", "display_name": "Newbie", "password": PASSWORD,
            "password_confirm": PASSWORD, "email": typed})
        assert answer.status_code in (302, 400, 422), repr(typed)
    assert "\x00" not in (fetch(app, User, username="aida").email or "")


def test_a_confirmed_address_with_capital_non_latin_letters_gets_its_reset(mailing, client,
                                                                            make_user):
    # Was a defect (on SQLite): the lookup compared SQL lower(email) with
    # Python's lower(); SQLite's lower() folds only ASCII, so an address
    # stored as "Äsel@example.org" was not found when typed in small letters.
    # Now an address is ASCII: a typed one with other letters is refused
    # with a message saying so (not mangled, not silently ignored), and Latin
    # capitals fold alike on every database. (Rows older than this rule
    # match only as stored; the profile asks their owner for a Latin address.)
    client.set_cookie("lang", "en")  # the message is read in English below
    make_user("asel", email="\u00c4sel@example.org")
    make_user("aigul", email="\u0410\u0439\u0433\u0443\u043b\u044c@example.kg")
    make_user("bek", email="Bek.Ali@Example.KG")
    for typed in ("\u00e4sel@example.org", "\u0430\u0439\u0433\u0443\u043b\u044c@example.kg"):
        answer = ask_reset(client, typed)
        assert answer.status_code == 422
        assert "Use the address in Latin letters" in answer.text
    assert outbox(mailing, MailKind.RESET) == []
    assert ask_reset(client, "bek.ali@example.kg").status_code == 302
    assert ask_reset(client, "BEK.ALI@EXAMPLE.KG").status_code == 302
    assert len(outbox(mailing, MailKind.RESET)) == 2


def test_an_address_typed_at_sign_up_cannot_jam_the_worker(mailing, app, make_user, make_club,
                                                           make_event, capsys):
    # Was a defect (forms.EMAIL_RE is now a plain addr-spec): EMAIL_RE
    # (^[^@\s]+@[^@\s]+\.[^@\s]+$) accepted RFC 5322 group
    # syntax such as "g:root;x@example.org"; compose() sets it as the To
    # header and the email package raises AttributeError ('Group' object has
    # no attribute 'local_part'). _deliver_one catches nothing but SMTP/OS
    # errors, so deliver_due stops with the exception: every mail claimed
    # after it in the batch waits for the claim to run out (10 minutes), is
    # claimed again with the poison mail, and the run crashes again -- at
    # every attempt, with no give-up. One anonymous sign-up is enough.
    # (Other addresses the regex accepts are sent somewhere else than typed:
    # "a:victim@example.org" goes to victim@example.org, "root,x@example.org"
    # to two recipients, one of them a bare local user of the relay.)
    anonymous = mailing.test_client()
    signed_up = anonymous.post_form("/auth/register", {
        "username": "poison", "display_name": "Poison", "password": PASSWORD,
        "password_confirm": PASSWORD, "email": "g:root;x@example.org"})
    assert signed_up.status_code in (302, 422)
    aida = make_user("aida", email="aida@example.org")
    event = make_event(make_club())
    with app.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    capsys.readouterr()
    try:
        deliver_mail(mailing)
    except Exception as error:  # noqa: BLE001 - the attack is the crash itself
        pytest.fail(f"the worker's delivery run crashed: {type(error).__name__}: {error}")
    assert [m["To"] for m in mails(capsys)] == ["aida@example.org"]


@pytest.mark.parametrize("typed, delivered_to", [
    ("a:victim@example.org", "victim@example.org"),
    ("postmaster,x@example.org", "postmaster"),
    ("x<victim@example.org>", "victim@example.org"),
])
def test_an_accepted_address_is_the_one_mail_goes_to(mailing, app, typed, delivered_to):
    # Was a defect (forms.EMAIL_RE is now a plain addr-spec): the address
    # check was looser than RFC 5321 and the To header is
    # parsed as RFC 5322: what the account stores and shows is not where the
    # confirmation (and later every mail) is delivered (smtplib.send_message
    # takes the recipients from the parsed To header).
    import email.utils
    anonymous = mailing.test_client()
    anonymous.post_form("/auth/register", {
        "username": "tricky", "display_name": "Tricky", "password": PASSWORD,
        "password_confirm": PASSWORD, "email": typed})
    from hrdebate.mail.compose import compose
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail)).all()
        if not rows:
            return  # refused at the form: held
        message = compose(rows[0])
        recipients = [addr for _, addr in email.utils.getaddresses([str(message["To"])])]
        db.session.remove()
    assert recipients == [typed], f"stored {typed!r}, delivered to {recipients}"


def test_a_kind_stopped_before_the_worker_sends_is_not_sent(mailing, app, client, make_user,
                                                           make_club, make_event, capsys):
    # Was a defect: the refusal is read only when the row is written (wanted()); the
    # composer does not ask again. Mail already waiting (the SMTP server down
    # for a few hours, the worker behind) still goes out after the person
    # pressed "stop" (one-click or /account/): the mail they just refused.
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club())
    with app.test_request_context():
        notify([aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    assert client.post(f"/mail/unsubscribe/{stop_token(app, aida.id, 'event_cancelled')}"
                       ).status_code == 200
    capsys.readouterr()
    deliver_mail(mailing)
    assert mails(capsys) == []
