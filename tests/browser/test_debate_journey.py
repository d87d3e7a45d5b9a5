"""An organiser publishes a debate; a citizen finds it, votes before and
after; the result shows. With JavaScript on and off."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from hrdebate.extensions import db
from hrdebate.models import Event, utcnow
from tests.conftest import PASSWORD


def log_in(page, username):
    page.goto("/auth/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_debate_from_draft_to_result(app, open_page, make_user, make_club):
    organiser = make_user("nurlan", display_name="Nurlan")
    make_user("aziza", display_name="Aziza")
    make_club(owner=organiser, slug="auca", name="AUCA Debate Club", verified=True)

    # The organiser writes the debate and publishes it.
    org = open_page()
    log_in(org, "nurlan")
    org.goto("/events/new?club=auca")
    org.get_by_label("Debate", exact=True).check()
    org.get_by_label("Title", exact=True).fill("Votes at sixteen")
    org.get_by_label("Summary").fill("An Oxford-style debate on the voting age.")
    org.get_by_label("Starts").fill("2031-05-01T18:00")
    org.get_by_label("Ends").fill("2031-05-01T20:00")
    org.get_by_label("Venue").fill("AUCA, room 301")
    org.get_by_label("Region").select_option("bishkek")
    org.get_by_label("Language of the event").select_option("en")
    org.get_by_label("Participation in government").check()
    org.get_by_label("Motion").fill("This house would lower the voting age to 16")
    org.get_by_role("button", name="Save the draft").click()
    expect(org.get_by_text("The draft is saved.")).to_be_visible()
    org.get_by_role("button", name="Publish").click()
    expect(org.get_by_text("The event is published.")).to_be_visible()
    event_url = org.url.split("#")[0]

    # A citizen finds it with the filters and votes before the debate.
    citizen = open_page()
    log_in(citizen, "aziza")
    citizen.goto("/events/")
    citizen.get_by_label("Kind").select_option("debate")
    citizen.get_by_label("Theme").select_option("participation")
    if not citizen.js_enabled:
        citizen.get_by_role("button", name="Show events").click()
    expect(citizen).to_have_url(re.compile(r"kind=debate"))
    citizen.get_by_role("link", name="Votes at sixteen").click()
    citizen.locator("#voting").get_by_label("Against the motion").check()
    citizen.get_by_role("button", name="Vote").click()
    expect(citizen.locator("#tally")).to_contain_text("Before the debate · 1 vote")

    # The debate takes place: move it into the past, as time would.
    with app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.title == "Votes at sixteen"))
        event.starts_at = utcnow() - timedelta(hours=2)
        event.ends_at = utcnow() - timedelta(minutes=5)
        db.session.commit()

    org.goto(event_url)
    org.get_by_role("button", name="Open the after-vote").click()
    expect(org.get_by_role("button", name="Close the after-vote and show the result")).to_be_visible()

    citizen.goto(event_url)
    citizen.locator("#voting").get_by_label("For the motion").check()
    citizen.get_by_role("button", name="Vote").click()
    expect(citizen.locator("#tally")).to_contain_text("After the debate · 1 vote")

    org.goto(event_url)
    org.get_by_role("button", name="Close the after-vote and show the result").click()
    expect(org.get_by_text("The proposition won: its share grew by 100 points.")).to_be_visible()
    citizen.goto(event_url)
    expect(citizen.get_by_text("The proposition won")).to_be_visible()
