"""Flags hold when many people flag the same comment at the same instant
through a real multi-worker server (gunicorn, separate connections): every
flag is counted (``open_flags`` is raised in SQL, never read-modify-written)
and the comment is hidden exactly once, decided from the counter's value
after the UPDATE. Runs on SQLite and, with HRDEBATE_TEST_DATABASE_URL,
PostgreSQL. The server and the browsers are tests/server.py's."""

import threading

from hrdebate.extensions import db
from hrdebate.models import Comment, Flag, ModerationAction
from tests.conftest import PASSWORD
from tests.server import Browser, server  # noqa: F401  (server is a fixture)

# (flags, then what the comment must be): the ones at the threshold are hidden
# once; the one below it stays published with both flags counted. The crowd's
# comment gets more flags than it takes to hide it: whoever comes after the
# hiding finds nothing to flag (404), and every flag that was written is
# counted.
COMMENTS = [(3, "hidden"), (3, "hidden"), (2, "published")]
CROWD = 10


def test_flags_at_the_same_instant_are_all_counted(app, server, make_user, make_club,  # noqa: F811
                                                   make_event):
    from hrdebate.models.comment import FLAGS_TO_HIDE

    assert FLAGS_TO_HIDE == 3
    author = make_user("author")
    event = make_event(make_club(owner=make_user("owner"), moderation_mode="post"))
    with app.app_context():
        comments = [Comment(event_id=event.id, author_id=author.id, body=f"Contested {n}",
                            body_html=f"<p>Contested {n}</p>", status="published")
                    for n in range(len(COMMENTS) + 1)]
        db.session.add_all(comments)
        db.session.commit()
        comment_ids = [c.id for c in comments]
    browsers = []
    for comment_id, (flags, _status) in zip(comment_ids, [*COMMENTS, (CROWD, "hidden")]):
        for _ in range(flags):
            n = len(browsers)
            make_user(f"reporter{n}")
            browser = Browser(server)
            token = browser.token("/auth/login")
            assert browser.post("/auth/login", {"csrf_token": token,
                                                "username": f"reporter{n}",
                                                "password": PASSWORD}) == 302
            browser.flag_url = f"/comments/{comment_id}/flag"
            browser.flag_token = browser.token(browser.flag_url)
            browsers.append(browser)

    start = threading.Barrier(len(browsers))
    statuses = [None] * len(browsers)

    def flag(i):
        start.wait()
        statuses[i] = browsers[i].post(browsers[i].flag_url,
                                       {"csrf_token": browsers[i].flag_token, "reason": "spam"})

    threads = [threading.Thread(target=flag, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    crowd = len(browsers) - CROWD
    assert statuses[:crowd] == [302] * crowd  # every one answered, no 5xx
    assert set(statuses[crowd:]) <= {302, 404}

    with app.app_context():
        for comment_id, (flags, status) in zip(comment_ids, COMMENTS):
            stored = db.session.get(Comment, comment_id)
            rows = db.session.scalar(db.select(db.func.count()).select_from(Flag)
                                     .where(Flag.comment_id == comment_id))
            log = db.session.scalars(db.select(ModerationAction.action)
                                     .where(ModerationAction.comment_id == comment_id)).all()
            assert rows == stored.open_flags == flags, comment_id
            assert stored.status == status
            assert log == (["auto_hide"] if status == "hidden" else [])
        stored = db.session.get(Comment, comment_ids[-1])
        rows = db.session.scalar(db.select(db.func.count()).select_from(Flag)
                                 .where(Flag.comment_id == stored.id))
        log = db.session.scalars(db.select(ModerationAction.action)
                                 .where(ModerationAction.comment_id == stored.id)).all()
        assert rows == stored.open_flags >= FLAGS_TO_HIDE
        assert (stored.status, log) == ("hidden", ["auto_hide"])
