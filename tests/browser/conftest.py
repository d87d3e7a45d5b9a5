"""Browser journeys: Playwright for Python driving Debian's Chromium.

No browser is downloaded: the tests use /usr/bin/chromium (or
HRDEBATE_CHROMIUM). Without it they are skipped with the fix in the message,
unless HRDEBATE_REQUIRE_BROWSER=1 (set by .ci/run), when they fail instead.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("HRDEBATE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium`."
        if os.environ.get("HRDEBATE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test app served over real HTTP in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Absolute links (a certificate's check link) lead to this server.
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def open_page(request, browser, live_server):
    """Factory of pages, each its own browser context (its own person), all
    with JavaScript on or all off. Any console error fails the test."""
    contexts, problems = [], []

    def open_page():
        context = browser.new_context(
            java_script_enabled=request.param, base_url=live_server, locale="en-GB"
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_console(message):
            # A 422 form answer is expected; anything else (a CSP violation,
            # a script error, a missing file) is a failure.
            if message.type == "error" and "status of 422" not in message.text:
                problems.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.js_enabled = request.param
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems  # no CSP violation, no script error


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def demo_site(app, runner):
    """The demo site seeded into the live server's app, with a long link
    and a long name: its page kinds by role (see page_kinds.py)."""
    from tests.browser.page_kinds import add_long_content, page_kinds
    from tests.conftest import seed_demo_site

    seed_demo_site(app, runner, then=add_long_content, variant="long content")
    return page_kinds(app)


@pytest.fixture
def page_as(browser, live_server, demo_site):
    """Factory: ``page_as("organiser", viewport=...)``, a page in its own
    browser context (options as ``browser.new_context`` takes them), signed
    in as that role's demo account (anonymous: not signed in)."""
    from tests.conftest import DEMO_PASSWORD

    contexts = []

    def page_as(role, **options):
        context = browser.new_context(base_url=live_server, **{"locale": "en-GB", **options})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        username = demo_site[role].username
        if username:
            page.goto("/auth/login")
            # By field name: the page may be in any language.
            page.locator("main input[name=username]").fill(username)
            page.locator("main input[name=password]").fill(DEMO_PASSWORD)
            page.locator("main button[type=submit]").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)
        return page

    yield page_as
    for context in contexts:
        context.close()
