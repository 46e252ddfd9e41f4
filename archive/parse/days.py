"""Days of talks from the words notes use for them: day folders, dated file names, day headings.

Pure. A parser only *reads* a hint ("friday", "day 2", "4-11", "2014-04-11") from a path or a
heading; the service resolves it to a date once it knows the conference's dates, and a hint that
falls outside the conference gives no date rather than a wrong one.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import PurePosixPath

from archive.domain import fold

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_WEEKDAYS = {name[:3]: name for name in WEEKDAYS} | {"tues": "tuesday", "weds": "wednesday",
                                                           "thur": "thursday", "thurs": "thursday"}
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_MONTH = {name: i for i, name in enumerate(MONTHS, 1)} | {name[:3]: i for i, name in enumerate(MONTHS, 1)} | {
    "sept": 9}

_DAY_N = re.compile(r"\bday\s*(\d{1,2})\b")
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\w])(" + "|".join(sorted(_MONTH, key=len, reverse=True)) + r")\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?(" + "|".join(sorted(_MONTH, key=len, reverse=True))
                        + r")\b")
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})[-_.](\d{1,2})(?![\d.])")


def day_hint(text: str) -> str | None:
    """Return the day a heading, folder or file name names ("Friday, April 29" -> "apr 29 friday")."""
    raw = text.lower()
    folded = fold(text)
    words = folded.split()
    parts: list[str] = []
    iso = _ISO.search(raw)
    if iso:
        parts.append(f"ymd {iso.group(1)}-{iso.group(2)}-{iso.group(3)}")
    else:
        month_day = _MONTH_DAY.search(folded) or None
        if month_day:
            parts.append(f"md {_MONTH[month_day.group(1)]}-{month_day.group(2)}")
        else:
            day_month = _DAY_MONTH.search(folded)
            if day_month:
                parts.append(f"md {_MONTH[day_month.group(2)]}-{day_month.group(1)}")
            else:
                numeric = _NUMERIC.search(raw)
                if numeric:
                    parts.append(f"nn {numeric.group(1)}-{numeric.group(2)}")
    weekday = next((w for w in words if w in WEEKDAYS), None) or next(
        (_SHORT_WEEKDAYS[w] for w in words if w in _SHORT_WEEKDAYS and len(words) <= 3), None)
    if weekday:
        parts.append(f"wd {weekday}")
    day_n = _DAY_N.search(folded.replace(" ", "")) if re.search(r"\bday\s*\d", folded) else None
    if day_n:
        parts.append(f"n {int(day_n.group(1))}")
    return "; ".join(parts) or None


def day_number_hint(text: str) -> str | None:
    """Return the hint of a "Day N" in a text ("Django Circus Notes (Day 1)" -> "n 1"), if any."""
    match = _DAY_N.search(fold(text))
    return f"n {int(match.group(1))}" if match else None


def path_day_hint(path: str) -> str | None:
    """Return the day hint of a document's folders and file name, the nearest first."""
    pure = PurePosixPath(path)
    for part in [pure.stem, *reversed(pure.parts[:-1])]:
        hint = day_hint(part.replace("_", " ").replace("-", " ") if not _NUMERIC.search(part) else part)
        if hint:
            return hint
    return None


def is_day_heading(title: str) -> bool:
    """Return whether a heading names only a day ("Friday", "Day 2", "Saturday, March 16")."""
    folded = fold(title)
    if not folded or not day_hint(title):
        return False
    rest = [w for w in folded.split() if w not in WEEKDAYS and w not in _MONTH and not w.isdigit()
            and w not in ("day", "the", "of", "st", "nd", "rd", "th", "notes", "talks")]
    return not rest


def _candidates(hint: str, start: date, end: date):
    """Yield the dates a hint may mean within the conference, most specific first."""
    for part in hint.split("; "):
        kind, _, value = part.partition(" ")
        if kind == "ymd":
            y, m, d = (int(x) for x in value.split("-"))
            yield _safe_date(y, m, d)
        elif kind in ("md", "nn"):
            a, b = (int(x) for x in value.split("-"))
            for year in sorted({start.year, end.year}):
                yield _safe_date(year, a, b)
                if kind == "nn":
                    yield _safe_date(year, b, a)
        elif kind == "wd":
            index = WEEKDAYS.index(value)
            day = start
            while day <= end:
                if day.weekday() == index:
                    yield day
                    break
                day += timedelta(days=1)
        elif kind == "n":
            yield start + timedelta(days=int(value) - 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_day(hint: str | None, start: date | None, end: date | None) -> date | None:
    """Return the date a day hint names within a conference's dates, or None when it names none."""
    if not hint or start is None:
        return None
    end = end or start
    for candidate in _candidates(hint, start, end):
        if candidate is not None and start <= candidate <= end:
            return candidate
    return None
