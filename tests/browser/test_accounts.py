"""Sign up, log in and switch language, with JavaScript on and off."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_sign_up(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()

    # A mistake first: the form comes back with the error and keeps the input.
    page.get_by_label("Username").fill("night_owl")
    page.get_by_label("Display name").fill("Night Owl")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Night Owl")

    page.get_by_label("Password", exact=True).fill("rivers of the tian shan")
    page.get_by_label("Repeat the password").fill("rivers of the tian shan")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome, Night Owl! Your account is ready.")).to_be_visible()
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_log_in_and_out(page, make_user):
    make_user("aziza", display_name="Aziza")
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.get_by_label("Username").fill("aziza")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The username or password is wrong.")).to_be_visible()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", name="My account")).to_be_visible()

    page.get_by_role("button", name="Log out on all other devices").click()
    expect(page.get_by_text("This device stays signed in.")).to_be_visible()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()

    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_text("You are logged out on all your devices.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


def test_switch_language(page):
    page.goto("/privacy")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Кыргызча").click()
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    expect(page).to_have_url(re.compile(r"/privacy$"))
    # The choice sticks on the next page.
    page.locator(".brand").click()
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    page.get_by_role("button", name="Oʻzbekcha").click()
    expect(page.locator("html")).to_have_attribute("lang", "uz")
