"""Club names and walk-in names cannot imitate the staff either (security
review of issue #9 item 10): the display names' rule, ``NotImpersonating``,
is applied to them; the site's staff may still use such names, and a
club keeps the name it already has. Team names of an event are not checked:
a moot court's respondent is often a real "Администрация" of a town."""

import html
from datetime import timedelta

import pytest

from hrdebate.models import Club, Registration
from tests.helpers import fetch
from tests.test_clubs import VALID_CLUB, count

pytestmark = pytest.mark.usefixtures("english")

RESERVED = "looks like a title of the site’s staff"
STAFF_LIKE = ["Администрация сайта", "Site Moderation", "Техподдержка", "HRDebate Official",
              "Аdmin club"]


@pytest.mark.parametrize("name", STAFF_LIKE)
def test_a_club_cannot_be_founded_under_a_staff_name(app, client, auth, make_user, name):
    make_user("timur")
    auth.login("timur")
    response = client.post_form("/clubs/new", {**VALID_CLUB, "name": name})
    assert response.status_code == 422
    assert RESERVED in html.unescape(response.text)
    assert count(app, Club) == 0


def test_a_club_cannot_be_renamed_to_a_staff_name(app, client, auth, make_user, make_club):
    owner = make_user("timur")
    club = make_club(owner=owner, name="Ordo", slug="ordo")
    auth.login("timur")
    response = client.post_form("/clubs/ordo/edit", {**VALID_CLUB, "name": "Администрация сайта"})
    assert response.status_code == 422 and RESERVED in html.unescape(response.text)
    assert fetch(app, Club, id=club.id).name == "Ordo"


def test_an_admin_may_name_a_club_so_and_fans_may_be_supporters(app, client, auth, make_user):
    make_user("boss", site_role="admin")
    auth.login("boss")
    assert client.post_form("/clubs/new", {**VALID_CLUB, "name": "Site Moderation"}) \
        .status_code == 302
    club = fetch(app, Club, name="Site Moderation")
    assert club is not None
    auth.logout()
    make_user("timur")
    auth.login("timur")
    assert client.post_form("/clubs/new", {**VALID_CLUB, "name": "Supporters club"}) \
        .status_code == 302


def test_a_club_keeps_its_old_name_when_saved(app, client, auth, make_user, make_club):
    owner = make_user("timur")
    club = make_club(owner=owner, name="Moderation Club", slug="old")  # from before this rule
    auth.login("timur")
    response = client.post_form("/clubs/old/edit", {**VALID_CLUB, "name": "Moderation Club",
                                                     "city": "Ош"})
    assert response.status_code == 302
    assert (fetch(app, Club, id=club.id).name, fetch(app, Club, id=club.id).city) \
        == ("Moderation Club", "Ош")


def test_a_walk_in_cannot_be_listed_under_a_staff_name(app, client, auth, make_user, make_club,
                                                       make_event):
    organiser = make_user("organiser", display_name="Nurlan")
    event = make_event(make_club(owner=organiser), starts_in=timedelta(minutes=30))  # on the day
    auth.login("organiser")
    response = client.post_form(f"/events/{event.id}/walk-ins", {"name": "Модератор"})
    assert response.status_code == 422 and RESERVED in html.unescape(response.text)
    assert fetch(app, Registration, event_id=event.id) is None
    assert client.post_form(f"/events/{event.id}/walk-ins", {"name": "Адилет"}).status_code == 302
    assert fetch(app, Registration, event_id=event.id).walk_in_name == "Адилет"
