"""Events: list and filters, the event page, the organiser's workflow."""

import re
from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.models import ClubFollow, Event, Notification, utcnow
from tests.conftest import BASE_URL
from tests.helpers import count_queries, fetch

HTMX = {"HX-Request": "true"}


def en(client, url, **kwargs):
    """GET in English. On /events/, ?lang= filters events instead (DESIGN §6)."""
    return client.get(url, headers={"Accept-Language": "en"}, **kwargs)


@pytest.fixture
def people(make_user, make_club):
    """An organiser's club, another club, and the people around them."""
    organiser = make_user("organiser")
    other_organiser = make_user("other_org")
    citizen = make_user("citizen")
    admin = make_user("admin", site_role="admin")
    club = make_club(owner=organiser, slug="auca", region="bishkek", verified=True)
    other_club = make_club(owner=other_organiser, slug="osh", region="osh_city")
    return {"organiser": organiser, "other_org": other_organiser, "citizen": citizen,
            "admin": admin, "club": club, "other_club": other_club}


def form_data(**overrides):
    data = {
        "kind": "debate", "title": "Lower the voting age?", "summary": "An Oxford debate.",
        "description": "Come *early*.", "starts_at": "2030-05-01T18:00",
        "ends_at": "2030-05-01T20:00", "venue": "AUCA, room 301", "region": "bishkek",
        "language": "ru", "capacity": "40", "topics": ["participation", "children"],
        "motion": "This house would lower the voting age to 16", "debate_format": "oxford",
        "proposition_team": "AUCA A", "proposition_speakers": "Aida\nBek",
    }
    data.update(overrides)
    return data


# -- the list ----------------------------------------------------------------

def test_list_shows_public_upcoming_events_only(client, people, make_event):
    club = people["club"]
    make_event(club, title="Upcoming debate")
    make_event(club, title="Secret draft", status="draft")
    make_event(club, title="Old debate", starts_in=timedelta(days=-30))
    make_event(club, title="Called off", status="cancelled")
    text = en(client, "/events/").text
    assert "Upcoming debate" in text and "Called off" in text
    assert "Secret draft" not in text and "Old debate" not in text
    past = client.get("/events/?when=past").text
    assert "Old debate" in past and "Upcoming debate" not in past


