"""Keyboard-only journeys (WCAG 2.1.1, 2.4.3, 2.4.7): registering for an
event, posting a comment, and a moderator's decision, with Tab, Shift+Tab,
Enter and Space (and the arrows inside a radio group or a list, which is how
those take the keyboard), JavaScript on and off. Every place the keyboard stops
shows where it is. With JavaScript, the region htmx swaps takes focus (the
button pressed is gone) and the message area, a live region, says what
happened."""

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.test_debate_journey import log_in

# The focused element draws an outline or a shadow (site.css :focus-visible).
FOCUS_SHOWS = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return el !== document.body && (outline || style.boxShadow !== 'none');
}"""
DESCRIBE_FOCUS = "() => document.activeElement.outerHTML.slice(0, 160)"


def tab_to(page, target, backwards=False, limit=120):
    """Press Tab (Shift+Tab) until ``target`` has focus; every stop on the
    way must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        assert page.evaluate(FOCUS_SHOWS), f"focus not visible on {page.evaluate(DESCRIBE_FOCUS)}"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{key} never reached {target}")


def press_until(page, key, done, limit=10):
    """Press ``key`` until ``done()``: arrows in a radio group or a list."""
    for _ in range(limit):
        if done():
            return
        page.keyboard.press(key)
    assert done(), f"{key} pressed {limit} times in vain"


def assert_swapped_region_has_focus(page, region):
    """With JavaScript: focus is inside the swapped region (not lost to the
    page's body) and visible."""
    if page.js_enabled:
        expect(page.locator(f"{region}:focus, {region} :focus")).to_have_count(1)
        assert page.evaluate(FOCUS_SHOWS), page.evaluate(DESCRIBE_FOCUS)


def test_register_with_the_keyboard(open_page, make_user, make_club, make_event):
    make_user("aziza", display_name="Aziza")
    club = make_club(owner=make_user(), verified=True)
    event = make_event(club, title="Rights of the child", capacity=10,
                       starts_in=timedelta(days=2))
    page = open_page()
    log_in(page, "aziza")
    page.goto(f"/events/{event.id}")

    tab_to(page, page.get_by_role("button", name="Register"))
    page.keyboard.press("Enter")
    expect(page.locator("#registration")).to_contain_text("You are registered.")
    expect(page.locator("#flashes")).to_contain_text("You are registered. See you there!")
    assert page.locator("#flashes").get_attribute("aria-live") == "polite"
    assert_swapped_region_has_focus(page, "#registration")

    # Cancelled again, with Space this time. With JavaScript the focused
    # region's own button is the very next Tab stop.
    tab_to(page, page.get_by_role("button", name="Cancel my registration"),
           limit=1 if page.js_enabled else 120)
    if page.js_enabled:
        # htmx asks in the browser's own dialog; Enter accepts it.
        page.once("dialog", lambda dialog: dialog.accept())
        page.keyboard.press("Space")
    else:
        # Without JavaScript a page asks first; its confirming button is a Tab stop.
        page.keyboard.press("Space")
        expect(page.get_by_role("heading", name="Cancel my registration")).to_be_visible()
        tab_to(page, page.get_by_role("button", name="Yes, cancel my registration"))
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Register")).to_be_visible()
    expect(page.locator("#flashes")).to_contain_text("Your registration is cancelled.")
    assert_swapped_region_has_focus(page, "#registration")


def test_comment_with_the_keyboard(open_page, make_user, make_club, make_event):
    make_user("aziza", display_name="Aziza")
    club = make_club(owner=make_user(), verified=True)
    event = make_event(club, title="Votes at sixteen")  # a debate: comments take a side
    page = open_page()
    log_in(page, "aziza")
    page.goto(f"/events/{event.id}")

    text = "Young people already pay taxes; they should vote."
    # Tab enters the radio group at its checked radio (neutral); the arrows
    # move within it, and check as they go.
    tab_to(page, page.locator("#comments").get_by_label("Neutral"))
    side = page.locator("#comments").get_by_label("For the motion")
    press_until(page, "ArrowUp", lambda: side.is_checked())
    tab_to(page, page.get_by_label("Your comment"))
    page.keyboard.type(text)
    tab_to(page, page.get_by_role("button", name="Post the comment"))
    page.keyboard.press("Enter")

    expect(page.locator("#comments .comment", has_text=text)).to_be_visible()
    expect(page.locator("#flashes")).to_contain_text("Your comment is published.")
    assert_swapped_region_has_focus(page, "#comments")


def test_moderation_decisions_with_the_keyboard(open_page, make_user, make_club, make_event,
                                                make_comment):
    author = make_user("aziza", display_name="Aziza")
    make_user("dana", display_name="Dana", site_role="moderator")
    club = make_club(owner=make_user(), moderation_mode="pre", verified=True)
    event = make_event(club, title="Votes at sixteen")
    held = {"status": "pending", "held_for": "pre_moderation"}
    first = make_comment(event, author, body="Votes at sixteen: yes, and soon.", **held)
    second = make_comment(event, author, body="You are all idiots.", **held)
    page = open_page()
    log_in(page, "dana")
    page.goto("/moderation/")

    # Approve the first.
    item = page.locator(f"#queue-item-{first.id}")
    tab_to(page, item.get_by_role("button", name="Approve"))
    page.keyboard.press("Enter")
    expect(page.locator(".queue-item", has_text="Votes at sixteen: yes")).to_have_count(0)
    expect(page.locator("#flashes")).to_contain_text("Your decision is saved and the author is told.")
    assert_swapped_region_has_focus(page, f"#queue-item-{first.id}")

    # The next Tab stop is the next item (with JavaScript: focus stayed here).
    tab_to(page, page.get_by_label(f"Tick comment {second.id}"),
           limit=1 if page.js_enabled else 120)
    # Reject the second: at its button, back with Shift+Tab to choose the
    # rule in its list with the arrows (a closed <select> takes them).
    item = page.locator(f"#queue-item-{second.id}")
    tab_to(page, item.get_by_role("button", name="Reject"))
    tab_to(page, item.get_by_label("Rule of the code of conduct"), backwards=True)
    rule = item.get_by_label("Rule of the code of conduct")
    press_until(page, "ArrowDown", lambda: rule.input_value() == "respect")
    tab_to(page, item.get_by_role("button", name="Reject"))
    page.keyboard.press("Enter")
    expect(page.locator(".queue-item", has_text="You are all idiots")).to_have_count(0)
    expect(page.locator("#flashes")).to_contain_text("Your decision is saved and the author is told.")
    assert_swapped_region_has_focus(page, f"#queue-item-{second.id}")
    if not page.js_enabled:  # the queue came back whole, and empty
        expect(page.locator("#queue")).to_contain_text("Nothing is waiting.")
