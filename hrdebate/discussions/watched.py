"""Watched words (DESIGN §5, issue #12): a comment whose text holds one waits
for a moderator. The one matcher, for new comments and edits alike
(``services.hold_reason``).

How a listed word matches, always at the START of a word of the text, never
inside one (``рак`` does not catch ``дурак``):

- ``идиот`` (a plain word): the word itself and the word with grammatical
  endings of Russian, Kyrgyz, Uzbek and English after it (``_RU``, ``_KY``,
  ``_UZ``, ``_EN``; up to three in a row, as Kyrgyz and Uzbek stack them): идиоты, идиотом, идиотка,
  идиоттор, идиоттордун, idiots, idiotic. A Russian word that ends in a vowel
  or an adjective's ending also takes the endings that replace it
  (``_RU_REPLACING``): дура catches дуры, дурой; тупой catches тупая, тупые. A
  word of three letters takes one ending at most, of one or two letters none.
- ``идиот*`` (a stem and a star): every word that starts with the stem. The
  stem needs at least ``MIN_STEM`` letters: a short one would catch too
  many innocent words (``ass*`` would hold "assistant").

Text and words are folded alike, with the search's fold (``search.search_key``:
letter case, apostrophes, Cyrillic spelt in Latin letters as Uzbek Latin
spells it) and q read as k, so ``ahmoq`` also catches аҳмоқ, ахмок, AHMOQ.
Across scripts only words of ``CROSS_SCRIPT_MIN`` letters or more match: the
Russian ``хер`` is "her" in Latin letters, which is an English word. What a
reader sees is what is read: the rendered, sanitised text (entities decoded,
emphasis inside a word gone), without invisible characters, and a word that
mixes scripts (``дурaк`` with a Latin a) read both ways."""

import re
import unicodedata
from functools import lru_cache

from ..search import search_key
from ..text import APOSTROPHES, INVISIBLE, LOOK_ALIKES, mixes_scripts, render_markdown, seen_text

STAR = "*"
MIN_STEM = 4  # letters before a star, folded
CROSS_SCRIPT_MIN = 5  # folded letters a word needs to match in the other script too

_TOKEN = re.compile(rf"[^\W_]+(?:[{APOSTROPHES}][^\W_]+)*")
_STAR_INSIDE = re.compile(r"\*[^\W_]")  # a star with letters after it: "ид*от"
_ENTRY_WORD = re.compile(rf"[^\W_]+(?:[{APOSTROPHES}][^\W_]+)*\*?")

# Endings that follow a whole word, by language (as written; folded below).
_RU = ("а у е ы и о я ю ом ем ой ей ою ею ов ев ам ям ами ями ах ях ая яя ое ее ые ие ую юю "
       "ого его ому ему ым им ыми ими ых их ый ий ь "
       # derived words: идиотка, идиотик, идиотизм, идиотский, идиотство, дурачок
       "ка ки ку ке кой кою ок ек ик ишка ище ина изм ск ский ская ское ские ского ство")
_KY = ("лар лер лор дар дер дор тар тер тор нар нер нор "  # plural
       "нын нин нун нүн дын дин дун дүн тын тин тун түн "  # genitive
       "га ге го гө ка ке ко кө "  # dative
       "ны ни ну нү ды ди ду дү ты ти ту тү "  # accusative
       "да де до дө та те то тө "  # locative
       "дан ден дон дөн тан тен тон төн нан нен нон нөн "  # ablative
       "ым им ум үм ың иң уң үң сы си су сү "  # possessive
       "мын мин мун мүн сың сиң суң сүң сыз сиз суз сүз быз биз буз бүз "  # "you are a …"
       "лык лик лук лүк дык дик дук дүк тык тик тук түк чы чи чу чү")
_UZ = ("lar ning ni ga ka qa da dan im ing i si imiz ingiz miz man san siz dir "
       "lik chi ona cha gina mi dek")
_EN = "s es ed d ing er ers est ly y ic ish ness ity ies"
# A Russian word's own ending that these replace (дура: дуры, дурой).
_RU_OWN = sorted(("ого его ому ему ыми ими ой ей ый ий ая яя ое ее ые ие ую юю ом ем "
                  "а я о е ы и у ю ь й").split(), key=len, reverse=True)
