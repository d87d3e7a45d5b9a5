"""The benchmark's bulk generator (tests/bench/dataset.py) builds a consistent
database, so that `make bench` cannot silently rot: a tiny scale on SQLite."""

import pytest
from sqlalchemy import text

from tests.bench import dataset


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.sqlite"
    url = f"sqlite:///{path}"
    info = dataset.build(url, scale=0.001, seed=3, log=lambda _line: None)
    return url, info


def _scalar(url, sql):
    from hrdebate.extensions import db

    app = dataset._app(url)
    with app.app_context(), db.engine.connect() as connection:
        value = connection.execute(text(sql)).scalar()
        db.engine.dispose()
        return value


def test_counts_follow_the_scale(built):
    url, info = built
    expected = dataset.sizes(0.001)
    for table in ("clubs", "events", "users", "comments", "flags"):
        assert _scalar(url, f"SELECT count(*) FROM {table}") == expected[table] \
            == info["sizes"][table]
    # Registrations and votes are drawn per event: close to the target, not exact.
    assert abs(_scalar(url, "SELECT count(*) FROM registrations") - expected["registrations"]) \
        <= expected["registrations"] * 0.02
    assert 0 < _scalar(url, "SELECT count(*) FROM votes") <= expected["votes"] * 1.3


def test_every_foreign_key_holds(built):
    from hrdebate.extensions import db

    url, _info = built
    app = dataset._app(url)
    with app.app_context(), db.engine.connect() as connection:
        assert dataset.dangling(connection, db.metadata) == {}
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.engine.dispose()


def test_the_special_events_and_people_exist(built):
    url, info = built
    event = info["event_300_comments"]
    assert _scalar(url, f"SELECT count(*) FROM comments WHERE event_id = {event} "
                        "AND status = 'published'") == 300
    assert _scalar(url, f"SELECT count(*) FROM comments WHERE event_id = "
                        f"{info['event_100_comments']}") == 100
    assert _scalar(url, f"SELECT count(*) FROM registrations WHERE event_id = "
                        f"{info['event_attendance']}") == info["attendance_registrants"]
    assert _scalar(url, "SELECT count(*) FROM comments WHERE parent_id IS NOT NULL "
                        f"AND event_id = {event}") > 0
    for status in ("pending", "rejected", "hidden", "deleted"):
        assert _scalar(url, f"SELECT count(*) FROM comments WHERE status = '{status}'") > 0
    assert _scalar(url, "SELECT count(*) FROM registrations WHERE source = 'walk_in'") > 0
    assert _scalar(url, "SELECT count(*) FROM registrations WHERE status = 'waitlisted'") > 0
    assert _scalar(url, "SELECT site_role FROM users WHERE username = 'admin'") == "admin"
    assert _scalar(url, "SELECT site_role FROM users WHERE username = 'moderator'") == "moderator"
    assert _scalar(url, "SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id "
                        "WHERE u.username = 'organiser'") == len(info["organiser_clubs"])
    # A child's depth follows its parent's, in the same event.
    assert _scalar(url, "SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id "
                        "WHERE c.depth != p.depth + 1 OR c.event_id != p.event_id") == 0


def test_a_second_build_reuses_the_database(built):
    url, info = built
    lines = []
    again = dataset.build(url, scale=0.001, seed=3, log=lines.append)
    assert again["built_at"] == info["built_at"]
    assert lines and lines[0].startswith("reusing")


def test_the_pages_answer_on_it(built):
    from tests.helpers import Client

    url, info = built
    app = dataset._app(url)
    app.test_client_class = Client
    client = app.test_client()
    assert client.get(f"/events/{info['event_300_comments']}").status_code == 200
    assert client.post_form("/auth/login", {"username": "organiser",
                                            "password": dataset.PASSWORD}).status_code == 302
    assert client.get(f"/events/{info['event_attendance']}/attendance").status_code == 200
    with app.app_context():
        from hrdebate.extensions import db

        db.engine.dispose()
