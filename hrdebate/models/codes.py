"""Short codes people read off a screen or paper and type on a phone."""

import secrets

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
