"""The one CSV writer: every CSV download of the site is written here (DESIGN
§8: "every CSV cell is neutralised against spreadsheet formulas";
``tests/test_architecture.py`` checks that no other module writes CSV).

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula (and tab or carriage return can smuggle one in), so a display name
such as ``=HYPERLINK("http://x","y")`` would run in the organiser's Excel.
Such a cell gets a leading apostrophe, which spreadsheets show as text (the
OWASP advice for CSV injection). Numbers are written as numbers: only text
is neutralised, so a count of -1 stays a number.

Files are UTF-8 with a byte-order mark, so that Excel reads Cyrillic. Times
are ISO 8601 in Bishkek time with their offset ("2026-12-06T18:00:00+06:00"),
dates ISO 8601 ("2026-12-06"), whoever downloads the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask import Response, stream_with_context

from .timeutil import with_offset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str | int | float:
    """A cell as a spreadsheet may safely read it: text that could start a
    formula gets a leading apostrophe; None is empty; numbers stay numbers;
    times and dates are ISO 8601, times with Bishkek's offset."""
    kind = type(value)  # the common cells first: a long export writes a million
    if kind is int or kind is float:
        return value
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return with_offset(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The file: a BOM, the header, then each row, every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralised(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
    return out.getvalue()


def csv_chunks(header: Iterable, rows: Iterable[Iterable], size: int = 500) -> Iterator[str]:
    """``csv_text`` a few hundred rows at a time: the file of a streamed download."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow([neutralised(cell) for cell in header])
    for i, row in enumerate(rows, 1):
        writer.writerow([neutralised(cell) for cell in row])
        if i % size == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable],
                 stream: bool = False) -> Response:
    """A download of ``csv_text``, never stored by a cache on the way: these
    files hold attendee lists and turnout (issue 9, item 7). With ``stream``,
    the rows are read and written as the response is sent (a long export:
    its memory does not grow with its rows)."""
    body = stream_with_context(csv_chunks(header, rows)) if stream else csv_text(header, rows)
    return Response(body, content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    })
