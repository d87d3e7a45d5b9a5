"""Turnout: the dashboard and its export (issue 4, items 6, 7 and 10).

Figures on a small known programme, the small-group rule (DESIGN §8),
permissions (DESIGN §4) and the query budget (DESIGN §7)."""

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from hrdebate.extensions import db
from hrdebate.models import Registration, User, utcnow
from hrdebate.turnout.aggregates import rebuild
from hrdebate.turnout.suppression import Hidden, suppress, suppress_together
from hrdebate.dbtypes import frozen_clock
from tests.helpers import count_queries, page_text, quarter_closed

HTMX = {"HX-Request": "true"}
EN = {"Accept-Language": "en"}
SMALL, COMPLEMENT = Hidden.SMALL, Hidden.COMPLEMENT


# -- the small-group rule, as a pure function -------------------------------------

def test_cells_of_1_to_4_are_hidden_and_0_stays():
    result = suppress({"a": 12, "b": 4, "c": 1, "d": 0, "e": 9})
    assert result.cells == {"a": 12, "b": SMALL, "c": SMALL, "d": 0, "e": 9}
    assert result.total == 26


def test_no_small_cell_hides_nothing():
    result = suppress({"a": 5, "b": 7, "c": 0})
    assert result.cells == {"a": 5, "b": 7, "c": 0} and result.total == 12


def test_a_single_small_cell_hides_the_next_smallest_too():
    """Total 20, 6 and 11 shown: the 3 would be 20 - 6 - 11. Hiding the 6 as
    well leaves 9 people between two cells."""
    result = suppress({"a": 11, "b": 3, "c": 6, "d": 0})
    assert result.cells == {"a": 11, "b": SMALL, "c": COMPLEMENT, "d": 0}
    assert result.total == 20
    hidden = [k for k, v in result.cells.items() if isinstance(v, Hidden)]
    assert len(hidden) == 2


def test_ties_for_next_smallest_take_the_first_in_order():
    result = suppress({"a": 8, "b": 2, "c": 8})
    assert result.cells == {"a": COMPLEMENT, "b": SMALL, "c": 8}


def test_complement_goes_on_until_the_small_cell_cannot_be_pinned():
    """1 + 5 = 6: someone who knows the rule knows the hidden small cell is
    1..4 and the other at least 5, so with 6 hidden it must be 1. The next
    cell is hidden too; then 1 + 5 + 7 = 13 leaves 1 or 2 (or 3) possible."""
    result = suppress({"a": 1, "b": 5, "c": 7, "d": 20})
    assert result.cells == {"a": SMALL, "b": COMPLEMENT, "c": COMPLEMENT, "d": 20}
    assert result.total == 33


def test_two_small_cells_that_add_up_to_2_are_pinned_too():
    """1 + 1 = 2 hidden out of a total: both must be 1."""
    result = suppress({"a": 1, "b": 1, "c": 9, "d": 12})
    assert result.cells == {"a": SMALL, "b": SMALL, "c": COMPLEMENT, "d": 12}
    # Two small cells with room to move need nothing more.
    assert suppress({"a": 2, "b": 3, "c": 9}).cells == {"a": SMALL, "b": SMALL, "c": 9}


def test_when_nothing_is_left_to_hide_the_total_is_hidden():
    result = suppress({"a": 1, "b": 5, "c": 0})
    assert result.cells == {"a": SMALL, "b": COMPLEMENT, "c": 0}
    assert result.total is COMPLEMENT
    # 4 + 4 = 8: both small cells would be 4.
    result = suppress({"a": 0, "b": 4, "c": 4})
    assert result.cells == {"a": 0, "b": SMALL, "c": SMALL} and result.total is COMPLEMENT


def test_a_total_under_5_hides_every_cell():
    result = suppress({"a": 1, "b": 1, "c": 1, "d": 1, "e": 0})
    assert result.total is SMALL
    assert set(result.cells.values()) == {SMALL}  # zeros too: 4 cells of 1 would say it all
    assert suppress({"a": 0, "b": 0}).cells == {"a": 0, "b": 0}
    assert suppress({"a": 0, "b": 0}).total == 0


def _worked_out(cells, total):
    """What a reader who knows the rule can tell about each small cell: the
    set of values it can hold, given what is shown. Small cells hold 1..4;
    complements 5 up to the smallest cell still shown."""
    import itertools
    hidden = [k for k, v in cells.items() if isinstance(v, Hidden)]
    shown = [v for v in cells.values() if not isinstance(v, Hidden) and v]
    cap = min(shown, default=total if isinstance(total, int) else 40)
    ranges = [range(1, 5) if cells[k] is SMALL else range(5, cap + 1) for k in hidden]
    possible = {k: set() for k in hidden if cells[k] is SMALL}
    for values in itertools.product(*ranges):
        if isinstance(total, Hidden) or sum(values) + sum(shown) == total:
            for k, v in zip(hidden, values):
                if k in possible:
                    possible[k].add(v)
    return possible


