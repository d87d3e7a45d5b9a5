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

# Cyrillic in Latin letters as in ``text.SPOKEN`` (the letters of Russian,
# Kyrgyz and Uzbek Cyrillic), with the Turkic Latin letters some people
# still type (ş, ç, dotless ı for the Kyrgyz ы), and the apostrophes gone.
_TO_LATIN = {**SPOKEN, **str.maketrans({"ş": "sh", "ç": "ch", "ı": "y"}),
             **str.maketrans("", "", APOSTROPHES + "＇｀")}
_NO_APOSTROPHES = str.maketrans("", "", APOSTROPHES)
# Spellings of one sound, read as one letter (after the Cyrillic is Latin).
_ONE_LETTER = {"kh": "h", "x": "h", "zh": "j", "ye": "e"}
_SPELLINGS = re.compile("kh|zh|ye|x")


def search_key(*texts: str | None) -> str:
    """The texts folded for search, one space between words.

    1. Apostrophes are dropped (ʻ ʼ ' ` ’ ‘ ´): Uzbek oʻ, o', o`, o’ and
       plain o read alike, and so do gʻ and g; the tutuq belgisi ʼ (ъ in
       Cyrillic) goes too: "yigʻilish", "yig'ilish", "yig`ilish" and
       "yigilish" are "yigilish"; "maʼruza" and "маъруза" are "maruza".
    2. NFKC, then case folded ("ＯＳＨ" is "osh").
    3. Cyrillic is spelt in Latin letters, one letter or digraph each
       (``text.SPOKEN``): ш sh, ч ch, ж zh, ё yo, ю yu, я ya, й and ы y,
       ц ts, щ shch, ъ and ь nothing; Kyrgyz ң ө ү are н о у (n o u); Uzbek
       ў is o (oʻ), ғ g (gʻ), қ q, ҳ h. Accents go: "ö", "ü", "ñ" are o, u, n.
    4. Letters that several romanisations spell differently are read as
       one: x, kh and h are "h" (Uzbek Latin x is Cyrillic х, which Russian
       romanisation spells kh, and many people type h); zh and j are "j"
       (Uzbek and Kyrgyz Latin j is ж); ye is "e" (Uzbek Latin writes е as
       ye at the start of a word or after a vowel, Cyrillic only е).

    So "Ош", "Osh" and "Oʻsh" are "osh"; "кеңеш", "кенеш", "Kenesh" and
    "Кеңеш" are "kenesh"; "йиғилиш" and "yigʻilish" are "yigilish";
    "Халқаро" and "Xalqaro" are "halqaro"; "Ҳуқуқ" and "huquq" are "huquq";
    "Жогорку" and "Zhogorku" are "jogorku"; "Ер" and "Yer" are "er";
    "Ёшлар" and "Yoshlar" are "yoshlar"; "Ўзбекистон" and "Oʻzbekiston"
    are "ozbekiston". Distinct letters of one language stay distinct where
    no common spelling mixes them: q (қ) is not k, ё (yo) is not е (e).
    A query ending inside a digraph ("Zh" of "Zhogorku") matches only once
    the digraph is whole. Other punctuation is kept: "%" stays "%"."""
    text = " ".join(t for t in texts if t)
    # Before NFKC, which would turn "´" into a space and an accent.
    text = unicodedata.normalize("NFKC", text.translate(_NO_APOSTROPHES)).casefold()
    text = unicodedata.normalize("NFD", text.translate(_TO_LATIN))
    # Accents, and zero-width or direction characters inside a word.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    text = _SPELLINGS.sub(lambda m: _ONE_LETTER[m[0]], unicodedata.normalize("NFC", text))
    return " ".join(text.split())


def stored_key(*texts: str | None) -> str:
    """``search_key`` with each word once: what a search column holds (a
    query word never spans two words, so repeats add nothing)."""
    return " ".join(dict.fromkeys(search_key(*texts).split()))


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


def matches(column, query: str):
    """Conditions for ``where()``: every word of the folded query is in the
    column, anywhere in it (so "kenesh" finds "Kenesh-2026" and "Жогорку
    Кеңеш"), LIKE's wildcards taken literally. Up to
    ``MAX_WORDS`` words count; an empty query matches everything."""
    words = search_key(query).split()[:MAX_WORDS]
    return [column.contains(word, autoescape=True) for word in words]
