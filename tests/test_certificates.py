"""Certificates: only for attendees of finished events, an unguessable and
stable code, public verification, revocation by the event's club."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hrdebate.certificates import services
from hrdebate.extensions import db
from hrdebate.models import Registration, User, utcnow
from hrdebate.models.codes import CODE_ALPHABET
from tests.conftest import BASE_URL
from tests.helpers import count_queries, fetch, page_text

PAST = timedelta(days=-2)


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def people(make_user, make_club):
    organiser = make_user("organiser")
    other_organiser = make_user("other_org")
    make_user("citizen")
    make_user("admin", site_role="admin")
    aida = make_user("aida_login", display_name="Aida K.")
    club = make_club(owner=make_user(), organisers=[organiser], slug="auca",
                     name="AUCA Debate Club")
    make_club(owner=other_organiser, slug="osh")
    return {"aida": aida, "club": club}


@pytest.fixture
def attended(app, people, make_event, make_registration):
    """Aida attended a debate that ended two days ago; returns the event."""
    event = make_event(people["club"], title="Lower the voting age?", starts_in=PAST,
                       topics=["education", "participation"])
    make_registration(event, people["aida"], checked_in=True)
    return event


def certificate_code(page):
    return re.search(r'<code class="certificate-code">([A-Z0-9]+)</code>', page).group(1)


def issued(client, auth, event, username="aida_login"):
    """Open the certificate as its holder; return its code, logged out."""
    auth.login(username)
    response = client.get(f"/events/{event.id}/certificate")
    assert response.status_code == 200
    auth.logout()
    return certificate_code(response.text)


# -- who has a certificate -----------------------------------------------------------------

def test_attendee_of_a_finished_event_gets_a_printable_certificate(app, client, auth, people,
                                                                   make_event, make_registration):
    # 20:00 UTC is 02:00 the next day in Bishkek.
    starts = datetime(2024, 3, 14, 20, 0, tzinfo=UTC)
    event = make_event(people["club"], kind="moot_court", title="Applicant v. Kyrgyzstan",
                       starts_at=starts, topics=["education"])
    make_registration(event, people["aida"], checked_in=True)
    auth.login("aida_login")
    response = client.get(f"/events/{event.id}/certificate")
    assert response.status_code == 200
    page = response.text
    code = certificate_code(page)
    text = page_text(page)
    assert "Certificate of participation" in text and "Aida K." in text
    assert "Applicant v. Kyrgyzstan" in text and "AUCA Debate Club" in text
    assert "Moot court" in text and "Right to education" in text
    assert "15 March 2024" in text and "14 March 2024" not in text
    assert f"{BASE_URL}/certificates/{code}" in text
    assert re.search(r'<link rel="stylesheet" href="/static/css/print.css[^"]*" media="print">',
                     page)
    assert "aida_login" not in page


@pytest.mark.parametrize("case", [
    "no_show", "waitlisted", "cancelled", "not_ended", "event_cancelled", "someone_else",
])
def test_no_certificate_for_others(app, client, auth, people, make_event, make_user, case,
                                   make_registration):
    aida = people["aida"]
    starts_in = timedelta(hours=-1) if case == "not_ended" else PAST
    status = "cancelled" if case == "event_cancelled" else "published"
    event = make_event(people["club"], starts_in=starts_in, status=status)
    if case == "no_show":
        make_registration(event, aida, checked_in=False)
    elif case in ("waitlisted", "cancelled"):
        make_registration(event, aida, status=case, checked_in=True)
    elif case == "someone_else":
        make_registration(event, make_user(), checked_in=True)
    else:
        make_registration(event, aida, checked_in=True)
    auth.login("aida_login")
    assert client.get(f"/events/{event.id}/certificate").status_code == 404
    assert client.get("/events/999999/certificate").status_code == 404


def test_certificate_needs_login(client, attended):
    response = client.get(f"/events/{attended.id}/certificate")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_code_is_unguessable_and_stable(app, client, auth, people, make_event, make_user,
                                        attended, make_registration):
    first = issued(client, auth, attended)
    assert issued(client, auth, attended) == first
    assert len(first) >= 16 and set(first) <= set(CODE_ALPHABET)
    other = make_user("bek")
    make_registration(attended, other, checked_in=True)
    assert issued(client, auth, attended, "bek") != first
    assert fetch(app, Registration, user_id=people["aida"].id).certificate_code == first


def test_check_in_issues_the_code_once_and_opening_never_writes(app, client, auth, people,
                                                                attended):
    """The code is given at check-in; undoing and redoing the check-in keeps
    it, and opening the certificate (a GET) writes nothing."""
    with app.app_context():
        registration = db.session.scalar(db.select(Registration))
        code = registration.certificate_code
        assert code
        registration.undo_check_in()
        registration.check_in(None, utcnow())
        assert registration.certificate_code == code
        db.session.commit()
        codes = {services.new_certificate_code() for _ in range(1000)}
        assert len(codes) == 1000
    assert issued(client, auth, attended) == code


def test_walk_ins_get_no_certificate_code(app, people, attended, make_registration):
    with app.app_context():
        walk_in = Registration(event_id=attended.id, source="walk_in", walk_in_name="Guest")
        walk_in.check_in(None, utcnow())
        assert walk_in.certificate_code is None
    # Checked in at the door, as the organiser's desk does.
    walk_in = make_registration(attended, source="walk_in", walk_in_name="Guest", checked_in=True)
    assert walk_in.checked_in_at is not None and walk_in.certificate_code is None


def test_certificate_page_query_budget(app, client, auth, attended):
    auth.login("aida_login")
    client.get(f"/events/{attended.id}/certificate")  # issues the code
    with count_queries(app) as statements:
        assert client.get(f"/events/{attended.id}/certificate").status_code == 200
    # The user, the registration with its event and club, the themes, unread count.
    assert len(statements) <= 4, statements


# -- public verification ---------------------------------------------------------------------

def test_verification_is_public_and_shows_the_facts(client, auth, attended):
    code = issued(client, auth, attended)
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 200
    text = page_text(response.text)
    assert "This certificate is valid." in text
    assert "Aida K." in text and "Lower the voting age?" in text
    assert "AUCA Debate Club" in text and "Debate" in text
    assert "aida_login" not in response.text
    assert "Revoke" not in text  # not for the public
    assert 'name="robots" content="noindex"' in response.text


def test_verification_of_an_unknown_code_is_404(client, auth, attended):
    code = issued(client, auth, attended)
    assert client.get("/certificates/ABCDEFGHJKMNPQRSTUVW").status_code == 404
    assert client.get(f"/certificates/{code[:-1]}").status_code == 404
    typed = client.get(f"/certificates/{code.lower()}")
    assert typed.status_code == 301 and typed.headers["Location"].endswith(code)


def test_certificate_goes_when_the_checkin_is_undone_or_the_account_deleted(app, client, auth,
                                                                            people, attended):
    code = issued(client, auth, attended)
    with app.app_context():
        registration = db.session.scalar(db.select(Registration))
        registration.checked_in_at = None
        db.session.commit()
    assert client.get(f"/certificates/{code}").status_code == 404
    with app.app_context():
        registration = db.session.scalar(db.select(Registration))
        registration.checked_in_at = utcnow()
        db.session.commit()
    assert client.get(f"/certificates/{code}").status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(User, people["aida"].id))
        db.session.commit()
    assert client.get(f"/certificates/{code}").status_code == 404


# -- revocation ------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("citizen", 403), ("other_org", 403), ("aida_login", 403),
    ("organiser", 302), ("admin", 302),
])
def test_revoke_permissions(app, client, auth, attended, who, status):
    code = issued(client, auth, attended)
    if who:
        auth.login(who)
    response = client.post_form(f"/certificates/{code}/revoke")
    assert response.status_code == status
    revoked = fetch(app, Registration, certificate_code=code).certificate_revoked_at
    if who in ("organiser", "admin"):
        assert response.headers["Location"].endswith(f"/certificates/{code}")
        assert revoked is not None
    else:
        assert revoked is None
        if who is None:
            assert "/auth/login" in response.headers["Location"]
    restore = client.post_form(f"/certificates/{code}/restore")
    assert restore.status_code == status
    assert fetch(app, Registration, certificate_code=code).certificate_revoked_at is None


def test_revoked_then_restored(client, auth, attended):
    code = issued(client, auth, attended)
    auth.login("citizen")
    assert "Revoke the certificate" not in client.get(f"/certificates/{code}").text
    auth.logout()

    auth.login("organiser")
    page = client.get(f"/certificates/{code}").text
    assert "Revoke the certificate" in page
    client.post_form(f"/certificates/{code}/revoke")
    page = client.get(f"/certificates/{code}").text
    assert "Make the certificate valid again" in page
    auth.logout()

    text = page_text(client.get(f"/certificates/{code}").text)
    today = utcnow().astimezone(timezone(timedelta(hours=6)))
    assert f"This certificate was revoked on {today.day} {today:%B %Y}. It is no longer valid." in text
    assert "This certificate is valid." not in text
    auth.login("aida_login")
    mine = client.get(f"/events/{attended.id}/certificate").text
    assert "This certificate was revoked on" in page_text(mine)
    assert "Certificate revoked" in client.get("/me/events").text
    auth.logout()

    auth.login("admin")
    assert client.post_form(f"/certificates/{code}/restore").status_code == 302
    auth.logout()
    assert "This certificate is valid." in page_text(client.get(f"/certificates/{code}").text)


def test_revoke_needs_csrf_and_a_known_code(app, client, auth, attended):
    code = issued(client, auth, attended)
    auth.login("organiser")
    assert client.post(f"/certificates/{code}/revoke").status_code == 400
    assert client.post_form("/certificates/NOSUCHCODE/revoke").status_code == 404
    assert fetch(app, Registration, certificate_code=code).certificate_revoked_at is None


# -- eligibility: one rule, in Python and in SQL ------------------------------------------

def test_eligibility_is_the_same_in_python_and_in_sql(app, people, make_event, make_registration):
    """``is_eligible`` and ``past_attendance_query`` are both ``eligible``."""
    aida = people["aida"]
    cases = {
        "attended a finished event": (PAST, "published", "registered", True, True),
        "did not come": (PAST, "published", "registered", False, False),
        "waitlisted but checked in": (PAST, "published", "waitlisted", True, False),
        "not over yet": (timedelta(days=2), "published", "registered", True, False),
        "cancelled event": (PAST, "cancelled", "registered", True, False),
    }
    ids = {}
    for title, (starts_in, status, reg_status, checked_in, _eligible) in cases.items():
        event = make_event(people["club"], title=title, starts_in=starts_in, status=status)
        ids[title] = make_registration(event, aida, status=reg_status,
                                      checked_in=checked_in).id
    with app.app_context():
        in_sql = {r.id for r in db.session.scalars(services.past_attendance_query(aida.id))}
        for title, registration_id in ids.items():
            registration = db.session.get(Registration, registration_id)
            expected = cases[title][-1]
            assert services.is_eligible(registration) == expected, title
            assert (registration_id in in_sql) == expected, title
        walk_in = Registration(event=db.session.get(Registration, ids["attended a finished event"]).event,
                               source="walk_in", walk_in_name="Guest")
        walk_in.check_in(None, utcnow() - timedelta(days=3))
        assert not services.is_eligible(walk_in)


def test_attendance_links_only_certificates_that_stand(app, client, auth, people, attended):
    """Undoing a check-in takes the certificate link away (it led to a 404)."""
    from hrdebate.models import Event

    with app.app_context():
        registration = db.session.scalar(db.select(Registration))
        code = registration.certificate_code
    auth.login("organiser")
    assert f"/certificates/{code}" in client.get(f"/events/{attended.id}/attendance").text
    with app.app_context():
        db.session.get(Registration, registration.id).undo_check_in()
        db.session.commit()
        assert db.session.get(Event, attended.id).has_ended()
    assert f"/certificates/{code}" not in client.get(f"/events/{attended.id}/attendance").text
