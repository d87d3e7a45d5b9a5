"""Times: stored in UTC, entered and shown in Asia/Bishkek.

Every date and time a person reads goes through the four functions below,
the templates' filters of the same names (``|day``, ``|day_time``, ``|time``,
``|month``), in the reader's language as CLDR writes it ("6 декабря 2026 г.",
"2026-ж., 6-декабрь", "6-dekabr, 2026", "6 December 2026"), in Bishkek time:
the same moment reads the same on every page, in mail and in feeds.
Machines get ISO 8601: ``machine_readable`` for ``<time datetime>``,
``with_offset`` for CSV cells."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale, dates
from flask_babel import get_locale

LOCAL_TZ = ZoneInfo("Asia/Bishkek")
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive datetime typed in Bishkek time, as an aware UTC datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def utc_to_local(value: datetime | None) -> datetime | None:
    """An aware datetime as naive Bishkek time, to fill a form field."""
    if value is None:
        return None
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def machine_readable(value: date | datetime) -> str:
    """A ``<time datetime="...">`` value: whole seconds (HTML allows at most
    three fractional digits), or a plain date."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def with_offset(value: datetime) -> str:
    """ISO 8601 in Bishkek time with its offset, to the second
    ("2026-12-06T18:00:00+06:00"): what a spreadsheet or a script reads
    without guessing the time zone."""
    return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


# English dates are written as in Britain (CLDR en_GB): day before month and
# a 24-hour clock, as readers in Kyrgyzstan write them in every language,
# not the American "December 6, 2026, 6:00 PM".
_WRITTEN_AS = {"en": "en_GB"}


def _reader() -> Locale:
    """The locale whose conventions the reader's language writes dates in."""
    locale = get_locale()
    return Locale.parse(_WRITTEN_AS.get(str(locale), locale))


def _local(value: date | datetime) -> date | datetime:
    return value.astimezone(LOCAL_TZ) if isinstance(value, datetime) else value


def day(value: date | datetime, weekday: bool = False) -> str:
    """The date in the reader's language (CLDR's long format; with
    ``weekday``, its full format, which adds the day of the week)."""
    return dates.format_date(_local(value), "full" if weekday else "long", locale=_reader())


def time(value: datetime) -> str:
    """The time of day in Bishkek, as the reader's language writes it."""
    return dates.format_time(_local(value), "short", tzinfo=LOCAL_TZ, locale=_reader())


def day_time(value: datetime, weekday: bool = False) -> str:
    """``day`` and ``time`` joined as the reader's language joins them."""
    joined = str(_reader().datetime_formats["medium"])
    return joined.replace("{1}", day(value, weekday)).replace("{0}", time(value))


def month(value: date) -> str:
    """A month and its year ("декабрь 2026 г."), for monthly figures."""
    return dates.format_skeleton("yMMMM", value, locale=_reader())
