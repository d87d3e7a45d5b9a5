"""Deleting an account leaves no traces (issue #9, item 9; DESIGN §8).

The attacks: after deletion, the email, comment, appeal and flag texts were
still readable in SQLite's WAL file and in PostgreSQL's dead row versions;
moderation notes still named the person; a club they founded kept nobody to
manage it."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select, text

from hrdebate.extensions import db
from hrdebate.models import Club, Event, Membership, ModerationAction, Registration, User
from tests.conftest import PASSWORD, TEST_DATABASE_URL
from tests.helpers import fetch
from tests.personal_data import build
from tests.test_events import form_data

ERASED = "[deleted account]"


@pytest.fixture
def people(app, rows):
    return build(app, rows)


def delete_account(client, person):
    assert client.post_form("/auth/login", {"username": person.username,
                                            "password": PASSWORD}).status_code == 302
    response = client.post_form("/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    return response


def _database_bytes(app) -> bytes:
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


@pytest.mark.skipif(TEST_DATABASE_URL is not None, reason="SQLite's files; PostgreSQL below")
def test_no_byte_of_the_person_remains_in_the_sqlite_files(app, client, people):
    person, _other, _extra = people
    before = _database_bytes(app)
    for name, value in person.secrets.items():
        assert value.encode() in before, name  # the attack reads these today

    delete_account(client, person)

    after = _database_bytes(app)
    left = [name for name, value in person.secrets.items() if value.encode() in after]
    assert left == []


def _tuples_holding(strings: dict[str, str]) -> dict[str, list[str]]:
    """Which of ``strings`` some row version (live or dead, in a table or a
    b-tree index of ours) still holds, read page by page with pageinspect."""
    found = {}
    relations = db.session.execute(text(
        "SELECT c.relname, c.relkind, am.amname FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_am am ON am.oid = c.relam"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')")).all()
    for relname, kind, method in relations:
        if kind == "i" and method != "btree":
            continue
        blocks = db.session.scalar(text(
            "SELECT pg_relation_size(CAST(:r AS regclass)) / current_setting('block_size')::int"
        ), {"r": relname})
        for block in range(1 if kind == "i" else 0, blocks):
            if kind == "r":
                items = db.session.scalars(text(
                    "SELECT t_data FROM heap_page_items(get_raw_page(:r, :b))"
                    " WHERE t_data IS NOT NULL"), {"r": relname, "b": block}).all()
            else:
                items = [bytes.fromhex(d.replace(" ", "")) for d in db.session.scalars(text(
                    "SELECT data FROM bt_page_items(get_raw_page(:r, :b))"),
                    {"r": relname, "b": block}).all() if d]
            for name, value in strings.items():
                if any(value.encode() in bytes(item) for item in items):
                    found.setdefault(name, []).append(relname)
    return found


@pytest.mark.skipif(TEST_DATABASE_URL is None, reason="PostgreSQL's pages; SQLite above")
def test_no_row_version_of_the_person_remains_in_postgresql(app, client, people):
    """UPDATE and DELETE leave the old row versions in the table's pages
    until VACUUM removes them; anyone who reads the files (or pageinspect)
    reads them. After the deleting request, no row version holds the
    person's texts. (What VACUUM cannot promise, the README says.)"""
    person, _other, _extra = people
    with app.app_context():
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        db.session.commit()
        before = _tuples_holding(person.secrets)
        assert set(before) == set(person.secrets)  # the attack reads these today

    delete_account(client, person)

    with app.app_context():
        assert _tuples_holding(person.secrets) == {}


def test_nothing_points_to_the_person_and_no_text_names_them(app, client, people):
    """Every column that refers to users, in every table, no longer holds
    the person's id; no text column in any table holds their name, email or
    what they wrote. Anonymous counts stay."""
    person, _other, extra = people
    delete_account(client, person)
    with app.app_context():
        pointing, naming = [], []
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                    if db.session.scalar(select(func.count()).select_from(table)
                                         .where(column == person.id)):
                        pointing.append(f"{table.name}.{column.name}")
                if isinstance(column.type, String | Text):
                    for name, value in person.secrets.items():
                        if db.session.scalar(select(func.count()).select_from(table)
                                             .where(column.contains(value, autoescape=True))):
                            naming.append(f"{table.name}.{column.name}: {name}")
        assert pointing == [] and naming == []
        assert db.session.get(User, person.id) is None
        # Turnout still counts the attendance, and the vote still counts.
        registration = db.session.get(Registration, min(person.rows["registrations"]))
        assert registration is not None and registration.user_id is None
        assert registration.checked_in_at is not None
        assert registration.certificate_code is None  # no code leads to the erased person
        assert db.session.scalar(text("SELECT count(*) FROM votes WHERE event_id = :e"),
                                 {"e": extra["debate"].id}) == 1


