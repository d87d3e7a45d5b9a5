import json

import pytest

from hrdebate.models import Club, User
from tests.conftest import PASSWORD
from tests.helpers import fetch

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def timur(make_user, auth):
    user = make_user("timur", display_name="Тимур")
    auth.login("timur")
    return user


def test_profile_requires_login(client):
    assert client.get("/account/").status_code == 302
    assert client.post_form("/account/", {}).status_code == 302


def test_profile_shows_and_saves(app, client, timur):
    page = client.get("/account/?lang=en")
    assert page.status_code == 200 and "Тимур" in page.text
    response = client.post_form(
        "/account/",
        {"profile-display_name": "Night Owl", "profile-locale": "ky", "profile-email": ""},
    )
    assert response.status_code == 302
    user = fetch(app, User, username="timur")
    assert (user.display_name, user.locale, user.email) == ("Night Owl", "ky", None)
    # The preferred language now drives the pages.
    assert '<html lang="ky">' in client.get("/").text


def test_profile_bad_input_keeps_data(app, client, timur):
    response = client.post_form(
        "/account/?lang=en",
        {"profile-display_name": "", "profile-locale": "xx", "profile-email": "nope"},
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.text and "valid email" in response.text
    assert fetch(app, User, username="timur").display_name == "Тимур"


def test_demographics_need_explicit_consent(app, client, timur):
    answers = {"demo-age_band": "18_24", "demo-gender": "woman", "demo-affiliation": "student",
               "demo-region": "naryn"}
    response = client.post_form("/account/demographics?lang=en", answers)
    assert response.status_code == 422
    assert "Tick the box" in response.text
    user = fetch(app, User, username="timur")
    assert user.age_band is None and not user.has_demographics_consent

    response = client.post_form("/account/demographics", {**answers, "demo-consent": "y"})
    assert response.status_code == 302
    user = fetch(app, User, username="timur")
    assert (user.age_band, user.gender, user.affiliation, user.region) == (
        "18_24", "woman", "student", "naryn")
    assert user.has_demographics_consent


def test_demographics_page_explains_why(client, timur):
    text = client.get("/account/?lang=en").text
    assert "anonymous totals" in text and "fewer than 5" in text


def test_demographics_can_be_partial(app, client, timur):
    response = client.post_form(
        "/account/demographics", {"demo-age_band": "under_18", "demo-consent": "y"}
    )
    assert response.status_code == 302
    user = fetch(app, User, username="timur")
    assert user.age_band == "under_18" and user.gender is None


def test_withdrawing_consent_erases_answers(app, client, timur):
    client.post_form("/account/demographics",
                     {"demo-age_band": "18_24", "demo-region": "osh", "demo-consent": "y"})
    response = client.post_form("/account/demographics/withdraw")
    assert response.status_code == 302
    user = fetch(app, User, username="timur")
    assert user.age_band is None and user.region is None
    assert not user.has_demographics_consent


def test_password_change_ends_other_sessions(app, client, timur):
    other_device = app.test_client()
    other_device.post_form("/auth/login", {"username": "timur", "password": PASSWORD,
                                           "remember": "y"})
    assert other_device.get("/account/").status_code == 200

    response = client.post_form("/account/password", {
        "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
        "pw-password_confirm": NEW_PASSWORD})
    assert response.status_code == 302

    # This device stays in; the other one is out, remember-me cookie and all.
    assert client.get("/account/").status_code == 200
    assert other_device.get("/account/").status_code == 302
    fresh = app.test_client()
    assert fresh.post_form("/auth/login", {"username": "timur", "password": PASSWORD}
                           ).status_code == 422
    assert fresh.post_form("/auth/login", {"username": "timur", "password": NEW_PASSWORD}
                           ).status_code == 302


def test_password_change_checks_current_password_and_policy(app, client, timur):
    response = client.post_form("/account/password?lang=en", {
        "pw-current_password": "wrong one!!", "pw-password": "password12",
        "pw-password_confirm": "password12"})
    assert response.status_code == 422
    assert "not your current password" in response.text
    assert "too common" in response.text
    assert client.get("/account/").status_code == 200


def test_export_holds_my_data_only(app, client, timur, make_user):
    make_user("someone_else", email="else@example.org")
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.text)
    assert data["account"]["username"] == "timur"
    assert data["account"]["display_name"] == "Тимур"
    assert "password_hash" not in data["account"] and "else@example.org" not in response.text
    assert fetch(app, User, username="timur").password_hash not in response.text


def test_delete_account_erases_it_at_once(app, client, timur):
    other_device = app.test_client()
    other_device.post_form("/auth/login", {"username": "timur", "password": PASSWORD})
    with app.app_context():
        from hrdebate.extensions import db

        club = Club(slug="c", name="C", club_type="ngo", city="Osh", region="osh_city")
        club.add_member(db.session.get(User, timur.id), "owner")
        db.session.add(club)
        db.session.commit()

    response = client.post_form("/account/delete?lang=en", {"password": "wrong", "confirm": "y"})
    assert response.status_code == 422
    assert fetch(app, User, username="timur") is not None

    response = client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    assert fetch(app, User, username="timur") is None
    assert fetch(app, Club, slug="c") is not None  # the club stays, without the person
    assert client.get("/account/").status_code == 302
    assert other_device.get("/account/").status_code == 302


def test_delete_needs_confirmation(app, client, timur):
    response = client.post_form("/account/delete?lang=en", {"password": PASSWORD})
    assert response.status_code == 422
    assert "Tick the box" in response.text
    assert fetch(app, User, username="timur") is not None


def test_delete_account_erases_what_the_person_wrote(app, client, timur, make_club, make_event,
                                                     make_comment):
    from hrdebate.models import Comment

    event = make_event(make_club())
    make_comment(event, timur, "My opinion")
    client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    comment = fetch(app, Comment, event_id=event.id)
    assert comment.author_id is None and comment.status == "deleted"
    assert comment.body == "" and comment.body_html == ""
    assert "My opinion" not in client.get(f"/events/{event.id}").text


def test_people_lists_are_enumerations_with_the_stored_values(client, timur):
    from sqlalchemy import CheckConstraint

    from hrdebate import choices
    from hrdebate.choices import Affiliation, AgeBand, Gender, Region, SiteRole

    checks = {str(c.sqltext) for c in User.__table__.constraints if isinstance(c, CheckConstraint)}
    assert "site_role IN ('citizen', 'moderator', 'admin')" in checks
    # One enumeration each, with the stored values; no second copy of the lists.
    assert SiteRole.values() == ("citizen", "moderator", "admin")
    assert Region.values()[:2] == ("bishkek", "osh_city") and len(Region) == 10
    assert AgeBand.values() == ("under_18", "18_24", "25_34", "35_49", "50_plus")
    assert Gender.values() == ("woman", "man", "other", "undisclosed")
    assert Affiliation.values() == ("student", "pupil", "ngo", "teacher", "other")
    for old in ("REGIONS", "AGE_BANDS", "GENDERS", "AFFILIATIONS", "SITE_ROLES"):
        assert not hasattr(choices, old), old
    # The demographics form offers every value, after "I prefer not to say".
    page = client.get("/account/?lang=en").text
    for enumeration, name in ((AgeBand, "age_band"), (Gender, "gender"),
                              (Affiliation, "affiliation"), (Region, "region")):
        for value in enumeration.values():
            if value == Gender.UNDISCLOSED:  # the blank "I prefer not to say" stands for it
                continue
            assert f'<option value="{value}">' in page or f'value="{value}"' in page, (name, value)
    assert "Chüy region" in page and "18–24" in page
