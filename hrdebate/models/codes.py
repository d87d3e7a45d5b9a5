"""Short codes people read off a screen or paper and type on a phone."""

import secrets
import unicodedata

# No 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_CODE_LENGTH = 6
# 20 characters from 31 give about 99 bits of randomness; the column holds 24.
CERTIFICATE_CODE_LENGTH = 20


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_checkin_code() -> str:
    return new_code(CHECKIN_CODE_LENGTH)


def new_certificate_code() -> str:
    return new_code(CERTIFICATE_CODE_LENGTH)


# A walk-in's claim code is typed on a phone once: 12 characters from 31
# give about 59 bits, and claiming is rate-limited per account.
CLAIM_CODE_LENGTH = 12


def new_claim_code() -> str:
    return new_code(CLAIM_CODE_LENGTH)


def grouped(code: str, size: int = 4) -> str:
    """A code shown in groups ("ABCD-EFGH-JKMN") for reading aloud and typing;
    ``normalise_code`` takes the dashes off again."""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


# Cyrillic capitals drawn like the letters and digits of the alphabet: a
# phone set to Kyrgyz, Russian or Uzbek Cyrillic types these for a code read
# off a screen (Ү is a key of its own on a Kyrgyz keyboard, З is a 3).
_LOOK_ALIKES = str.maketrans("АВЕКМНРСТУХҮҰЗ", "ABEKMHPCTYXYY3")
# Typed between the characters of a code, never part of one: spaces, dashes,
# and the apostrophes an Uzbek keyboard offers (ʻ ʼ ' ’ ‘ `).
_SEPARATORS = frozenset("'ʻʼ’‘`´")


def normalise_code(value: str | None) -> str:
    """A code as typed, in the form it is stored: NFKC (full-width letters
    become plain ones), without spaces, dashes or apostrophes, upper case,
    Cyrillic look-alikes read as Latin. The result may still hold other
    characters than ASCII; ``is_code_text`` tells, ``first_foreign`` names one."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(c for c in value if not (
        c.isspace() or c in _SEPARATORS or unicodedata.category(c) == "Pd"))
    return value.upper().translate(_LOOK_ALIKES)


def is_code_text(value: str) -> bool:
    """True for ASCII letters and digits only: the only text a code is compared
    with (``secrets.compare_digest`` refuses other characters)."""
    return value.isascii() and value.isalnum()


def first_foreign(value: str) -> str | None:
    """The first character of ``value`` that is not an ASCII letter or digit."""
    return next((c for c in value if not (c.isascii() and c.isalnum())), None)