def test_moderation_notes_lose_the_person_but_keep_the_decision(app, client, people):
    person, other, extra = people
    delete_account(client, person)
    with app.app_context():
        entries = db.session.scalars(select(ModerationAction).where(
            ModerationAction.id.in_(person.rows["moderation_about_you"]))).all()
        assert [(e.action, e.target_user_id) for e in entries] == [("warn", None)]
        assert entries[0].reason == f"Warned {ERASED} ({ERASED}) for insults"
        # The decision on someone else's comment named the person (in capitals).
        hide = db.session.scalar(select(ModerationAction).where(
            ModerationAction.action == "hide"))
        assert hide.reason == f"Answered {ERASED} rudely"
        assert hide.target_user_id == other.id  # the other person's entry keeps its link
        others_notice = db.session.scalar(text(
            "SELECT detail FROM notifications WHERE user_id = :u AND kind = 'comment_hidden'"),
            {"u": other.id})
        assert others_notice == f"Answered {ERASED} rudely"
        # The reasons given on the person's own comments go with their texts.
        assert db.session.scalars(text("SELECT decision_reason FROM comments WHERE id IN ("
                                       + ", ".join(map(str, person.rows["comments"])) + ")")
                                  ).all() == [None, None]
    # The log page shows the decisions, without the name.
    client.post_form("/auth/login", {"username": extra["moderator"].username,
                                     "password": PASSWORD})
    page = client.get("/moderation/log?lang=en").text
    assert ERASED in page and person.display_name not in page


def test_names_are_replaced_as_whole_words_only(app, make_user):
    from hrdebate.account.erasure import anonymise

    assert anonymise("Banned Al for spam; also Alma", ["Al"]) \
        == f"Banned {ERASED} for spam; also Alma"
    assert anonymise("Тимур и тимур", ["ТИМУР"]) == f"{ERASED} и {ERASED}"
    assert anonymise("no name here", ["x.y"]) == "no name here"
    assert anonymise("mail a.b@c.org now", ["a.b@c.org", ""]) == f"mail {ERASED} now"


# -- the clubs they ran --------------------------------------------------------------------

@pytest.fixture
def founder(make_user):
    return make_user("founder", display_name="Founder Fatima")


def test_a_club_passes_to_its_oldest_organiser(app, client, founder, make_user, make_club):
    first = make_user("first", display_name="First Organiser")
    second = make_user("second", display_name="Second Organiser")
    club = make_club(owner=founder, slug="kept", organisers=[second])
    with app.app_context():  # ``first`` became an organiser earlier than ``second``
        db.session.add(Membership(club_id=club.id, user_id=first.id, role="organiser",
                                  created_at=fetch(app, Membership, user_id=second.id).created_at
                                  - timedelta(days=30)))
        db.session.commit()

    delete_account(client, founder_as_person(founder))

    assert fetch(app, Membership, club_id=club.id, user_id=first.id).role == "owner"
    assert fetch(app, Membership, club_id=club.id, user_id=second.id).role == "organiser"
    assert fetch(app, Club, slug="kept").archived_at is None
    page = client.get("/clubs/kept?lang=en").text
    assert "Founder Fatima" not in page and "First Organiser" in page
    assert "archived" not in page.lower()


def test_a_club_with_another_owner_stays_as_it_is(app, client, founder, make_user, make_club):
    co_owner = make_user("coowner")
    organiser = make_user("organiser")
    club = make_club(owner=founder, slug="shared", organisers=[organiser])
    with app.app_context():
        db.session.add(Membership(club_id=club.id, user_id=co_owner.id, role="owner"))
        db.session.commit()
    delete_account(client, founder_as_person(founder))
    assert fetch(app, Membership, club_id=club.id, user_id=organiser.id).role == "organiser"
    assert fetch(app, Club, slug="shared").archived_at is None


def test_a_club_nobody_else_runs_is_archived(app, client, founder, make_user, make_club,
                                             make_event):
    moderator = make_user("clubmod")
    admin = make_user("admin", site_role="admin")
    club = make_club(owner=founder, slug="orphan", moderators=[moderator])
    past = make_event(club, title="Past debate", starts_in=-timedelta(days=10))
    draft = make_event(club, status="draft", title="A draft")

    delete_account(client, founder_as_person(founder))

    assert fetch(app, Club, slug="orphan").archived_at is not None
    assert fetch(app, Membership, club_id=club.id, user_id=moderator.id).role == "moderator"
    page = client.get("/clubs/orphan?lang=en").text
    assert "This club is archived" in page and "Founder Fatima" not in page
    assert "Past debate" in client.get(f"/events/{past.id}?lang=en").text

    # An admin still manages it, but no new event goes out under its name.
    client.post_form("/auth/login", {"username": "admin", "password": PASSWORD})
    assert client.get("/clubs/orphan/edit").status_code == 200
    response = client.post_form(f"/events/{draft.id}/publish?lang=en",
                                headers={"HX-Request": "true"})
    assert response.status_code == 422 and "archived" in response.text
    assert fetch(app, type(draft), id=draft.id).status == "draft"
    page = client.get("/clubs/orphan?lang=en").text
    assert "New event" not in page
    response = client.post_form("/events/new?club=orphan&lang=en", form_data(title="Brand new"),
                                headers={"HX-Request": "true"})
    assert response.status_code == 422 and "archived" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)
                                 .where(Event.title == "Brand new")) == 0


def test_the_delete_page_says_what_becomes_of_the_clubs(app, client, auth, founder, make_user,
                                                       make_club):
    organiser = make_user("organiser")
    make_club(owner=founder, name="Handed Club", organisers=[organiser])
    make_club(owner=founder, name="Lonely Club")
    auth.login("founder")
    page = client.get("/account/delete?lang=en").text
    assert "Handed Club" in page and "Lonely Club" in page
    assert "passes to its longest-serving organiser" in page
    assert "archived" in page
    # Before it is too late, the founder is shown the way to hand the lonely club over.
    lonely = fetch(app, Club, name="Lonely Club")
    assert f'href="/clubs/{lonely.slug}/members"' in page


def founder_as_person(user):
    class Founder:
        username = user.username
    return Founder
