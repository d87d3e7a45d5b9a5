"""An upload's memory follows what we keep, not what was sent (attack review
of #12: six 6 KB palette PNGs of 7070 × 7070 held 3.9 GB). Measured in a
child process, as its peak resident size, so other tests cannot blur it."""

import io
import subprocess
import sys

import pytest
from PIL import Image

from hrdebate.images import keys, processing

MB = 1024 * 1024


def palette_png(side: int) -> bytes:
    """A tiny file that unpacks to side × side pixels, one colour transparent:
    every step that copies it at full size costs 4 bytes a pixel."""
    picture = Image.new("P", (side, side), 0)
    picture.putpalette([0, 0, 0, 255, 255, 255] * 128)
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0, optimize=True)
    return out.getvalue()


def test_a_palette_bomb_under_the_photo_limit_is_refused_for_a_png():
    data = palette_png(7070)  # 50 MP minus a little: under IMAGE_MAX_PIXELS
    assert len(data) < 100 * 1024
    with pytest.raises(processing.BadImage) as refused:
        processing.encode(data, keys.COVER, 50_000_000, 78, max_lossless_pixels=16_000_000)
    assert "16" in str(refused.value.message)


CHILD = """
import resource, sys
from hrdebate.images import keys, processing
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
processing.encode(data, keys.COVER, 50_000_000, 78, max_lossless_pixels=16_000_000)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024)
"""


def test_the_largest_png_allowed_costs_a_bounded_memory(tmp_path):
    """4000 × 4000 (the lossless limit), transparent palette: decoded 16 MB,
    one RGBA copy 64 MB, the resize's passes, then only the 1200 px picture:
    about 155 MB measured (260 MB before the fix, which flattened and copied
    at full size first). And one picture at a time per process
    (``processing._ONE_AT_A_TIME``), so a burst of uploads queues."""
    path = tmp_path / "big.png"
    path.write_bytes(palette_png(4000))
    grew = int(subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True,
                              capture_output=True, text=True).stdout)
    assert grew < 200 * MB, f"{grew / MB:.0f} MB"


def scan_bomb() -> bytes:
    """A progressive JPEG followed by its smallest scan repeated: a few KB
    that take minutes to decode (second attack round of #12)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(out, "JPEG", progressive=True)
    data = out.getvalue()
    sos = data.rindex(b"\xff\xda")
    last_scan = data[sos:data.rindex(b"\xff\xd9")]
    return data[:-2] + last_scan * 500 + b"\xff\xd9"


def test_a_jpeg_of_thousands_of_scans_is_refused_before_decoding():
    with pytest.raises(processing.BadImage) as refused:
        processing.encode(scan_bomb(), keys.COVER, 50_000_000, 78, max_lossless_pixels=16_000_000)
    assert refused.value.status == 422


def test_a_large_progressive_jpeg_has_the_lossless_limit():
    out = io.BytesIO()
    Image.new("RGB", (4100, 4100), (10, 10, 10)).save(out, "JPEG", progressive=True)
    with pytest.raises(processing.BadImage):
        processing.encode(out.getvalue(), keys.COVER, 50_000_000, 78,
                          max_lossless_pixels=16_000_000)


def test_an_upload_that_waits_too_long_is_told_to_try_again(monkeypatch):
    monkeypatch.setattr(processing, "WAIT_SECONDS", 0.1)
    assert processing._ONE_AT_A_TIME.acquire()  # another upload holds the lock
    try:
        with pytest.raises(processing.BadImage) as refused:
            processing.encode(palette_png(10), keys.LOGO, 50_000_000, 78)
    finally:
        processing._ONE_AT_A_TIME.release()
    assert refused.value.status == 503
