"""Time codes in talk notes: "(05:30)" or "(1:02:03)" turned into links into the talk's video.

Pure string functions: no parsing library, no I/O. The HTML helper works on the HTML our own
renderers produce (well-formed, attributes quoted), so a tag-splitting regex is enough.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit, urlunsplit

from archive.formats.timecode import parse_timecode

# "(05:30)", "(1:02:03)", and the "(00:22 / 36:22 into the video)" variant of the PyCon notes.
TIMECODE = re.compile(
    r"\((?P<code>(?:\d{1,2}:)?\d{1,3}:\d{2})(?P<rest>\s*/\s*\d{1,2}:\d{2}(?::\d{2})?[^()<>]{0,30})?\)"
)
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
# Links, code and scripts keep their text as it is: a time code there is not ours to link.
_SKIP_TAGS = {"a", "pre", "code", "script", "style", "textarea", "title"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")


def parse_duration(text: str) -> int | None:
    """Return the seconds of the first "mm:ss" or "h:mm:ss" found in text (e.g. a running time)."""
    match = re.search(r"(?<![\d:])(?:\d{1,2}:)?\d{1,3}:\d{2}(?![\d:])", text)
    return parse_timecode(match.group(0)) if match else None


def video_url_at(url: str, seconds: int) -> str:
    """Return url pointing at the given second of the video (YouTube t= parameter, else #t=)."""
    # What is stored; the talk page re-points time codes at the talk's best playable video, in the
    # form its player reads (archive.talks.videos, a layer above the parsers, so not imported here).
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if host in _YOUTUBE_HOSTS or host == "youtu.be":
        # Drop any earlier start point (query t/start or a "#t=00m34s" fragment) before adding ours.
        # The query is edited as text so the rest of the URL stays byte for byte as written.
        query = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] not in ("t", "start")]
        query.append(f"t={seconds}s")
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(query), ""))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, f"t={seconds}"))


def link_timecodes(fragment: str, video_url: str | None) -> str:
    """Return the HTML fragment with its bare time codes linked to that second of video_url."""
    if not video_url:
        return fragment

    def link(match: re.Match[str]) -> str:
        seconds = parse_timecode(match.group("code"))
        if seconds is None:
            return match.group(0)
        href = html.escape(video_url_at(video_url, seconds), quote=True)
        return f'<a class="timecode" href="{href}">{match.group(0)}</a>'

    out: list[str] = []
    skipping: list[str] = []
    for piece in _TAG.split(fragment):
        if piece.startswith("<"):
            tag = _TAG_NAME.match(piece)
            if tag and tag.group(2).lower() in _SKIP_TAGS and not piece.endswith("/>"):
                name = tag.group(2).lower()
                if tag.group(1):
                    if name in skipping:
                        skipping.remove(name)
                else:
                    skipping.append(name)
            out.append(piece)
        elif skipping or "(" not in piece:
            out.append(piece)
        else:
            out.append(TIMECODE.sub(link, piece))
    return "".join(out)
