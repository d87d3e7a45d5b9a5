"""Calendars (RFC 5545, with the icalendar library) and Atom feeds (RFC 4287)
of events. The builders are pure functions of the events they are given (no
request, no database access; routes pass in the URLs and the translated
names); the two loaders at the end choose the events a public feed lists."""

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from uuid import NAMESPACE_URL, uuid5

from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..events.filters import EventFilters
from ..extensions import db
from ..models import Club, Event
from ..pagecache import release

PRODID = "-//hrdebate//events//EN"
# Subscribed calendars ask again after this long (REFRESH-INTERVAL).
REFRESH_INTERVAL = timedelta(hours=1)
MAX_CALENDAR_EVENTS = 500
MAX_ATOM_ENTRIES = 50
# Public feeds list published events only (cancelled ones are in the list
# page, not in a feed).
PUBLIC = ("published",)

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("", ATOM_NS)

# Characters that XML 1.0 and iCalendar text cannot carry (C0 controls but
# tab, line feed and carriage return; lone surrogates; U+FFFE and U+FFFF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

EventUrl = Callable[[Event], str]


def clean(text: str | None) -> str:
    """User text made safe to serialise: never escaped here (the XML and
    iCalendar writers do that), only stripped of forbidden characters."""
    return _FORBIDDEN.sub("", text or "")


def line(text: str | None) -> str:
    """``clean`` text on one line: line breaks (and runs of spaces) become one
    space. A calendar's name cannot hold a line break at all, and a title
    with one, as rows written by hand or by older code may hold, reads
    badly in a one-line field (SUMMARY, LOCATION, CATEGORIES)."""
    return " ".join(clean(text).split())


def stable_id(name: str) -> str:
    """A URN that depends on ``name`` only: the same on every host and after
    every edit."""
    return f"urn:uuid:{uuid5(NAMESPACE_URL, 'hrdebate:' + name)}"


def event_uid(event: Event) -> str:
    """The event's iCalendar UID, from its id alone, so edits never change it."""
    return f"event-{event.id}@hrdebate"


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _calendar_status(event: Event, tentative: bool = False) -> str:
    if event.is_cancelled:
        return "CANCELLED"
    if event.is_draft or tentative:
        return "TENTATIVE"
    return "CONFIRMED"


def calendar_event(event: Event, url: str, tentative: bool = False,
                   online: bool = False) -> bytes:
    """One VEVENT, as the lines of RFC 5545 (escaped and folded by
    ``_content_line``). Written here rather than by the icalendar library,
    which spent about a millisecond on each event (most of a public feed's
    time at programme scale); the tests read every feed back with it.
    Topics are read from ``event.topics``: load them with the events (the
    list filters' query selectin-loads them). The online link is written
    only with ``online`` (a personal feed, for a seat): public feeds never
    carry it."""
    link = line(event.online_url) if online and event.online_url else ""
    description = "\n\n".join(p for p in (clean(event.summary), link, url) if p)
    location = line(event.venue) or link
    categories = ",".join(_ical_text(line(str(topic.name))) for topic in event.topics)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_ical_text(line(event.title))}",
        f"DTSTART:{_stamp(event.starts_at)}",
        f"DTEND:{_stamp(event.ends_at)}",
        # No METHOD: DTSTAMP is then when the event was last revised, which
        # also keeps the document, and its ETag, the same between edits.
        f"DTSTAMP:{_stamp(event.updated_at)}",
        f"UID:{_ical_text(event_uid(event))}",
        *([f"CATEGORIES:{categories}"] if categories else []),
        f"CREATED:{_stamp(event.created_at)}",
        f"DESCRIPTION:{_ical_text(description)}",
        f"LAST-MODIFIED:{_stamp(event.updated_at)}",
        *([f"LOCATION:{_ical_text(location)}"] if location else []),
        f"STATUS:{_calendar_status(event, tentative)}",
        f"URL:{url}",
        "END:VEVENT",
    ]
    return b"".join(_content_line(text) for text in lines)


def _stamp(value: datetime) -> str:
    """A DATE-TIME in UTC, to the second (``20260501T120000Z``)."""
    return _utc(value).strftime("%Y%m%dT%H%M%SZ")


def _ical_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma,
    and line breaks as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _content_line(text: str) -> bytes:
    """One content line, folded at 75 octets (RFC 5545 3.1): each following
    part starts with a space; a character's UTF-8 bytes are never split."""
    data = text.encode("utf-8")
    parts, start, size = [], 0, 75
    while len(data) - start > size:
        end = start + size
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        parts.append(data[start:end])
        start, size = end, 74
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def build_calendar(events: Iterable[Event], *, name: str, feed: str,
                   event_url: EventUrl, tentative: frozenset[int] = frozenset(),
                   online: frozenset[int] = frozenset()) -> bytes:
    """A VCALENDAR of ``events``. ``feed`` names the calendar for its stable
    UID (e.g. ``events.ics?kind=debate``); ``name`` is shown to people.
    Events whose id is in ``tentative`` (a waitlisted seat) are TENTATIVE;
    those in ``online`` carry their online link (a personal feed only).
    The calendar's own properties are written by the icalendar library,
    its events by ``calendar_event``."""
    calendar = Calendar.new(
        prodid=PRODID,
        name=line(name),  # NAME and X-WR-CALNAME: never a line break
        uid=stable_id(feed),
        refresh_interval=REFRESH_INTERVAL,
    )
    calendar.add("CALSCALE", "GREGORIAN")
    head, end = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
    body = b"".join(calendar_event(event, event_url(event), tentative=event.id in tentative,
                                   online=event.id in online) for event in events)
    return head + body + b"END:VCALENDAR" + end


