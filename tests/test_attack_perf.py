"""Attacks on issue #14 (performance), second round: each test asserts the
safe behaviour the attack looked for; its findings (a held comment kept in
a thread on PostgreSQL, an event moved during a check-in, a feed ETag from
a sum of ids, a paused export holding a transaction) are fixed."""

from contextlib import contextmanager
from datetime import timedelta

import pytest

from hrdebate.dbtypes import frozen_clock, utcnow

EN = {"Accept-Language": "en"}


# -- feeds: the ETag from (count, sum of ids, max updated_at) -----------------------------

def test_feed_etag_changes_when_its_events_change(app, make_user, make_club, make_event):
    """/events.ics lists the first 50 upcoming events. Two events end (ids
    b+0 and b+3) and two beyond the 50th move in (ids b+1 and b+2): same count,
    same sum of ids, same latest updated_at -> same ETag -> a calendar app
    asking with If-None-Match gets 304 and never learns of the two new events."""
    owner = make_user(username="owner")
    club = make_club(owner=owner)
    now = utcnow()
    plan = [timedelta(hours=1), timedelta(days=10), timedelta(days=10, hours=1),
            timedelta(hours=2)]
    plan += [timedelta(days=1, minutes=k) for k in range(48)]
    events = [make_event(club, starts_in=d, duration=timedelta(hours=1)) for d in plan]
    ids = [e.id for e in events]
    assert ids[0] + ids[3] == ids[1] + ids[2]
    app.config["PAGE_CACHE_ENABLED"] = False  # the feed's own validator, not the page cache
    client = app.test_client()
    first = client.get("/events.ics", headers=EN)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    with frozen_clock(now + timedelta(hours=5)):
        client2 = app.test_client()
        fresh = client2.get("/events.ics", headers=EN)
        assert f"event-{ids[1]}@hrdebate".encode() in fresh.data  # the content did change
        again = client2.get("/events.ics", headers={**EN, "If-None-Match": etag})
    assert again.status_code == 200, "304 for a calendar whose events changed (ETag collision)"


# -- the keyset list: malformed cursors and pages -------------------------------------------

CURSORS = [
    "9999-12-31T23:59:59Z,1", "0001-01-01T00:00:00Z,1", "2026-05-01T12:00:00Z,99999999999999999999",
    "2026-05-01T12:00:00Z,-1", "2026-05-01T12:00:00Z,0", "2026-05-01T12:00:00+05:00,1",
    "2026-05-01T12:00:00.1234567Z,1", "2026-02-30T12:00:00Z,1", "2026-05-01T24:00:00Z,1",
    "2026-05-01T12:00:00Z,\u0661\u0662", "\u0662\u0660\u0662\u0666-05-01T12:00:00Z,1",
    "2026-05-01T12:00:00Z,1\x00", "2026-05-01T12:00:00Z\x00,1", "x" * 10000,
    "2026-05-01T12:00:00Z," + "9" * 10000, ",", "", "2026-05-01T12:00:00Z,1,2",
    "2026-05-01T12:00:00Z,2147483648", "2026-05-01T12:00:00Z,9223372036854775808",
    "2026-05-01T12:00:00Z, 1", "2026-05-01T12:00:00Z,1e3", "2026-05-01T12:00:00Z,0x10",
]


@pytest.mark.parametrize("name", ["after", "before"])
def test_malformed_cursors_never_5xx(app, make_user, make_club, make_event, name):
    club = make_club(owner=make_user(username="owner"))
    for k in range(3):
        make_event(club, starts_in=timedelta(days=k + 1))
    client = app.test_client()
    for value in CURSORS:
        for extra in ("", "&when=past", "&kind=debate", "&page=3", "&when=all&lang=ky"):
            from urllib.parse import quote
            response = client.get(f"/events/?{name}={quote(value)}{extra}", headers=EN)
            assert response.status_code < 500, (value, extra)
            response = client.get(f"/events/?{name}={quote(value)}{extra}",
                                  headers={**EN, "HX-Request": "true"})
            assert response.status_code < 500, (value, extra)


