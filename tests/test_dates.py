"""One date style: every date and time a person reads is written the same
way on every page, in the reader's language and in Bishkek time; machine
formats (CSV) are ISO 8601 with Bishkek's offset."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import dates

from hrdebate.extensions import db
from hrdebate.models import Notification, utcnow
from tests.helpers import page_text

BISHKEK = ZoneInfo("Asia/Bishkek")
# How CLDR writes dates in each language (English as in Britain: day first, 24 hours).
CLDR = {"ky": "ky", "ru": "ru", "uz": "uz", "en": "en_GB"}
PACKAGE = Path(__file__).resolve().parent.parent / "hrdebate"


def written(value, code, what="day"):
    """``value`` as the reader of ``code`` should read it: CLDR's long date,
    its short time, or both joined as the language joins them."""
    local = value.astimezone(BISHKEK) if isinstance(value, datetime) else value
    locale = CLDR[code]
    day = dates.format_date(local, "long", locale=locale)
    time = dates.format_time(local, "short", tzinfo=BISHKEK, locale=locale)
    if what == "day":
        return squeezed(day)
    if what == "time":
        return squeezed(time)
    glue = str(dates.get_datetime_format("medium", locale=locale))
    return squeezed(glue.replace("{1}", day).replace("{0}", time))


def squeezed(text):
    """Spaces of every kind (CLDR writes narrow no-break ones) as one space."""
    return " ".join(text.split())


def shown(html):
    return squeezed(unescape(page_text(html)))


@pytest.fixture
def dated(app, make_user, make_club, make_event, make_registration):
    """A moot court judged yesterday, a debate in three days that Aida
    registered for, a notification about it, and a check-in: each at a
    whole hour, so that the minutes do not hide a wrong time zone."""
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    aida = make_user("aida", display_name="Aida")
    organiser = make_user("nurlan")
    club = make_club(owner=organiser, name="Osh Youth", verified=True)
    moot = make_event(club, kind="moot_court", starts_in=timedelta(days=-3),
                      case_title="Asanova v. Kyrgyz Republic", judgement_outcome="Violation",
                      judgement_published_at=hour - timedelta(days=1, hours=5))
    debate = make_event(club, title="Voting at 16", starts_at=hour + timedelta(days=3, hours=7))
    make_registration(debate, aida, checked_in=hour - timedelta(hours=2))
    with app.app_context():
        db.session.add(Notification(user_id=aida.id, kind="new_event", event_id=debate.id,
                                    created_at=hour - timedelta(hours=30)))
        db.session.commit()
    return {"moot": moot, "debate": debate, "checked_in": hour - timedelta(hours=2),
            "notified": hour - timedelta(hours=30)}


@pytest.mark.parametrize("code", ["ky", "ru", "uz", "en"])
def test_a_date_reads_the_same_on_every_page(client, auth, dated, code):
    client.set_cookie("lang", code)
    auth.login("aida")
    moot, debate = dated["moot"], dated["debate"]
    judged = written(moot.judgement_published_at, code)
    starts = written(debate.starts_at, code, "day_time")

    home = shown(client.get("/").text)
    assert judged in home and starts in home
    # Not CLDR's medium format ("2026-ж., 25-ноя."), which the home page used.
    assert squeezed(dates.format_date(moot.judgement_published_at.astimezone(BISHKEK),
                                      "medium", locale=CLDR[code])) not in home
    assert judged in shown(client.get(f"/events/{moot.id}").text)
    event_page = shown(client.get(f"/events/{debate.id}").text)
    # The event page adds the day of the week to the same date and time.
    assert written(debate.starts_at, code) in event_page
    assert written(debate.starts_at, code, "time") in event_page
    assert starts in shown(client.get("/me/events").text)
    assert written(dated["notified"], code, "day_time") in shown(
        client.get("/notifications/").text)


@pytest.mark.parametrize("code", ["ky", "en"])
def test_every_time_element_is_written_by_the_date_filters(client, auth, dated, code):
    """Each <time> on these pages reads as a day, a day and time, or a
    time of its own datetime value: no page has a format of its own."""
    client.set_cookie("lang", code)
    auth.login("aida")
    seen = 0
    for url in ("/", f"/events/{dated['moot'].id}", f"/events/{dated['debate'].id}",
                "/me/events", "/notifications/"):
        html = client.get(url).text
        for value, text in re.findall(r'<time[^>]* datetime="([^"]+)"[^>]*>([^<]*)</time>', html):
            moment = (date if len(value) == 10 else datetime).fromisoformat(value)
            text = squeezed(unescape(text))
            forms = {written(moment, code, what) for what in ("day", "day_time", "time")}
            assert text in forms or any(text.endswith(f) for f in forms), (url, text)
            seen += 1
    assert seen >= 5


def test_the_attendance_csv_writes_times_in_iso_8601_with_bishkek_offset(client, auth, dated):
    auth.login("nurlan")
    response = client.get(f"/events/{dated['debate'].id}/attendance.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    checked_in = rows[0]["checked_in_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+06:00", checked_in)
    assert checked_in == dated["checked_in"].astimezone(BISHKEK).isoformat()


def test_the_personal_calendar_is_in_the_persons_language(app, client, auth, make_user,
                                                           make_club, make_event,
                                                           make_registration):
    from icalendar import Calendar

    from hrdebate.models import User
    from tests.helpers import fetch

    dilnoza = make_user("dilnoza", locale="uz")
    club = make_club(owner=make_user("nurlan"), verified=True)
    make_registration(make_event(club, topics=["women"]), dilnoza)
    auth.login("dilnoza")
    client.post_form("/me/calendar/token")
    token = fetch(app, User, id=dilnoza.id).calendar_token
    auth.logout()
    client.delete_cookie("lang")
    # A calendar app asks in English; the calendar answers in Dilnoza's Uzbek.
    body = client.get(f"/me/calendar/{token}.ics", headers={"Accept-Language": "en"}).data
    calendar = Calendar.from_ical(body)
    with app.test_request_context("/?lang=uz"):
        from hrdebate.models.topic import TOPICS

        name = str(TOPICS["women"][0])
    with app.test_request_context("/?lang=en"):
        english = str(TOPICS["women"][0])
    assert name != english
    event = next(iter(calendar.walk("VEVENT")))
    assert [str(c) for c in event["CATEGORIES"].cats] == [name]
    assert str(calendar["X-WR-CALNAME"]) != "My hrdebate events"


def test_dates_are_formatted_only_by_the_date_filters():
    """Templates write dates with |day, |day_time, |time and |month only;
    Python formats them only in timeutil (machine formats aside)."""
    others = re.compile(r"\|\s*(date|datetime|time)format\b|strftime\(")
    found = [f"{p.name}:{n}" for p in (PACKAGE / "templates").rglob("*.*")
             for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
             if others.search(line)]
    babel_formats = re.compile(r"\bformat_(date|datetime|time|skeleton)\b")
    found += [p.name for p in PACKAGE.rglob("*.py")
              if p.name != "timeutil.py" and babel_formats.search(p.read_text("utf-8"))]
    assert found == []


def test_an_event_over_several_days_shows_where_its_end_starts(client, make_user, make_club,
                                                               make_event):
    """"13 December, 11:00 – 13 March 2027, 11:00", not "11:00–13 March"."""
    club = make_club(owner=make_user("nurlan"))
    start = datetime(2026, 12, 13, 5, tzinfo=ZoneInfo("UTC"))
    event = make_event(club, title="A long project", starts_at=start,
                       ends_at=start + timedelta(days=90))
    html = client.get(f"/events/{event.id}?lang=uz").text
    assert written(start + timedelta(days=90), "uz", "day_time") in shown(html)
    assert "</time> – <time" in html
    one_day = make_event(club, title="An evening", starts_at=start, ends_at=start + timedelta(hours=2))
    html = client.get(f"/events/{one_day.id}?lang=uz").text
    assert f">{written(start + timedelta(hours=2), 'uz', 'time')}</time>" in html
    assert "</time>–<time" in html


def test_a_check_in_on_another_day_shows_its_day(client, auth, make_user, make_club, make_event,
                                                 make_registration):
    club = make_club(owner=make_user("nurlan"))
    # A civic camp of several days: a check-in on its last day shows that day.
    # (One recorded after the end is dated at the end: participation.services.)
    event = make_event(club, title="Debate", starts_in=timedelta(days=-3),
                       duration=timedelta(days=3, hours=2))
    late = utcnow().replace(minute=0, second=0, microsecond=0)
    make_registration(event, make_user("aida", display_name="Aida"), checked_in=late)
    auth.login("nurlan")
    text = shown(client.get(f"/events/{event.id}/attendance?lang=ky").text)
    assert written(late, "ky", "day_time") in text
