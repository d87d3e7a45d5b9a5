"""Mail a person can refuse: the "Mail" section of /account/, and the link
at the foot of each mail (List-Unsubscribe, one click per RFC 8058)."""

import re

import pytest
from sqlalchemy import func, select

from hrdebate.extensions import db
from hrdebate.mail import preferences, tokens
from hrdebate.models import MailOptOut, NotificationKind, OutboxMail, User
from hrdebate.notifications.services import notify
from tests.helpers import console_mails, deliver_mail, fetch

pytestmark = pytest.mark.usefixtures("english")


def _notify(app, user_id, kind, event_id):
    with app.test_request_context():
        notify([user_id], kind, event_id=event_id)
        db.session.commit()


def _outbox(app, user_id):
    with app.app_context():
        stmt = select(func.count()).select_from(OutboxMail).where(OutboxMail.user_id == user_id)
        return db.session.scalar(stmt)


def _refused(app, user_id):
    with app.app_context():
        return preferences.refused(user_id)


def _token(app, user_id, kind):
    with app.app_context():
        return preferences.stop_token(db.session.get(User, user_id), kind)


# -- the link at the foot of a mail -----------------------------------------------------

def test_one_click_from_a_real_mail_stops_that_kind_only(app, mailing, make_user, make_club,
                                                         make_event, capsys):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club(), title="Votes at 16")
    _notify(app, aida.id, "event_cancelled", event.id)
    deliver_mail(app)
    [mail] = console_mails(capsys)
    header = mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https://hrdebate\.test/mail/unsubscribe/[^>]+)>", header).group(1)

    # A mail program's request: no cookies, no CSRF token, only the RFC 8058 body.
    program = app.test_client()
    response = program.post(url.removeprefix("https://hrdebate.test"),
                            data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert _refused(app, aida.id) == {"event_cancelled"}

    before = _outbox(app, aida.id)
    _notify(app, aida.id, "event_cancelled", event.id)
    assert _outbox(app, aida.id) == before  # that kind: nothing written
    _notify(app, aida.id, "event_changed", event.id)
    assert _outbox(app, aida.id) == before + 1  # another kind still comes
    deliver_mail(app)
    [changed] = console_mails(capsys)
    assert "changed its time or place" in changed.get_body(("plain",)).get_content()


def test_double_post_is_fine_and_get_changes_nothing(app, client, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    url = f"/mail/unsubscribe/{_token(app, aida.id, 'reply')}"
    page = client.get(url)
    assert page.status_code == 200 and "Someone replies to your comment" in page.text
    client.head(url)
    assert _refused(app, aida.id) == set()
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MailOptOut)) == 1


