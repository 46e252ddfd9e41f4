"""The read side of the web front end: what each page and API resource shows.

Functions take the store (archive.storage.Store, or anything with its read methods) and the
cursor secret as arguments and return plain values; they never know about HTTP. Every list is read
from one partition of an index table, or from its month buckets in order (archive.storage.lists);
cursors are signed clustering keys (archive.formats.cursors), scoped to the list they page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.indexes.tables import index_day
from archive.domain import Conference, Moved, NotFound, Talk
from archive.domain.runs import recent_months
from archive.formats.html import clean_html
from archive.talks.videos import Video, best_video, retarget_timecodes, talk_videos
from archive.browse.common import group_by_day, shown_day, tag_labels
from archive.browse.lists import (NO_FILTERS, SCAN_BUDGET, ConferencePage, ListFilters, TalkList,
                                  conference_page, newest_notes, speaker_page, tag_page, year_page)
from archive.browse.results import SearchPage, SearchResult, search
from archive.browse.speakers import SpeakerDirectory, initial, speaker_calendar_talks, speakers_directory


@dataclass(frozen=True)
class TimelinePage:
    """A page of the conference timeline: (year, conference rows) groups, newest first."""

    years: list[tuple[int, list[dict]]]
    next_cursor: str | None = None



@dataclass(frozen=True)
class TalkPage:
    """A talk with its sanitised notes, its conference and its neighbours in that conference."""

    talk: Talk
    conference: Conference | None
    notes_html: str
    previous: dict | None = None
    next: dict | None = None
    tag_labels: dict[str, str] = field(default_factory=dict)
    summary_html: str = ""
    videos: tuple[Video, ...] = ()  # each video once; pages only when none plays (archive.talks.videos)


@dataclass(frozen=True)
class CloudTag:
    """A tag of the cloud with its talk count and a size step from 1 (rare) to `steps` (common)."""

    tag: str
    label: str
    count: int
    size: int


YEARS_AT_ONCE = 4


def timeline(store, secret: str, cursor: str | None = None, limit: int = 20) -> TimelinePage:
    """Return a page of conferences newest first, reading year buckets until the page is full."""
    years = store.timeline_years()
    if cursor:
        year, start, conference_id = decode_cursor(cursor, secret, "timeline", (int, date, str))
        plan = [(year, (start, conference_id))] + [(y, None) for y in years if y < year]
    else:
        plan = [(y, None) for y in years]
    rows: list[dict] = []
    # Read one row past the page: it tells whether an older page exists, so the "Older" link
    # never leads to an empty page even when the page ends exactly at the end of a year.
    # Year buckets are read YEARS_AT_ONCE at a time, concurrently: a page spanning several
    # sparse years costs one round trip, not one per year.
    for start in range(0, len(plan), YEARS_AT_ONCE):
        for page in store.conferences_by_years(plan[start:start + YEARS_AT_ONCE], limit + 1 - len(rows)):
            rows += page.rows[:limit + 1 - len(rows)]
        if len(rows) > limit:
            break
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor((last["year"], last["start_date"], last["conference_id"]), secret, "timeline")
    grouped = [(year, list(group)) for year, group in groupby(rows, key=lambda r: r["year"])]
    return TimelinePage(grouped, next_cursor)



MAX_REDIRECT_HOPS = 5


def moved_to(store, talk_id: str) -> str | None:
    """Return the live talk id a moved talk id now answers under (following a few moves), or None."""
    seen = {talk_id}
    current = talk_id
    for _ in range(MAX_REDIRECT_HOPS):
        current = store.redirect_of(current)
        if current is None or current in seen:
            return None
        if store.get_stored_talks([current]):
            return current
        seen.add(current)
    return None



def talk_page(store, talk_id: str) -> TalkPage:
    """Return a talk with its conference and the previous and next talk of that conference."""
    stored = store.get_stored_talks([talk_id]).get(talk_id)
    if stored is None:
        new_id = moved_to(store, talk_id)
        if new_id:
            raise Moved(talk_id, new_id)
        raise NotFound(f"no talk {talk_id!r}")
    talk, day = stored
    try:
        conference = store.get_conference(talk.conference_id)
    except NotFound:  # talks may arrive before their conference row; still show the talk
        conference = None
    key = (day or index_day(talk, conference), talk.ordinal, talk.id)
    following = store.talks_by_conference(talk.conference_id, after=key, limit=1).rows
    preceding = store.talks_by_conference_before(talk.conference_id, key, limit=1)
    labels = tag_labels()
    videos = talk_videos(talk.links, talk.video_seconds)
    # The notes linked their time codes to the notes' own video when parsed; point them at the
    # talk's best playable video now, so that stored notes need no re-import when a link improves.
    best = best_video(videos)
    notes_html = clean_html(retarget_timecodes(talk.notes_html, best.url if best else None))
    return TalkPage(talk, conference, notes_html, preceding[0] if preceding else None,
                    following[0] if following else None, {t: labels.get(t, t) for t in talk.tags},
                    clean_html(talk.summary_html), videos)


def cloud_sizes(counts: dict[str, int], steps: int = 5) -> dict[str, int]:
    """Return a size step (1..steps) per tag, on a log scale so a few huge tags do not flatten the rest."""
    if not counts:
        return {}
    low, high = math.log(min(counts.values()) or 1), math.log(max(counts.values()) or 1)
    span = high - low
    return {tag: 1 + (round((math.log(n or 1) - low) / span * (steps - 1)) if span else steps // 2)
            for tag, n in counts.items()}


def tag_cloud(store, steps: int = 5) -> list[CloudTag]:
    """Return every tag with its count and size, alphabetically by label."""
    counts = {t: n for t, n in store.tag_cloud().items() if n > 0}
    sizes, labels = cloud_sizes(counts, steps), tag_labels()
    cloud = [CloudTag(t, labels.get(t, t), n, sizes[t]) for t, n in counts.items()]
    return sorted(cloud, key=lambda c: (c.label.lower(), c.tag))


def newest_talks(store, limit: int = 50) -> list[dict]:
    """Return the newest talks across the talks' year buckets, newest first."""
    rows: list[dict] = []
    for year in store.talk_years():
        rows += store.talks_by_year(year, limit=limit - len(rows)).rows
        if len(rows) >= limit:
            break
    return rows


