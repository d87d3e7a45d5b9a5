"""On SQLite one connection writes at a time. A request takes the write lock
at its first write only (unit_of_work), so a slow client, a password being
hashed or a long read never holds up the writes of everybody else."""

import io
import threading
import time

from hrdebate.extensions import db
from hrdebate.models import Registration
from tests.conftest import PASSWORD
from tests.helpers import fetch


class SlowBody(io.RawIOBase):
    """A request body that arrives only when ``release`` is set, like a phone
    on a bad connection sending a form one byte at a time."""

    def __init__(self, body: bytes):
        super().__init__()
        self.body, self.position = body, 0
        self.release, self.started = threading.Event(), threading.Event()

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):  # the test client measures the body
        self.position = len(self.body) if whence == 2 else offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        self.started.set()
        self.release.wait(30)
        chunk = self.body[self.position:self.position + len(buffer)]
        buffer[:len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


def test_a_slow_request_does_not_hold_up_the_writes_of_others(app, make_user, make_club,
                                                              make_event):
    make_user("aida")
    event = make_event(make_club(), capacity=10)
    slow_client, client = app.test_client(), app.test_client()
    body = SlowBody(b"username=nobody&password=xxxxxxxxxx")
    slow = threading.Thread(target=lambda: slow_client.post(
        "/auth/login", input_stream=body, content_type="application/x-www-form-urlencoded"))
    slow.start()
    try:
        assert body.started.wait(10)
        client.post_form("/auth/login", {"username": "aida", "password": PASSWORD})
        began = time.monotonic()
        response = client.post_form(f"/events/{event.id}/register")
        waited = time.monotonic() - began
    finally:
        body.release.set()
        slow.join(30)
    assert response.status_code == 302
    assert fetch(app, Registration, event_id=event.id).status == "registered"
    assert waited < 5  # not the 10 s busy timeout of a held lock


def test_a_post_that_only_reads_takes_no_write_lock(app, make_user):
    """A login reads the account and checks the password: no writer. (On
    PostgreSQL there is no database-wide lock to take: rows are locked.)"""
    make_user("aida")
    with app.test_request_context("/auth/login", method="POST"):
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            assert "sqlite_writer" not in connection.info
            return
        db.session.execute(db.text("SELECT 1"))
        assert connection.info["sqlite_writer"] is False
        db.session.execute(db.text("UPDATE users SET display_name = display_name"))
        assert connection.info["sqlite_writer"] is True
        db.session.rollback()
