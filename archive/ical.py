"""iCalendar (RFC 5545) export of a conference's talks: pure, hand-written, small.

Each dated talk becomes an all-day VEVENT. Lines end in CRLF, TEXT values are escaped, and lines
longer than 75 octets are folded (a CRLF then one space) without splitting a UTF-8 sequence.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable

from archive.domain import Conference, Talk

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//notes-archive//conference talks//EN"


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold one content line into CRLF-joined pieces of at most 75 octets each."""
    pieces, current, size = [], [], 0
    limit = MAX_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            # A continuation line starts with one space, which counts against its 75 octets.
            current, size, limit = [" "], 1, MAX_OCTETS
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return CRLF.join(pieces)


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _stamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _event(talk: Talk, conference: Conference, url: str, stamp: str, domain: str) -> list[str]:
    assert talk.date is not None
    speakers = ", ".join(s.name for s in talk.speakers)
    description = "\n".join(part for part in (
        f"Speakers: {speakers}" if speakers else "",
        f"{conference.name}",
        url,
    ) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{talk.id}@{domain}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_date(talk.date)}",
        # DTEND of an all-day event is exclusive: the next day.
        f"DTEND;VALUE=DATE:{_date(talk.date + timedelta(days=1))}",
        f"SUMMARY:{escape_text(talk.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{url}",
    ]
    if conference.location:
        lines.append(f"LOCATION:{escape_text(conference.location)}")
    if talk.tags:
        lines.append("CATEGORIES:" + ",".join(escape_text(t) for t in talk.tags))
    lines.append("TRANSP:TRANSPARENT")  # a talk you might watch does not make you busy all day
    lines.append("END:VEVENT")
    return lines


def conference_calendar(conference: Conference, talks: Iterable[Talk], talk_url: Callable[[Talk], str],
                        now: datetime | None = None, domain: str = "notes-archive") -> str:
    """Return the iCalendar text of a conference's dated talks, in day and document order."""
    stamp = _stamp(now or datetime.now(timezone.utc))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(conference.name)}",
    ]
    if conference.timezone:
        lines.append(f"X-WR-TIMEZONE:{escape_text(conference.timezone)}")
    dated = sorted((t for t in talks if t.date is not None), key=lambda t: (t.date, t.ordinal, t.id))
    for talk in dated:
        lines += _event(talk, conference, talk_url(talk), stamp, domain)
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)