def test_undo_on_the_done_page_allows_the_kind_again(app, client, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    url = f"/mail/unsubscribe/{_token(app, aida.id, 'reminder')}"
    done = client.post(url)
    assert "Undo" in done.text and _refused(app, aida.id) == {"reminder"}
    assert client.post(url + "/undo").status_code == 400  # no CSRF token: refused
    assert _refused(app, aida.id) == {"reminder"}
    again = client.post_form(url + "/undo")
    assert again.status_code == 200 and "receive this kind of mail again" in again.text
    assert _refused(app, aida.id) == set()


def test_a_token_of_one_person_cannot_touch_another(app, client, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    bek = make_user("bek", email="bek@example.org")
    token = _token(app, aida.id, "reply")
    payload, signature = token.rsplit(".", 1)[0], token.rsplit(".", 1)[1]
    forged = _token(app, bek.id, "reply").rsplit(".", 1)[0] + "." + signature
    other_salt = None
    with app.app_context():
        other_salt = tokens.sign("reset", {"u": bek.id, "k": "reply"})
    for bad in (forged, token[:-2] + "xx", other_salt, "nonsense", payload):
        response = client.post(f"/mail/unsubscribe/{bad}")
        assert response.status_code == 404, bad
        assert "Page not found" in response.text
        assert client.get(f"/mail/unsubscribe/{bad}").status_code == 404
        assert client.post_form(f"/mail/unsubscribe/{bad}/undo").status_code == 404
    assert _refused(app, aida.id) == _refused(app, bek.id) == set()


def test_a_kind_that_cannot_be_refused_is_404(app, client, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    for kind in ("reset", "verify", "whatever"):
        assert client.post(f"/mail/unsubscribe/{_token(app, aida.id, kind)}").status_code == 404
    assert _refused(app, aida.id) == set()


def test_the_404_is_translated(app, client, make_user):
    client.set_cookie("lang", "ru")
    response = client.get("/mail/unsubscribe/nonsense")
    assert response.status_code == 404 and "Page not found" not in response.text


# -- /account/#mail ------------------------------------------------------------------------

def _boxes(page):
    return dict(re.findall(r'<input type="checkbox" name="kind" value="([a-z_]+)" '
                           r'id="mail-[a-z_]+"( checked)?>', page))


def test_every_refusable_kind_has_a_label_in_a_group():
    grouped = [kind for _, kinds in preferences.GROUPS for kind, _ in kinds]
    assert sorted(grouped) == sorted(preferences.REFUSABLE)
    assert len(set(grouped)) == len(grouped)


def test_account_lists_each_kind_checked_and_saves_without_javascript(app, client, auth,
                                                                      make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    auth.login("aida")
    page = client.get("/account/").text
    assert 'id="mail"' in page
    boxes = _boxes(page)
    assert set(boxes) == set(preferences.REFUSABLE) - {"digest"}  # aida moderates nothing
    assert all(boxes.values())  # everything is sent until refused
    keep = [kind for kind in boxes if kind not in ("reply", "new_event")]
    response = client.post_form("/mail/preferences", {"kind": keep})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/?mail=saved#mail")
    assert _refused(app, aida.id) == {"reply", "new_event"}
    page = client.get(response.headers["Location"]).text
    # Said inside the section the page opens at, not among the flashes at the top.
    section = page[page.index('id="mail"'):]
    assert "Your mail choices are saved." in section
    assert "Your mail choices are saved." not in client.get("/account/").text
    boxes = _boxes(page)
    assert boxes["reply"] == "" and boxes["new_event"] == "" and boxes["reminder"]
    # Everything back on.
    client.post_form("/mail/preferences", {"kind": list(preferences.REFUSABLE)})
    assert _refused(app, aida.id) == set()


def test_saving_needs_csrf_and_a_login(app, client, auth, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    assert client.post_form("/mail/preferences", {}).status_code == 302  # to log in
    auth.login("aida")
    assert client.post("/mail/preferences", data={}).status_code == 400
    assert _refused(app, aida.id) == set()
    # Made-up kinds are ignored; the digest, not shown to aida, is left alone.
    client.post_form("/mail/preferences", {"kind": ["nonsense", "reply"]})
    assert "reply" not in _refused(app, aida.id)
    assert "digest" not in _refused(app, aida.id) and "reminder" in _refused(app, aida.id)


def test_digest_is_offered_to_people_who_moderate(app, client, auth, make_user, make_club):
    make_user("mod", site_role="moderator", email="m@example.org")
    club_mod = make_user("clubmod", email="c@example.org")
    make_club(moderators=[club_mod])
    for name in ("mod", "clubmod"):
        auth.login(name)
        assert "digest" in _boxes(client.get("/account/").text), name
        auth.logout()


def test_a_refused_digest_stays_visible_to_take_it_back(app, client, auth, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    with app.app_context():
        preferences.refuse(aida.id, "digest")
        db.session.commit()
    auth.login("aida")
    assert _boxes(client.get("/account/").text)["digest"] == ""


def test_without_a_confirmed_address_the_section_says_so(app, client, auth, make_user):
    make_user("aida", email="aida@example.org", email_verified_at=None)
    make_user("bek")
    for name in ("aida", "bek"):
        auth.login(name)
        page = client.get("/account/").text
        assert "No mail reaches you until you confirm an email address" in page, name
        auth.logout()
    make_user("cholpon", email="c@example.org")
    auth.login("cholpon")
    assert "No mail reaches you" not in client.get("/account/").text


def test_a_refusal_on_the_account_stops_the_mail(app, mailing, client, auth, make_user,
                                                 make_club, make_event, capsys):
    aida = make_user("aida", email="aida@example.org", locale="en")
    event = make_event(make_club())
    auth.login("aida")
    keep = [kind for kind in preferences.REFUSABLE if kind != "event_cancelled"]
    client.post_form("/mail/preferences", {"kind": keep})
    _notify(app, aida.id, "event_cancelled", event.id)
    _notify(app, aida.id, "waitlist_promoted", event.id)
    deliver_mail(app)
    mails = console_mails(capsys)
    assert len(mails) == 1 and "seat freed up" in mails[0]["Subject"]
    assert fetch(app, User, username="aida").email == "aida@example.org"


def test_every_notification_kind_is_refusable():
    assert set(NotificationKind.values()) < set(preferences.REFUSABLE)


def test_a_stopped_kind_says_so_and_offers_the_undo(app, client, make_user):
    aida = make_user("aida", email="aida@example.org", locale="en")
    url = f"/mail/unsubscribe/{_token(app, aida.id, 'reply')}"
    assert "already stopped" not in client.get(url).text
    client.post(url)
    page = client.get(url).text
    assert "already stopped" in page and "Undo" in page


def test_the_pages_are_valid_html(app, client, auth, make_user, tmp_path):
    from tests.test_html import _errors, _java

    java = _java()
    aida = make_user("aida", site_role="moderator", email="aida@example.org", locale="en")
    url = f"/mail/unsubscribe/{_token(app, aida.id, 'reply')}"
    pages = {"ask": client.get(url), "stopped": client.post(url),
             "already": client.get(url), "allowed": client.post_form(url + "/undo")}
    auth.login("aida")
    pages["account"] = client.get("/account/")
    for name, response in pages.items():
        assert response.status_code == 200, name
        (tmp_path / f"{name}.html").write_text(response.text, "utf-8")
    assert _errors(java, tmp_path) == []


@pytest.mark.parametrize("locale", ["ky", "uz"])
def test_the_stop_page_speaks_the_mails_language_on_a_device_that_chose_none(
        app, client, make_user, locale):
    """A phone whose browser asks for English, no language chosen on the site,
    nobody signed in: the page opened from a Kyrgyz or Uzbek mail is in the
    reader's language, and so is the page its button leads to. A language
    the device chose (the cookie) still wins."""
    from tests.helpers import catalog

    heading = catalog(locale)["Stop this kind of mail"].string
    aida = make_user("aida", email="aida@example.org", locale=locale)
    url = f"/mail/unsubscribe/{_token(app, aida.id, 'reply')}"
    client.delete_cookie("lang")  # this module's pages are read in English otherwise
    english = {"Accept-Language": "en"}
    assert heading in client.get(url, headers=english).text
    assert heading in client.post(url, headers=english).text
    client.set_cookie("lang", "ru")
    assert heading not in client.get(url, headers=english).text
