"""Host header poisoning (issue #9, DESIGN §8): every absolute link, in mail,
feeds, canonical and og:url, certificates and the check-in QR code, starts
with the configured BASE_URL, never with the request's Host (or
X-Forwarded-Host) header; a request for a host the site does not serve is
refused with 400.

The test client asks for ``localhost``, a trusted host that is not the base
URL's (tests/conftest.py sets ``https://hrdebate.test``): a link taken from
the request would show."""

import html
import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno
from icalendar import Calendar

from hrdebate import create_app
from hrdebate.errors import MESSAGES
from hrdebate.extensions import db
from hrdebate.models import Comment, User
from hrdebate.notifications.services import notify
from tests.conftest import BASE_URL, PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.helpers import deliver_mail, fetch

EVIL = {"Host": "evil.example"}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def people(make_user, make_club):
    owner = make_user("owner", display_name="Owner Olga")
    victim = make_user("victim", display_name="Vera", email="vera@example.org", locale="en")
    mallory = make_user("mallory", display_name="Mallory")
    club = make_club(owner=owner, moderation_mode="post", slug="auca", name="AUCA Debate Club")
    return {"owner": owner, "victim": victim, "mallory": mallory, "club": club}


@pytest.fixture
def thread(app, people, make_event, make_comment):
    """Vera, who gave an email address, commented on a debate; mail is on."""
    app.config["MAIL_CONSOLE"] = True
    event = make_event(people["club"], title="Votes at 16")
    comment = make_comment(event, people["victim"], "I think so")
    return {"event": event, "comment": comment}


def reply(client, thread, **kwargs):
    return client.post_form(f"/events/{thread['event'].id}/comments",
                            {"body": "Have you seen this?", "parent_id": thread["comment"].id},
                            **kwargs)


def mails(app, capsys) -> list[str]:
    deliver_mail(app)
    return capsys.readouterr().err.split("--- email ---")[1:]


def comment_count(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Comment))


# -- unknown hosts are refused -------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/", "/events/", "/events.atom", "/events.ics", "/privacy", "/no-such-page",
    "/static/css/site.css", "/healthz",
])
def test_a_request_for_an_unknown_host_is_refused(client, path):
    response = client.get(path, headers={**EVIL, "Accept-Language": "en"})
    assert response.status_code == 400
    assert "Bad request" in response.text
    assert "evil.example" not in response.text
    assert response.headers["Content-Security-Policy"]  # still our hardened answer


def test_the_refusal_is_translated_and_leads_to_the_real_site(app, client):
    response = client.get("/events/", headers={**EVIL, "Accept-Language": "ky"})
    with app.test_request_context("/?lang=ky"):
        title = str(MESSAGES[400][0])
    assert title != "Bad request" and title in response.text
    assert f'href="{BASE_URL}/"' in response.text


def _token_through(client, headers) -> str:
    """The CSRF token of a page fetched with ``headers``, or "" if refused."""
    match = re.search(r'"X-CSRFToken": "([^"]+)"',
                      html.unescape(client.get("/privacy", headers=headers).text))
    return match.group(1) if match else ""


def test_a_reply_through_an_unknown_host_is_refused_and_mails_nothing(app, client, thread,
                                                                      capsys):
    """Mallory, signed in through Host: evil.example, replies to Vera, so that
    Vera's mail would say "All your notifications: http://evil.example/..."."""
    client.post("/auth/login", headers=EVIL, data={
        "username": "mallory", "password": PASSWORD, "csrf_token": _token_through(client, EVIL)})
    response = client.post(f"/events/{thread['event'].id}/comments", headers=EVIL, data={
        "body": "Have you seen this?", "parent_id": thread["comment"].id,
        "csrf_token": _token_through(client, EVIL)})
    assert response.status_code == 400
    assert comment_count(app) == 1
    assert mails(app, capsys) == []


def test_a_post_without_a_token_from_an_unknown_host_is_a_400_not_a_crash(client):
    response = client.post("/auth/login", data={"username": "x", "password": "y"},
                           headers=EVIL)
    assert response.status_code == 400
    assert "evil.example" not in response.text


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "hrdebate.test"])
def test_trusted_hosts_are_served(client, host):
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