def test_list_fragment_for_htmx(client, people, make_event):
    make_event(people["club"], title="Upcoming debate")
    response = client.get("/events/?kind=debate", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="results"' in response.text
    assert "Upcoming debate" in response.text
    assert "HX-Request" in response.headers["Vary"]
    boosted = client.get("/events/", headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_filters_combine(client, people, make_event):
    club, other = people["club"], people["other_club"]
    make_event(club, kind="debate", title="A debate in Bishkek", topics=["women"], language="ky")
    make_event(club, kind="moot_court", title="A moot court in Bishkek", topics=["fair-trial"])
    make_event(other, kind="debate", title="A debate in Osh", region="osh_city", language="uz",
               topics=["women"])

    def titles(query):
        text = client.get(f"/events/?{query}").text
        return {t for t in ("A debate in Bishkek", "A moot court in Bishkek", "A debate in Osh")
                if t in text}

    assert titles("kind=debate") == {"A debate in Bishkek", "A debate in Osh"}
    assert titles("kind=debate&region=osh_city") == {"A debate in Osh"}
    assert titles("topic=women") == {"A debate in Bishkek", "A debate in Osh"}
    assert titles("topic=women&lang=ky") == {"A debate in Bishkek"}
    assert titles("club=auca") == {"A debate in Bishkek", "A moot court in Bishkek"}
    assert titles("club=auca&kind=moot_court&topic=fair-trial") == {"A moot court in Bishkek"}
    assert titles("kind=civic_project") == set()
    # Unknown values are ignored rather than breaking the page.
    assert len(titles("kind=party&region=mars&when=soon")) == 3


def test_lang_filters_events_without_switching_the_interface(client, people, make_event):
    make_event(people["club"], title="Кыргызча дебат", language="ky")
    response = client.get("/events/?lang=ky", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in response.text
    assert "Кыргызча дебат" in response.text
    # The switcher comes back to the same filtered list.
    assert 'formaction="/language/ru"' in response.text
    assert 'name="next" value="/events/?lang=ky"' in response.text
    switched = client.post_form("/language/ru", {"next": "/events/?lang=ky"})
    assert switched.status_code == 302 and switched.location == "/events/?lang=ky"
    assert '<html lang="ru">' in client.get("/events/?lang=ky").text


@pytest.mark.parametrize("query", ["свобода слова", "СВОБОДА", "Слова в", "internet", "INTERNET"])
def test_search_folds_case_in_cyrillic_and_latin(client, people, make_event, query):
    make_event(people["club"], title="Свобода Слова в Internet: где граница?")
    make_event(people["club"], title="Other event")
    text = client.get("/events/", query_string={"q": query}).text
    assert "Свобода Слова в Internet" in text and "Other event" not in text


def test_search_covers_motion_and_case_title(client, people, make_event):
    make_event(people["club"], title="Debate one", motion="Бул палата ала качууну токтотот")
    make_event(people["club"], kind="moot_court", title="Moot one", case_title="Осмонова v. Кыргызстан")
    assert "Debate one" in client.get("/events/", query_string={"q": "АЛА КАЧУУ"}).text
    assert "Moot one" in client.get("/events/", query_string={"q": "осмонова"}).text
    assert "Moot one" not in client.get("/events/", query_string={"q": "100%"}).text


def test_pagination_and_empty_state(client, people, make_event):
    for n in range(23):
        make_event(people["club"], title=f"Event number {n:02d}", starts_in=timedelta(days=n + 1))
    first = en(client, "/events/").text
    assert "Event number 00" in first and "Event number 20" not in first
    assert 'rel="next"' in first
    second = en(client, "/events/?page=2").text
    assert "Event number 20" in second and "Event number 00" not in second
    empty = en(client, "/events/?q=nothing-like-this").text
    assert "No events match these filters." in empty


# -- the event page ------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 404), ("citizen", 404), ("other_org", 404), ("organiser", 200), ("admin", 200),
])
def test_drafts_are_seen_by_their_organisers_only(client, auth, people, make_event, who, status):
    event = make_event(people["club"], status="draft", title="Draft debate")
    if who:
        auth.login(who)
    assert client.get(f"/events/{event.id}").status_code == status
    assert client.get(f"/events/{event.id}", headers=HTMX).status_code == status


def test_event_page_shows_every_detail(client, people, make_event):
    event = make_event(
        people["club"], title="Voting age", capacity=40, topics=["participation"],
        starts_at=utcnow().replace(year=2031, month=3, day=1, hour=12, minute=0, second=0,
                                   microsecond=0),
        duration=timedelta(hours=2), venue="AUCA, room 301", proposition_team="AUCA A",
        proposition_speakers="Aida\nBek", description="Bring **questions**. <script>x()</script>",
    )
    text = client.get(f"/events/{event.id}?lang=en").text
    assert "18:00" in text and "20:00" in text  # 12:00 UTC is 18:00 in Bishkek
    assert "AUCA, room 301" in text and "40 seats" in text
    assert "This house would lower the voting age to 16" in text
    assert "<li>Aida</li>" in text and "AUCA A" in text
    assert "<strong>questions</strong>" in text and "<script>x()" not in text
    assert f'/events/{event.id}.ics' in text
    assert f'property="og:url" content="{BASE_URL}/events/{event.id}"' in text
    assert "Participation in government" in text


def test_event_page_fragment(client, people, make_event):
    event = make_event(people["club"])
    response = client.get(f"/events/{event.id}", headers=HTMX)
    assert "<html" not in response.text and 'id="event"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_unverified_club_is_labelled(client, people, make_event):
    event = make_event(people["other_club"])
    assert "Club not yet verified" in client.get(f"/events/{event.id}?lang=en").text
    assert "Club not yet verified" in en(client, "/events/").text


# -- creating and editing ------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("citizen", 403), ("other_org", 403), ("organiser", 200), ("admin", 200),
])
def test_new_event_permissions(client, auth, people, who, status):
    if who:
        auth.login(who)
    assert client.get("/events/new?club=auca").status_code == status
    response = client.post_form("/events/new?club=auca", form_data())
    assert response.status_code == (302 if status in (200, 302) else status)
    assert client.get("/events/new?club=nope").status_code == (302 if who is None else 404)


