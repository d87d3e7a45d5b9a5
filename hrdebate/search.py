"""Search that finds what people type (issue #11): one fold, ``search_key``,
for the stored text and for the query alike, so that the same word matches
whatever script, keyboard or apostrophe it was typed with.

What is searched is stored, folded, in a ``search_key`` column (events and
clubs), kept current by ``Event.refresh_search_key`` and
``Club.refresh_search_key``; ``matches`` turns a query into the condition.
Region and theme names are translated in code, so an event's key holds them
in all four languages: "Ош", "Osh" and "Oʻsh" all find an event in Osh. After
the catalogues change those names, ``flask search-reindex`` refreshes every
key (the migration that added the columns filled them the same way)."""

import re
import unicodedata
from functools import cache

from flask_babel import force_locale
from sqlalchemy import DDL, Index, event

from .choices import Region
from .config import LANGUAGES
from .extensions import db
from .text import APOSTROPHES, SPOKEN

_NO_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
# Cyrillic in Latin letters as in ``text.SPOKEN`` (the letters of Russian,
# Kyrgyz and Uzbek Cyrillic); with the Turkic Latin letters
# some people still type (ş, ç, dotless ı for the Kyrgyz ы), and the
# apostrophes that NFKC made of full-width ones gone.
_TO_LATIN = {**SPOKEN, **str.maketrans({"ş": "sh", "ç": "ch", "ı": "y"}),
             **_NO_APOSTROPHES}
# ц is spelt by its place, as Uzbek Latin spells it: "ts" after a vowel
# (лицей litsey), "s" elsewhere (конференция konferensiya).
_VOWELS = "аеёиоуыэюяөүў"
_S_FOR_TS = re.compile(rf"(?<![{_VOWELS}])ц")
# Latin letters that romanisations write differently: Uzbek and Kyrgyz Latin
# j is zh in Russian romanisation and in passports (ICAO), x (Cyrillic х)
# is kh there and h on many keyboards, and their й, я, ю are i, ia, iu where
# Uzbek Latin has y, ya, yu. So j is "zh", x "h", y "i"; then "kh" is "h",
# "ye" is "e" (Uzbek Latin yer, obyekt; Russian names write Elena, Erlan),
# "ii" is "i" (Мария mariya, Maria) and "dzh" is "zh" (Russian Джалал-Абад,
# Kyrgyz Жалал-Абад, Latin Djalal-Abad). The price: a query cut short
# just before such a pair ("play" for "player") is not found.
_LATIN_FOLDS = str.maketrans({"j": "zh", "x": "h", "y": "i"})
_PAIRS = re.compile(r"dzh|kh|ie|ii")
_SHRUNK = {"dzh": "zh", "kh": "h", "ie": "e", "ii": "i"}
# Stress marks that people put on Cyrillic vowels ("Бакы́т"): NFKC would
# otherwise make letters of other alphabets (ќ is Macedonian ќ).
_STRESS = str.maketrans("", "", "\u0300\u0301")


def search_key(*texts: str | None) -> str:
    """The texts folded for search, one space between words.

    1. Stress marks and apostrophes are dropped (ʻ ʼ ' ` ’ ‘ ´): Uzbek oʻ, o', o`, o’ and
       plain o read alike, and so do gʻ and g; the tutuq belgisi ʼ (ъ in
       Cyrillic) goes too: "maʼruza" and "маъруза" are "maruza".
    2. NFKC, then case folded ("ＯＳＨ" is "osh").
    3. Cyrillic is spelt in Latin letters as Uzbek Latin spells it
       (``text.SPOKEN``): ш sh, ч ch, ж zh, х h, ё yo, ю yu, я ya, й and ы
       y, щ shch, ъ and ь nothing, ц ts after a vowel and s elsewhere
       (``_S_FOR_TS``); Kyrgyz ң ө ү are н о у (n o u); Uzbek ў is o (oʻ),
       ғ g (gʻ), қ q, ҳ h. Accents go: "ö", "ü", "ñ" are o, u, n.
    4. Then j is "zh", x "h" and y "i" (``_LATIN_FOLDS``), and "kh" is
       "h", "ie" "e", "ii" "i", "dzh" "zh" (``_PAIRS``), so that Uzbek
       Latin, Russian romanisation and passport spellings meet: Uzbek "yer"
       and "Ер", "Елена" and "Elena", "Мария" and "Maria".

    So "Ош", "Osh" and "Oʻsh" are "osh"; "кеңеш", "кенеш", "Kenesh" and
    "Кеңеш" are "kenesh"; "йиғилиш", "yigʻilish", "yig'ilish" and
    "yigilish" are "igilish"; "Халқаро", "Xalqaro" and "Halqaro" are "halqaro";
    "Ҳуқуқ" and "huquq" are "huquq"; "Жогорку", "Jogorku" and "Zhogorku"
    are "zhogorku"; "Ер" and "Yer" are "er"; "Ёшлар" and "Yoshlar" are
    "ioshlar"; "Айгерим", "Aigerim" and "Aygerim" are "aigerim";
    "Ўзбекистон" and "Oʻzbekiston" are "ozbekiston"; "конференция" and
    "konferensiya" are "konferensia". Letters that one language keeps
    apart stay apart: q (қ) is not k, ё (yo) is not е (e). Other punctuation is kept: "%" stays "%"."""
    text = " ".join(t for t in texts if t)
    # Before NFKC, which would turn "´" into a space and an accent.
    text = unicodedata.normalize("NFD", text.translate(_NO_APOSTROPHES)).translate(_STRESS)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFD", _S_FOR_TS.sub("s", text).translate(_TO_LATIN))
    # Accents, and zero-width or direction characters inside a word.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    text = unicodedata.normalize("NFC", text).translate(_LATIN_FOLDS)
    return " ".join(_PAIRS.sub(lambda m: _SHRUNK[m[0]], text).split())