@pytest.mark.parametrize("page", ["-1", "0", "99999999999999999999", "1e9", "\u0661", "2147483648",
                                  "9223372036854775808", "1000000"])
def test_odd_pages_never_5xx(app, page):
    response = app.test_client().get(f"/events/?page={page}", headers=EN)
    assert response.status_code < 500
    response = app.test_client().get(f"/events/?page={page}&after=2026-05-01T12:00:00Z,1", headers=EN)
    assert response.status_code < 500


# -- the thread kept rendered (pagecache.fragment) ------------------------------------------

def race_world(make_user, make_club, make_event, make_comment, auth):
    """A debate with one published comment, read by "author" (signed in);
    "other" is another member. The debate and the author."""
    owner = make_user(username="owner")
    author = make_user(username="author")
    make_user(username="other")
    debate = make_event(make_club(owner=owner))
    make_comment(debate, owner, body="Published first")
    auth.login("author")
    return debate, author


@contextmanager
def comment_arrives_mid_request(app, debate, author, body, **values):
    """While the block runs, right after the thread asks whether ``author``
    wrote there (the first such EXISTS), another connection commits a
    comment of theirs: the race of a second tab. Yields a list that holds
    True once it happened."""
    from sqlalchemy import event as sa_event, insert

    from hrdebate.extensions import db
    from hrdebate.models import Comment

    with app.app_context():
        engine = db.engine
    fired = []

    def race(_conn, _cursor, statement, *_):
        if not fired and "EXISTS" in statement.upper() and "author_id" in statement \
                and "comments" in statement:
            fired.append(True)
            with engine.begin() as other:
                other.execute(insert(Comment).values(
                    event_id=debate.id, author_id=author.id, body=body,
                    body_html=f"<p>{body}</p>", depth=1, created_at=utcnow(), **values))

    sa_event.listen(engine, "after_cursor_execute", race)
    try:
        yield fired
    finally:
        sa_event.remove(engine, "after_cursor_execute", race)



