"""An owner invites a person by username; the person accepts from their
notifications, later leaves the club; with JavaScript on and off."""

from playwright.sync_api import expect

from tests.browser.test_debate_journey import log_in


def test_invite_accept_and_leave(open_page, make_user, make_club):
    owner = make_user("olga", display_name="Olga")
    make_user("timur", display_name="Timur Pseudonym")
    make_club(owner=owner, slug="ordo", name="Ordo Debate Club")

    olga = open_page()
    log_in(olga, "olga")
    olga.goto("/clubs/ordo/members")
    olga.get_by_label("Username").fill("timur")
    olga.get_by_label("Role").select_option("moderator")
    olga.get_by_role("button", name="Send the invitation").click()
    expect(olga.get_by_text("If an account with this username exists")).to_be_visible()
    expect(olga.locator("#member-list")).not_to_contain_text("Timur")

    timur = open_page()
    log_in(timur, "timur")
    timur.get_by_role("link", name="Notifications (1 new)").click()
    timur.get_by_role("link", name="Accept or decline the invitation").click()
    expect(timur.get_by_role("heading", name="Invitation to Ordo Debate Club")).to_be_visible()
    timur.get_by_role("button", name="Accept").click()
    if timur.js_enabled:  # htmx swaps the invitation in place
        expect(timur.locator("#invitation")).to_contain_text("You accepted this invitation")
    else:
        expect(timur.get_by_text("You are now a moderator of Ordo Debate Club.")).to_be_visible()

    olga.goto("/clubs/ordo")
    expect(olga.get_by_text("Timur Pseudonym")).to_be_visible()

    timur.goto("/clubs/ordo")
    timur.get_by_role("link", name="Leave the club").click()
    timur.get_by_role("button", name="Leave the club").click()
    expect(timur.get_by_text("You have left Ordo Debate Club.")).to_be_visible()
    expect(timur.get_by_role("link", name="Leave the club")).to_have_count(0)
