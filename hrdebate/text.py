"""User-written text: Markdown rendered by markdown-it-py, then sanitised by
nh3 against an allow-list (raw HTML is never passed through); what a form
field may hold (one line, or a block of text); and names that read as a staff
title or the programme's name."""

import re
import unicodedata
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable(["strikethrough", "table"])

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str | None) -> str:
    """Safe HTML for a Markdown text. Headings start at h3, under the page's own."""
    if not source:
        return ""
    html = _markdown.render(source)
    # Shift headings down two levels so a user's "# Title" cannot outrank the page.
    for level in (6, 5, 4, 3, 2, 1):
        target = min(level + 2, 6)
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


# Tags that end a word: between them the text runs on ("ду<strong>р</strong>ак"
# reads "дурак"), at them it breaks ("<p>a</p><p>b</p>" reads "a b").
_INLINE_TAGS = frozenset({"strong", "em", "del", "s", "code", "a"})


class _SeenText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")
        # A link's title shows as a tooltip: it is read too.
        self.parts.extend(f" {value} " for name, value in attrs if name == "title" and value)

    def handle_endtag(self, tag):
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def seen_text(html: str) -> str:
    """The words a reader sees in sanitised HTML: entities decoded, tags
    gone, and a space where a block or a line break separates words."""
    parser = _SeenText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def safe_html(html: str | None) -> Markup:
    """Mark stored, already-sanitised HTML as safe for templates."""
    return Markup(html or "")


# -- what people type into a form (issue #9 item 10) --------------------------------------
#
# A single line (a name, a title, a place) is normalised to NFKC, its spaces
# collapsed, and refused if it holds a character that is invisible or changes
# the direction of the text around it: they let a name look like another, or
# turn "txt.exe" into "exe.txt" on the screen. A block of text (a comment, a
# description) keeps its characters, only line ends are unified, and is
# refused if it holds controls or direction overrides. forms.Form applies
# both to every text field of every form.

# Direction embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates
# (LRI, RLI, FSI, PDI): refused everywhere.
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
# Invisible in a line although not of a "format" category: fillers that
# display as nothing (Hangul fillers, the braille blank), invisible marks.
INVISIBLE = frozenset(chr(c) for c in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164,
                                       0xFFA0, *range(0x180B, 0x1810)))
ZWJ = "\u200d"
# Invisible when they follow a letter; after a symbol they choose its emoji look.
VARIATION_SELECTORS = frozenset(chr(c) for c in (*range(0xFE00, 0xFE10),
                                                 *range(0xE0100, 0xE01F0)))
TAGS = range(0xE0020, 0xE0080)  # spell subdivision flags after U+1F3F4
KEEP_AS_TYPED = "№"  # NFKC would make it "No": Russian writes "Школа № 5"
_SPACES = re.compile(r"\s+")


def normalise_line(value: str) -> str:
    """NFKC (full-width, mathematical and circled letters become plain
    ones), whitespace runs as one space, no space at either end."""
    parts = (unicodedata.normalize("NFKC", part) for part in value.split(KEEP_AS_TYPED))
    return _SPACES.sub(" ", KEEP_AS_TYPED.join(parts)).strip()


def _emoji_part(text: str, i: int) -> bool:
    """Is the format character at ``i`` part of an emoji, as in 🏳️‍🌈 (flag,
    variation selector, zero-width joiner, rainbow)? Between letters it is
    never allowed: there it only hides something."""
    char, before = text[i], text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    symbol = ("So", "Sk")
    if char in VARIATION_SELECTORS:
        return bool(before) and not before.isalpha() and not before.isspace()
    if char == ZWJ:
        return (before in VARIATION_SELECTORS or unicodedata.category(before or " ") in symbol) \
            and unicodedata.category(after or " ") in symbol
    if ord(char) in TAGS:
        return before == "\U0001F3F4" or (bool(before) and ord(before) in TAGS)
    return False


def _unsafe_at(text: str, i: int) -> bool:
    char = text[i]
    category = unicodedata.category(char)
    if char in INVISIBLE or category in ("Cc", "Co", "Cs", "Cn", "Zl", "Zp"):
        return True
    return (category == "Cf" or char in VARIATION_SELECTORS) and not _emoji_part(text, i)


