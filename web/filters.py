"""Jinja filters and globals: how dates, ranges, durations and speaker links are shown."""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from urllib.parse import quote

from flask import Flask

from archive.browse import shown_day, tag_labels
from archive.domain import Link, speaker_slug
from web.security import http_url


def long_day(value: date | None) -> str:
    """Format a day as 'Wednesday 7 March 2012' ('Undated' for none)."""
    value = shown_day(value)
    return f"{value:%A} {value.day} {value:%B %Y}" if value else "Undated"


def short_day(value: date | None) -> str:
    """Format a day as '7 Mar 2012' ('undated' for none)."""
    value = shown_day(value)
    return f"{value.day} {value:%b %Y}" if value else "undated"


def date_range(start: date | None, end: date | None) -> str:
    """Format a conference's dates compactly: '7–15 March 2012', '30 June – 2 July 2012'."""
    start, end = shown_day(start), shown_day(end)
    if not start:
        return "dates unknown"
    if not end or end == start:
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


@lru_cache(maxsize=65536)
def speaker_link_slug(name: str) -> str:
    """Return the slug of a speaker's page, or '' when the name gives none (no page exists)."""
    slug = speaker_slug(name or "")
    return "" if slug == "untitled" else slug


# The URLs a list page links from every row, built without url_for (werkzeug's URL building costs
# about 60 us a link; a 200-talk conference page has over 1,000 links). The segment is quoted
# exactly as werkzeug's default converter quotes it; a test compares them with url_for.
SEGMENT_SAFE = "!$&'()*+,/:;=@"


@lru_cache(maxsize=65536)
def _segment(value: str) -> str:
    return quote(value, safe=SEGMENT_SAFE)


def row_url(root: str, prefix: str, value) -> str:
    """Return the URL under root of one page a list links (prefix '/talks/' and a talk id, ...)."""
    return root + prefix + _segment(str(value))


def duration(seconds: int | None) -> str:
    """Format a video length: '29 min', '1 h 05 min'."""
    if not seconds:
        return ""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{max(minutes, 1)} min"


def timestamp(value: datetime | None) -> str:
    """Format a stored timestamp (UTC) as '2024-05-01 12:03 UTC'."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # the driver returns naive UTC datetimes
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def elapsed(start: datetime | None, end: datetime | None) -> str:
    """Format the time between two timestamps: '12 s', '3 min 05 s'."""
    if start is None or end is None:
        return "—"
    seconds = max(0, round((end - start).total_seconds()))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def http_links(links) -> list[Link]:
    """Keep the links whose URL is http(s): anything else (javascript:, data:, ...) is never a link."""
    return [link for link in links or () if http_url(link.url)]


def register(app: Flask) -> None:
    """Install the filters and globals on the app."""
    app.add_template_filter(long_day)
    app.add_template_filter(short_day)
    app.add_template_filter(date_range)
    app.add_template_filter(speaker_link_slug)
    app.add_template_filter(duration)
    app.add_template_filter(timestamp)
    app.add_template_filter(elapsed)
    app.add_template_filter(http_url)
    app.add_template_filter(http_links)
    app.add_template_global(shown_day)
    app.add_template_global(lambda tag: tag_labels().get(tag, tag), "tag_label")
    from archive.domain import TALK_KINDS
    from web.listing import COMMON_LANGUAGES

    app.add_template_global(TALK_KINDS, "talk_kinds")
    app.add_template_global(COMMON_LANGUAGES, "common_languages")

    from web.talk_rows import badges, speaker_links, talk_items  # they build on the functions above

    for function in (badges, speaker_links, talk_items):
        app.add_template_global(function)
