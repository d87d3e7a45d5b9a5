"""A citizen comments on a pre-moderated club's debate and waits for review;
a moderator approves it in the queue without a reload; it appears publicly;
three other citizens flag it and it is hidden."""

from playwright.sync_api import expect

from tests.browser.test_debate_journey import log_in


def test_comment_from_review_to_hidden(open_page, make_user, make_club, make_event):
    make_user("aziza", display_name="Aziza")
    make_user("dana", display_name="Dana", site_role="moderator")
    reporters = [make_user(f"reader{n}", display_name=f"Reader {n}") for n in range(3)]
    club = make_club(owner=make_user(), moderation_mode="pre", verified=True)
    event = make_event(club, title="Votes at sixteen")
    event_url = f"/events/{event.id}"
    text = "Young people already pay taxes; they should vote."

    citizen = open_page()
    log_in(citizen, "aziza")
    citizen.goto(event_url)
    citizen.get_by_label("Your comment").fill(text)
    citizen.get_by_label("For the motion").first.check()
    citizen.get_by_role("button", name="Post the comment").click()
    expect(citizen.get_by_text("Waiting for review: only you and the moderators")).to_be_visible()
    expect(citizen.locator("#comments")).to_contain_text(text)

    public = open_page()
    public.goto(event_url)
    expect(public.locator("#comments")).not_to_contain_text(text)

    mod = open_page()
    log_in(mod, "dana")
    mod.goto("/moderation/")
    item = mod.locator(".queue-item", has_text=text)
    expect(item).to_be_visible()
    if mod.js_enabled:
        mod.evaluate("window.stillTheSamePage = true")
    item.get_by_role("button", name="Approve").click()
    expect(mod.locator(".queue-item", has_text=text)).to_have_count(0)
    if mod.js_enabled:  # the item left the queue without a reload
        assert mod.evaluate("window.stillTheSamePage") is True

    public.goto(event_url)
    expect(public.locator("#comments")).to_contain_text(text)

    for reporter in reporters:
        page = open_page()
        log_in(page, reporter.username)
        page.goto(event_url)
        page.locator("#comments .comment", has_text=text).get_by_role("link", name="Report").click()
        page.get_by_label("Spam or advertising").check()
        page.get_by_role("button", name="Send the report").click()
        expect(page.locator(".flash")).to_be_visible()

    public.goto(event_url)
    expect(public.locator("#comments")).not_to_contain_text(text)
    mod.goto("/moderation/")
    expect(mod.locator(".queue-item", has_text=text)).to_be_visible()