@pytest.mark.parametrize("code", ["uz", "ky"])
def test_a_new_event_is_in_the_organisers_language_until_changed(client, auth, people, code):
    """An Uzbek organiser's draft is not saved as Kyrgyz unnoticed."""
    auth.login("organiser")
    html = client.get(f"/events/new?club=auca&lang={code}").text
    assert re.search(rf'<option selected value="{code}">|<option value="{code}" selected>', html)


@pytest.mark.parametrize("starts_at", ["2030-05-01T18:00", "2030-05-01T18:00:00",
                                       "2030-05-01T18:00:00.000"])
def test_organiser_creates_a_draft_in_bishkek_time(app, client, auth, people, starts_at):
    """Some browsers send seconds in a datetime-local field: the same time."""
    auth.login("organiser")
    response = client.post_form("/events/new?club=auca", form_data(starts_at=starts_at))
    assert response.status_code == 302
    event = fetch(app, Event, title="Lower the voting age?")
    assert event.status == "draft" and event.club_id == people["club"].id
    assert event.starts_at.isoformat() == "2030-05-01T12:00:00+00:00"
    assert event.capacity == 40 and event.proposition_speakers == "Aida\nBek"
    with app.app_context():
        assert sorted(t.slug for t in db.session.get(Event, event.id).topics) == [
            "children", "participation"]
    assert "<em>early</em>" in event.description_html


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "This field is required"),
    ({"ends_at": "2030-05-01T17:00"}, "The end must be after the start."),
    ({"motion": ""}, "required for this kind of event"),
    ({"kind": "moot_court"}, "required for this kind of event"),
    ({"kind": "party"}, "Not a valid choice"),
    ({"region": "mars"}, "Not a valid choice"),
    ({"capacity": "0"}, "Number must be between 1 and 100000."),
    ({"starts_at": "tomorrow"}, "Not a valid datetime value"),
    ({"topics": ["astrology"]}, "not a valid choice"),
    ({"venue": "", "online_url": ""}, "Give a venue, an online link, or both."),
    ({"online_url": "javascript:alert(1)"}, "Invalid URL"),
])
def test_bad_event_input_is_refused(app, client, auth, people, change, message):
    auth.login("organiser")
    response = client.post_form("/events/new?club=auca&lang=en", form_data(**change))
    assert response.status_code == 422
    assert message in response.text
    assert fetch(app, Event, club_id=people["club"].id) is None
    assert 'value="AUCA, room 301"' in response.text or change.get("venue") == ""


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("citizen", 403), ("other_org", 403), ("organiser", 200), ("admin", 200),
])
def test_edit_permissions(client, auth, people, make_event, who, status):
    event = make_event(people["club"])
    if who:
        auth.login(who)
    assert client.get(f"/events/{event.id}/edit").status_code == status


def test_edit_keeps_local_times_and_saves(app, client, auth, people, make_event):
    event = make_event(people["club"], starts_at=utcnow().replace(
        year=2031, month=1, day=10, hour=10, minute=0, second=0, microsecond=0))
    auth.login("organiser")
    page = client.get(f"/events/{event.id}/edit").text
    assert 'value="2031-01-10T16:00"' in page
    response = client.post_form(f"/events/{event.id}/edit", form_data(title="Renamed"))
    assert response.status_code == 302
    assert fetch(app, Event, id=event.id).title == "Renamed"
    bad = client.post_form(f"/events/{event.id}/edit", form_data(title=""))
    assert bad.status_code == 422
    assert fetch(app, Event, id=event.id).title == "Renamed"