def unsafe_in_line(value: str) -> bool:
    """A control, format (zero-width, direction mark or override, soft
    hyphen...), private-use, unassigned or invisible filler character, or a
    line break, other than the joiners inside an emoji."""
    return any(_unsafe_at(value, i) for i in range(len(value)))


def clean_query(value: str, limit: int = 100) -> str:
    """A search as typed, normalised like a line, with what ``unsafe_in_line``
    refuses taken out: a search stores nothing, so it is cleaned, not refused."""
    value = normalise_line(value)
    return normalise_line("".join(c for i, c in enumerate(value)
                                  if not _unsafe_at(value, i)))[:limit]


def mixes_scripts(word: str) -> bool:
    """Does ``word`` mix letters of several scripts, or hold a Latin letter
    that only looks like a plain one ("ı")? Only such a word is read through
    ``LOOK_ALIKES``: an English "Ron" is not the Russian "гоп"."""
    scripts = {unicodedata.name(c, "?").split(" ")[0] for c in word if c.isalpha()}
    return len(scripts) > 1 or any(ord(c) > 127 and ord(c) in LOOK_ALIKES and
                                   unicodedata.name(c, "").startswith("LATIN") for c in word)


def normalise_block(value: str) -> str:
    """Line ends as "\\n" (browsers send "\\r\\n"); the text is kept as written."""
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n") \
        .replace("\u2029", "\n\n")


def unsafe_in_block(value: str) -> bool:
    """A control character other than a line end or tab, a direction
    override or isolate, or a deprecated or annotation format character.
    Zero-width characters and direction marks stay: running text in mixed
    scripts needs them, and a body is isolated on the page (dir="auto")."""
    return any(
        char in BIDI_CONTROLS or 0x206A <= ord(char) <= 0x206F or 0xFFF9 <= ord(char) <= 0xFFFB
        or (unicodedata.category(char) == "Cc" and char not in "\n\t")
        for char in value
    )


# -- names that imitate the staff or the programme --------------------------------------------
#
# A name is read twice: as it looks (letters of other scripts that look like
# Latin ones become those, "Аdmin" with a Cyrillic А reads "admin") and as it
# sounds (Cyrillic spelt in Latin: "Модератор" reads "moderator"). Both
# readings keep Latin letters only; digits and signs that stand for letters
# become them ("m0der4tor"), l, 1 and I are one letter, "rn" is "m";
# spaces and punctuation go ("A.D M-I N"). Unicode's own confusables table
# (UTS #39) is bigger, but its Python wrappers are small, seldom released
# packages, and it has no transliteration: these tables cover the scripts of
# Kyrgyzstan's keyboards and the usual look-alike kits, and sit in one place.

LOOK_ALIKES = str.maketrans({
    # Cyrillic, upper and lower case (Kyrgyz Ү, Ө and Uzbek Ў included)
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "З": "3", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J",
    "К": "K", "М": "M", "Н": "H", "О": "O", "Ө": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
    "Ү": "Y", "Х": "X", "Һ": "H", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Ў": "Y",
    "а": "a", "в": "b", "е": "e", "ё": "e", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "о": "o", "ө": "o", "р": "p", "с": "c", "у": "y", "ү": "y", "х": "x", "һ": "h", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ӏ": "l", "п": "n", "ш": "w", "ь": "b", "г": "r",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "α": "a", "β": "b", "ε": "e", "ι": "i",
    "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
    "μ": "u", "η": "n", "ω": "w",
    # Latin small capitals and other letters NFKC leaves alone
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ɑ": "a", "ɩ": "i",
    "ɡ": "g", "ƅ": "b", "ɒ": "a", "ø": "o", "đ": "d", "ħ": "h", "ł": "l",
    # Armenian and Cherokee letters that look Latin
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "ց": "g", "զ": "q", "Օ": "O", "Ս": "U", "Տ": "S",
    "Ꭺ": "A", "Ᏼ": "B", "Ꮯ": "C", "Ꭰ": "D", "Ꭼ": "E", "Ꮐ": "G", "Ꮋ": "H", "Ꭻ": "J",
    "Ꮶ": "K", "Ꮮ": "L", "Ꮇ": "M", "Ꮲ": "P", "Ꮪ": "S", "Ꭲ": "T", "Ꮩ": "V", "Ꮃ": "W",
    "Ꮓ": "Z",
})
SPOKEN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ң": "n", "ө": "o", "ү": "u", "ў": "o", "қ": "q", "ғ": "g", "ҳ": "h", "і": "i", "һ": "h",
})
# Digits and signs read as letters; then letters easy to take for one another.
AS_LETTERS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                            "8": "b", "@": "a", "$": "s", "!": "i", "|": "i", "€": "e",
                            "l": "i"})
