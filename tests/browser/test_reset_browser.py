"""A forgotten password, end to end: ask for a link, read the mail the
worker sends, open the link, choose a new password, and be signed in;
then log in with it. With JavaScript on and off."""

import re

from playwright.sync_api import expect

from tests.helpers import deliver_mail
from tests.test_reset import mails

NEW_PASSWORD = "walnuts of arslanbob forest"


def test_reset_a_forgotten_password(app, open_page, live_server, make_user, capsys):
    app.config["MAIL_CONSOLE"] = True
    make_user("aziza", display_name="Aziza", email="aziza@example.org", locale="en")
    page = open_page()
    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill("Aziza@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("If an account uses this address and it is confirmed, a link is "
                            "on its way; it works for an hour.")).to_be_visible()

    capsys.readouterr()
    deliver_mail(app)  # what the worker does
    [message] = mails(capsys)
    assert message["To"] == "aziza@example.org"
    text = message.get_body(("plain",)).get_content()
    link = re.search(re.escape(live_server) + r"/auth/reset/\S+", text).group(0)

    # The mail is read in another browser (a phone): nobody is signed in there.
    phone = open_page()
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Choose a new password")).to_be_visible()
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Save the new password").click()
    expect(phone.get_by_text("Your password is changed and you are logged in.")).to_be_visible()
    expect(phone.get_by_role("link", name="My account")).to_be_visible()

    # The link was for once (asked from the first browser, not signed in,
    # without showing it: a 410 page is a console error for the fixture).
    assert page.request.get(link).status == 410

    # And the new password logs in elsewhere.
    page.goto("/auth/login")
    page.get_by_label("Username").fill("aziza")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You are logged in.")).to_be_visible()
