"""One CSV writer for every download (issue 9, item 6; DESIGN §8: "every CSV
cell is neutralised against spreadsheet formulas").

Against the code before, a display name or a walk-in name such as
``=HYPERLINK("http://x","y")`` went raw into ``attendance.csv``."""

import ast
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from hrdebate.csvfile import csv_text, neutralised

PACKAGE = Path(__file__).resolve().parent.parent / "hrdebate"
EN = {"Accept-Language": "en"}
# What a spreadsheet would run, and what it would show instead.
PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
]


def _rows(response):
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_that_could_be_a_formula_is_neutralised(payload):
    assert neutralised(payload) == "'" + payload
    # Read back as a spreadsheet reads it: the cell starts with the apostrophe.
    (row,) = list(csv.reader(io.StringIO(csv_text(["name"], [[payload]]).lstrip("\ufeff"),
                                         newline="")))[1:]
    assert row == ["'" + payload]


def test_ordinary_cells_stay_as_they_are():
    assert [neutralised(v) for v in ("Айгерим", "O'Neil", "", None, 0, -3, 2.5, "a=b")] == [
        "Айгерим", "O'Neil", "", "", 0, -3, 2.5, "a=b"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_attendance_csv_neutralises_display_and_walk_in_names(app, client, auth, make_user,
                                                              make_club, make_event,
                                                              make_registration, payload):
    organiser = make_user("organiser")
    event = make_event(make_club(owner=organiser))
    make_registration(event, make_user(display_name=payload))
    make_registration(event, source="walk_in", walk_in_name=payload + " (walk-in)",
                      checked_in=True)
    auth.login("organiser")
    rows = _rows(client.get(f"/events/{event.id}/attendance.csv"))
    names = sorted(row[0] for row in rows[1:])
    assert names == sorted(["'" + payload, "'" + payload + " (walk-in)"])
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_turnout_export_neutralises_titles_and_club_names(app, client, auth, make_user,
                                                          make_club, make_event, payload):
    club = make_club(owner=make_user("owner"), name=payload[:60])
    make_event(club, starts_in=timedelta(days=-3), title=payload + " event")
    auth.login("owner")
    rows = _rows(client.get("/turnout/export.csv", headers=EN))
    events = [row for row in rows if row[0] == "event"]
    assert {row[2] for row in events} == {"'" + payload + " event"}
    assert ["'" + payload[:60]] == [row[4] for row in events if row[3] == "club"]
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)


def _writes_csv(tree) -> list[int]:
    """Lines that write CSV: csv.writer / csv.DictWriter, or importing them."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") \
                and isinstance(node.value, ast.Name) and node.value.id == "csv":
            found.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "csv" and any(
                alias.name in ("writer", "DictWriter") for alias in node.names):
            found.append(node.lineno)
    return found


def test_only_the_csv_module_writes_csv():
    """Every export goes through hrdebate/csvfile.py, so none can forget to
    neutralise its cells."""
    writers = {}
    for path in PACKAGE.rglob("*.py"):
        lines = _writes_csv(ast.parse(path.read_text("utf-8"), str(path)))
        if lines:
            writers[str(path.relative_to(PACKAGE))] = lines
    assert list(writers) == ["csvfile.py"], writers
    # The check sees what it looks for.
    assert _writes_csv(ast.parse("import csv\nw = csv.writer(out)")) == [2]
    assert _writes_csv(ast.parse("from csv import DictWriter")) == [1]