_RU_REPLACING = ("а у е ы и о я ю ой ей ою ею ом ем ам ям ами ями ах ях ая яя ое ее ые ие ую юю "
                 "ого его ому ему ым им ыми ими ых их ый ий ь")

_CYRILLIC = "c"
_LATIN = "l"
_OTHER = "n"
# Latin letters that look like Cyrillic ones, to read "дурaк" (a Latin a) as
# Cyrillic; the other way round is ``text.LOOK_ALIKES``.
_AS_CYRILLIC = str.maketrans({"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і",
                              "k": "к", "m": "м", "n": "п", "o": "о", "p": "р", "r": "г",
                              "t": "т", "w": "ш", "x": "х", "y": "у"})


def fold(word: str) -> str:
    """The search's fold, and q as k (Uzbek Latin қ, typed к on Russian
    keyboards); ё is read as е first (as most people type it), or the
    search's "yo" would make "идёт" (goes) read "idiot"."""
    return search_key(word.replace("ё", "е").replace("Ё", "Е")).replace("q", "k")


def _clean(text: str) -> str:
    """NFKC, and nothing a reader does not see: format characters (soft
    hyphens, zero-width ones), invisible fillers, marks left over a letter."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if c not in INVISIBLE
                   and unicodedata.category(c) not in ("Cf", "Mn", "Me"))


def _script(word: str) -> str:
    names = {unicodedata.name(c, "?").split(" ")[0] for c in word if c.isalpha()}
    if names == {"CYRILLIC"}:
        return _CYRILLIC
    if names == {"LATIN"}:
        return _LATIN
    return _OTHER


def readings(word: str) -> list[tuple[str, str]]:
    """(script, folded key) of a word as readers may read it: one reading, or
    for a word that mixes scripts two (its look-alike letters read as Latin,
    and as Cyrillic). Empty keys are left out."""
    word = _clean(word).casefold()
    if not mixes_scripts(word):
        pairs = [(_script(word), fold(word))]
    else:
        latin = word.translate(LOOK_ALIKES).casefold()
        cyrillic = "".join(c if _script(c) == _CYRILLIC
                           else c.translate(LOOK_ALIKES).casefold().translate(_AS_CYRILLIC)
                           for c in word)
        pairs = [(_LATIN, fold(latin)), (_CYRILLIC, fold(cyrillic))]
    return [(script, key) for script, key in dict.fromkeys(pairs) if key]


def _folded(words: str) -> list[str]:
    return sorted({fold(w) for w in words.split()} - {""}, key=len, reverse=True)


_ENDING = "|".join(re.escape(e) for e in _folded(" ".join((_RU, _KY, _UZ, _EN))))
_REPLACING = "|".join(re.escape(e) for e in _folded(_RU_REPLACING))


def _marker(script: str, key: str) -> str:
    """Which tokens a reading may match: its own script, or any for a long word."""
    return "[cln]" if len(key) >= CROSS_SCRIPT_MIN else script


def _word_pattern(word: str) -> str | None:
    """The regular expression of one listed word, over the tokens' "script:key"."""
    starred = word.endswith(STAR)
    word = word.rstrip(STAR)
    alternatives = []
    for script, key in readings(word):
        mark = _marker(script, key)
        if starred:
            alternatives.append(f"{mark}:{re.escape(key)}[^ ]*")
            continue
        chain = 0 if len(key) <= 2 else 1 if len(key) == 3 else 3
        forms = [f"{re.escape(key)}(?:{_ENDING}){{0,{chain}}}"]
        stem = _russian_stem(word) if script == _CYRILLIC else None
        if stem:
            forms.append(f"{re.escape(stem)}(?:{_REPLACING})")
        alternatives.append(f"{mark}:(?:{'|'.join(forms)})")
    return f"(?:{'|'.join(alternatives)})" if alternatives else None


def _russian_stem(word: str) -> str | None:
    """A Cyrillic word without its own vowel or adjective ending, folded,
    if at least three letters are left (дура: дур; тупой: туп)."""
    word = _clean(word).casefold()
    for ending in _RU_OWN:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return fold(word[:-len(ending)]) or None
    return None


def entry_words(entry: str) -> list[str]:
    """The words of a listed word or phrase, a star kept at a word's end."""
    return _ENTRY_WORD.findall(_clean(entry).casefold())