def _rfc3339(value: datetime) -> str:
    return _utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: ET.Element, tag: str, text: str, **attrib) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrib)
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str, type_: str | None = None) -> None:
    attrib = {"rel": rel, "href": href}
    if type_:
        attrib["type"] = type_
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attrib)


def build_atom(events: Iterable[Event], *, feed: str, title: str, language: str,
               self_url: str, alternate_url: str, event_url: EventUrl,
               describe: Callable[[Event], str], now: datetime) -> bytes:
    """An Atom 1.0 feed with one entry per event. ``describe(event)`` gives
    the entry's summary line before the event's own summary (its date and
    venue); ``now`` is the feed's date when it has no entries."""
    events = list(events)
    root = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language})
    _text(root, "id", stable_id(feed))
    _text(root, "title", clean(title))
    updated = max((e.updated_at for e in events), default=now)
    _text(root, "updated", _rfc3339(updated))
    _link(root, self_url, "self", "application/atom+xml")
    _link(root, alternate_url, "alternate", "text/html")
    _text(root, "generator", "hrdebate")
    for event in events:
        entry = ET.SubElement(root, f"{{{ATOM_NS}}}entry", {XML_LANG: event.language})
        _text(entry, "id", stable_id(f"event:{event.id}"))
        _text(entry, "title", clean(event.title), type="text")
        _text(entry, "updated", _rfc3339(event.updated_at))
        if event.published_at is not None:
            _text(entry, "published", _rfc3339(event.published_at))
        author = ET.SubElement(entry, f"{{{ATOM_NS}}}author")
        _text(author, "name", clean(event.club.name))
        _link(entry, event_url(event), "alternate", "text/html")
        for topic in event.topics:
            ET.SubElement(entry, f"{{{ATOM_NS}}}category",
                          {"term": topic.slug, "label": clean(str(topic.name))})
        summary = "\n\n".join(p for p in (clean(describe(event)), clean(event.summary)) if p)
        _text(entry, "summary", summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# -- what the public feeds list ----------------------------------------------------
#
# A public feed lists at most ``MAX_PUBLIC_CALENDAR_EVENTS`` (calendars) or
# ``MAX_ATOM_ENTRIES`` events: building an event's entry is most of a feed's
# cost (the icalendar library spends about half a millisecond on each), so
# the bound is what keeps a feed's first answer fast at programme scale.
# Calendar apps ask again every hour with the feed's ETag; that validator is
# read first, by ``feed_version`` over exactly the rows the feed would list,
# and an unchanged feed is answered 304 before anything is built.

MAX_PUBLIC_CALENDAR_EVENTS = 50


def _calendar_query(filters: EventFilters):
    return filters.query(statuses=PUBLIC, with_topics=True).limit(MAX_PUBLIC_CALENDAR_EVENTS)


def _atom_order():
    return (func.coalesce(Event.published_at, Event.created_at).desc(), Event.id.desc())


def calendar_events(filters: EventFilters) -> list[Event]:
    """The events a public calendar lists: the list page's filters and order,
    published only, with their topics, at most ``MAX_PUBLIC_CALENDAR_EVENTS``."""
    return list(db.session.scalars(_calendar_query(filters)))


def announced_events(filters: EventFilters) -> list[Event]:
    """The Atom feed's entries: the same filters (and the same default,
    upcoming) as the list page, the newest announcements first. The newest
    are chosen by their keys alone (a sort of ids and dates, not of whole
    events), then read by id."""
    newest = (select(Event.id).where(*filters.conditions(None, PUBLIC))
              .order_by(*_atom_order()).limit(MAX_ATOM_ENTRIES))
    stmt = (
        select(Event).outerjoin(Event.club).options(contains_eager(Event.club),
                                                     selectinload(Event.topics))
        .where(Event.id.in_(newest))
        .order_by(*_atom_order())
    )
    return list(db.session.scalars(stmt))


def feed_version(filters: EventFilters, atom: bool = False) -> str:
    """What a public feed's content depends on, read in one small query
    before the feed is built: which events it lists, in order, each with its
    latest change (any edit of an event, of its themes or its club's name,
    touches ``updated_at``), and the release (a new one may write them
    otherwise). At most 50 rows: their ids themselves, not a sum or a count
    that two different lists can share."""
    conditions = filters.conditions(None, PUBLIC)
    # With each event's club name: an Atom entry's author, renamed without
    # touching the event (a change of capitals keeps its search key).
    keys = select(Event.id, Event.updated_at, Club.name) \
        .join(Club, Club.id == Event.club_id).where(*conditions)
    if atom:
        keys = keys.order_by(*_atom_order()).limit(MAX_ATOM_ENTRIES)
    else:
        keys = keys.order_by(*filters.order()).limit(MAX_PUBLIC_CALENDAR_EVENTS)
    digest = hashlib.sha256(release().encode())
    for event_id, updated_at, club in db.session.execute(keys):
        digest.update(f"{event_id}@{updated_at.isoformat() if updated_at else '-'}"
                      f"@{club};".encode())
    return digest.hexdigest()[:32]
