"""iCalendar (RFC 5545) export of a conference's talks, written by the `icalendar` package.

Each dated talk becomes an all-day VEVENT. The package escapes TEXT values, folds lines at 75
octets and ends them in CRLF; control characters (which RFC 5545 forbids in values) are dropped
first, and line breaks become the escaped `\\n`, so no value can start a line of its own.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from icalendar import Calendar, Event, vText

from archive.domain import Conference, Talk

PRODID = "-//notes-archive//conference talks//EN"
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # every control but tab, LF and CR


def clean_text(value: str) -> str:
    """Return a value without the control characters RFC 5545 forbids (line breaks kept, as LF)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", value)


def clean_uri(value: str) -> str:
    """Return a URI without any control character or space (they have no place in one)."""
    return re.sub(r"[\x00-\x20\x7f]", "", value)


def _event(talk: Talk, conference: Conference, url: str, stamp: datetime, domain: str) -> Event:
    assert talk.date is not None
    speakers = ", ".join(s.name for s in talk.speakers)
    description = "\n".join(part for part in (
        f"Speakers: {speakers}" if speakers else "", conference.name, url) if part)
    event = Event()
    event.add("uid", vText(clean_text(f"{talk.id}@{domain}")))
    event.add("dtstamp", stamp)
    event.add("dtstart", talk.date)
    event.add("dtend", talk.date + timedelta(days=1))  # DTEND of an all-day event is exclusive
    event.add("summary", vText(clean_text(talk.title)))
    event.add("description", vText(clean_text(description)))
    event.add("url", clean_uri(url))
    if conference.location:
        event.add("location", vText(clean_text(conference.location)))
    if talk.tags:
        event.add("categories", [clean_text(t) for t in talk.tags])
    event.add("transp", "TRANSPARENT")  # a talk you might watch does not make you busy all day
    return event


def _calendar(name: str, time_zone: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(clean_text(name)))
    if time_zone:
        calendar.add("x-wr-timezone", vText(clean_text(time_zone)))
    return calendar


def _stamp(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def conference_calendar(conference: Conference, talks: Iterable[Talk], talk_url: Callable[[Talk], str],
                        now: datetime | None = None, domain: str = "notes-archive") -> str:
    """Return the iCalendar text of a conference's dated talks, in day and document order."""
    stamp, calendar = _stamp(now), _calendar(conference.name, conference.timezone)
    dated = sorted((t for t in talks if t.date is not None), key=lambda t: (t.date, t.ordinal, t.id))
    for talk in dated:
        calendar.add_component(_event(talk, conference, talk_url(talk), stamp, domain))
    return calendar.to_ical().decode("utf-8")


def talks_calendar(name: str, talks: Iterable[Talk], conferences: dict[str, Conference],
                   talk_url: Callable[[Talk], str], now: datetime | None = None, domain: str = "notes-archive") -> str:
    """Return the iCalendar text of dated talks across conferences (a speaker's), oldest first."""
    stamp, calendar = _stamp(now), _calendar(name)
    dated = sorted((t for t in talks if t.date is not None), key=lambda t: (t.date, t.ordinal, t.id))
    for talk in dated:
        conference = conferences.get(talk.conference_id) or Conference(talk.conference_id, talk.conference_id)
        calendar.add_component(_event(talk, conference, talk_url(talk), stamp, domain))
    return calendar.to_ical().decode("utf-8")