def stored_key(*texts: str | None) -> str:
    """``search_key`` as a search column holds it: each word once, a word
    joined by punctuation or digits also in its parts ("at-bashy" gives "at"
    and "bashy" too, "№12" gives "no" and "12"), a word with ё also as typed
    with е (most people type "Артем" for "Артём"), and a space before every
    word, so that a query word is looked for at the start of a word
    (``matches``): "osh" finds Osh but not "boshqaruv"."""
    texts = [t for t in texts if t]
    words = search_key(*texts).split()
    if any("ё" in t or "Ё" in t for t in texts):
        words += search_key(*(t.replace("ё", "е").replace("Ё", "Е") for t in texts)).split()
    for word in list(words):
        parts = _WORD_PARTS.findall(word)
        if parts != [word]:
            words += parts
    return "".join(f" {word}" for word in dict.fromkeys(words))


_WORD_PARTS = re.compile(r"[^\W\d_]+|\d+")


def in_all_languages(label) -> list[str]:
    """A translated label (a lazy string) in each of the site's languages."""
    names = []
    for language in LANGUAGES:
        with force_locale(language):
            names.append(str(label))
    return names


@cache
def region_words(code: str) -> str:
    """A region's names in all four languages, folded ("osh shaary city
    shahri" for Osh city); "" for an unknown code."""
    try:
        return stored_key(*in_all_languages(Region(code).label))
    except ValueError:
        return ""


@cache
def topic_words(slug: str) -> str:
    """A theme's names in all four languages, folded."""
    from .models.topic import TOPICS

    return stored_key(*in_all_languages(TOPICS[slug][0])) if slug in TOPICS else ""


def event_key(*, title, summary, motion, case_title, venue, region, club_name,
              topic_slugs) -> str:
    """What an event is found by: its title, summary, motion, case, venue,
    club name, and its region's and themes' names in all four languages."""
    return stored_key(title, summary, motion, case_title, venue, club_name, region_words(region),
                      *(topic_words(slug) for slug in topic_slugs))


def club_key(*, name, city, region, description) -> str:
    """What a club is found by on /clubs/: name, city, region (four
    languages), description."""
    return stored_key(name, city, region_words(region), description)


def refresh_all_keys() -> int:
    """Recompute every club's and event's key (``flask search-reindex``),
    after a change to this fold or to the catalogues' region or theme names.
    The caller commits. Returns the number of events."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from .models import Club, Event

    for club in db.session.scalars(select(Club)):
        club.refresh_search_key()
    events = db.session.scalars(select(Event).options(selectinload(Event.club),
                                                      selectinload(Event.topics))).all()
    for item in events:
        item.refresh_search_key()
    return len(events)


MAX_WORDS = 8


def search_index(table: str) -> Index:
    """The index of a table's ``search_key``. On PostgreSQL a trigram GIN
    index (pg_trgm), which ``LIKE '%word%'`` uses for words of three letters
    or more. On SQLite the same declaration makes a plain index, which such
    a LIKE cannot use: SQLite reads the column of every row, a few
    milliseconds for 10,000 events (tests/bench_search.py)."""
    return Index(f"ix_{table}_search_key", "search_key", postgresql_using="gin",
                 postgresql_ops={"search_key": "gin_trgm_ops"})


# Databases built without the migrations (the tests, the benchmarks) need the
# extension too; pg_trgm is a trusted extension, so a database owner may add it.
event.listen(db.metadata, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


# The punctuation a query's words come with from a sentence ("Ош,", "«Право»").
_SENTENCE_MARKS = ",.;:!?\"«»„“”()[]{}…"


def _query_words(query: str) -> list[str]:
    words = (word.strip(_SENTENCE_MARKS) for word in search_key(query).split())
    return [word for word in words if word][:MAX_WORDS]


def found_in(text: str, query: str) -> bool:
    """``matches`` in Python, for short lists held in memory."""
    key = stored_key(text)
    return all(f" {word}" in key for word in _query_words(query))


def matches(column, query: str):
    """Conditions for ``where()``: every word of the folded query starts a
    word of the column (a stored key, ``stored_key``): "kenesh" finds
    "Жогорку Кеңеш" and "Kenesh-2026", "osh" finds Osh but not "boshqaruv";
    LIKE's wildcards are taken literally. Up to ``MAX_WORDS`` words count;
    an empty query matches everything."""
    return [column.contains(f" {word}", autoescape=True) for word in _query_words(query)]