def entry_problem(entry: str) -> str | None:
    """Why an entry cannot be listed, as a code, or None: "empty" (no letters),
    "star" (a star anywhere but at the end of a word), "short_stem" (fewer
    than ``MIN_STEM`` letters before a star)."""
    words = entry_words(entry)
    if not words or not any(fold(w.rstrip(STAR)) for w in words):
        return "empty"
    if entry.count(STAR) != sum(w.endswith(STAR) for w in words) \
            or _STAR_INSIDE.search(_clean(entry)):
        return "star"
    if any(w.endswith(STAR) and len(fold(w.rstrip(STAR))) < MIN_STEM for w in words):
        return "short_stem"
    return None


@lru_cache(maxsize=64)
def _pattern(entries: tuple[str, ...]) -> re.Pattern | None:
    phrases = []
    for entry in entries:
        parts = [_word_pattern(w) for w in entry_words(entry)]
        if parts and all(parts):
            phrases.append(" ".join(parts))
    if not phrases:
        return None
    return re.compile(rf"(?<= )(?:{'|'.join(phrases)})(?= )")


def _lines(text: str) -> list[str]:
    """The text's words as " script:key " tokens: one line, or two when some
    word mixes scripts (each of its readings in one line)."""
    tokens = [readings(t) for t in _TOKEN.findall(_clean(text).casefold())]
    tokens = [t for t in tokens if t]
    lines = []
    for choice in (0, -1) if any(len(t) > 1 for t in tokens) else (0,):
        lines.append(" " + " ".join(f"{t[choice][0]}:{t[choice][1]}" for t in tokens) + " ")
    return lines


def seen_words(markdown: str) -> str:
    """The text of a comment as readers see it, from its Markdown."""
    return seen_text(render_markdown(markdown))


# -- spellings that dodge the list ---------------------------------------------------------
# A letter (or a digit or sign that may stand for one) standing alone, no
# letter or digit either side, and a run of three or more of them with
# anything but letters and digits between (spaces, line breaks, dots,
# slashes, stars…): "и д и о т", "и/д/и/о/т", "i.d.i.0.t" read as one word
# (whose signs are then read as letters).
_SINGLE = r"(?<![^\W_@$])(?:[^\W\d_]|[0134@$])(?![^\W_@$])"
_GAP = r"(?:[^\w@$]|_)+"
_SPELT_OUT = re.compile(rf"{_SINGLE}(?:{_GAP}{_SINGLE}){{2,}}")
_SPELT_GAP = re.compile(_GAP)
# A word with digits or signs standing for letters: "idi0t", "ahm0q", "$uka".
_WITH_SIGNS = re.compile(r"[\w@$]*[^\W\d_][\w@$]*")
_SIGNS = {_LATIN: str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s"}),
          _CYRILLIC: str.maketrans({"0": "о", "1": "и", "3": "е", "4": "а", "@": "а",
                                    "$": "с"})}
# A letter written three or more times running ("идиоооот").
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")


def _read_signs(match: re.Match) -> str:
    word = match.group(0)
    if not any(c in "01345@$" for c in word) or not any(c.isalpha() for c in word):
        return word
    script = _script(word)
    return word.translate(_SIGNS.get(script, _SIGNS[_LATIN]))


def variants(text: str) -> list[str]:
    """The text as written, and as a reader reads what it spells: letters
    spelt out one by one joined into a word, digits and signs inside a word
    read as the letters they stand for (0 o, 1 i, 3 e, 4 a, @ a, $ s; a
    number without letters stays a number), and a letter stretched to three
    or more read once, and twice (Kyrgyz long vowels and Russian double
    consonants are written twice, so a real double is never shortened)."""
    text = _clean(text).casefold()
    spelt = _SPELT_OUT.sub(lambda m: _SPELT_GAP.sub("", m.group(0)), text)
    spelt = _WITH_SIGNS.sub(_read_signs, spelt)
    found = [text, _STRETCHED.sub(r"\1", spelt), _STRETCHED.sub(r"\1\1", spelt)]
    return list(dict.fromkeys(found))


def matches(markdown: str, entries) -> bool:
    """Does the Markdown text, as readers see it (or read what it spells,
    ``variants``), hold one of ``entries``?"""
    pattern = _pattern(tuple(sorted(set(entries))))
    if pattern is None:
        return False
    return any(pattern.search(line)
               for text in variants(seen_words(markdown)) for line in _lines(text))
