"""From an uploaded file to the pictures we store: decoded by Pillow (the type
is what the content is, never what the name says), turned upright, reduced
to its pixels (EXIF, GPS, XMP, comments and colour profiles are not copied),
resized and encoded again as WebP. Nothing of the upload is stored as sent.
No Flask request here: bytes in, bytes out (``BadImage`` when refused)."""

import io
import secrets
import threading
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .keys import Shape, make_key, variants

# The decoders Pillow may try. A phone's JPEG with several pictures inside
# (MPO) is opened by the JPEG decoder; its first picture is kept.
DECODERS = ("JPEG", "PNG", "WEBP")
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"
BACKGROUND = (255, 255, 255)  # what shows through a transparent logo (the page's paper)
# EXIF orientations that turn the picture a quarter: its box is the other way round.
QUARTER_TURNS = frozenset({5, 6, 7, 8})
# One picture at a time in a process: a burst of uploads queues instead of
# holding several full-size pictures in memory at once; an upload that waits
# longer than this is answered "try again" (503) rather than held forever.
_ONE_AT_A_TIME = threading.Lock()
WAIT_SECONDS = 20
# A JPEG is drawn in "scans"; a progressive photo has about ten. Thousands of
# tiny scans make a 5 MB file that takes minutes to decode (attack review):
# SOS markers (FF DA) cannot occur inside the coded data (FF is stuffed).
MAX_JPEG_SCANS = 100

NO_FILE = _l("Please choose an image file.")
NOT_AN_IMAGE = _l("This file is not a JPEG, PNG or WebP image. Please choose a photo or a "
                  "picture in one of these formats.")
DAMAGED = _l("This image is damaged or incomplete. Please choose another file.")
BUSY = _l("Other pictures are being processed just now. Please send yours again in a minute.")


def too_many_pixels(max_pixels: int):
    megapixels = max_pixels // 1_000_000
    return lazy_ngettext(
        "This image has too many pixels (more than %(num)d megapixel). Please choose a smaller one.",
        "This image has too many pixels (more than %(num)d megapixels). Please choose a smaller one.",
        megapixels)


def too_large(max_bytes: int):
    return _l("This image is larger than %(num)d MB. Please choose a smaller one.",
              num=max_bytes // (1024 * 1024))


class BadImage(Exception):
    """An upload we do not store, with the sentence the person reads."""

    def __init__(self, message, status=422):
        super().__init__()
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Encoded:
    """The pictures made of one upload: ``files`` maps each file's name to
    its bytes; ``key`` names them all (``keys.variants``)."""

    key: str
    files: dict[str, bytes]


def encode(data: bytes, shape: Shape, max_pixels: int, quality: int,
           max_lossless_pixels: int | None = None) -> Encoded:
    """The stored pictures of an upload. Memory follows what we keep, not
    what was sent: a JPEG is decoded at a fraction of its size, and a PNG or
    WebP (decoded whole) is limited to ``max_lossless_pixels`` and shrunk
    before any other copy of it is made."""
    if not _ONE_AT_A_TIME.acquire(timeout=WAIT_SECONDS):
        raise BadImage(BUSY, status=503)
    try:
        picture = _decode(data, shape, max_pixels, max_lossless_pixels or max_pixels)
        picture = _pixels_only(_shrunk(picture, shape))
    finally:
        _ONE_AT_A_TIME.release()
    key = make_key(secrets.token_hex(16), *picture.size)
    files = {}
    for name, width, height in variants(key, shape):
        copy = picture if (width, height) == picture.size else picture.resize(
            (width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, "WEBP", quality=quality, method=4)
        files[name] = out.getvalue()
    return Encoded(key, files)


def _shrunk(picture: Image.Image, shape: Shape) -> Image.Image:
    """The picture fitted into the shape's box as it will stand once turned
    upright, in a mode that resizes well (a palette becomes RGB or RGBA),
    with its EXIF and colour profile still attached for ``_pixels_only``."""
    info, orientation = picture.info, picture.getexif().get(0x0112)
    box = (shape.width, shape.height)
    if orientation in QUARTER_TURNS:
        box = box[::-1]
    if picture.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        picture = picture.convert(
            "RGBA" if picture.mode in ("PA", "P") and _transparent(picture) else "RGB")
        picture.info.update({k: v for k, v in info.items() if k in ("exif", "icc_profile")})
    picture.thumbnail(box, Image.Resampling.LANCZOS)
    return picture


def _transparent(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _decode(data: bytes, shape: Shape, max_pixels: int, max_lossless_pixels: int) -> Image.Image:
    """The upload's first picture, decoded, or BadImage."""
    if not data:
        raise BadImage(NO_FILE)
    try:
        picture = Image.open(io.BytesIO(data), formats=DECODERS)
        if picture.format not in ACCEPTED_FORMATS:
            raise BadImage(NOT_AN_IMAGE)
        width, height = picture.size
        if width * height > max_pixels:
            raise BadImage(too_many_pixels(max_pixels))
        # Decoded whole: a PNG, a WebP, and a progressive JPEG (libjpeg keeps
        # all its coefficients, whatever size it is drawn at).
        whole = picture.format not in ("JPEG", "MPO") or picture.info.get("progressive")
        if whole and width * height > max_lossless_pixels:
            raise BadImage(too_many_pixels(max_lossless_pixels))
        if picture.format in ("JPEG", "MPO") and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
            raise BadImage(DAMAGED)
        if picture.format in ("JPEG", "MPO"):
            # Decode at a fraction of the size when that is still larger than
            # what we keep: a 48 MP photo never needs its 150 MB in memory.
            picture.draft("RGB", (shape.width, shape.width))
        picture.seek(0)  # an animated PNG or WebP: its first frame
        picture.load()
        return picture
    except BadImage:
        raise
    except UnidentifiedImageError:
        raise BadImage(NOT_AN_IMAGE) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(too_many_pixels(max_pixels)) from None
    except Exception:  # noqa: BLE001 - whatever a decoder trips on (truncated, malformed)
        raise BadImage(DAMAGED) from None


def _pixels_only(picture: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied), in sRGB, without transparency,
    and a new image holding nothing but the pixels: no metadata goes on."""
    try:
        picture = ImageOps.exif_transpose(picture)
    except Exception:  # noqa: BLE001 - a broken EXIF block: keep the picture as stored
        pass
    picture = _to_srgb(picture)
    if _transparent(picture):
        rgba = picture.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        flat.alpha_composite(rgba)
        picture = flat
    picture = picture.convert("RGB")
    clean = Image.new("RGB", picture.size)
    clean.paste(picture)
    return clean


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(picture: Image.Image) -> Image.Image:
    """A photo in another colour space (a phone's Display P3) keeps its
    colours once its profile is dropped."""
    icc = picture.info.get("icc_profile")
    if not icc or picture.mode not in ("RGB", "RGBA", "CMYK"):
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if picture.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(picture, source, _SRGB, outputMode=mode)
    except Exception:  # noqa: BLE001 - a broken profile: the pixels as they are
        return picture
