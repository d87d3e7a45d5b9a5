"""Search people can type (issue #11): one fold for what is stored and what
is typed, so a word is found whatever its script, apostrophe or Kyrgyz
letters; events by title, place, region, club and theme; clubs on /clubs/."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text

from hrdebate.extensions import db
from hrdebate.models import Club, Event
from hrdebate.search import search_key
from tests.helpers import count_queries, empty_schema, fetch
from tests.test_events import form_data

HTMX = {"HX-Request": "true"}


def found(client, q, titles, url="/events/"):
    """Which of ``titles`` the list at ``url`` shows for the query ``q``."""
    page = client.get(url, query_string={"q": q, "when": "all"}).text
    return {title for title in titles if title in page}


# -- the fold ------------------------------------------------------------------------

@pytest.mark.parametrize("spellings", [
    ("yigʻilish", "yig'ilish", "yig`ilish", "yig’ilish", "yig‘ilish", "yig´ilish", "yigilish",
     "йиғилиш", "ЙИҒИЛИШ"),
    ("кеңеш", "кенеш", "Kenesh", "KEŃESH", "Кеңеш"),
    ("Ош", "Osh", "Oʻsh", "ОШ", "ＯＳＨ"),
    ("Ўзбекистон", "Oʻzbekiston", "O'zbekiston", "Ozbekiston"),
    ("Халқаро", "Xalqaro", "Khalqaro"),
    ("Ҳуқуқ", "huquq", "Huquq"),
    ("Жогорку", "Jogorku", "Zhogorku"),
    ("Ёшлар", "Yoshlar"),
    ("Ер", "Yer"),
    ("Қаер", "qayer"),
    ("конференция", "konferensiya"),
    ("лицей", "litsey"),
    ("маъруза", "maʼruza", "ma'ruza"),
    ("Чүй", "Chüy", "Chuy"),
    ("Кыргызстан", "Kyrgyzstan", "Kırgızstan", "Kirgizstan"),
    ("Айгерим", "Aigerim", "Aygerim"),
    ("Юлия", "Yuliya", "Iuliia"),
])
def test_one_word_in_any_script_or_apostrophe_folds_to_one_key(spellings):
    assert len({search_key(spelling) for spelling in spellings}) == 1, \
        {spelling: search_key(spelling) for spelling in spellings}


def test_the_fold_keeps_what_differs_and_what_is_not_a_letter():
    assert search_key("qoʻl") != search_key("koʻl")  # hand, lake
    assert search_key("ёл") != search_key("ел")  # ё is not е
    assert search_key("  Жогорку \n\t Кеңеш ") == "zhogorku kenesh"
    assert search_key("50% _a") == "50% _a"


@pytest.mark.parametrize(("text", "start"), [
    ("Kazakhstan", "Kazah"), ("Zhogorku", "Zh"), ("Жогорку", "Jog"), ("Human rights", "right"),
    ("Kenesh", "Кең"), ("Xalqaro", "halqaro"),
])
def test_a_query_cut_short_is_still_found(text, start):
    assert search_key(start) in search_key(text)


# -- events ----------------------------------------------------------------------------

def test_apostrophes_as_typed_find_the_uzbek_word(client, make_club, make_event):
    club = make_club()
    make_event(club, title="Talabalar yigʻilishi: ovoz berish yoshi", language="uz")
    make_event(club, title="Other event")
    titles = {"Talabalar yigʻilishi", "Other event"}
    for query in ("yig'ilish", "yigʻilish", "yig`ilish", "yig’ilish", "yigilish", "ЙИҒИЛИШ"):
        assert found(client, query, titles) == {"Talabalar yigʻilishi"}, query


def test_kyrgyz_letters_typed_plain_find_the_word(client, make_club, make_event):
    club = make_club()
    make_event(club, title="Жаштар кеңеши шайлоо жөнүндө")
    make_event(club, title="Other event")
    titles = {"Жаштар кеңеши", "Other event"}
    for query in ("кенеш", "Кеңеш", "kenesh", "жонундо", "jonundo"):
        assert found(client, query, titles) == {"Жаштар кеңеши"}, query


def test_osh_finds_the_events_in_osh_by_venue_region_and_club(client, make_club, make_event):
    bishkek = make_club(name="Bishkek Debaters", region="bishkek")
    osh_club = make_club(name="Ош дебат клубу", region="osh_city")
    make_event(bishkek, title="By venue", venue="Ош мамлекеттик университети", region="bishkek")
    make_event(bishkek, title="By region", venue="Main hall", region="osh")
    make_event(osh_club, title="By club", venue="Main hall", region="bishkek")
    make_event(bishkek, title="In Bishkek", venue="Main hall", region="bishkek")
    titles = {"By venue", "By region", "By club", "In Bishkek"}
    for query in ("Ош", "ош", "Osh", "Oʻsh", "O'sh"):
        assert found(client, query, titles) == {"By venue", "By region", "By club"}, query
    # The region's names in every language, whatever the page's.
    for query in ("Ошская область", "Oʻsh viloyati", "Ош облусу", "Osh region"):
        assert found(client, query, titles) == {"By region"}, query


def test_uzbek_in_cyrillic_finds_latin_and_back(client, make_club, make_event):
    club = make_club()
    make_event(club, title="Inson huquqlari boʻyicha xalqaro konferensiya", language="uz")
    make_event(club, title="Ёшлар ва жамият: очиқ мулоқот", language="uz")
    make_event(club, title="Other event")
    titles = {"Inson huquqlari", "Ёшлар ва жамият", "Other event"}
    for query in ("ҳуқуқлари", "Халқаро конференция", "бўйича", "halqaro"):
        assert found(client, query, titles) == {"Inson huquqlari"}, query
    for query in ("yoshlar", "jamiyat", "ochiq muloqot", "Yoshlar va jamiyat"):
        assert found(client, query, titles) == {"Ёшлар ва жамият"}, query


def test_kyrgyz_cyrillic_finds_a_title_in_latin_letters(client, make_club, make_event):
    club = make_club()
    make_event(club, title="Jogorku Kenesh jana jashtar", language="ky")
    make_event(club, title="Other event")
    titles = {"Jogorku Kenesh", "Other event"}
    for query in ("Жогорку Кеңеш", "жаштар", "Zhogorku"):
        assert found(client, query, titles) == {"Jogorku Kenesh"}, query


def test_every_word_must_match(client, make_club, make_event):
    club = make_club()
    make_event(club, title="Кеңеш in Osh", region="osh_city")
    make_event(club, title="Кеңеш in Bishkek", region="bishkek")
    titles = {"Кеңеш in Osh", "Кеңеш in Bishkek"}
    assert found(client, "кенеш", titles) == titles
    assert found(client, "кенеш ош", titles) == {"Кеңеш in Osh"}
    assert found(client, "ош кенеш nothing", titles) == set()


def test_themes_are_found_in_every_language(client, make_club, make_event):
    club = make_club()
    make_event(club, title="On minorities", topics=["minorities"])
    make_event(club, title="On women", topics=["women"])
    titles = {"On minorities", "On women"}
    for query in ("Minority rights", "меньшинств", "азчылыктардын", "ozchiliklar"):
        assert found(client, query, titles) == {"On minorities"}, query


@pytest.mark.parametrize("query", ["50%", "a_b"])
def test_wildcards_in_a_query_are_literal(client, make_club, make_event, query):
    club = make_club()
    make_event(club, title="Скидка 50% для a_b команд")
    make_event(club, title="Скидка 500 для axb команд")
    titles = {"Скидка 50%", "Скидка 500"}
    assert found(client, query, titles) == {"Скидка 50%"}
    # Alone, a wildcard starts no word: it finds nothing, not everything.
    assert found(client, query[-2:].strip("0"), titles) == set()


def test_a_word_is_found_from_its_start_not_inside_another(client, make_club, make_event):
    """"Ош" is the city, not the "osh" inside Uzbek "boshqaruv" or Russian
    "государство" inside "суд"."""
    club = make_club()
    make_event(club, title="Osh debate", venue="Ош, Ленина 1")
    make_event(club, title="Davlat boshqaruvida ishtirok", summary="Участие в управлении государством")
    titles = {"Osh debate", "Davlat boshqaruvida"}
    assert found(client, "Ош", titles) == {"Osh debate"}
    assert found(client, "суд", titles) == set()
    assert found(client, "Госуд", titles) == {"Davlat boshqaruvida"}


@pytest.mark.parametrize(("name", "query"), [
    ("Maria", "Мария"), ("Мария", "Maria"), ("Elena", "Елена"), ("Ерлан", "Erlan"),
    ("Юлия", "Yulia"), ("Жалал-Абад", "Djalal-Abad"), ("Джалал-Абад", "Jalal-Abad"),
    ("Бакыт", "Бак\u0301ыт"), ("obyekt", "объект"), ("Kazakhstan", "Казахстан"),
    # ё typed as е; a number glued to №; a query word with a sentence's marks
    ("Артём", "Артем"), ("Алёна", "Alena"), ("Ёшлар", "Yoshlar"), ("Школа №12", "12"),
    ("Ош университети", "Ош,"), ("Право", "«Право»"), ("Osh", "Osh?"),
])
def test_names_are_found_in_either_script(name, query):
    from hrdebate.search import found_in

    assert found_in(name, query)


def test_editing_the_venue_changes_what_finds_the_event(client, auth, make_user, make_club,
                                                        make_event):
    organiser = make_user("organiser")
    club = make_club(owner=organiser)
    event = make_event(club, title="Moving debate", venue="Main hall")
    assert found(client, "Ош", {"Moving debate"}) == set()
    auth.login("organiser")
    response = client.post_form(f"/events/{event.id}/edit", form_data(
        title="Moving debate", venue="Oʻsh, Navoiy koʻchasi 5", region="bishkek"))
    assert response.status_code == 302
    assert found(client, "Ош", {"Moving debate"}) == {"Moving debate"}
    assert found(client, "navoiy kochasi", {"Moving debate"}) == {"Moving debate"}
    assert found(client, "Main hall", {"Moving debate"}) == set()


def test_renaming_the_club_changes_what_finds_its_events(client, auth, make_user, make_club,
                                                         make_event):
    owner = make_user("owner")
    club = make_club(owner=owner, slug="ordo", name="Ordo", city="Бишкек")
    make_event(club, title="First debate", topics=["women"])
    make_event(club, title="Second debate", starts_in=timedelta(days=9))
    titles = {"First debate", "Second debate"}
    assert found(client, "Ordo", titles) == titles
    auth.login("owner")
    response = client.post_form("/clubs/ordo/edit", {
        "name": "Акыйкат клубу", "club_type": "university_club", "city": "Бишкек",
        "region": "bishkek", "description": "", "moderation_mode": "post"})
    assert response.status_code == 302
    assert found(client, "акыйкат", titles) == titles
    assert found(client, "Ordo", titles) == set()
    # The themes stayed in the key.
    assert found(client, "Women's rights", titles) == {"First debate"}


def test_searching_adds_no_query(app, client, make_club, make_event):
    club = make_club()
    for n in range(3):
        make_event(club, title=f"Кеңеш {n}", topics=["women", "children"])
    counts = []
    for query in ({}, {"q": "кенеш"}, {"q": "кенеш 1 womens"}):
        with count_queries(app) as statements:
            assert client.get("/events/", query_string=query).status_code == 200
        counts.append(len(statements))
    # A search is never kept (pagecache.py): it skips the page cache's read
    # of its generations, which the list without one makes.
    assert counts[0] - 1 == counts[1] == counts[2], counts


# -- clubs -------------------------------------------------------------------------------

def test_clubs_are_found_by_name_city_region_and_description(client, make_club):
    make_club(name="Ош жаштар укугу", city="Osh", region="osh_city")
    make_club(name="Ordo", city="Ош", region="osh")
    make_club(name="Talas Moot", city="Talas", region="talas",
              description="Moot courts for Oʻsh and Talas students")
    make_club(name="Bishkek Debaters", city="Бишкек", region="bishkek")
    titles = {"Ош жаштар укугу", "Ordo", "Talas Moot", "Bishkek Debaters"}
    url = "/clubs/"
    assert found(client, "Osh", titles, url) == {"Ош жаштар укугу", "Ordo", "Talas Moot"}
    assert found(client, "жаштар укугу", titles, url) == {"Ош жаштар укугу"}
    assert found(client, "Бишкек", titles, url) == {"Bishkek Debaters"}
    assert found(client, "Талас", titles, url) == {"Talas Moot"}
    assert found(client, "", titles, url) == titles
    empty = client.get("/clubs/?q=nothing-like-this", headers={"Accept-Language": "en"}).text
    assert "No clubs match this search." in empty
    fragment = client.get("/clubs/?q=osh", headers=HTMX)
    assert "<html" not in fragment.text and "Ordo" in fragment.text
    assert "Bishkek Debaters" not in fragment.text


def test_club_search_keeps_the_query_across_pages(client, make_club):
    for n in range(23):
        make_club(name=f"Ош клубу {n:02d}", region="osh_city")
    make_club(name="Bishkek Debaters")
    first = client.get("/clubs/?q=osh").text
    assert "page=2&amp;q=osh" in first or "q=osh&amp;page=2" in first
    second = client.get("/clubs/?q=osh&page=2").text
    assert "Bishkek Debaters" not in first + second
    assert sum(f"Ош клубу {n:02d}" in first + second for n in range(23)) == 23


def test_editing_a_club_changes_what_finds_it(client, auth, make_user, make_club):
    owner = make_user("owner")
    make_club(owner=owner, slug="ordo", name="Ordo", city="Бишкек", region="bishkek")
    assert found(client, "Ош", {"Ordo"}, "/clubs/") == set()
    auth.login("owner")
    client.post_form("/clubs/ordo/edit", {
        "name": "Ordo", "club_type": "university_club", "city": "Ош", "region": "osh_city",
        "description": "", "moderation_mode": "post"})
    assert found(client, "Osh", {"Ordo"}, "/clubs/") == {"Ordo"}


# -- keeping the keys ----------------------------------------------------------------

def test_the_migration_fills_the_keys_of_rows_already_there(app, runner):
    """Upgrading a database that has clubs and events gives them their keys."""
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    try:
        assert runner.invoke(args=["db", "upgrade", "8637ff2f4221"]).exit_code == 0
        when = {"start": datetime(2030, 1, 1, 10, tzinfo=timezone.utc),
                "end": datetime(2030, 1, 1, 12, tzinfo=timezone.utc), "no": False}
        with app.app_context():
            # A database at an older revision than the code: no page cache yet
            # (as in the migrations themselves, migrations/env.py).
            db.session.connection().info["hrdebate.page_cache.off"] = True
            db.session.execute(text(
                "INSERT INTO clubs (id, slug, name, club_type, city, region, description, "
                "verified, moderation_mode, created_at) VALUES (1, 'osh', 'Ош клубу', "
                "'ngo', 'Ош', 'osh_city', '', :no, 'post', :start)"), when)
            db.session.execute(text(
                "INSERT INTO events (id, club_id, kind, status, title, summary, description, "
                "description_html, starts_at, ends_at, venue, region, language, search_text, "
                "created_at, updated_at, discussion_closed, slow_mode_seconds, voting_state) "
                "VALUES (1, 1, 'debate', 'published', 'Жаштар кеңеши', '', '', '', :start, :end, "
                "'Main hall', 'bishkek', 'ky', 'жаштар кеңеши', :start, :start, :no, 0, "
                "'before_open')"), when)
            db.session.commit()
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            event_key = db.session.scalar(select(Event.search_key))
            assert {"zhashtar", "keneshi", "osh", "bishkek"} <= set(event_key.split())
            assert "osh" in db.session.scalar(select(Club.search_key)).split()
            names = {index["name"] for index in inspect(db.engine).get_indexes("events")}
            assert "ix_events_search_key" in names
    finally:
        with app.app_context():
            empty_schema()


def test_reindex_refreshes_every_key(app, runner, make_club, make_event):
    club = make_club(name="Ordo")
    event = make_event(club, title="Кеңеш")
    with app.app_context():
        db.session.execute(text("UPDATE events SET search_key = ''"))
        db.session.execute(text("UPDATE clubs SET search_key = ''"))
        db.session.commit()
    result = runner.invoke(args=["search-reindex"])
    assert result.exit_code == 0, result.output
    assert "kenesh" in fetch(app, Event, id=event.id).search_key
    assert "ordo" in fetch(app, Club, id=club.id).search_key


def test_the_attendance_list_finds_a_name_typed_in_the_other_script(
        client, auth, make_user, make_club, make_event, make_registration):
    organiser = make_user("organiser")
    event = make_event(make_club(owner=organiser))
    make_registration(event, make_user("aigerim", display_name="Айгерим Осмонова"))
    make_registration(event, make_user("bek", display_name="Bek"))
    auth.login("organiser")
    for query in ("Aigerim", "айгерим", "osmonova aig"):
        page = client.get(f"/events/{event.id}/attendance", query_string={"q": query}).text
        assert "Айгерим Осмонова" in page and "Bek" not in page, query
