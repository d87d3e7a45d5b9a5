"""Second round of attacks on the mail side of issue #13: on the fixes of the
first round (strict addresses, the password for a confirmed address, the
per-recipient limit on confirmation mail, the reset stamp, the stop link's
account, mail refused after it was queued, last_error redaction, pages in
the reader's language) and on what that round did not cover (addresses
stored before the rule, a hall signing up, a worker with 1,000 mails).
A test noted "Was a defect" reproduces one this round found, fixed since."""

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hrdebate.auth import services
from hrdebate.extensions import db
from hrdebate.mail import preferences, tokens, transport
from hrdebate.mail.outbox import enqueue
from hrdebate.dbtypes import frozen_clock
from hrdebate.models import MailKind, NotificationKind, OutboxMail, User, utcnow
from hrdebate.notifications.services import notify
from hrdebate.ratelimits import DEVICE_COOKIE
from tests.conftest import PASSWORD
from tests.helpers import deliver_mail, fetch
from tests.test_attack_mail import (  # helpers and fixtures only (no test_* names)
    change_address,
    link_in,
    login,
    mails,
    outbox,
    path_of,
    production_limits,  # noqa: F401  (a fixture)
    reset_token,
    set_new_password,
    stop_token,
)


def sign_up(app, username, email, ip="127.0.0.1"):
    person = app.test_client()
    person.set_cookie("lang", "en")
    env = {"REMOTE_ADDR": ip}
    token = person.csrf_token()
    response = person.post("/auth/register", data={
        "username": username, "display_name": username.title(), "password": PASSWORD,
        "password_confirm": PASSWORD, "email": email, "csrf_token": token},
        environ_base=env)
    return person, response


def verify_rows(app, address=None):
    with app.app_context():
        query = select(OutboxMail).filter_by(kind=MailKind.VERIFY.value)
        rows = db.session.scalars(query).all()
        return [(r.user_id, r.to_address) for r in rows
                if address is None or r.to_address == address]


