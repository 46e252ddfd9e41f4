"""Time codes as notes write them ("mm:ss", "h:mm:ss"): the one reading of their seconds.

Shared by the parser (which links time codes in notes) and the read side (which points those
links at a playable video), neither of which may import the other.
"""
from __future__ import annotations

import re

CODE = re.compile(r"(?:(\d{1,2}):)?(\d{1,3}):(\d{2})")


def code_seconds(match: re.Match[str]) -> int | None:
    """Return the seconds of a CODE match, or None when its minutes or seconds are out of range."""
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups()[:3])
    if seconds >= 60 or (match.group(1) and minutes >= 60):
        return None
    return hours * 3600 + minutes * 60 + seconds


def parse_timecode(code: str) -> int | None:
    """Return the seconds of "mm:ss" or "h:mm:ss", or None when it is not a valid time code."""
    match = CODE.fullmatch(code.strip())
    return code_seconds(match) if match else None
