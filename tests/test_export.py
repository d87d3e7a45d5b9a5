"""The data export is everything we hold about the person (issue #9, item 8),
and nothing about anyone else: not the moderator who decided, not who
reported them."""

import json

import pytest
from sqlalchemy import String, Text

from hrdebate.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import count_queries
from tests.personal_data import build


@pytest.fixture
def people(app, rows):
    return build(app, rows)


def export(client, person):
    assert client.post_form("/auth/login", {"username": person.username,
                                            "password": PASSWORD}).status_code == 302
    response = client.get("/account/export?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.text, json.loads(response.text)


def test_the_export_holds_one_row_of_every_kind(client, people):
    person, _other, _extra = people
    raw, data = export(client, person)
    assert data["account"]["username"] == person.username
    assert data["account"]["email"] == person.email
    for section, ids in person.rows.items():
        key = "club_id" if section in ("club_memberships", "club_follows") else "id"
        assert {row[key] for row in data[section]} == ids, section
    # What the person wrote, their appeal and their flag's note are there.
    for value in (person.comment, person.appeal, person.flag_note, "Ramp ordered",
                  "fine by me"):
        assert value in raw
    # The person's certificate, and the events and clubs the rows refer to.
    [certificate] = data["certificates"]
    assert certificate["code"] and certificate["state"] == "valid"
    assert {e["title"] for e in data["events"].values()} >= {"Event 1", "Event 2"}
    assert len(data["clubs"]) == 2


def test_the_export_names_nobody_else(client, people):
    """Not the other person's rows or texts, not the moderator who warned
    them or decided on their comment, not who flagged their comment, not
    who checked them in, not whom they moderated."""
    person, other, extra = people
    raw, data = export(client, person)
    for value in (*other.secrets.values(), extra["moderator"].username,
                  extra["moderator"].display_name, extra["owner"].username,
                  extra["owner"].display_name):
        assert value not in raw, value
    hidden = {"decided_by_id", "actor_id", "checked_in_by_id"}
    for section in ("comments", "moderation_about_you", "registrations"):
        for row in data[section]:
            assert hidden.isdisjoint(row), section
    for row in data["moderation_by_you"]:
        assert "target_user_id" not in row
    assert "open_flags" not in data["comments"][0]  # others' reports are not told


def test_secrets_are_left_out_and_said_so(app, client, people):
    person, _other, _extra = people
    with app.app_context():
        from hrdebate.models import User
        user = db.session.get(User, person.id)
        user.calendar_token = "calendar-secret-token"
        db.session.commit()
        password_hash, session_token = user.password_hash, user.session_token
    raw, data = export(client, person)
    for value in (password_hash, session_token, "calendar-secret-token"):
        assert value not in raw
    assert {"users.password_hash", "users.session_token", "users.calendar_token"} <= set(
        data["left_out"])
    assert all(isinstance(why, str) and why for why in data["left_out"].values())


def test_the_export_states_its_schema(client, people):
    person, _other, _extra = people
    _raw, data = export(client, person)
    from hrdebate.account.export import SCHEMA_VERSION, SECTIONS

    assert data["schema_version"] == SCHEMA_VERSION
    described = set(data["schema"])
    assert {s.name for s in SECTIONS} | {"account", "certificates", "events", "clubs"} <= described
    assert "The comments you wrote" in data["schema"]["comments"]


def test_every_table_that_refers_to_a_person_is_declared(app):
    """A new table (or column) with a foreign key to users fails here until
    the export says what it does with it: a section of the export, or a
    reason why the row is not about the person."""
    from hrdebate.account.export import NOT_ABOUT_THE_PERSON, SECTIONS

    declared = set(NOT_ABOUT_THE_PERSON)
    for section in SECTIONS:
        declared.add((section.table, section.subject))
        declared.update((section.table, column) for column in section.left_out)
    undeclared = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                if (table.name, column.name) not in declared:
                    undeclared.append(f"{table.name}.{column.name}")
    assert undeclared == []
    # In a section, every other column naming a person is left out: the
    # export names nobody else.
    for section in SECTIONS:
        table = db.metadata.tables[section.table]
        for column in table.columns:
            if column.name != section.subject and any(
                    fk.column.table.name == "users" for fk in column.foreign_keys):
                assert column.name in section.left_out, (section.name, column.name)


def test_no_secret_looking_column_is_exported_unawares(app):
    """A new token or hash column in a table the export copies must be
    declared: exported on purpose, or left out."""
    from hrdebate.account.export import ACCOUNT_LEFT_OUT, SECTIONS, SECRET_LOOKING_ALLOWED

    suspicious = ("token", "hash", "secret", "password", "code", "key")
    tables = [("users", ACCOUNT_LEFT_OUT)] + [(s.table, s.left_out) for s in SECTIONS]
    exported = []
    for name, left_out in tables:
        for column in db.metadata.tables[name].columns:
            looks_secret = any(word in column.name for word in suspicious)
            if isinstance(column.type, String | Text) and looks_secret \
                    and column.name not in left_out \
                    and f"{name}.{column.name}" not in SECRET_LOOKING_ALLOWED:
                exported.append(f"{name}.{column.name}")
    assert exported == []


def test_the_export_costs_a_fixed_number_of_queries(app, client, rows, people):
    person, _other, extra = people
    export(client, person)
    with count_queries(app) as few:
        client.get("/account/export")
    for n in range(8):  # many more rows of several kinds
        event = rows.event(extra["club"])
        rows.comment(event, person, f"more {n}")
        rows.registration(event, person)
        rows.vote(event, person, "before", "against")
        rows.club(organisers=[person])
    with count_queries(app) as many:
        client.get("/account/export")
    assert len(many) == len(few) <= 20


def test_the_export_is_only_for_the_signed_in_person(client):
    assert client.get("/account/export").status_code == 302