def test_changing_kind_keeps_the_other_kinds_fields(app, client, auth, people, make_event):
    """Moot court -> civic project -> moot court loses no case: what the form
    holds of every kind is stored; the page shows only the kind's own."""
    moot = {"kind": "moot_court", "case_title": "Doe v. Kyrgyzstan", "facts": "The facts.",
            "legal_questions": "Q1\nQ2", "instruments": ["iccpr", "crc"],
            "applicant_team": "AUCA", "respondent_team": "KNU", "bench": "Judge A\nJudge B"}
    event = make_event(people["club"], kind="debate")
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/edit", form_data(**moot)).status_code == 302
    form = client.get(f"/events/{event.id}/edit").text
    civic = {**moot, "kind": "civic_project", "goal": "A ramp for the school"}
    assert client.post_form(f"/events/{event.id}/edit", form_data(**civic)).status_code == 302
    saved = fetch(app, Event, id=event.id)
    assert saved.kind == "civic_project" and saved.goal == "A ramp for the school"
    assert saved.case_title == "Doe v. Kyrgyzstan" and saved.bench == "Judge A\nJudge B"
    page = client.get(f"/events/{event.id}?lang=en").text
    assert "Doe v. Kyrgyzstan" not in page and "A ramp for the school" in page
    # The edit form brings the stored case back, as the browser sends it again.
    assert "Doe v. Kyrgyzstan" in form
    assert client.post_form(f"/events/{event.id}/edit",
                            form_data(**{**civic, "kind": "moot_court"})).status_code == 302
    back = fetch(app, Event, id=event.id)
    assert back.kind == "moot_court" and back.facts == "The facts."
    assert back.legal_questions == "Q1\nQ2" and back.instruments == "iccpr,crc"
    assert back.applicant_team == "AUCA" and back.respondent_team == "KNU"
    assert back.goal == "A ramp for the school"
    assert "Doe v. Kyrgyzstan" in client.get(f"/events/{event.id}?lang=en").text


def test_publish_notifies_followers(app, client, auth, people, make_event):
    event = make_event(people["club"], status="draft")
    with app.app_context():
        db.session.add(ClubFollow(user_id=people["citizen"].id, club_id=people["club"].id))
        db.session.commit()
    auth.login("citizen")
    assert client.post_form(f"/events/{event.id}/publish").status_code == 404
    auth.logout()
    auth.login("organiser")
    assert client.post_form(f"/events/{event.id}/publish").status_code == 302
    assert fetch(app, Event, id=event.id).status == "published"
    note = fetch(app, Notification, user_id=people["citizen"].id)
    assert note.kind == "new_event" and note.event_id == event.id
    # Publishing twice (a double click) answers like the first and tells nobody again.
    response = client.post_form(f"/events/{event.id}/publish?lang=en", follow_redirects=True)
    assert "The event is published." in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1
    # A cancelled event cannot be published: refused with a message, not an error.
    client.post_form(f"/events/{event.id}/cancel", {"reason": "rain"})
    response = client.post_form(f"/events/{event.id}/publish?lang=en", follow_redirects=True)
    assert "Only a draft can be published." in response.text


def test_cancel_needs_the_organiser_and_notifies(app, client, auth, people, make_event):
    event = make_event(people["club"])
    with app.app_context():
        db.session.add(ClubFollow(user_id=people["citizen"].id, club_id=people["club"].id))
        db.session.commit()
    auth.login("other_org")
    assert client.post_form(f"/events/{event.id}/cancel", {"reason": "x"}).status_code == 403
    auth.logout()
    auth.login("organiser")
    assert "Yes, cancel the event" in client.get(f"/events/{event.id}/cancel?lang=en").text
    assert client.post_form(f"/events/{event.id}/cancel", {"reason": "Rain"}).status_code == 302
    assert fetch(app, Event, id=event.id).status == "cancelled"
    assert fetch(app, Notification, user_id=people["citizen"].id).kind == "event_cancelled"
    auth.logout()
    auth.login("citizen")
    page = client.get("/notifications/?lang=en").text
    assert "has been cancelled" in page
    assert "Notifications (1 new)" in client.get("/?lang=en").text
    client.post_form("/notifications/read")
    assert "Notifications (1 new)" not in client.get("/?lang=en").text