def _assert_safe(counts):
    result = suppress(counts)
    assert sum(1 for v in result.cells.values() if v is SMALL) >= sum(
        1 for v in counts.values() if 0 < v < 5)
    for key, values in _worked_out(result.cells, result.total).items():
        assert len(values) >= 2, (counts, result, key, values)


@pytest.mark.parametrize("counts", [
    {"a": 1, "b": 5}, {"a": 1, "b": 5, "c": 6}, {"a": 4, "b": 5, "c": 5, "d": 30},
    {"a": 2, "b": 2, "c": 2, "d": 5}, {"a": 4, "b": 4, "c": 5}, {"a": 3, "b": 9, "c": 9, "d": 9},
    {"a": 1, "b": 6, "c": 6, "d": 0}, {"a": 1, "b": 1, "c": 5, "d": 5, "e": 7},
])
def test_no_small_cell_can_be_worked_out(counts):
    _assert_safe(counts)


def test_no_small_cell_can_be_worked_out_in_any_small_table():
    import itertools
    for values in itertools.product(range(0, 13), repeat=3):
        _assert_safe(dict(zip("abc", values)))
    for values in itertools.product(range(0, 9), repeat=4):
        _assert_safe(dict(zip("abcd", values)))


def test_breakdowns_of_the_same_people_hide_their_shared_total_together():
    tables = {"age": {"young": 1, "old": 5}, "gender": {"woman": 6, "man": 0}}
    result = suppress_together(tables)
    assert result["age"].total is COMPLEMENT and result["gender"].total is COMPLEMENT
    # The gender table must not add up to the total either.
    assert result["gender"].cells == {"woman": COMPLEMENT, "man": 0}
    fine = suppress_together({"age": {"young": 7, "old": 5}, "gender": {"woman": 12}})
    assert fine["age"].total == 12 and fine["gender"].cells == {"woman": 12}


