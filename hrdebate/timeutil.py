"""Times: stored in UTC, entered and shown in Asia/Bishkek."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

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