def test_cancelled_event_stays_visible_with_a_label(client, people, make_event):
    event = make_event(people["club"], status="cancelled")
    response = client.get(f"/events/{event.id}?lang=en")
    assert response.status_code == 200 and "Cancelled" in response.text


def test_notifications_need_login(client):
    assert client.get("/notifications/").status_code == 302


# -- query budgets ---------------------------------------------------------------------

def _statements(app, client, url):
    with count_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_query_counts_do_not_grow_with_events(app, client, people, make_event, make_user):
    def fill(n):
        for i in range(n):
            make_event(people["club"], kind=("debate", "moot_court", "civic_project")[i % 3],
                       topics=["women", "children"], starts_in=timedelta(days=i + 1))

    fill(10)
    debate = make_event(people["club"], kind="debate")
    civic = make_event(people["club"], kind="civic_project")
    urls = ["/events/", "/events/?topic=women&kind=debate", f"/events/{debate.id}",
            f"/events/{civic.id}"]
    small = [_statements(app, client, url) for url in urls]
    fill(190)
    large = [_statements(app, client, url) for url in urls]
    assert small == large
    assert max(large) <= 7, large  # 7: the page cache's generations (pagecache.py)


# -- the fixed lists and the kinds --------------------------------------------------------

def test_fixed_lists_keep_their_stored_values():
    from hrdebate.models.event import (
        DebateFormat,
        EventKind,
        EventStatus,
        Instrument,
        MilestoneStatus,
        VoteChoice,
        VotePhase,
        VotingState,
    )
    from hrdebate.models.registration import RegistrationStatus, Source

    assert EventKind.values() == ("debate", "moot_court", "civic_project")
    assert EventStatus.values() == ("draft", "published", "cancelled")
    assert DebateFormat.values() == ("oxford", "karl_popper", "british_parliamentary", "other")
    assert Instrument.values() == ("udhr", "iccpr", "icescr", "cedaw", "crc", "crpd", "cat",
                                   "constitution_kg", "other")
    assert MilestoneStatus.values() == ("planned", "in_progress", "done")
    assert VotePhase.values() == ("before", "after")
    assert VoteChoice.values() == ("for", "against", "undecided")
    assert VotingState.values() == ("before_open", "before_closed", "after_open", "closed")
    assert RegistrationStatus.values() == ("registered", "waitlisted", "cancelled")
    assert Source.values() == ("online", "walk_in")
    checks = {str(getattr(c, "sqltext", "")) for c in Event.__table__.constraints}
    assert "kind IN ('debate', 'moot_court', 'civic_project')" in checks


def test_every_kind_has_its_form_section_and_its_page_part(app):
    """Adding a kind: the enumeration and KIND_FIELDS (model), a section of
    EventForm (form), and templates/events/_<kind>.html (page)."""
    from hrdebate.events.forms import KIND_SECTIONS, EventForm
    from hrdebate.models.event import KIND_FIELDS, EventKind

    assert set(KIND_FIELDS) == set(KIND_SECTIONS) == set(EventKind)
    with app.test_request_context():
        form = EventForm(meta={"csrf": False})
        sections = form.kind_sections()
        assert [kind for kind, _legend, _fields in sections] == list(EventKind)
        for kind, _legend, fields in sections:
            assert [f.name for f in fields] == list(KIND_FIELDS[kind])
            app.jinja_env.get_template(f"events/_{kind}.html")
            assert all(hasattr(Event, name) for name in KIND_FIELDS[kind])


def test_the_form_requires_the_first_field_of_the_chosen_kind(app):
    from hrdebate.events.forms import EventForm
    from hrdebate.models.event import KIND_FIELDS, EventKind

    with app.test_request_context(method="POST", data={"kind": "moot_court"}):
        form = EventForm(meta={"csrf": False})
        form.validate()
        required = KIND_FIELDS[EventKind.MOOT_COURT][0]
        assert form[required].errors
        assert not form[KIND_FIELDS[EventKind.DEBATE][0]].errors