# -- behind a proxy --------------------------------------------------------------

@pytest.fixture
def proxied(tmp_path):
    """The site behind one proxy (PROXY_COUNT=1), which sets X-Forwarded-*."""
    folder = tmp_path / "proxied"
    folder.mkdir()
    app = make_test_app(folder, PROXY_COUNT=1)
    _prepare_schema(app)
    yield app
    _empty_database(app)


def test_behind_a_proxy_a_forged_forwarded_host_is_refused(proxied):
    client = proxied.test_client()
    forged = client.get("/events/", headers={"X-Forwarded-Host": "evil.example"})
    assert forged.status_code == 400 and "evil.example" not in forged.text
    real = client.get("/events/", headers={"X-Forwarded-Host": "hrdebate.test",
                                           "X-Forwarded-Proto": "https"})
    assert real.status_code == 200


def test_without_a_proxy_a_forwarded_host_is_ignored(client, people, make_event):
    event = make_event(people["club"])
    response = client.get(f"/events/{event.id}", headers={"X-Forwarded-Host": "evil.example"})
    assert response.status_code == 200
    assert "evil.example" not in response.text
    assert f'property="og:url" content="{BASE_URL}/events/{event.id}"' in response.text


# -- every absolute link comes from BASE_URL -------------------------------------------

def test_a_notification_mail_links_to_the_base_url(app, client, auth, thread, capsys):
    auth.login("mallory")
    with reply(client, thread) as response:  # mail leaves once the answer is sent
        assert response.status_code == 302
    (mail,) = mails(app, capsys)
    assert "To: vera@example.org" in mail
    assert f"All your notifications: {BASE_URL}/notifications/" in mail
    assert "http://localhost" not in mail


def test_mail_sent_outside_a_request_links_to_the_base_url(app, people, thread, capsys):
    """A job run from the command line has no request and no Host at all."""
    with app.app_context():
        notify([people["victim"].id], "event_cancelled", event_id=thread["event"].id)
        db.session.commit()
    (mail,) = mails(app, capsys)
    assert f"All your notifications: {BASE_URL}/notifications/" in mail


def test_the_notification_centre_links_to_the_base_url(app, client, auth, thread):
    auth.login("mallory")
    reply(client, thread)
    auth.logout()
    auth.login("victim")
    page = client.get("/notifications/").text
    links = re.findall(r'href="([^"]*/events/\d[^"]*)"', page)
    comment = thread["comment"]
    assert links == [f"{BASE_URL}/events/{thread['event'].id}#comment-{comment.id + 1}"]


def test_canonical_og_url_and_share_link_use_the_base_url(client, people, make_event):
    event = make_event(people["club"])
    page = client.get(f"/events/{event.id}").text
    url = f"{BASE_URL}/events/{event.id}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert f'id="share-link" value="{url}"' in page
    assert "http://localhost" not in page


def test_calendars_link_to_the_base_url(client, people, make_event):
    event = make_event(people["club"])
    url = f"{BASE_URL}/events/{event.id}"
    for path in ("/events.ics", f"/events/{event.id}.ics", "/clubs/auca/events.ics"):
        (vevent,) = Calendar.from_ical(client.get(path).data).walk("VEVENT")
        assert str(vevent["URL"]) == url
        assert str(vevent["DESCRIPTION"]).endswith(url)
        assert "localhost" not in str(vevent["UID"])


def test_the_atom_feed_links_to_the_base_url(client, people, make_event):
    event = make_event(people["club"])
    feed = ET.fromstring(client.get("/events.atom?kind=debate").data)
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": f"{BASE_URL}/events.atom?kind=debate",
                     "alternate": f"{BASE_URL}/events/?kind=debate"}
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"{BASE_URL}/events/{event.id}"


def test_the_personal_calendar_links_to_the_base_url(app, client, auth, people, make_event,
                                                     make_registration):
    event = make_event(people["club"])
    make_registration(event, people["victim"])
    auth.login("victim")
    client.post_form("/me/calendar/token")
    token = fetch(app, User, username="victim").calendar_token
    feed_url = f"{BASE_URL}/me/calendar/{token}.ics"
    assert f'id="feed-url" value="{feed_url}"' in client.get("/me/events").text
    (vevent,) = Calendar.from_ical(client.get(feed_url).data).walk("VEVENT")
    assert str(vevent["URL"]) == f"{BASE_URL}/events/{event.id}"


