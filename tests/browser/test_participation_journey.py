"""A citizen registers; the organiser checks them in without a reload; the
citizen's certificate verifies publicly; the dashboard counts them."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from hrdebate.extensions import db
from hrdebate.models import Event, utcnow
from tests.browser.test_debate_journey import log_in


def test_register_check_in_certificate_turnout(app, open_page, make_user, make_club, make_event):
    organiser = make_user("nurlan", display_name="Nurlan")
    make_user("aziza", display_name="Aziza Karimova")
    club = make_club(owner=organiser, slug="osh-youth", name="Osh Youth", verified=True)
    event = make_event(club, title="Rights of the child", capacity=10,
                       starts_in=timedelta(minutes=30))

    citizen = open_page()
    log_in(citizen, "aziza")
    citizen.goto(f"/events/{event.id}")
    expect(citizen.locator("#registration")).to_contain_text("0 of 10 seats taken")
    citizen.get_by_role("button", name="Register").click()
    expect(citizen.locator("#registration")).to_contain_text("You are registered.")

    org = open_page()
    log_in(org, "nurlan")
    org.goto(f"/events/{event.id}/attendance")
    if org.js_enabled:
        org.evaluate("window.stillTheSamePage = true")
    org.get_by_role("button", name="Check in Aziza Karimova").click()
    expect(org.get_by_role("button", name="Undo check-in of Aziza Karimova")).to_be_visible()
    expect(org.locator("#counts")).to_contain_text("1 checked in")
    if org.js_enabled:  # htmx swapped the row and the counts: no reload happened
        assert org.evaluate("window.stillTheSamePage") is True
        # The row pressed in keeps focus, not the top of the page.
        expect(org.locator(".registrant:focus", has_text="Aziza Karimova")).to_have_count(1)

    # The event takes place and ends.
    with app.app_context():
        row = db.session.get(Event, event.id)
        row.starts_at = utcnow() - timedelta(hours=3)
        row.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()

    citizen.goto("/me/events")
    citizen.get_by_role("link", name="Certificate of participation").click()
    expect(citizen.locator("#certificate")).to_contain_text("Aziza Karimova")
    verify_url = re.search(r"https?://\S+/certificates/[A-Z0-9]+",
                           citizen.locator(".certificate-verify").inner_text()).group(0)

    stranger = open_page()
    stranger.goto(verify_url)
    expect(stranger.get_by_text("This certificate is valid.")).to_be_visible()
    expect(stranger.locator("main")).to_contain_text("Aziza Karimova")

    org.goto(f"/turnout/?club={club.slug}")
    row = org.locator("#per-event tbody tr", has_text="Rights of the child")
    expect(row).to_contain_text("1")
    expect(row.locator("td").nth(3)).to_have_text("1")  # attended after registering online