def conference_talks(store, conference_id: str, limit: int = 500) -> tuple[Conference, list[dict]]:
    """Return a conference and its first talks in order (feeds)."""
    conference = store.get_conference(conference_id)
    return conference, store.talks_by_conference(conference_id, limit=limit).rows


def conference_calendar_talks(store, conference_id: str) -> tuple[Conference, list[Talk]]:
    """Return a conference and all its stored talks (one partition) for the calendar."""
    conference = store.get_conference(conference_id)
    return conference, store.talks_of_conference(conference_id)


def import_history(store, today: date, months: int = 3, limit: int = 50) -> list[dict[str, Any]]:
    """Return the newest import runs of the last few month buckets."""
    return store.list_runs(recent_months(today, months), limit)


def git_sources(store) -> list[dict[str, Any]]:
    """Return each git source's last fetch (commit, when, error) and last import, by name."""
    return [state for _, state in sorted(store.source_states().items()) if state.get("kind") == "git"]


__all__ = ["NO_FILTERS", "SCAN_BUDGET", "CloudTag", "ConferencePage", "ListFilters", "SearchPage", "SearchResult",
           "SpeakerDirectory", "TalkList", "TalkPage", "TimelinePage", "cloud_sizes", "conference_calendar_talks",
           "conference_page", "conference_talks", "git_sources", "group_by_day", "import_history", "initial", "moved_to",
           "newest_notes", "newest_talks", "search", "shown_day", "speaker_calendar_talks", "speaker_page",
           "speakers_directory", "tag_cloud", "tag_labels", "tag_page", "talk_page", "timeline", "year_page"]
