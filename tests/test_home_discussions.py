"""The home page's active discussions (issue #14): the public events with
the latest published comments of the last 30 days, with their counts, found
among the newest comments only (``HOME_DISCUSSION_WINDOW``)."""

from datetime import timedelta

import pytest

from hrdebate.extensions import db
from hrdebate.main import services
from hrdebate.models import utcnow


@pytest.fixture
def club(make_user, make_club):
    return make_club(owner=make_user())


def discussions(app):
    with app.app_context():
        rows = services.active_discussions(utcnow())
        db.session.remove()
    return [(title, count) for _id, title, _language, count, _latest in rows]


def test_latest_comments_first_with_their_counts_of_thirty_days(app, club, make_event,
                                                                make_comment, make_user):
    author = make_user()
    ago = lambda **delta: utcnow() - timedelta(**delta)  # noqa: E731
    events = {name: make_event(club, title=name) for name in "ABCDEFG"}
    for name, minutes in zip("ABCDEF", (60, 50, 40, 30, 20, 10)):  # F is the latest
        make_comment(events[name], author, created_at=ago(minutes=minutes))
    make_comment(events["A"], author, created_at=ago(days=2))
    make_comment(events["A"], author, created_at=ago(days=40))  # too old to count
    make_comment(events["A"], author, status="pending", created_at=ago(minutes=1))
    make_comment(events["A"], author, status="hidden", created_at=ago(minutes=1))
    make_comment(events["G"], author, created_at=ago(days=31))  # no comment in 30 days
    assert discussions(app) == [("F", 1), ("E", 1), ("D", 1), ("C", 1), ("B", 1)]
    make_comment(events["A"], author, created_at=ago(minutes=5))
    assert discussions(app)[:2] == [("A", 3), ("F", 1)]


def test_cancelled_and_draft_events_are_not_listed(app, club, make_event, make_comment,
                                                   make_user):
    author = make_user()
    for status in ("cancelled", "draft", "published"):
        make_comment(make_event(club, title=status, status=status), author)
    assert discussions(app) == [("published", 1)]


def test_only_the_newest_comments_are_looked_through(app, club, make_event, make_comment,
                                                     make_user, monkeypatch):
    """A bounded walk: with a window of 3, an event whose latest comment is
    older than the 3 newest is not listed, and a listed event's count is
    still all of its 30 days."""
    monkeypatch.setattr(services, "HOME_DISCUSSION_WINDOW", 3)
    author = make_user()
    busy, quiet = make_event(club, title="Busy"), make_event(club, title="Quiet")
    make_comment(quiet, author, created_at=utcnow() - timedelta(hours=2))
    for minutes in (5, 4, 3, 2, 1):
        make_comment(busy, author, created_at=utcnow() - timedelta(minutes=minutes))
    assert discussions(app) == [("Busy", 5)]
    monkeypatch.setattr(services, "HOME_DISCUSSION_WINDOW", 500)
    assert discussions(app) == [("Busy", 5), ("Quiet", 1)]


def test_the_home_page_lists_them(client, app, club, make_event, make_comment, make_user):
    event = make_event(club, title="A lively debate")
    for _ in range(3):
        make_comment(event, make_user())
    page = client.get("/", headers={"Accept-Language": "en"}).text
    section = page.split('id="home-discussions"', 1)[1].split("</section>", 1)[0]
    assert "A lively debate" in section and "3 comments" in section
    assert f"/events/{event.id}#comments" in section
