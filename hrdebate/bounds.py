"""Bounds on what a request may name (issue #10 item 2), in one place: ids,
page numbers and dates out of range never reach the database.

URL parts are bounded by ``IdConverter`` (``<int:>``, up to ``MAX_ID``);
query parameters and form values go through the helpers here; every date
field of every form gets ``SaneDate`` (``forms.Form`` adds it)."""

import re
from datetime import date, datetime

from flask import request
from flask_babel import gettext as _
from wtforms.validators import StopValidation

from .dbtypes import MAX_ID

# The last page a list answers: a larger number shows the (empty) last one,
# and never becomes an OFFSET the database cannot hold.
MAX_PAGE = 10_000
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: \d is any script's digit

# The days the site deals in: events, milestones, filters.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def as_id(value) -> int | None:
    """An id written in ``value`` (ASCII digits, 1 to ``MAX_ID``), else None.
    ``str.isdigit`` and ``int`` accept "²" or "١٢"; ids are ASCII only."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def page_arg(name: str = "page", args=None) -> int:
    """The page number in the query parameter ``name``: 1 to ``MAX_PAGE``
    (a larger one is the last), 1 when absent or not a number."""
    value = (request.args if args is None else args).get(name, "")
    if not _DIGITS.fullmatch(value):  # absent, negative, not an ASCII number
        return 1
    return MAX_PAGE if len(value) > 8 else min(max(int(value), 1), MAX_PAGE)


def sane_day(day: date | datetime | None) -> bool:
    """True when ``day`` falls between ``FIRST_DAY`` and ``LAST_DAY``."""
    if day is None:
        return True
    if isinstance(day, datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


class SaneDate:
    """A date or date-time field's value lies between 2000 and 2100: a year
    typed wrongly (0001, 9999) is an error, not a date no clock can convert.
    The field then holds no date, so that no other check of the form (an end
    after the start...) computes with it."""

    def __call__(self, form, field):
        if not sane_day(field.data):
            field.data = None
            raise StopValidation(_("Enter a date between the years %(first)d and %(last)d.",
                                   first=FIRST_DAY.year, last=LAST_DAY.year))