def test_the_rule_needs_no_app_nor_database():
    """suppression.py is pure: loaded on its own, it imports neither Flask nor
    SQLAlchemy, and works without an application."""
    import subprocess
    import sys
    from pathlib import Path

    import hrdebate.turnout.suppression as module
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('suppression', {str(Path(module.__file__))!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['suppression'] = m\n"
        "spec.loader.exec_module(m)\n"
        "assert m.suppress({'a': 3, 'b': 9}).cells == {'a': m.Hidden.SMALL, 'b': m.Hidden.COMPLEMENT}\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'sqlalchemy', 'hrdebate')))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_rule_keeps_the_order_of_the_cells_and_their_keys():
    result = suppress({("b", 1): 9, ("a", 2): 2, ("c", 3): 7})
    assert list(result.cells) == [("b", 1), ("a", 2), ("c", 3)]
    assert result.cells[("a", 2)] is SMALL and result.cells[("c", 3)] is COMPLEMENT


def test_an_empty_table_shows_zeros():
    assert suppress({}).cells == {} and suppress({}).total == 0
    assert suppress({"a": 0}, hide_total=True).total == 0


def test_hiding_the_total_hides_a_cell_with_it():
    """With the total hidden, a table without small cells hides its smallest
    cell, so the total cannot be added up; with small cells, they suffice."""
    result = suppress({"a": 9, "b": 6, "c": 12}, hide_total=True)
    assert result.cells == {"a": 9, "b": COMPLEMENT, "c": 12} and result.total is COMPLEMENT
    result = suppress({"a": 9, "b": 2, "c": 12}, hide_total=True)
    assert result.cells == {"a": 9, "b": SMALL, "c": 12} and result.total is COMPLEMENT


def test_the_threshold_is_5_and_can_be_given():
    from hrdebate.turnout.suppression import THRESHOLD
    assert THRESHOLD == 5
    assert suppress({"a": 5, "b": 9}).cells == {"a": 5, "b": 9}
    assert suppress({"a": 5, "b": 12, "c": 11}, threshold=10).cells == {
        "a": SMALL, "b": 12, "c": COMPLEMENT}


def test_hidden_cells_say_why_in_every_language(app):
    from hrdebate.turnout.services import hidden_text
    with app.test_request_context(headers=EN):
        assert (hidden_text(SMALL), hidden_text(COMPLEMENT)) == ("fewer than 5", "hidden")
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert hidden_text(SMALL) != "fewer than 5" and hidden_text(COMPLEMENT) != "hidden"


def test_dimensions_are_one_labelled_list(app):
    from hrdebate.turnout.dimensions import NOT_STATED
    from hrdebate.turnout.dimensions import TurnoutDimension as D
    assert D.values() == ("kind", "region", "theme", "age_band", "gender", "affiliation")
    assert [str(d) for d in D.demographic()] == ["age_band", "gender", "affiliation"]
    with app.test_request_context(headers=EN):
        assert [str(d.label) for d in D] == ["Kind", "Region", "Theme", "Age", "Gender",
                                             "Affiliation"]
        assert D.KIND.name_of("moot_court") == "Moot court"
        assert D.THEME.name_of("women") == "Women's rights"
        assert D.GENDER.name_of(NOT_STATED) == "Not stated"
        assert D.REGION.name_of("atlantis") == "atlantis"  # an unknown code, as it is
        assert list(D.AGE_BAND.names) == ["under_18", "18_24", "25_34", "35_49", "50_plus"]
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        # Existing messages, already translated.
        assert str(D.AGE_BAND.label) != "Age" and D.KIND.name_of("debate") != "Debate"


# -- a small programme with known figures ------------------------------------------

def _walk_in(make_registration, event, consent=False, **answers):
    """Someone checked in at the door without an account (``answers``: their
    demographics, counted only with ``consent``)."""
    make_registration(event, source="walk_in", checked_in=True, walk_in_name="Walk-in person",
                      walk_in_consent=consent, **answers)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


MARCH = date(2026, 3, 1)


@pytest.fixture
def programme(app, make_user, make_club, make_event, make_registration):
    """Two clubs. ``club`` (owner ``organiser``) ran two debates in March 2026
    and a moot court in February 2025, and has an upcoming debate;
    ``other_club`` (owner ``other_org``) ran a civic project in March 2026."""
    organiser = make_user("organiser", display_name="Organiser Olga")
    other_org = make_user("other_org")
    make_user("citizen")
    make_user("admin", site_role="admin")
    club = make_club(owner=organiser, slug="auca", name="AUCA Debate Club", region="bishkek")
    other_club = make_club(owner=other_org, slug="osh", name="Osh Civic", region="osh_city")

    debate1 = make_event(club, kind="debate", starts_at=utc(2026, 3, 10, 10),
                         topics=["women", "education"], title="First debate")
    debate2 = make_event(club, kind="debate", starts_at=utc(2026, 3, 20, 10),
                         topics=["women"], title="Second debate", region="chui")
    old_moot = make_event(club, kind="moot_court", starts_at=utc(2025, 2, 1, 10),
                          topics=["fair-trial"], title="Old moot court")
    upcoming = make_event(club, kind="debate", starts_in=timedelta(days=5), title="Next debate")
    draft = make_event(club, kind="debate", status="draft", starts_at=utc(2026, 3, 12, 10))
    cancelled = make_event(club, kind="debate", status="cancelled",
                           starts_at=utc(2026, 3, 13, 10))
    civic = make_event(other_club, kind="civic_project", starts_at=utc(2026, 3, 15, 10),
                       topics=["environment"], title="Clean river")

    # p0..p6 consented; p0..p5 are 18-24, p0..p2 women, p3.. men; all students.
    consent = utc(2025, 1, 1)
    people = [make_user(f"p{i}", display_name=f"Secret Person {i}",
                        demographics_consent_at=consent if i < 7 else None,
                        age_band="18_24" if i < 6 else "25_34", gender="woman" if i < 3 else "man",
                        affiliation="student") for i in range(10)]
    # First debate: p0..p5 came, p6 and p7 did not; p8 waitlisted; p9 cancelled;
    # 2 walk-ins, one of whom consented (under 18, a woman, a pupil).
    for p in people[:6]:
        make_registration(debate1, p, checked_in=True)
    for p in people[6:8]:
        make_registration(debate1, p)
    make_registration(debate1, people[8], status="waitlisted")
    make_registration(debate1, people[9], status="cancelled")
    _walk_in(make_registration, debate1, consent=True,
             age_band="under_18", gender="woman", affiliation="pupil")
    _walk_in(make_registration, debate1)
    # Second debate: p0, p1 (again) and p7 (no consent) came, p6 did not.
    for p in (people[0], people[1], people[7]):
        make_registration(debate2, p, checked_in=True)
    make_registration(debate2, people[6])
    # The old moot court: p2 came.
    make_registration(old_moot, people[2], checked_in=True)
    make_registration(upcoming, people[3])
    make_registration(upcoming, people[4], status="waitlisted")
    for event in (draft, cancelled):  # never counted
        make_registration(event, people[5], checked_in=True)
        _walk_in(make_registration, event, consent=True,
                 age_band="35_49", gender="other", affiliation="other")
    # The other club's project: 5 walk-ins, all consenting, 50+, men, NGO.
    for _ in range(5):
        _walk_in(make_registration, civic, consent=True,
                 age_band="50_plus", gender="man", affiliation="ngo")
    return {"club": club, "other_club": other_club, "debate1": debate1, "upcoming": upcoming}


def _scope(app, club_slug=None, **filters):
    from hrdebate.models import Club
    from hrdebate.turnout import services
    club_ids = None
    if club_slug:
        with app.app_context():
            club_ids = (db.session.scalar(db.select(Club.id).filter_by(slug=club_slug)),)
    return services.Scope(club_ids=club_ids, **filters)


def _dashboard(app, club_slug=None, **filters):
    """Every figure, unpaginated, as the admin (or one club's organiser) sees them."""
    from hrdebate.turnout import services
    scope = _scope(app, club_slug, **filters)
    with app.test_request_context(headers=EN):
        return services.dashboard(scope, per_page=None)


def _raw_demographics(app, club_slug=None):
    """The consenting people of each cell, exactly (before any noise)."""
    from hrdebate.turnout import services
    scope = _scope(app, club_slug)
    with app.app_context():
        counts = services.demographics(scope)
    tables = {str(dimension): {key: cell.n for key, cell in cells.items()}
              for dimension, cells in counts.tables.items()}
    return {**tables, "total": counts.total.n}


def _set_record_keys(app, key):
    """Give every person and registration the same record key, so that the
    noise of each cell is known: a cell of n people has the key n * key."""
    with app.app_context():
        for model in (User, Registration):
            db.session.execute(db.update(model).values(record_key=key))
        rebuild(db.session.connection())  # a bulk UPDATE: the aggregates are computed again
        db.session.commit()


def test_summary_of_one_club(app, programme):
    s = _dashboard(app, "auca").summary
    assert s.events == 4 and s.ended_events == 3  # not the draft nor the cancelled one
    assert s.registered == 8 + 4 + 1 + 1  # online, not cancelled; the upcoming one too
    assert s.waitlisted == 2
    assert s.attended_online == 6 + 3 + 1
    assert s.walk_ins == 2
    assert s.attendances == 12
    assert s.no_shows == 2 + 1 + 0  # ended events only
    assert s.rate == pytest.approx(10 / 13)
    # p0..p5, p7 and 2 walk-ins; p0, p1 and p2 came twice.
    assert s.unique == 9 and s.repeat == 3


def test_per_event_figures(app, programme):
    items = _dashboard(app).events.items
    assert [e.title for e in items] == ["Next debate", "Second debate", "Clean river",
                                        "First debate", "Old moot court"]
    lines = {e.title: e for e in items}
    first = lines["First debate"]
    assert (first.registered, first.waitlisted, first.attended_online, first.walk_ins,
            first.no_shows) == (8, 1, 6, 2, 2)
    assert first.rate == pytest.approx(6 / 8) and first.club_name == "AUCA Debate Club"
    upcoming = lines["Next debate"]
    assert (upcoming.registered, upcoming.waitlisted, upcoming.attendances) == (1, 1, 0)
    assert upcoming.no_shows is None and upcoming.rate is None
    river = lines["Clean river"]
    assert (river.registered, river.walk_ins, river.no_shows, river.rate) == (0, 5, 0, None)


def _line(f):
    return (f.events, f.attendances, f.unique, f.repeat,
            None if f.rate is None else round(f.rate, 3))


def test_per_club_and_month(app, programme):
    upcoming_month = (programme["upcoming"].starts_at + timedelta(hours=6)).date().replace(day=1)
    rows = {(f.club_slug, f.month): _line(f) for f in _dashboard(app).club_months.items}
    assert rows == {
        ("auca", date(2025, 2, 1)): (1, 1, 1, 0, 1.0),
        ("auca", MARCH): (2, 11, 9, 2, 0.75),  # p0, p1 came twice; 9 of 12 online came
        ("auca", upcoming_month): (1, 0, 0, 0, None),
        ("osh", MARCH): (1, 5, 5, 0, None),  # walk-ins only: no rate
    }
    # Ordered by club name, then month.
    assert [(f.club_slug, f.month) for f in _dashboard(app).club_months.items][-1] == (
        "osh", MARCH)


def test_club_months_come_in_pages(app, programme):
    from hrdebate.turnout import services
    scope = _scope(app)
    with app.app_context():
        first = services.by_club_month(scope, page=1, per_page=3)
        second = services.by_club_month(scope, page=2, per_page=3)
    assert (first.total, first.pages, first.has_next, len(first.items)) == (4, 2, True, 3)
    assert [(f.club_slug, f.month) for f in second.items] == [("osh", MARCH)]


def test_long_tables_use_flask_sqlalchemys_pagination(app, programme):
    """The per-event and club-and-month tables are db.paginate's pages, their
    totals known without a count of their own; past the end, a page is empty
    and keeps the total."""
    from flask_sqlalchemy.pagination import Pagination

    from hrdebate.turnout import services
    scope = _scope(app)
    with app.test_request_context(headers=EN):
        data = services.dashboard(scope, event_page=2, club_month_page=1, per_page=2)
        assert isinstance(data.events, Pagination) and isinstance(data.club_months, Pagination)
        assert (data.events.total, data.events.pages, data.events.page) == (5, 3, 2)
        assert [e.title for e in data.events.items] == ["Clean river", "First debate"]
        assert (data.club_months.total, len(data.club_months.items)) == (4, 2)
        beyond = services.dashboard(scope, event_page=9, club_month_page=9, per_page=2)
        assert beyond.events.items == [] and beyond.events.total == 5
        assert beyond.club_months.items == [] and beyond.club_months.total == 4
        # The export: every line on one page.
        everything = services.dashboard(scope, per_page=None)
        assert (len(everything.events.items), everything.events.pages) == (5, 1)


def test_per_month(app, programme):
    months = {f.month: _line(f) for f in _dashboard(app).months}
    assert months[date(2025, 2, 1)] == (1, 1, 1, 0, 1.0)
    assert months[MARCH] == (3, 16, 14, 2, 0.75)
    assert [f.month for f in _dashboard(app).months] == sorted(months)


def test_months_are_bishkek_months(app, make_user, make_club, make_event, make_registration):
    """31 March 20:00 UTC is 1 April in Bishkek: April, not March. The
    period's dates are Bishkek days too."""
    club = make_club(owner=make_user("owner"))
    a = make_event(club, starts_at=utc(2024, 3, 10, 12))
    b = make_event(club, starts_at=utc(2024, 3, 15, 12))
    c = make_event(club, starts_at=utc(2024, 3, 31, 20))
    person, other = make_user(), make_user()
    for event in (a, b, c):
        make_registration(event, person, checked_in=True)
    make_registration(a, other, checked_in=True)
    _walk_in(make_registration, b)
    months = {f.month: _line(f) for f in _dashboard(app).months}
    assert months == {date(2024, 3, 1): (2, 4, 3, 1, 1.0), date(2024, 4, 1): (1, 1, 1, 0, 1.0)}
    assert _dashboard(app, end=date(2024, 3, 31)).summary.events == 2
    assert _dashboard(app, start=date(2024, 4, 1)).summary.events == 1
    assert _dashboard(app, start=date(2024, 3, 15), end=date(2024, 3, 15)).summary.events == 1


def test_breakdowns_by_kind_region_and_theme(app, programme):
    b = _dashboard(app).breakdowns
    assert b["kind"] == {"debate": 11, "moot_court": 1, "civic_project": 5}
    assert b["region"] == {"bishkek": 9, "osh_city": 5, "chui": 3}
    # The first debate has two themes and counts under both.
    assert b["theme"] == {"women": 11, "education": 8, "environment": 5, "fair-trial": 1}


def test_filters_period_kind_and_region(app, programme):
    march = _dashboard(app, start=MARCH, end=date(2026, 3, 31)).summary
    assert (march.events, march.attendances, march.unique, march.repeat) == (3, 16, 14, 2)
    assert _dashboard(app, kind="moot_court").summary.attendances == 1
    assert _dashboard(app, region="chui").summary.attendances == 3
    assert _dashboard(app, "osh", kind="debate").summary.events == 0


def test_demographics_count_consenting_people_once(app, programme):
    raw = _raw_demographics(app, "auca")
    # p0..p5 once each (p0..p2 came twice) and the consenting walk-in. Not p6
    # (consented, never came), p7 (came, no consent), the other walk-in, nor
    # anyone at the draft or the cancelled event.
    assert raw["age_band"] == {"under_18": 1, "18_24": 6, "25_34": 0, "35_49": 0,
                               "50_plus": 0, "": 0}
    assert raw["gender"] == {"woman": 4, "man": 3, "other": 0, "undisclosed": 0, "": 0}
    assert raw["affiliation"] == {"student": 6, "pupil": 1, "ngo": 0, "teacher": 0,
                                  "other": 0, "": 0}


def test_demographics_are_perturbed_then_suppressed(app, programme):
    """Each cell shows its count plus the noise of its key, and then the
    small-group rule runs on what would be shown. With every record key 0,
    every cell key is 0 and the noise is the table's for (count, 0)."""
    from hrdebate.turnout.perturbation import perturb
    app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
    _set_record_keys(app, 0)
    raw = _raw_demographics(app)
    d = _dashboard(app)
    expected = suppress_together({name: {key: perturb(n, 0) for key, n in raw[name].items()}
                                  for name in ("age_band", "gender", "affiliation")})
    assert {str(name): table for name, table in d.demographics.items()} == expected
    assert d.demographics_total == perturb(12, 0) == 13
    # The whole programme: 1 + 6 + 5 people by age, shown as 1 + 8 + 4 (the 1
    # is small, so keeps its count; the 5 happens to be shown as 4, "fewer
    # than 5"). 1 + 4 = 5 hidden could be 1 + 4, 2 + 3, ...: nothing pinned.
    assert (raw["age_band"]["under_18"], raw["age_band"]["18_24"], raw["age_band"]["50_plus"]) \
        == (1, 6, 5)
    assert (perturb(6, 0), perturb(5, 0)) == (8, 4)
    age = d.demographics["age_band"]
    assert age.cells == {"under_18": SMALL, "18_24": 8, "25_34": 0, "35_49": 0,
                         "50_plus": SMALL, "": 0}
    assert age.total == 13
    # One club: 4 women and 3 men, both small, so neither is perturbed nor shown.
    gender = _dashboard(app, "auca").demographics["gender"]
    assert gender.cells["woman"] is SMALL and gender.cells["man"] is SMALL


def test_demographics_need_a_large_enough_selection(app, programme):
    """12 consenting people in the programme: fewer than 20, so no table at
    all (not even "fewer than 5" cells); the limit is a setting."""
    d = _dashboard(app)
    assert d.demographics is None and d.demographics_total is None
    assert d.demographics_min_people == 20
    app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
    assert _dashboard(app).demographics is not None


def test_demographics_leave_out_people_without_consent(app, make_user, make_club, make_event,
                                                       make_registration):
    club = make_club(owner=make_user("owner"))
    event = make_event(club, starts_in=timedelta(days=-10))
    for _ in range(6):  # answers, but no consent
        make_registration(event, make_user(age_band="35_49", gender="man", affiliation="teacher"),
                  checked_in=True)
        _walk_in(make_registration, event, consent=False,
                 age_band="35_49", gender="man", affiliation="teacher")
    for _ in range(5):
        make_registration(event, make_user(demographics_consent_at=utcnow(), age_band="18_24",
                                        gender="woman", affiliation="student"),
                  checked_in=True)
    # Consented but did not come: not counted either.
    make_registration(event, make_user(demographics_consent_at=utcnow(), age_band="35_49"))
    raw = _raw_demographics(app)
    assert raw["age_band"]["35_49"] == 0 and raw["age_band"]["18_24"] == 5
    assert raw["gender"] == {"woman": 5, "man": 0, "other": 0, "undisclosed": 0, "": 0}
    assert raw["total"] == 5


def test_deleted_accounts_count_as_people_but_not_in_demographics(app, make_user, make_club,
                                                                   make_event, make_registration):
    club = make_club(owner=make_user("owner"))
    event = make_event(club, starts_in=timedelta(days=-10))
    for _ in range(5):
        make_registration(event, make_user(demographics_consent_at=utcnow(), gender="woman"),
                  checked_in=True)
    make_registration(event, None, checked_in=True)  # an account deleted since
    data = _dashboard(app)
    assert data.summary.unique == 6
    assert _raw_demographics(app)["gender"]["woman"] == 5


def test_consent_without_answers_is_not_stated(app, make_user, make_club, make_event,
                                               make_registration):
    club = make_club(owner=make_user("owner"))
    event = make_event(club, starts_in=timedelta(days=-10))
    for _ in range(5):
        make_registration(event, make_user(demographics_consent_at=utcnow()), checked_in=True)
    raw = _raw_demographics(app)
    assert raw["gender"][""] == 5 and raw["total"] == 5


# -- the page ----------------------------------------------------------------------

def test_organiser_sees_the_dashboard(client, auth, programme):
    auth.login("organiser")
    response = client.get("/turnout/", headers=EN)
    assert response.status_code == 200
    text = page_text(response.text)
    assert "First debate" in response.text and "Clean river" not in response.text
    assert "Osh Civic" not in response.text
    assert "only for a selection with at least 20 people" in text  # 7 consenting people
    assert "counts under both" in text
    # Charts are inline SVG with a title, no style attributes, no script.
    assert response.text.count("<svg") >= 4 and "<title id=" in response.text
    assert "style=" not in response.text and "<script>" not in response.text
    # Never a person: no display names or usernames.
    assert "Secret Person" not in response.text and ">p0<" not in response.text


def test_suppressed_cells_are_not_drawn(app, client, auth, make_user, make_club, make_event,
                                        make_registration):
    app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
    club = make_club(owner=make_user("owner"))
    event = make_event(club, starts_in=timedelta(days=-10))
    for gender, n in (("woman", 7), ("man", 2), ("other", 6)):
        for _ in range(n):
            _walk_in(make_registration, event, consent=True, gender=gender, record_key=0)
    with frozen_clock(quarter_closed(app, event)):  # the event's quarter is the latest closed
        auth.login("owner")
        html = client.get("/turnout/", headers=EN).text
    start = html.index('<title id="chart-gender-title"')
    chart = html[start:html.index("</svg>", start)]
    # With every key 0, 7 women show as 7 and 6 of another gender as 8
    # (perturbation.perturb). The 2 men are fewer than 5, and would be
    # 17 - 7 - 8: the smallest cell shown, the women, is hidden too.
    assert chart.count("<rect") == 1 and "Another gender" in chart
    assert "Man" not in chart and "Woman" not in chart
    table = html[html.index("</svg>", start):html.index("</table>", start)]
    assert "fewer than 5" in table and "hidden" in table and ">8<" in table
    assert ">17<" in table  # the total
    assert "Figures are slightly perturbed" in page_text(html)


def test_a_breakdown_with_nothing_to_draw_has_no_chart(app, client, auth, programme):
    app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
    auth.login("organiser")
    html = client.get("/turnout/?quarter=2026-Q1", headers=EN).text
    assert 'id="chart-gender-heading"' in html and 'id="chart-gender-title"' not in html


def test_admin_sees_every_club(client, auth, programme):
    auth.login("admin")
    response = client.get("/turnout/", headers=EN)
    assert response.status_code == 200
    assert "Clean river" in response.text and "First debate" in response.text
    assert "By club and month" in response.text
    only_osh = client.get("/turnout/?club=osh", headers=EN)
    assert "Clean river" in only_osh.text and "First debate" not in only_osh.text
    assert client.get("/turnout/?club=nowhere").status_code == 404


def test_anonymous_is_sent_to_log_in(client, programme):
    for url in ("/turnout/", "/turnout/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/turnout/", "/turnout/export.csv"])
def test_citizen_is_refused(client, auth, programme, url):
    auth.login("citizen")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/turnout/", "/turnout/export.csv"])
def test_organiser_of_another_club_sees_only_their_own(client, auth, programme, url):
    auth.login("other_org")
    response = client.get(url, headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Clean river" in body and "First debate" not in body and "AUCA" not in body
    assert client.get(url + "?club=auca").status_code == 403


@pytest.mark.parametrize("url", ["/turnout/", "/turnout/export.csv"])
def test_a_club_that_does_not_exist_is_404_for_everyone(client, auth, programme, url):
    """Through the one door (access.get_club_or_404): an unknown club is 404,
    someone else's club 403."""
    for who in ("organiser", "admin"):
        auth.login(who)
        assert client.get(url + "?club=nowhere").status_code == 404
    auth.login("organiser")
    assert client.get(url + "?club=osh").status_code == 403


def test_the_filters_speak_htmx_in_valid_attributes(client, auth, programme):
    auth.login("organiser")
    html = client.get("/turnout/", headers=EN).text
    start = html.index('<div id="dashboard">')
    dashboard = html[start:]
    assert 'data-hx-get="/turnout/"' in dashboard and 'data-hx-target="#dashboard"' in dashboard
    assert 'data-hx-boost="false"' in dashboard
    assert " hx-" not in dashboard.replace("\n", " ")


def test_a_club_moderator_is_not_an_organiser(client, auth, make_user, make_club, programme):
    make_club(owner=make_user("someone"), moderators=[make_user("club_mod")])
    auth.login("club_mod")
    assert client.get("/turnout/").status_code == 403


def test_managed_clubs_are_the_clubs_a_person_owns_or_organises(app, make_user, make_club):
    """access.managed_clubs, which turnout reads: owner and organiser yes,
    club moderator and member no; an admin manages every club."""
    from flask_login import AnonymousUserMixin

    from hrdebate.access import managed_clubs

    owner, organiser, moderator = make_user(), make_user(), make_user()
    admin = make_user(site_role="admin")
    beta = make_club(owner=owner, organisers=[organiser], moderators=[moderator], name="Beta")
    alpha = make_club(owner=organiser, name="Alpha")
    with app.test_request_context():
        def slugs(user):
            return [club.slug for club in managed_clubs(db.session.get(User, user.id))]

        assert slugs(owner) == [beta.slug]
        assert slugs(organiser) == [alpha.slug, beta.slug]  # by name
        assert slugs(moderator) == []
        assert slugs(admin) == [alpha.slug, beta.slug]
        assert managed_clubs(AnonymousUserMixin()) == []


def test_filters_on_the_page(client, auth, programme):
    auth.login("organiser")
    response = client.get("/turnout/?kind=moot_court", headers=EN)
    assert "Old moot court" in response.text and "First debate" not in response.text
    # The club list offers only the organiser's clubs.
    assert 'value="auca"' in response.text and "Osh Civic" not in response.text


@pytest.mark.parametrize("query", ["start=yesterday", "start=2024-05-01&end=2024-04-01",
                                   "kind=party", "region=mars"])
def test_bad_filters_come_back_with_errors(client, auth, programme, query):
    auth.login("organiser")
    response = client.get(f"/turnout/?{query}", headers=EN)
    assert response.status_code == 422
    assert "Please correct the marked fields." in response.text
    assert "First debate" not in response.text
    assert client.get(f"/turnout/export.csv?{query}").status_code == 400


def test_htmx_gets_the_dashboard_fragment(client, auth, programme):
    auth.login("organiser")
    response = client.get("/turnout/?kind=debate", headers={**HTMX, **EN})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="dashboard"' in response.text
    assert "First debate" in response.text
    assert "HX-Request" in response.headers["Vary"]
    boosted = client.get("/turnout/", headers={**HTMX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_per_event_table_is_paginated(app, client, auth, make_user, make_club, make_event):
    owner = make_user("owner")
    club = make_club(owner=owner)
    for i in range(27):
        make_event(club, starts_in=timedelta(days=-30 - i), title=f"Numbered {i:02d}")
    auth.login("owner")
    first = client.get("/turnout/", headers=EN).text
    assert "Numbered 00" in first and "Numbered 24" in first and "Numbered 25" not in first
    assert "Page 1 of 2" in first
    second = client.get("/turnout/?page=2", headers=EN).text
    assert "Numbered 26" in second and "Numbered 00" not in second
    assert client.get("/turnout/?page=abc").status_code == 200


# -- the export -----------------------------------------------------------------------

def _csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_is_utf8_csv_with_a_bom(client, auth, programme):
    auth.login("organiser")
    response = client.get("/turnout/export.csv", headers=EN)
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == ["section", "key", "label", "measure", "value"]
    summary = {row["measure"]: row["value"] for row in rows if row["section"] == "summary"}
    assert summary["participants"] == "12" and summary["unique_participants"] == "9"
    events = {(row["label"], row["measure"]): row["value"] for row in rows
              if row["section"] == "event"}
    assert events[("First debate", "walk_ins")] == "2"
    assert ("Clean river", "walk_ins") not in events
    themes = {row["key"]: row["value"] for row in rows if row["section"] == "theme"}
    assert themes["women"] == "11"


def test_export_names_no_one_and_suppresses_like_the_page(app, client, auth, programme):
    app.config["TURNOUT_DEMOGRAPHICS_MIN_PEOPLE"] = 5
    auth.login("organiser")
    response = client.get("/turnout/export.csv?quarter=2026-Q1", headers=EN)
    body = response.get_data(as_text=True)
    for name in ("Secret Person", "Organiser Olga", "organiser", "p0", "Walk-in person"):
        assert name not in body
    rows = _csv(response)
    gender = {row["key"]: row["value"] for row in rows if row["section"] == "gender"}
    assert gender["woman"] == "fewer than 5" and gender["man"] == "fewer than 5"
    for row in rows:
        if row["section"] in ("age_band", "gender", "affiliation") and row["value"].isdigit():
            assert int(row["value"]) == 0 or int(row["value"]) >= 5, row


def test_export_keeps_the_filters(client, auth, programme):
    auth.login("admin")
    rows = _csv(client.get("/turnout/export.csv?club=osh&kind=civic_project", headers=EN))
    filters = {row["key"]: row["value"] for row in rows if row["section"] == "filter"}
    latest = filters.pop("quarter")  # the demographic tables' quarter: the latest closed one
    assert filters == {"club": "osh", "kind": "civic_project"}
    assert [(row["key"], row["value"]) for row in rows if row["measure"] == "period"] == [
        ("quarter", latest)]
    assert {row["label"] for row in rows if row["section"] == "event"} == {"Clean river"}


def test_export_defuses_spreadsheet_formulas(client, auth, make_user, make_club, make_event):
    club = make_club(owner=make_user("owner"), name="=HYPERLINK(1)")
    make_event(club, starts_in=timedelta(days=-3), title="+SUM(A1:A9)")
    auth.login("owner")
    rows = _csv(client.get("/turnout/export.csv"))
    labels = {row["label"] for row in rows if row["section"] == "event"}
    assert labels == {"'+SUM(A1:A9)"}


# -- the query budget ----------------------------------------------------------------------

def _grow(app, club, n_events, per_event):
    """Bulk-insert events and checked-in registrations."""
    from sqlalchemy import insert

    from hrdebate.models import Event
    now = utcnow()
    with app.app_context():
        users = db.session.execute(insert(User).returning(User.id), [
            {"username": f"bulk{club.id}-{i}", "display_name": "x", "password_hash": "x",
             "demographics_consent_at": now if i % 2 else None, "age_band": "18_24",
             "gender": "woman", "affiliation": "student"} for i in range(per_event)]).scalars().all()
        events = db.session.execute(insert(Event).returning(Event.id), [
            {"club_id": club.id, "kind": "debate", "status": "published", "title": f"Bulk {i}",
             "starts_at": now - timedelta(days=i + 1), "ends_at": now - timedelta(days=i + 1)
             + timedelta(hours=2), "region": "bishkek", "language": "ru"}
            for i in range(n_events)]).scalars().all()
        db.session.execute(insert(Registration), [
            {"event_id": e, "user_id": u, "status": "registered", "source": "online",
             "checked_in_at": now if u % 3 else None} for e in events for u in users])
        rebuild(db.session.connection())  # bulk INSERTs: the aggregates are computed again
        db.session.commit()


@pytest.mark.parametrize("who", ["admin", "organiser"])
def test_query_count_does_not_grow_with_the_data(app, client, auth, programme, who):
    auth.login(who)
    urls = ["/turnout/", "/turnout/export.csv", "/turnout/?kind=debate&start=2020-01-01",
            "/turnout/?club=auca&page=2"]
    counts = {}
    for url in urls:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        counts[url] = len(statements)
    _grow(app, programme["club"], 40, 30)
    _grow(app, programme["other_club"], 30, 20)
    for url in urls:
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == counts[url], (url, statements)
    # Loading the user, the unread notifications, the clubs, and the figures.
    assert counts["/turnout/"] <= 12, counts


@pytest.mark.parametrize(("code", "label"), [
    ("ky", "2026-ж., 1-чейрек"), ("ru", "1-й квартал 2026 г."), ("uz", "2026-yil, 1-chorak"),
    ("en", "Quarter 1 of 2026")])
def test_a_quarter_is_named_in_the_readers_language(client, auth, programme, code, label):
    auth.login("organiser")
    text = page_text(client.get(f"/turnout/?quarter=2026-Q1&lang={code}").text, lang=code)
    assert label in text
    assert "Q1" not in text
