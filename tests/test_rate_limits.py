"""Rate limits on sign-up, login, votes, comments and flags answer 429 with a
translated page (or a fragment for htmx), in memory and in Redis."""

import os
import uuid
from datetime import timedelta

import pytest

from hrdebate.errors import MESSAGES
from tests.conftest import PASSWORD, _empty_database, _prepare_schema, make_test_app
from tests.factories import Rows

STORAGES = ["memory://"] + (
    [os.environ["HRDEBATE_TEST_REDIS_URL"]] if os.environ.get("HRDEBATE_TEST_REDIS_URL") else []
)


@pytest.fixture(params=STORAGES)
def limited(request, tmp_path):
    """An app whose limits allow two requests a minute, on the given storage."""
    two = "2 per minute"
    app = make_test_app(
        tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=request.param,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}", RATELIMIT_VOTE=two,
        RATELIMIT_COMMENT=two, RATELIMIT_FLAG=two, RATELIMIT_SIGNUP=two,
    )
    _prepare_schema(app)
    yield app
    _empty_database(app)


def _setup(app):
    """Aida, who will hit the limits, and an event with Bek's comment on it."""
    rows = Rows(app)
    rows.user("aida")
    club = rows.club(slug="c", club_type="ngo", city="Osh", region="osh_city")
    event = rows.event(club, starts_in=timedelta(days=2))
    comment = rows.comment(event, rows.user("bek"), body="x")
    return event.id, comment.id


def _login(app):
    client = app.test_client()
    client.set_cookie("lang", "ru")
    client.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
    return client


def _expect_429(app, client, url, data):
    statuses = [client.post_form(url, data).status_code for _ in range(3)]
    assert statuses[-1] == 429, statuses
    with app.test_request_context("/?lang=ru"):
        title = str(MESSAGES[429][0])
    page = client.post_form(url, data)
    assert page.status_code == 429 and title in page.text and "<html" in page.text
    fragment = client.post_form(url, data, headers={"HX-Request": "true"})
    assert fragment.status_code == 429 and "<html" not in fragment.text


def test_votes(limited):
    event_id, _comment_id = _setup(limited)
    _expect_429(limited, _login(limited), f"/events/{event_id}/vote",
                {"phase": "before", "choice": "for"})


def test_comments(limited):
    event_id, _comment_id = _setup(limited)
    _expect_429(limited, _login(limited), f"/events/{event_id}/comments", {"body": "Hello"})


def test_flags(limited):
    _event_id, comment_id = _setup(limited)
    _expect_429(limited, _login(limited), f"/comments/{comment_id}/flag",
                {"reason": "spam", "note": ""})


def test_sign_up(limited):
    client = limited.test_client()
    _expect_429(limited, client, "/auth/register", {"username": "x"})