def store_address(app, user_id, address, confirmed=True):
    """An address written straight into the database: one stored before the
    strict rule (or by a script), as the first round's fix left them."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(
            email=address, email_verified_at=utcnow() if confirmed else None))
        db.session.commit()


def reset_works(app, token):
    with app.test_request_context():
        return services.user_for_reset(token)[1]


# ====================================================================================
# 1. The strict address rule
# ====================================================================================

REFUSED_SHAPES = [
    '"a b"@example.org', '"ab"@example.org', "a(comment)@example.org", "a@[1.2.3.4]",
    "a@[IPv6:::1]", "a@example.org.", "a.@example.org", ".a@example.org", "a..b@example.org",
    "a@b", "a@-x.org", "a@x-.org", "a@x..org", "a@" + "x" * 64 + ".org",
    "x" * 65 + "@example.org", "a\n@example.org", "a@exa\nmple.org", "a@example.org\r\nBcc: x@y.org",
    "a\x00@example.org", "\u0430@example.org",  # Cyrillic a, a confusable
    "a@ex\u0430mple.org", "a b@example.org", "a@example.org,b@example.org",
    "Aida <a@example.org>", "<a@example.org>", "a@@example.org", "a@ex_ample.org",
    "a@xn--.org", "a@\u200bexample.org", "a@example.org\u202e", "a%b@", "@example.org",
    "a@example.o\u0433g", "a@" + ".".join(["abc"] * 70),
]


@pytest.mark.parametrize("typed", REFUSED_SHAPES)
def test_every_odd_shape_of_address_is_refused_at_sign_up_with_a_4xx(app, typed):
    app.config["MAIL_CONSOLE"] = True
    person, response = sign_up(app, "shape", typed)
    assert response.status_code == 422
    assert 'value="shape"' in response.text  # the username typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert outbox(app) == []


@pytest.mark.parametrize("typed", [
    "AIDA@EXAMPLE.ORG", "a@xn--80ak6aa92e.com", "o'brien+tag@mail.example.co.uk",
    "x" * 64 + "@example.org", "a@" + "x" * 63 + ".org", "  aida@example.org  ",
])
def test_plain_addresses_are_accepted_and_mailed_exactly_where_stored(app, typed, smtp_server):
    app.config["MAIL_SERVER"] = smtp_server.host
    person, response = sign_up(app, "plain", typed)
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User.email))
    assert stored == typed.strip()
    deliver_mail(app)
    [received] = smtp_server.messages
    assert received.rcpt_tos == (stored,)


@pytest.mark.parametrize("typed", ["a@1.2.3.4", "a@example.123", "a@10.0.0.1"])
def test_an_all_numeric_domain_is_no_way_around_the_ip_literal_rule(app, typed):
    # Was a defect: forms.EMAIL_RE takes "a@1.2.3.4" (labels of digits only). It is
    # the IP literal "[1.2.3.4]" the rule refuses, written without brackets:
    # some relays resolve an all-numeric name as an address (glibc's
    # getaddrinfo does), so mail can be aimed at a host inside the network
    # (10.0.0.1). RFC 3696 s.2: a top-level domain is never all-numeric.
    # Low. Fix: the last label must hold a letter.
    app.config["MAIL_CONSOLE"] = True
    _, response = sign_up(app, "numeric", typed)
    assert response.status_code == 422


# -- addresses stored before the rule ------------------------------------------------

LEGACY = ['"john doe"@example.org', "j\u00f6hn@example.org", "a@b", "x<victim@example.org>",
          "g:root;x@example.org", "root,x@example.org"]


@pytest.mark.parametrize("legacy", LEGACY)
def test_an_older_address_never_sends_mail_elsewhere_nor_jams_the_worker(
        app, make_user, make_club, make_event, smtp_server, legacy):
    # Was a defect (for "x<victim@example.org>", "root,x@example.org"): the strict
    # rule only guards new input; recipient() and the transport still mail
    # an address stored before it, parsed as an RFC 5322 header, so
    # "x<victim@example.org>" reaches victim@example.org and
    # "root,x@example.org" a local "root" too. Medium (one stored address,
    # every notification goes to a stranger). Fix: recipient() sends only
    # to forms.is_plain_address() (drop the mail otherwise), plus a data
    # migration that unconfirms such addresses and tells the person.
    app.config["MAIL_SERVER"] = smtp_server.host
    odd = make_user("odd", email="odd@example.org", locale="en")
    store_address(app, odd.id, legacy)
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club())
    with app.test_request_context():
        notify([odd.id, aida.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    deliver_mail(app)  # must not raise
    recipients = sorted(r for m in smtp_server.messages for r in m.rcpt_tos)
    assert "aida@example.org" in recipients
    assert set(recipients) <= {"aida@example.org", legacy}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail).filter_by(
            status="pending")) == 0


@pytest.mark.parametrize("legacy", ['"john doe"@example.org', "j\u00f6hn@example.org", "a@b"])
def test_an_older_address_does_not_lock_the_rest_of_the_profile(app, make_user, legacy):
    # Was a defect: the profile form shows the stored address and then refuses it
    # ("Enter a valid email address"): a person whose confirmed address
    # predates the rule cannot change their display name or language
    # without replacing the address (and then typing the password, and
    # losing the confirmation). Low-medium. Fix: OptionalEmail accepts the
    # field's object_data unchanged (as NotImpersonating does for names).
    # (README "Known limits" says the profile asks for a Latin address at
    # the next save: intended, but it holds the name and language hostage.)
    odd = make_user("odd", email="odd@example.org", locale="en")
    store_address(app, odd.id, legacy)
    owner = login(app, "odd")
    page = owner.get("/account/")
    assert page.status_code == 200
    response = change_address(owner, legacy, display_name="Odd Person", password=None)
    assert response.status_code == 302
    assert fetch(app, User, id=odd.id).display_name == "Odd Person"


@pytest.mark.parametrize("legacy", ['"john doe"@example.org', "j\u00f6hn@example.org"])
def test_reset_for_an_older_address_answers_with_no_5xx(app, client, make_user, legacy):
    # What held: typing an older address in the reset form is a 4xx (the
    # form refuses it) or the usual answer; never a 5xx. Such a person has
    # no reset by mail (README's known limits should say so).
    app.config["MAIL_CONSOLE"] = True
    odd = make_user("odd", email="odd@example.org", locale="en")
    store_address(app, odd.id, legacy)
    response = client.post_form("/auth/reset", {"email": legacy})
    assert response.status_code in (302, 422)


# ====================================================================================
# 2. The password for an address
# ====================================================================================

def test_a_borrowed_session_can_plant_its_own_address_on_an_account_that_had_none(
        mailing, make_user, capsys):
    # Was a defect: the password is asked only to replace or remove a CONFIRMED
    # address (needs_password). An account with no address, or one still
    # unconfirmed (the usual case after sign-up), takes the attacker's
    # address from a borrowed session without any password; the attacker
    # confirms it in their own mailbox, later asks /auth/reset for it, sets
    # a password and ends every session of the owner: the account is
    # theirs, long after the phone was given back. High (account takeover
    # from a moment's access). Fix: ask the current password for ANY
    # address that would become the way back (adding or changing one too),
    # or at least before confirming an address the account did not have.
    make_user("aida", locale="en")  # no address yet
    borrowed = login(mailing, "aida")
    response = change_address(borrowed, "attacker@evil.example", password=None)
    assert response.status_code == 422, "an address became the account's way back, no password"


def test_a_moment_with_a_borrowed_phone_ends_in_the_account_taken(mailing, make_user,
                                                                  capsys):
    # Was a defect (end to end): a friend holds Aida's signed-in phone for a
    # minute and adds their address (no password was asked), then, at home,
    # confirms it, asks for a reset and sets a password: Aida was logged out
    # everywhere and her password no longer worked. Now the first step asks
    # for the password: nothing is queued, nothing changes.
    make_user("aida", locale="en")
    aida_phone = login(mailing, "aida")
    capsys.readouterr()
    assert change_address(aida_phone, "friend@evil.example", password=None).status_code == 422
    assert fetch(mailing, User, username="aida").email is None
    deliver_mail(mailing)
    assert mails(capsys) == []
    assert login(mailing, "aida").get("/account/").status_code == 200  # her password works

def test_the_same_hold_on_an_address_just_changed_and_not_yet_confirmed(mailing, make_user):
    # Was a defect (the same): the owner moves from a confirmed address to a new
    # one (typing the password); until she confirms it, whoever holds her
    # session swaps it for theirs without one.
    make_user("aida", email="aida@example.org", locale="en")
    owner = login(mailing, "aida")
    assert change_address(owner, "aida@new.example").status_code == 302
    assert change_address(owner, "attacker@evil.example", password=None).status_code == 422


@pytest.mark.parametrize("typed", ["attacker@evil.example", ""])
def test_htmx_posts_cannot_skip_the_password(mailing, make_user, typed):
    # What held: the same route, with or without htmx headers.
    aida = make_user("aida", email="aida@example.org", locale="en")
    borrowed = login(mailing, "aida")
    data = {"profile-display_name": "Aida", "profile-locale": "en", "profile-email": typed,
            "csrf_token": borrowed.csrf_token()}
    response = borrowed.post("/account/", data=data, headers={"HX-Request": "true"})
    assert response.status_code in (200, 422)
    assert fetch(mailing, User, id=aida.id).email == "aida@example.org"


def test_capitals_only_need_no_password_and_stay_confirmed(mailing, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    owner = login(mailing, "aida")
    assert change_address(owner, "Aida@Example.ORG", password=None).status_code == 302
    user = fetch(mailing, User, id=aida.id)
    assert user.email == "Aida@Example.ORG" and user.email_verified_at is not None


def test_a_wrong_password_keeps_what_was_typed(mailing, make_user):
    make_user("aida", email="aida@example.org", locale="en")
    owner = login(mailing, "aida")
    response = change_address(owner, "aida@new.example", display_name="Aida K.",
                              password="not my password")
    assert response.status_code == 422
    assert 'value="aida@new.example"' in response.text
    assert 'value="Aida K."' in response.text
    assert "not my password" not in response.text
    assert "This is not your current password." in response.text


def test_a_double_submit_of_the_change_queues_one_link_and_no_error(mailing, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    owner = login(mailing, "aida")
    assert change_address(owner, "aida@new.example").status_code == 302
    assert change_address(owner, "aida@new.example").status_code == 302
    assert verify_rows(mailing) == [(aida.id, "aida@new.example")]


# ====================================================================================
# 3. Confirmation-mail limits
# ====================================================================================

def test_a_typo_then_the_right_address_still_gets_a_link(production_limits, capsys):
    app = production_limits
    person, response = sign_up(app, "aida", "aida@exmaple.org")
    assert response.status_code == 302
    assert change_address(person, "aida@exampel.org").status_code == 302
    assert change_address(person, "aida@example.org").status_code == 302
    capsys.readouterr()
    deliver_mail(app)
    [message] = mails(capsys)
    assert message["To"] == "aida@example.org"
    confirm = person.get(path_of(link_in(message)))
    assert confirm.status_code == 200


def test_strangers_cannot_block_a_persons_own_confirmation_for_a_day(production_limits):
    # Was a defect: RATELIMIT_VERIFY_ADDRESS (3 per hour; 5 per day) counts per
    # recipient, whoever asks. Five sign-ups typing victim@example.org (from
    # anywhere: sign-up allows 300 a minute per IP) use the day up; the
    # victim then signs up with her own address and no link is queued. The
    # sign-up says nothing, and "send again" says "try again in an hour"
    # although the block lasts till tomorrow. Medium (a cheap, silent
    # denial of the confirmation, hence of reset and of all mail). Fix: count
    # the recipient per asking IP (plus a higher global cap), or let the
    # first link of each account through when the address has never been
    # confirmed by anyone; and say how long when nothing was sent. (README
    # "Known limits" documents the wait; the victim is not told it on
    # sign-up or /account/, and "send again" understates it.)
    app = production_limits
    for n in range(5):
        sign_up(app, f"troll{n}", "victim@example.org", ip="203.0.113.9")
    victim, response = sign_up(app, "victim", "victim@example.org", ip="198.51.100.7")
    assert response.status_code == 302
    with app.app_context():
        victim_id = db.session.scalar(select(User.id).filter_by(username="victim"))
    assert (victim_id, "victim@example.org") in verify_rows(app)


def test_a_person_is_told_when_a_new_address_got_no_link(production_limits):
    # Was a defect: when the limit stops the link on /account/, the page says only
    # "Your profile is saved." (services.update_profile returns False, and
    # the route flashes nothing), so the person waits for a mail that will
    # not come. Low-medium. Fix: flash the "several links lately" message
    # (with the real wait) when an address was set and no link queued.
    app = production_limits
    for n in range(3):
        sign_up(app, f"troll{n}", "victim@example.org", ip="203.0.113.9")
    victim, _ = sign_up(app, "victim", "victim@own.example", ip="198.51.100.7")
    response = change_address(victim, "victim@example.org")
    page = victim.get(response.headers["Location"])
    assert "We sent a link" in page.text or "several links" in page.text


# ====================================================================================
# 4. The reset stamp
# ====================================================================================

def test_a_reset_link_survives_what_does_not_touch_the_way_back(mailing, make_user, client):
    aida = make_user("aida", email="aida@example.org", locale="en")
    token = reset_token(mailing, aida.id)
    other_device = login(mailing, "aida")  # a login elsewhere
    other_device.post_form("/mail/preferences", {"kind": ["reply"]})  # choices saved
    other_device.post_form("/language/ru")
    assert reset_works(mailing, token)
    response = set_new_password(client, f"/auth/reset/{token}")
    assert response.status_code == 302


def test_a_reset_link_survives_a_change_of_capitals_only(mailing, make_user):
    # Was a defect: the stamp hashes user.email as stored, so "aida@example.org" ->
    # "Aida@Example.org" (the same mailbox, kept confirmed, no password
    # asked) kills a link the owner just asked for. Low (she asks again).
    # Fix: hash the address folded like same_address (ASCII lower()).
    aida = make_user("aida", email="aida@example.org", locale="en")
    token = reset_token(mailing, aida.id)
    owner = login(mailing, "aida")
    assert change_address(owner, "Aida@Example.org", password=None).status_code == 302
    assert reset_works(mailing, token)


def test_a_reset_link_dies_with_the_password_and_with_a_new_confirmation(mailing, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    before = reset_token(mailing, aida.id)
    owner = login(mailing, "aida")
    # removed (password typed), then given again and confirmed again
    assert change_address(owner, "").status_code == 302
    assert change_address(owner, "aida@example.org").status_code == 302
    with mailing.test_request_context(), frozen_clock(utcnow() + timedelta(minutes=5)):
        user = db.session.get(User, aida.id)
        services.confirm_email(user)  # confirmed again, minutes later
        db.session.commit()
    assert not reset_works(mailing, before)
    again = reset_token(mailing, aida.id)
    assert owner.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": "a long new passphrase here",
        "pw-password_confirm": "a long new passphrase here"}).status_code == 302
    assert not reset_works(mailing, again)


# ====================================================================================
# 5. Reset limits and device cookies
# ====================================================================================

def test_a_forged_or_foreign_device_cookie_gets_no_allowance_of_its_own(production_limits):
    app = production_limits
    from tests.factories import Rows
    rows = Rows(app)
    victim = rows.user("aida", email="aida@example.org", locale="en")
    rows.user("mallory", email="mallory@evil.example", locale="en")
    for n in range(3):  # the shared bucket of unknown devices, used up
        asker = app.test_client()
        asker.post("/auth/reset", data={"email": "aida@example.org",
                                        "csrf_token": asker.csrf_token()},
                   environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    assert len(outbox(app, MailKind.RESET)) == 3
    # mallory's own, genuine device cookie
    mallory = login(app, "mallory")
    # a cookie made up, and one signed with another key
    from itsdangerous import URLSafeSerializer
    from hrdebate.ratelimits import login_target
    with app.test_request_context():
        target = login_target("aida")
    forged = URLSafeSerializer("not the key", salt="known-device").dumps(
        {"id": "x", "targets": [target]})
    for n, browser in enumerate([mallory, app.test_client(), app.test_client()]):
        if n == 1:
            browser.set_cookie(DEVICE_COOKIE, forged)
        if n == 2:
            browser.set_cookie(DEVICE_COOKIE, "garbage.garbage")
        browser.post("/auth/reset", data={"email": "aida@example.org",
                                          "csrf_token": browser.csrf_token()},
                     environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    assert len(outbox(app, MailKind.RESET)) == 3
    assert victim.id


# ====================================================================================
# 6. The stop link
# ====================================================================================

def test_a_stop_link_from_before_the_account_time_was_in_it(app, client, make_user):
    # Decision recorded: a link made before the "c" (creation time) was
    # added is a 404 now. Acceptable: the change landed before issue #13's
    # mail was released (no such mail exists outside development); had it
    # shipped, old mails would have dead stop links and RFC 8058 one-click
    # requests would fail, so from_link would need to accept "c"-less
    # tokens made before a cut-off date.
    aida = make_user("aida", email="aida@example.org", locale="en")
    with app.test_request_context():
        old = tokens.sign("unsubscribe", {"u": aida.id, "k": "reply"})
    assert client.get(f"/mail/unsubscribe/{old}").status_code == 404
    assert client.post(f"/mail/unsubscribe/{old}").status_code == 404


def test_a_stop_link_speaks_the_account_language_for_that_request_only(app, make_user):
    # What held: the page of a stop link is in the account's language on a
    # device with none chosen (the token is a secret the reader already
    # holds, so telling its language leaks nothing new); the next request
    # of the same device falls back to its Accept-Language, and no cookie
    # is set.
    aida = make_user("aida", email="aida@example.org", locale="uz")
    token = stop_token(app, aida.id, "reply")
    browser = app.test_client()
    page = browser.get(f"/mail/unsubscribe/{token}", headers={"Accept-Language": "ru"})
    assert page.status_code == 200 and 'lang="uz"' in page.text
    assert "lang" not in {c.key for c in browser._cookies.values()}
    after = browser.get("/privacy", headers={"Accept-Language": "ru"})
    assert 'lang="ru"' in after.text


# ====================================================================================
# 7. Mail refused after it was queued
# ====================================================================================

@pytest.mark.parametrize("kind", NotificationKind.values())
def test_every_notification_kind_refused_after_queueing_is_not_sent(mailing, make_user,
                                                                   make_club, make_event,
                                                                   client, capsys, kind):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club())
    with mailing.test_request_context():
        notify([aida.id], kind, event_id=event.id)
        db.session.commit()
    assert len(outbox(mailing)) == 1
    assert client.post(f"/mail/unsubscribe/{stop_token(mailing, aida.id, kind)}").status_code == 200
    capsys.readouterr()
    deliver_mail(mailing)
    assert mails(capsys) == []
    assert [row[3] for row in outbox(mailing)] == ["dropped"]


def test_a_reminder_refused_after_queueing_is_not_sent(mailing, make_user, make_club,
                                                       make_event, make_registration, client,
                                                       capsys):
    aida = make_user("aida", email="aida@example.org", locale="en")
    bek = make_user("bek", email="bek@example.org", locale="en")
    event = make_event(make_club(), starts_in=timedelta(hours=12))
    make_registration(event, aida)
    make_registration(event, bek)
    with mailing.test_request_context():
        enqueue(aida.id, MailKind.REMINDER, event_id=event.id)
        enqueue(bek.id, MailKind.REMINDER, event_id=event.id)
        db.session.commit()
    client.post(f"/mail/unsubscribe/{stop_token(mailing, aida.id, 'reminder')}")
    capsys.readouterr()
    deliver_mail(mailing)
    assert [m["To"] for m in mails(capsys)] == ["bek@example.org"]


def test_a_digest_refused_after_queueing_is_not_sent(mailing, make_user, make_club,
                                                     make_event, make_comment, client, capsys):
    mod1 = make_user("mod1", email="mod1@example.org", locale="en", site_role="moderator")
    mod2 = make_user("mod2", email="mod2@example.org", locale="en", site_role="moderator")
    author = make_user("author")
    make_comment(make_event(make_club()), author, status="pending", held_for="pre_moderation")
    with mailing.test_request_context():
        enqueue(mod1.id, MailKind.DIGEST)
        enqueue(mod2.id, MailKind.DIGEST)
        db.session.commit()
    client.post(f"/mail/unsubscribe/{stop_token(mailing, mod1.id, 'digest')}")
    capsys.readouterr()
    deliver_mail(mailing)
    assert [m["To"] for m in mails(capsys)] == ["mod2@example.org"]


# ====================================================================================
# 8. last_error redaction
# ====================================================================================

@pytest.mark.parametrize("error, secret", [
    (smtplib.SMTPRecipientsRefused({"victim@example.org": (550, b"5.1.1 <victim@example.org>")}),
     "victim"),
    (smtplib.SMTPRecipientsRefused({"j\u00f6hn@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444":
                                    (550, "5.1.1 <j\u00f6hn@\u043f\u0440\u0438\u043c\u0435\u0440"
                                          ".\u0440\u0444> unknown".encode())}),
     "hn@"),
    (smtplib.SMTPDataError(550, b"5.7.1 mail for VICTIM@EXAMPLE.ORG refused"), "VICTIM"),
    (smtplib.SMTPRecipientsRefused({'"john doe"@example.org':
                                    (550, b'5.1.1 <"john doe"@example.org> unknown')}),
     "john doe"),
    (smtplib.SMTPDataError(550, b"5.1.1 user victim%example.org@relay.example unknown"),
     "victim"),
    (smtplib.SMTPDataError(550, b"5.1.1 recipient=victim@example.org; unknown"), "victim"),
])
def test_last_error_names_no_address_in_any_shape(error, secret):
    # Was a defect for the quoted local part: transport._ADDRESS stops at '"', so
    # '"john doe"@example.org' (a legacy address, or one a server quotes)
    # reaches /admin/mail whole. Low (stored addresses only; the rule
    # refuses new quoted ones). Fix: match a quoted-string local part too
    # ("..."@domain), or redact everything around an "@" up to whitespace
    # after a '<' or quote.
    described = transport.describe(error)
    assert secret not in described, described


# ====================================================================================
# 9. Crowds
# ====================================================================================

def test_a_hall_of_300_signs_up_with_addresses_from_one_ip_in_a_minute(production_limits):
    app = production_limits
    statuses = [sign_up(app, f"student{n}", f"student{n}@example.org")[1].status_code
                for n in range(300)]
    assert statuses == [302] * 300
    assert len(verify_rows(app)) == 300


def test_a_worker_with_1000_mails_while_people_refuse_kinds(mailing, make_user, make_club,
                                                             make_event, capsys):
    import time
    people = [make_user(f"p{n}", email=f"p{n}@example.org", locale="en") for n in range(100)]
    event = make_event(make_club())
    kinds = ["event_cancelled", "event_changed", "new_event", "reply", "organiser_message"]
    with mailing.test_request_context():
        for kind in kinds:
            for _ in range(2):
                notify([p.id for p in people], kind, event_id=event.id)
        db.session.commit()
    assert len(outbox(mailing)) == 1000
    # every other person refuses two kinds after the mail was written
    with mailing.test_request_context():
        for p in people[::2]:
            preferences.refuse(p.id, "event_cancelled")
            preferences.refuse(p.id, "reply")
        db.session.commit()
    capsys.readouterr()
    started = time.monotonic()
    deliver_mail(mailing)
    took = time.monotonic() - started
    sent = mails(capsys)
    assert len(sent) == 1000 - 50 * 2 * 2  # 50 people, 2 kinds, 2 mails of each
    statuses = [row[3] for row in outbox(mailing)]
    assert statuses.count("dropped") == 200 and statuses.count("pending") == 0
    print(f"1000 mails (800 sent, 200 dropped) took {took:.1f}s")
    assert took < 120, f"1000 mails took {took:.1f}s"


def test_a_kind_refused_while_its_batch_is_being_sent_is_not_sent(mailing, make_user,
                                                                  make_club, make_event,
                                                                  monkeypatch, capsys):
    # Was a defect: still_wanted() is asked when the batch is composed
    # (_compose_batch writes all MAIL_BATCH mails first), not when each one
    # leaves: a "stop" pressed while the batch goes out (a slow server: up
    # to half of MAIL_CLAIM_SECONDS) does not stop the mail already
    # composed. Low (a window of seconds to minutes). Fix: ask
    # still_wanted (one query for the batch's remaining users) right before
    # each send, or compose each mail just before sending it.
    from hrdebate.models import MailOptOut
    aida = make_user("aida", email="aida@example.org", locale="en")
    bek = make_user("bek", email="bek@example.org", locale="en")
    event = make_event(make_club())
    with mailing.test_request_context():
        notify([aida.id, bek.id], "event_cancelled", event_id=event.id)
        db.session.commit()
    real_send = transport.Connection.send
    calls = []

    def send_and_bek_refuses(self, message):
        real_send(self, message)
        if not calls:  # after the first mail left, Bek presses "stop" in his mail program
            with db.engine.begin() as connection:
                connection.execute(MailOptOut.__table__.insert().values(
                    user_id=bek.id, kind="event_cancelled"))
        calls.append(message["To"])

    monkeypatch.setattr(transport.Connection, "send", send_and_bek_refuses)
    capsys.readouterr()
    with mailing.app_context():
        deliver_mail(mailing)
    assert calls == ["aida@example.org"], calls


@pytest.mark.parametrize("url", ["/auth/reset", "/auth/register"])
def test_a_huge_or_binary_address_is_a_4xx(app, url):
    # What held: no 5xx for 100,000 characters, bytes that are no UTF-8
    # (a lone surrogate's) or a NUL in the address. (Werkzeug keeps bytes
    # that are no UTF-8 as their %-escapes, so "a%ED%B2%80@example.org" is
    # then a plain ASCII address, accepted as such: no browser sends it.)
    from urllib.parse import quote
    for typed in ["a" * 100_000 + "%40example.org", "a%ED%B2%80%40example.org",
                  "a%FF%40example.org", "a%40example.org%00"]:
        browser = app.test_client()
        body = (f"csrf_token={browser.csrf_token()}&username=huge&display_name=Huge"
                f"&password={quote(PASSWORD)}&password_confirm={quote(PASSWORD)}&email={typed}")
        response = browser.post(url, data=body,
                                content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (typed[:20], response.status_code)
        if response.status_code == 302 and url == "/auth/register":
            with app.app_context():
                stored = db.session.scalar(select(User.email).filter_by(username="huge"))
                assert stored is None or stored.isascii()
                db.session.execute(User.__table__.delete())
                db.session.commit()


def test_a_mailbox_the_account_left_cannot_turn_its_mail_on_and_off(mailing, make_user,
                                                                    client):
    # Was a defect: a stop link never expires and names only the account and kind,
    # so whoever reads a mailbox the account has left (a former employer's,
    # a shared family one) keeps stopping, and with "undo" turning on again,
    # the mail now going to the new address, forever. The reset stamp's
    # rule ("a mailbox the account has left has no power over it") is not
    # the stop link's. Low (a nuisance; no access to the account). Fix: put
    # a short digest of the address (ASCII-folded) in the stop token and
    # 404 when it no longer matches.
    aida = make_user("aida", email="aida@old-employer.example", locale="en")
    old_link = f"/mail/unsubscribe/{stop_token(mailing, aida.id, 'reply')}"
    owner = login(mailing, "aida")
    assert change_address(owner, "aida@home.example").status_code == 302
    with mailing.test_request_context():
        services.confirm_email(db.session.get(User, aida.id))
        db.session.commit()
    assert client.post(old_link).status_code == 404


def test_a_family_sharing_one_address_all_get_their_links(production_limits):
    # Was a defect: addresses are not unique on purpose ("a family one address",
    # accounts_with_address), but RATELIMIT_VERIFY_ADDRESS (3 an hour, 5 a
    # day) counts per recipient whoever asks: the fourth child of a family
    # signing up together (or the fourth pupil a teacher registers with the
    # school's address) gets no link for an hour, the sixth for a day, told
    # nothing. Low (the trade-off with the mail cannon the limit stops).
    # Fix: the same as for the stranger's block (count per asking IP, a
    # higher global cap, and tell the person).
    app = production_limits
    for n in range(4):
        sign_up(app, f"child{n}", "mum@example.org", ip="198.51.100.7")
    assert len(verify_rows(app, "mum@example.org")) == 4