def test_thread_fragment_never_keeps_a_comment_held_for_its_author(app, make_user, make_club,
                                                                   make_event, make_comment,
                                                                   client, auth):
    """Race: thread_part asks has_comments(event, A) (False), then A's comment
    is committed, held for review (another request of A's), then the
    generations are read (AFTER has_comments: pagecache._generations is first
    called by fragment) and the MEMBER thread is loaded with viewer_id=A: it
    holds A's pending comment ("Waiting for review: only you...", Edit,
    Delete) and is kept under the key every other signed-in non-author reads."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        pytest.skip("READ COMMITTED (each statement sees new commits): PostgreSQL")
    debate, author = race_world(make_user, make_club, make_event, make_comment, auth)
    with comment_arrives_mid_request(app, debate, author, body="SECRET held text",
                                     status="pending", held_for="pre_moderation") as fired:
        client.get(f"/events/{debate.id}", headers=EN)
    assert fired
    auth.logout()
    auth.login("other")
    page = client.get(f"/events/{debate.id}", headers=EN).get_data(as_text=True)
    assert "SECRET held text" not in page, "another member is shown A's held comment"
    assert "Waiting for review: only you" not in page


PLACEHOLDERS = ["a\x00csrf\x00b", "&#0;csrf&#0;", "&#x0;csrf&#x0;", "`\x00csrf\x00`",
                "\ufffdcsrf\ufffd", "\u2400csrf\u2400", "\\x00csrf\\x00", "<x\x00csrf\x00>"]


@pytest.mark.parametrize("body", PLACEHOLDERS)
def test_comment_text_cannot_take_the_csrf_slot(app, make_user, make_club, make_event, client,
                                                auth, body):
    import re

    make_user(username="author")
    make_user(username="other")
    club = make_club(owner=make_user(username="owner"))
    debate = make_event(club)
    auth.login("author")
    client.post_form(f"/events/{debate.id}/comments", {"body": f"Opinion {body} end",
                                                       "stance": "for"})
    auth.logout()
    auth.login("other")
    response = client.get(f"/events/{debate.id}", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "\x00" not in page
    token = client.csrf_token()
    bodies = re.findall(r'<div class="comment-body[^>]*>(.*?)</div>', page, re.S)
    assert not any(token in b for b in bodies), "the reader's CSRF token inside a comment"
    anonymous = app.test_client().get(f"/events/{debate.id}", headers=EN)
    assert "Set-Cookie" not in anonymous.headers, "a comment made the public page personal"


# -- turnout aggregates ------------------------------------------------------------------------

def test_event_moved_while_someone_checks_in_keeps_the_groups_exact(app, make_user, make_club,
                                                                    make_event,
                                                                    make_registration):
    """PostgreSQL, real threads. T2 checks Q in at event E and flushes (holds
    E's and Q's advisory locks). T1 moves E to another club: its UPDATE of
    events is not blocked by T2 (FK KEY SHARE vs NO KEY UPDATE), it reads E's
    attendees (Q's check-in not committed: not among them) and then waits
    for E's lock. T2 commits (Q counted in the OLD club, as T2 read it); T1
    refreshes E and its attendees as read before the lock, never Q: Q stays in
    the old club's groups and cells, out of the new club's."""
    import threading
    import time

    from hrdebate.extensions import db
    from hrdebate.models import Event, Registration
    from tests.test_turnout_aggregates import _assert_rebuild_agrees

    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        pytest.skip("advisory locks and concurrent writers: PostgreSQL")
    admin = make_user("admin", site_role="admin")
    club_a, club_b = make_club(slug="club-a"), make_club(slug="club-b")
    event = make_event(club_a, starts_at=utcnow() - timedelta(minutes=30))
    p = make_user("p")
    q = make_user("q")
    make_registration(event, p, checked_in=True)
    seat = make_registration(event, q)
    flushed, go, errors = threading.Event(), threading.Event(), []

    def check_in():
        try:
            with app.test_request_context():
                registration = db.session.get(Registration, seat.id)
                registration.check_in(admin.id, utcnow())
                db.session.flush()
                flushed.set()
                go.wait(10)
                db.session.commit()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
            flushed.set()
        finally:
            with app.app_context():
                db.session.remove()

    def move():
        try:
            with app.test_request_context():
                db.session.get(Event, event.id).club_id = club_b.id
                db.session.commit()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    t2 = threading.Thread(target=check_in)
    t2.start()
    assert flushed.wait(10)
    t1 = threading.Thread(target=move)
    t1.start()
    time.sleep(1.0)  # T1 has updated the event and waits for its lock
    go.set()
    t2.join(20)
    t1.join(20)
    assert not errors, errors
    _assert_rebuild_agrees(app)


# -- the attendance page ----------------------------------------------------------------------

def test_attendance_page_search_paging_and_reach(app, make_user, make_club, make_event,
                                                 make_registration, client, auth):
    organiser, stranger = make_user("organiser"), make_user("stranger")
    club = make_club(owner=organiser, slug="auca")
    make_club(owner=stranger, slug="osh")
    event = make_event(club, starts_at=utcnow() - timedelta(minutes=30))
    target = make_registration(event, make_user("oguloy", display_name="Oʻgʻiloy Toʻxtayeva"))
    for i in range(60):
        make_registration(event, make_user(f"p{i}", display_name=f"Person {i}"))
    auth.login("stranger")
    url = f"/events/{event.id}/attendance"
    assert client.get(url, headers=EN).status_code in (403, 404)
    assert client.post_form(f"{url}/{target.id}", {"checked_in": "1"}).status_code in (403, 404)
    assert client.get(f"/events/{event.id}/attendance.csv", headers=EN).status_code in (403, 404)
    auth.logout()
    auth.login("organiser")
    for q in ("O'g'iloy", "ogiloy", "Oʻgʻiloy", "Ўғилой", "to’xtayeva", "Тохтаева"):
        page = client.get(url, query_string={"q": q}, headers=EN).get_data(as_text=True)
        assert "Toʻxtayeva" in page, q
    # no CSRF token: refused
    response = client.post(f"{url}/{target.id}", data={"checked_in": "1"})
    assert response.status_code == 400
    for page in ("0", "-1", "2", "3", "99999999999"):
        assert client.get(url, query_string={"page": page, "q": "person"}, headers=EN).status_code < 500


# -- iCalendar written by hand ----------------------------------------------------------------

NASTY = ["Title\r\nATTENDEE:mailto:x@evil", "Title\rEND:VEVENT\rBEGIN:VEVENT", "a;b,c\\d:e",
         "Line\u2028Sep\u2029Para\u0085Nel\x0bVt\x0cFf", "Кыргызстан " * 20, "ʻ" * 80,
         "😀" * 40, "x" * 74 + "é" * 10, "\\n\\,\\;"]


@pytest.mark.parametrize("text", NASTY)
def test_calendar_fields_cannot_inject(app, make_user, make_club, make_event, text):
    import icalendar

    club = make_club(owner=make_user(username="owner"))
    event = make_event(club, title=text[:150], venue=text[:150], summary=text)
    app.config["PAGE_CACHE_ENABLED"] = False
    for url in ("/events.ics", f"/events/{event.id}.ics"):
        response = app.test_client().get(url, headers=EN)
        if response.status_code == 404:
            continue
        data = response.data
        for raw in data.split(b"\r\n"):
            assert len(raw) <= 75, raw
            assert b"\r" not in raw and b"\n" not in raw
        calendar = icalendar.Calendar.from_ical(data)
        vevents = calendar.walk("VEVENT")
        assert len(vevents) == 1
        assert "ATTENDEE" not in vevents[0]
        assert set(vevents[0].keys()) <= {"SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "UID",
                                          "CATEGORIES", "CREATED", "DESCRIPTION",
                                          "LAST-MODIFIED", "LOCATION", "STATUS", "URL"}
        assert "\n" not in str(vevents[0]["SUMMARY"])


# -- the streamed turnout export ---------------------------------------------------------------

def _idle_in_transaction(app):
    from sqlalchemy import create_engine, text

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            return connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["closed", "paused"])
def test_an_unfinished_export_holds_no_transaction(app, make_user, make_club, make_event,
                                                   monkeypatch, how):
    """A turnout export whose client stops reading (paused: a slow or
    malicious client; closed: the download killed). Paused, the server-side
    cursor keeps a transaction open on a pooled connection for as long as
    the client likes: a few such downloads by one organiser empty the pool
    (and hold back VACUUM)."""
    from hrdebate import csvfile
    from tests.conftest import AuthActions

    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        pytest.skip("server-side cursors: PostgreSQL")
    monkeypatch.setattr(csvfile.csv_chunks, "__defaults__", (5,))
    make_user("admin", site_role="admin")
    club = make_club(slug="auca")
    for k in range(30):
        make_event(club, starts_at=utcnow() - timedelta(days=k + 1))
    client = app.test_client()
    AuthActions(client).login("admin")
    before = _idle_in_transaction(app)
    response = client.get("/turnout/export.csv", headers=EN, buffered=False)
    chunks = iter(response.response)
    for _ in range(12):
        next(chunks)
    if how == "closed":
        response.close()
    held = _idle_in_transaction(app)
    response.close()
    assert held <= before, f"{held - before} connection(s) idle in transaction"


def test_kept_thread_follows_decisions_renames_and_deletions(app, make_user, make_club,
                                                            make_event, make_comment):
    from hrdebate.extensions import db
    from hrdebate.models import Comment, User
    from hrdebate.moderation import services as moderation
    from tests.conftest import AuthActions

    mod = make_user("mod", site_role="admin")
    author = make_user("author", display_name="Aziza Original")
    make_user("reader")
    club = make_club(slug="auca")
    debate = make_event(club)
    comment = make_comment(debate, author, body="Visible words here")
    url = f"/events/{debate.id}"
    anonymous = app.test_client()
    member = app.test_client()
    AuthActions(member).login("reader")

    def both():
        return [c.get(url, headers=EN).get_data(as_text=True) for c in (anonymous, member)]

    assert all("Visible words here" in p for p in both())
    with app.test_request_context():
        moderation.decide(db.session.get(Comment, comment.id), db.session.get(User, mod.id), "hide")
        db.session.commit()
    assert not any("Visible words here" in p for p in both()), "hidden comment still shown"
    with app.test_request_context():
        moderation.decide(db.session.get(Comment, comment.id), db.session.get(User, mod.id),
                          "restore")
        db.session.commit()
    assert all("Visible words here" in p for p in both())
    with app.app_context():
        db.session.get(User, author.id).display_name = "Aziza Renamed"
        db.session.commit()
    assert all("Aziza Renamed" in p and "Aziza Original" not in p for p in both())
    writer = app.test_client()
    AuthActions(writer).login("author")
    writer.post_form(f"/comments/{comment.id}/delete")
    assert not any("Visible words here" in p for p in both()), "deleted comment still shown"


def test_queue_of_one_club_never_shows_another_s(app, make_user, make_club, make_event,
                                                make_comment, client, auth):
    mod = make_user("clubmod")
    mine = make_club(slug="mine", moderators=[mod])
    theirs = make_club(slug="theirs")
    own_event, their_event = make_event(mine), make_event(theirs)
    author = make_user("author")
    make_comment(own_event, author, body="OWN pending text", status="pending",
                 held_for="pre_moderation")
    make_comment(their_event, author, body="THEIR pending text", status="pending",
                 held_for="pre_moderation")
    auth.login("clubmod")
    for query in ("", "?club=theirs", f"?event={their_event.id}", "?kind=pending",
                  f"?club=theirs&event={their_event.id}", "?page=2", "?page=-5",
                  "?reason=pre_moderation&club=theirs", "?age=1h"):
        for headers in (EN, {**EN, "HX-Request": "true"}):
            response = client.get(f"/moderation/{query}", headers=headers)
            assert response.status_code < 500, query
            assert "THEIR pending text" not in response.get_data(as_text=True), query
    log = client.get("/moderation/log?club=theirs", headers=EN)
    assert log.status_code < 500


@pytest.mark.parametrize("when", ["", "past"])
def test_keyset_walk_visits_every_event_once_both_ways(app, make_user, make_club, make_event, when):
    import html
    import re

    club = make_club(owner=make_user(username="owner"))
    moment = utcnow() + (timedelta(days=-3) if when else timedelta(days=3))
    moment = moment.replace(microsecond=123456)
    for k in range(47):
        make_event(club, starts_at=moment if k % 2 else moment + timedelta(microseconds=k),
                   title=f"Walk {k:03d}")
    client = app.test_client()
    url = "/events/" + (f"?when={when}" if when else "")
    seen, pages = [], []
    while url:
        page = client.get(url, headers=EN).get_data(as_text=True)
        titles = re.findall(r"Walk (\d{3})", page)
        pages.append(url)
        seen += titles
        link = re.search(r'<a rel="next" href="([^"]+)"', page)
        url = html.unescape(link.group(1)) if link else None
        assert len(pages) < 10
    assert sorted(seen) == sorted(set(seen)) and len(set(seen)) == 47, (len(seen), len(set(seen)))
    back = []
    url = pages[-1]
    while url:
        page = client.get(url, headers=EN).get_data(as_text=True)
        back += re.findall(r"Walk (\d{3})", page)
        link = re.search(r'<a rel="prev" href="([^"]+)"', page)
        url = html.unescape(link.group(1)) if link else None
        assert len(back) < 200
    assert len(set(back)) == 47 and len(back) == 47, (len(back), len(set(back)))
