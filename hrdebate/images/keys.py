"""A stored image's key and the names of its files. The key is what a
column holds: a random token (never the uploaded name) and the picture's
size, ``<32 hex>-<width>x<height>``. Each file of it is named by the same
token and its own size, so a name never changes meaning: a new upload is a
new token, and a browser may keep a file for a year."""

import re
from dataclasses import dataclass

MIMETYPE = "image/webp"
EXTENSION = "webp"


@dataclass(frozen=True)
class Shape:
    """What one kind of picture is stored as: at most ``width`` x
    ``height`` (never enlarged, never cropped), and a smaller copy for each
    width in ``smaller`` (for phones, for lists)."""

    width: int
    height: int
    smaller: tuple[int, ...]


COVER = Shape(1200, 1200, (800, 480))
LOGO = Shape(256, 256, (96,))

KEY = re.compile(r"([0-9a-f]{32})-([1-9][0-9]{0,4})x([1-9][0-9]{0,4})")
FILE_NAME = re.compile(KEY.pattern + r"\." + EXTENSION)


def make_key(token: str, width: int, height: int) -> str:
    return f"{token}-{width}x{height}"


def variants(key: str, shape: Shape) -> list[tuple[str, int, int]]:
    """(file name, width, height) of each file of ``key``, largest first:
    the picture, then a smaller copy for each of ``shape.smaller`` narrower
    than it."""
    match = KEY.fullmatch(key or "")
    if match is None:
        return []
    token, width, height = match.group(1), int(match.group(2)), int(match.group(3))
    sizes = [(width, height)] + [(small, max(1, round(height * small / width)))
                                 for small in shape.smaller if small < width]
    return [(f"{token}-{w}x{h}.{EXTENSION}", w, h) for w, h in sizes]


def is_file_name(name: str) -> bool:
    return FILE_NAME.fullmatch(name) is not None


def token_of(name: str) -> str | None:
    match = KEY.match(name)
    return match.group(1) if match else None
