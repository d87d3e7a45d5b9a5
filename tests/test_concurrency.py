"""Capacity holds when many people register at the same instant through a
real multi-worker server: 30 people, 5 seats, 4 gunicorn workers, separate
connections (tests/server.py). Runs on SQLite and, with HRDEBATE_TEST_DATABASE_URL, PostgreSQL."""

import threading

from hrdebate.extensions import db
from hrdebate.models import Registration
from tests.conftest import PASSWORD
from tests.server import Browser, server  # noqa: F401  (server is a fixture)

PEOPLE, SEATS = 30, 5


def test_thirty_at_once_for_five_seats(app, server, make_user, make_club, make_event):
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    event = make_event(club, capacity=SEATS)
    browsers = []
    for n in range(PEOPLE):
        make_user(f"person{n}")
        browser = Browser(server)
        token = browser.token("/auth/login")
        assert browser.post("/auth/login", {"csrf_token": token, "username": f"person{n}",
                                            "password": PASSWORD}) == 302
        browser.register_token = browser.token(f"/events/{event.id}")
        browsers.append(browser)

    start = threading.Barrier(PEOPLE)
    statuses = [None] * PEOPLE

    def register(i):
        start.wait()
        statuses[i] = browsers[i].post(f"/events/{event.id}/register",
                                       {"csrf_token": browsers[i].register_token})

    threads = [threading.Thread(target=register, args=(i,)) for i in range(PEOPLE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [302] * PEOPLE  # every one answered, no 5xx

    def counts():
        with app.app_context():
            rows = db.session.scalars(
                db.select(Registration.status).where(Registration.event_id == event.id)
            ).all()
        return {s: rows.count(s) for s in ("registered", "waitlisted", "cancelled")}

    assert counts() == {"registered": SEATS, "waitlisted": PEOPLE - SEATS, "cancelled": 0}

    # One cancellation brings the count back to five: the first in line moves up.
    with app.app_context():
        first_waiting = db.session.scalar(
            db.select(Registration.user_id)
            .where(Registration.event_id == event.id, Registration.status == "waitlisted")
            .order_by(Registration.registered_at, Registration.id).limit(1)
        )
        seated = db.session.scalar(
            db.select(Registration.user_id)
            .where(Registration.event_id == event.id, Registration.status == "registered")
            .limit(1)
        )
    leaver = next(b for i, b in enumerate(browsers) if f"person{i}" == _username(app, seated))
    assert leaver.post(f"/events/{event.id}/unregister",
                       {"csrf_token": leaver.register_token}) == 302
    assert counts() == {"registered": SEATS, "waitlisted": PEOPLE - SEATS - 1, "cancelled": 1}
    with app.app_context():
        assert db.session.scalar(
            db.select(Registration.status).where(Registration.user_id == first_waiting)
        ) == "registered"


def _username(app, user_id):
    from hrdebate.models import User

    with app.app_context():
        return db.session.get(User, user_id).username