def test_the_certificate_check_link_uses_the_base_url(client, auth, people, make_event,
                                                      make_registration):
    from datetime import timedelta

    event = make_event(people["club"], starts_in=-timedelta(days=2))
    make_registration(event, people["victim"], checked_in=True)
    auth.login("victim")
    page = client.get(f"/events/{event.id}/certificate").text
    code = re.search(r'<code class="certificate-code">([A-Z0-9]+)</code>', page).group(1)
    assert f"{BASE_URL}/certificates/{code}" in page
    assert "localhost" not in page


def test_the_check_in_qr_code_holds_the_base_url(app, client, auth, people, make_event):
    event = make_event(people["club"])
    auth.login("owner")
    svg = client.get(f"/events/{event.id}/checkin.svg").data
    code = fetch(app, type(event), id=event.id).checkin_code
    expected = io.BytesIO()
    segno.make(f"{BASE_URL}/events/{event.id}/checkin?code={code}", error="m").save(
        expected, kind="svg", scale=8, border=2, xmldecl=False)
    assert svg == expected.getvalue()


# -- the settings ------------------------------------------------------------------

def _app(tmp_path, **config):
    return create_app({"TESTING": True, "SECRET_KEY": "test",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'settings.sqlite'}",
                       **config})


@pytest.mark.parametrize("value, expected", [
    ("https://hrdebate.kg", "https://hrdebate.kg"),
    ("https://HRDebate.KG/", "https://hrdebate.kg"),
    ("https://hrdebate.kg:443/", "https://hrdebate.kg"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://localhost:8080/", "http://localhost:8080"),
])
def test_the_base_url_is_normalised(tmp_path, value, expected):
    assert _app(tmp_path, BASE_URL=value).config["BASE_URL"] == expected


@pytest.mark.parametrize("value", [
    "hrdebate.kg", "ftp://hrdebate.kg", "https://", "https:///events/",
    "https://hrdebate.kg/?a=1", "https://hrdebate.kg/#top", "https://user:pw@hrdebate.kg",
    "https://hrdebate.kg/debates", "https://hrde bate.kg", "https://hrdebate.kg:99999",
    "https://hrdebate.kg:0", "", 42,
])
def test_a_wrong_base_url_stops_the_start(tmp_path, value):
    with pytest.raises(ValueError, match="BASE_URL"):
        _app(tmp_path, BASE_URL=value)


def test_the_default_base_url_is_make_run_s(tmp_path, monkeypatch):
    monkeypatch.delenv("HRDEBATE_BASE_URL", raising=False)
    monkeypatch.delenv("HRDEBATE_TRUSTED_HOSTS", raising=False)
    app = _app(tmp_path)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_the_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HRDEBATE_BASE_URL", "https://www.hrdebate.kg/")
    monkeypatch.setenv("HRDEBATE_TRUSTED_HOSTS", '["hrdebate.kg"]')
    app = _app(tmp_path)
    assert app.config["BASE_URL"] == "https://www.hrdebate.kg"
    # A list of one's own replaces the loopback names; the base URL's host is always in.
    assert app.config["TRUSTED_HOSTS"] == ["hrdebate.kg", "www.hrdebate.kg"]
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "hrdebate.kg"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "www.hrdebate.kg"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "localhost"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "evil.hrdebate.kg"}).status_code == 400


def test_a_leading_dot_trusts_every_subdomain(tmp_path):
    app = _app(tmp_path, BASE_URL="https://hrdebate.kg", TRUSTED_HOSTS=[".hrdebate.kg"])
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "ky.hrdebate.kg"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "hrdebate.kg.evil.example"}).status_code == 400


@pytest.mark.parametrize("value", [
    "hrdebate.kg", ["https://hrdebate.kg"], [""], [42], ["hrdebate.kg/x"], ["*"],
])
def test_wrong_trusted_hosts_stop_the_start(tmp_path, value):
    with pytest.raises(ValueError, match="TRUSTED_HOSTS"):
        _app(tmp_path, TRUSTED_HOSTS=value)