APOSTROPHES = "'’‘`ʻʼ´"  # inside Uzbek words (oʻ, gʻ, maʼno): not a break

# Reserved anywhere in a reading (they make no ordinary name: stems, so
# that "Moderation", "Техподдержка", "TechSupport", "Модерлер" are found),
# except inside the ordinary words of NOT_RESERVED ("Badminton", "Moderate
# Voice", a "Supporters club" of fans, "norasmiy" = unofficial); and as a
# whole word of a name (short or common words that are staff titles only
# alone, "Mod", "Staff", "Officials").
RESERVED_ANYWHERE = ("admin", "moderat", "moderador", "moderler", "moderlar", "hrdeb",
                     "eychardeb", "ofitsial", "mamuriyat", "podderzhk", "support", "rasmiy")
NOT_RESERVED = ("badminton", "moderate", "supporter", "supportive", "norasmiy")
RESERVED_WORDS = ("adm", "admn", "mod", "modr", "moder", "modery", "moderka", "staff", "staffs",
                  "staffer", "staffers", "official", "officials", "rasmii", "helpdesk",
                  "system", "sistema", "tizim", "root", "sotrudnik", "kyzmatker", "xodim",
                  "hodim")


def _letters(text: str) -> str:
    """Latin letters only: marks dropped, digits and signs read as letters,
    spaces and punctuation gone; any other letter or digit is kept as "·",
    which matches nothing, so that dropping it cannot join two halves."""
    out = []
    for char in unicodedata.normalize("NFD", text).translate(AS_LETTERS):
        if "a" <= char <= "z":
            out.append(char)
        elif char.isalnum() and not unicodedata.combining(char) and char not in APOSTROPHES:
            out.append("·")
    return "".join(out).replace("rn", "m").replace("vv", "w")


def readings(text: str) -> tuple[str, str]:
    """How ``text`` looks and how it sounds, in Latin letters (see above)."""
    text = unicodedata.normalize("NFKC", text)
    return (_letters(text.translate(LOOK_ALIKES).casefold()),
            _letters(text.casefold().translate(SPOKEN)))


_WORD_BREAK = re.compile(rf"[^\w{APOSTROPHES}]+|_")
_RESERVED_ANYWHERE = tuple(_letters(word) for word in RESERVED_ANYWHERE)
_NOT_RESERVED = tuple(_letters(word) for word in NOT_RESERVED)
_RESERVED_WORDS = frozenset(_letters(word) for word in RESERVED_WORDS)


def _words(name: str) -> list[str]:
    """The name's words, with runs of single letters joined ("A D M" is "ADM")
    and the whole name as one more word ("Sup port")."""
    words, letters = [], ""
    for word in filter(None, _WORD_BREAK.split(unicodedata.normalize("NFKC", name))):
        if len(word) == 1:
            letters += word
            continue
        if letters:
            words.append(letters)
            letters = ""
        words.append(word)
    if letters:
        words.append(letters)
    return [*words, "".join(words)]


def imitates_staff(name: str) -> bool:
    """Does the name read as a staff title or the programme's name, in any
    script, letter case, look-alike letters or spacing? ("Аdmin",
    "m0derator", "Модератор", "hrdebate team", "S.U.P.P.O.R.T")"""
    for reading in readings(name):
        for word in _NOT_RESERVED:
            reading = reading.replace(word, "·")
        if any(word in reading for word in _RESERVED_ANYWHERE):
            return True
    return any(reading in _RESERVED_WORDS for word in _words(name) for reading in readings(word))
