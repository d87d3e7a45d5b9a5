"""Calendar (.ics) and Atom feeds of events, parsed back with icalendar and
an XML parser."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from tests.conftest import BASE_URL
from tests.helpers import count_queries

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


pytestmark = pytest.mark.usefixtures("english")


# -- helpers ----------------------------------------------------------------

def ics(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.text[:500]
    if status != 200:
        return None
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


def vevents(calendar):
    return calendar.walk("VEVENT")


def titles(calendar):
    return sorted(str(v["SUMMARY"]) for v in vevents(calendar))


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.data.startswith(b"<?xml")
    return ET.fromstring(response.data)


def entry_titles(feed):
    return sorted(e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry"))


def parse_rfc3339(text):
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None
    return value


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user("owner"), slug="bishkek-debaters", name="Bishkek Debaters")


# -- /events.ics --------------------------------------------------------------

def test_events_ics_lists_only_published_upcoming_events(client, club, make_event):
    make_event(club, title="Upcoming debate")
    make_event(club, title="A draft", status="draft")
    make_event(club, title="A cancelled one", status="cancelled")
    make_event(club, title="Last week", starts_in=-timedelta(days=7))
    make_event(club, title="Under way", starts_in=-timedelta(hours=1))  # ends in an hour

    response = client.get("/events.ics")
    assert response.headers["Content-Disposition"] == "inline; filename=events.ics"
    calendar = ics(client, "/events.ics")
    assert titles(calendar) == ["Under way", "Upcoming debate"]
    assert calendar["X-WR-CALNAME"]


def test_vevent_carries_what_a_calendar_needs(client, club, make_event):
    event = make_event(club, title="Women in parliament", summary="A debate on quotas.",
                       venue="AUCA, room 101", topics=["women"])
    (vevent,) = vevents(ics(client, "/events.ics"))
    url = f"{BASE_URL}/events/{event.id}"
    assert str(vevent["UID"]) == f"event-{event.id}@hrdebate"
    assert str(vevent["URL"]) == url
    assert str(vevent["LOCATION"]) == "AUCA, room 101"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["DESCRIPTION"]) == f"A debate on quotas.\n\n{url}"
    assert vevent.decoded("DTSTAMP").tzinfo is not None
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Women's rights"]
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTEND") == event.ends_at.replace(microsecond=0)


def test_start_and_end_are_in_utc_or_carry_a_time_zone(client, club, make_event):
    make_event(club)
    make_event(club, kind="moot_court")
    for vevent in vevents(ics(client, "/events.ics")):
        for name in ("DTSTART", "DTEND"):
            value = vevent.decoded(name)
            assert isinstance(value, datetime)
            assert "TZID" in vevent[name].params or value.utcoffset() == timedelta(0)
            assert value.tzinfo is not None


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=moot_court", ["Moot court in Osh"]),
    ("q=свобода слова", ["Свобода Слова в сети"]),
    ("lang=en", ["English debate"]),
    ("club=osh-moot", ["Moot court in Osh"]),
    ("topic=privacy", ["Свобода Слова в сети"]),
    ("region=osh", ["Moot court in Osh"]),
    ("kind=debate&lang=ky", []),
    ("when=past", ["Old debate"]),
])
def test_events_ics_honours_the_list_filters(client, club, make_club, make_event,
                                             query, expected):
    osh = make_club(slug="osh-moot", region="osh", city="Osh")
    make_event(club, title="Свобода Слова в сети", topics=["privacy", "expression"])
    make_event(club, title="English debate", language="en")
    make_event(osh, kind="moot_court", title="Moot court in Osh")
    make_event(club, title="Old debate", starts_in=-timedelta(days=30))
    assert titles(ics(client, f"/events.ics?{query}")) == sorted(expected)


def test_lang_on_events_ics_filters_and_keeps_the_interface_language(client, club, make_event):
    make_event(club, title="Kyrgyz debate", language="ky")
    response = client.get("/events.ics?lang=ky")
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert titles(Calendar.from_ical(response.data)) == ["Kyrgyz debate"]


def test_uid_is_stable_across_edits(app, client, club, make_event):
    from hrdebate.events.services import update_event
    from hrdebate.extensions import db
    from hrdebate.models import Event

    event = make_event(club, title="First title")
    (before,) = vevents(ics(client, "/events.ics"))
    with app.app_context():
        stored = db.session.get(Event, event.id)
        update_event(stored, {"title": "Second title",
                              "starts_at": stored.starts_at + timedelta(hours=1)}, [], by=None)
        db.session.commit()
    (after,) = vevents(ics(client, "/events.ics"))
    assert str(after["SUMMARY"]) == "Second title"
    assert str(after["UID"]) == str(before["UID"]) == f"event-{event.id}@hrdebate"
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == timedelta(hours=1)
    assert after.decoded("DTSTAMP") >= before.decoded("DTSTAMP")


def test_user_text_survives_as_text(client, club, make_event):
    title = 'Free speech & <script>alert("x")</script>\x0b'
    make_event(club, title=title, venue="Hall <b>A</b> & B", summary="Tom & Jerry; 1 < 2")
    (vevent,) = vevents(ics(client, "/events.ics"))
    assert str(vevent["SUMMARY"]) == title.rstrip("\x0b")
    assert str(vevent["LOCATION"]) == "Hall <b>A</b> & B"
    assert str(vevent["DESCRIPTION"]).startswith("Tom & Jerry; 1 < 2")

    feed = atom(client, "/events.atom")
    assert entry_titles(feed) == [title.rstrip("\x0b")]
    summary = feed.find(f"{ATOM}entry/{ATOM}summary").text
    assert "Tom & Jerry; 1 < 2" in summary and "Hall <b>A</b> & B" in summary


def test_calendar_responses_revalidate_with_an_etag(client, club, make_event):
    make_event(club)
    first = client.get("/events.ics")
    assert first.headers["ETag"].startswith('W/"')
    assert "max-age=0" in first.headers["Cache-Control"]  # browsers revalidate
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get("/events.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_calendar_name_follows_the_interface_language(client):
    calendar = ics(client, "/events.ics", headers={"Accept-Language": "en"})
    assert str(calendar["X-WR-CALNAME"]) == "hrdebate events"
    assert vevents(calendar) == []


# -- /events/<id>.ics ---------------------------------------------------------

def test_single_event_ics(client, club, make_event):
    event = make_event(club, title="Moot court", kind="moot_court")
    response = client.get(f"/events/{event.id}.ics")
    assert response.headers["Content-Disposition"] == f"inline; filename=event-{event.id}.ics"
    calendar = ics(client, f"/events/{event.id}.ics")
    (vevent,) = vevents(calendar)
    assert str(vevent["UID"]) == f"event-{event.id}@hrdebate"
    assert str(calendar["X-WR-CALNAME"]) == "Moot court"
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_single_event_ics_of_a_cancelled_event_says_so(client, club, make_event):
    event = make_event(club, status="cancelled")
    (vevent,) = vevents(ics(client, f"/events/{event.id}.ics"))
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_single_event_ics_of_a_past_event_still_works(client, club, make_event):
    event = make_event(club, starts_in=-timedelta(days=40))
    assert len(vevents(ics(client, f"/events/{event.id}.ics"))) == 1


def test_single_event_ics_of_a_draft(client, auth, make_user, make_club, make_event):
    organiser = make_user("organiser")
    make_user("citizen")
    make_user("admin", site_role="admin")
    club = make_club(owner=make_user("owner"), organisers=[organiser])
    make_club(owner=make_user("other"))  # an organiser, of another club
    draft = make_event(club, status="draft", title="Secret draft")
    url = f"/events/{draft.id}.ics"

    ics(client, url, status=404)
    for username in ("citizen", "other"):
        auth.login(username)
        ics(client, url, status=404)
        auth.logout()
    for username in ("organiser", "admin"):
        auth.login(username)
        response = client.get(url)
        assert "private" in response.headers["Cache-Control"]
        (vevent,) = vevents(ics(client, url))
        assert str(vevent["SUMMARY"]) == "Secret draft"
        assert str(vevent["STATUS"]) == "TENTATIVE"
        auth.logout()


def test_single_event_ics_of_an_unknown_event_is_404(client):
    ics(client, "/events/999999.ics", status=404)


# -- /clubs/<slug>/events.ics -------------------------------------------------

def test_club_ics_has_only_that_clubs_published_upcoming_events(client, club, make_club,
                                                               make_event):
    other = make_club(slug="naryn-club")
    make_event(club, title="Ours")
    make_event(club, title="Our draft", status="draft")
    make_event(club, title="Our cancelled", status="cancelled")
    make_event(club, title="Our past", starts_in=-timedelta(days=3))
    make_event(other, title="Theirs")

    response = client.get("/clubs/bishkek-debaters/events.ics")
    assert response.headers["Content-Disposition"] == (
        "inline; filename=bishkek-debaters-events.ics")
    calendar = ics(client, "/clubs/bishkek-debaters/events.ics", headers={"Accept-Language": "en"})
    assert titles(calendar) == ["Ours"]
    assert str(calendar["X-WR-CALNAME"]) == "Bishkek Debaters: events"
    # The club cannot be swapped for another through the query string.
    assert titles(ics(client, "/clubs/bishkek-debaters/events.ics?club=naryn-club")) == ["Ours"]
    assert titles(ics(client, "/clubs/naryn-club/events.ics")) == ["Theirs"]


def test_club_ics_of_an_unknown_club_is_404(client):
    ics(client, "/clubs/no-such-club/events.ics", status=404)


# -- /events.atom -------------------------------------------------------------

def test_atom_feed_is_valid_atom(client, club, make_event):
    events = [make_event(club, title=f"Debate {n}", topics=["women"]) for n in range(3)]
    make_event(club, title="A draft", status="draft")
    make_event(club, title="Cancelled", status="cancelled")
    make_event(club, title="Past", starts_in=-timedelta(days=3))
    feed = atom(client, "/events.atom")

    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text.startswith("urn:uuid:")
    assert feed.find(f"{ATOM}title").text
    parse_rfc3339(feed.find(f"{ATOM}updated").text)
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == f"{BASE_URL}/events.atom"
    assert links["alternate"] == f"{BASE_URL}/events/"

    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(events)
    ids = set()
    for entry in entries:
        entry_id = entry.find(f"{ATOM}id").text
        assert entry_id.startswith("urn:uuid:")
        ids.add(entry_id)
        parse_rfc3339(entry.find(f"{ATOM}updated").text)
        parse_rfc3339(entry.find(f"{ATOM}published").text)
        assert entry.find(f"{ATOM}author/{ATOM}name").text == "Bishkek Debaters"
        assert entry.find(f"{ATOM}summary").text
        assert entry.find(f"{ATOM}category").get("term") == "women"
        assert entry.get(XML_LANG) == "ru"
    assert len(ids) == len(events)
    hrefs = sorted(e.find(f"{ATOM}link").get("href") for e in entries)
    assert hrefs == sorted(f"{BASE_URL}/events/{e.id}" for e in events)
    assert entry_titles(feed) == ["Debate 0", "Debate 1", "Debate 2"]


def test_atom_entry_ids_are_stable_and_newest_published_comes_first(app, client, club,
                                                                   make_event):
    from hrdebate.events.services import update_event
    from hrdebate.extensions import db
    from hrdebate.models import Event

    old = make_event(club, title="Old news")
    new = make_event(club, title="New news", starts_in=timedelta(days=30))
    with app.app_context():
        stored = db.session.get(Event, old.id)
        stored.published_at = datetime.now(timezone.utc) - timedelta(days=2)
        db.session.commit()
    feed = atom(client, "/events.atom")
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == [
        "New news", "Old news"]
    ids = [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")]

    with app.app_context():
        update_event(db.session.get(Event, new.id), {"title": "Renamed"}, [], by=None)
        db.session.commit()
    feed = atom(client, "/events.atom")
    assert [e.find(f"{ATOM}id").text for e in feed.findall(f"{ATOM}entry")] == ids
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "Renamed"


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=civic_project", ["Ramp project"]),
    ("lang=uz", ["Ramp project"]),
    ("q=ramp", ["Ramp project"]),
    ("club=bishkek-debaters", ["A debate"]),
    ("topic=disability", ["Ramp project"]),
])
def test_atom_feed_honours_the_list_filters(client, club, make_club, make_event, query,
                                            expected):
    osh = make_club(slug="osh-school", region="osh")
    make_event(club, title="A debate")
    make_event(osh, kind="civic_project", title="Ramp project", language="uz",
               topics=["disability"])
    feed = atom(client, f"/events.atom?{query}")
    assert entry_titles(feed) == expected
    self_link = next(x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self")
    assert self_link.get("href").startswith(f"{BASE_URL}/events.atom?")


def test_empty_atom_feed_is_still_valid(client):
    feed = atom(client, "/events.atom")
    assert feed.findall(f"{ATOM}entry") == []
    parse_rfc3339(feed.find(f"{ATOM}updated").text)


# -- query budgets -------------------------------------------------------------

@pytest.mark.parametrize("url", ["/events.ics", "/events.atom",
                                 "/clubs/bishkek-debaters/events.ics"])
def test_feed_query_count_does_not_grow_with_events(app, client, club, make_event, url):
    def queries():
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    for n in range(3):
        make_event(club, topics=["women", "privacy"], starts_in=timedelta(days=n + 1))
    with_3 = queries()
    for n in range(27):
        make_event(club, topics=["children"], starts_in=timedelta(days=n + 5))
    with_30 = queries()
    assert with_3 == with_30 <= 4  # with the page cache's generations (pagecache.py)


def test_unknown_filter_values_are_ignored(client, club, make_event):
    make_event(club, title="A debate")
    url = "/events.ics?kind=party&when=someday&lang=fr&region=mars"
    assert titles(ics(client, url)) == ["A debate"]
    assert entry_titles(atom(client, "/events.atom?kind=party&when=someday")) == ["A debate"]
    ics(client, "/events/not-a-number.ics", status=404)
