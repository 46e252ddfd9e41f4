"""The read side of the web front end: what each page and API resource shows.

Functions take the store (archive.storage.Store, or anything with its read methods) and the
cursor secret as arguments and return plain values; they never know about HTTP. Every list is a
single-partition read of an index table; cursors are signed clustering keys (archive.formats.cursors),
scoped to the list they page.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import groupby
from typing import Any

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.indexes.tables import UNDATED, index_day
from archive.domain import Conference, NotFound, Talk
from archive.domain.runs import recent_months
from archive.formats.html import clean_html
from archive.search import engine
from archive.search.query import Filters, Query, parse_query
from archive.search.snippets import Matcher, marked_title, snippet

_DAY_ID = (date, str)


@dataclass(frozen=True)
class TalkList:
    """A page of index rows of one list, with the cursor of the next page (None on the last)."""

    key: str
    title: str
    rows: list[dict]
    next_cursor: str | None = None


@dataclass(frozen=True)
class TimelinePage:
    """A page of the conference timeline: (year, conference rows) groups, newest first."""

    years: list[tuple[int, list[dict]]]
    next_cursor: str | None = None


@dataclass(frozen=True)
class ConferencePage:
    """A conference with a page of its talks grouped by day (None for undated talks)."""

    conference: Conference
    days: list[tuple[date | None, list[dict]]]
    talk_count: int
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


@dataclass(frozen=True)
class CloudTag:
    """A tag of the cloud with its talk count and a size step from 1 (rare) to `steps` (common)."""

    tag: str
    label: str
    count: int
    size: int


def shown_day(day: date | None) -> date | None:
    """Return the day to show for an index day: None when the talk is undated."""
    return None if day is None or day == UNDATED else day


@lru_cache(maxsize=1)
def tag_labels() -> dict[str, str]:
    """Return the label of every vocabulary tag, by key (other tags show their key); built once, do not change it."""
    from archive.talks.tagging import load_vocabulary  # the vocabulary file is read once, cached

    return {entry.key: entry.label for entry in load_vocabulary().entries}


def _paged(read, scope: str, cursor: str | None, secret: str, types: tuple, limit: int) -> tuple[list, str | None]:
    after = decode_cursor(cursor, secret, scope, types) if cursor else None
    page = read(after=after, limit=limit)
    nxt = encode_cursor(page.next_key, secret, scope) if page.next_key else None
    return page.rows, nxt


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


def group_by_day(rows: list[dict]) -> list[tuple[date | None, list[dict]]]:
    """Group index rows (already in day order) by their shown day."""
    return [(day, list(group)) for day, group in groupby(rows, key=lambda r: shown_day(r["day"]))]


def conference_page(store, secret: str, conference_id: str, cursor: str | None = None,
                    limit: int = 200) -> ConferencePage:
    """Return a conference and a page of its talks in day and document order."""
    conference = store.get_conference(conference_id)
    rows, nxt = _paged(lambda **kw: store.talks_by_conference(conference_id, **kw), f"conference:{conference_id}",
                       cursor, secret, (date, int, str), limit)
    count = len(rows) if cursor is None and nxt is None else store.count_conference_talks(conference_id)
    return ConferencePage(conference, group_by_day(rows), count, nxt)


def tag_page(store, secret: str, tag: str, cursor: str | None = None, limit: int = 20) -> TalkList:
    """Return a page of a tag's talks newest first; NotFound if the tag has none."""
    rows, nxt = _paged(lambda **kw: store.talks_by_tag(tag, **kw), f"tag:{tag}", cursor, secret, _DAY_ID, limit)
    if not rows and cursor is None:
        raise NotFound(f"no tag {tag!r}")
    return TalkList(tag, tag_labels().get(tag, tag), rows, nxt)


def speaker_page(store, secret: str, slug: str, cursor: str | None = None, limit: int = 20) -> TalkList:
    """Return a page of a speaker's talks newest first, titled with their name; NotFound if none."""
    rows, nxt = _paged(lambda **kw: store.talks_by_speaker(slug, **kw), f"speaker:{slug}", cursor, secret,
                       _DAY_ID, limit)
    if not rows and cursor is None:
        raise NotFound(f"no speaker {slug!r}")
    return TalkList(slug, rows[0]["name"] if rows else slug, rows, nxt)


def talk_page(store, talk_id: str) -> TalkPage:
    """Return a talk with its conference and the previous and next talk of that conference."""
    stored = store.get_stored_talks([talk_id]).get(talk_id)
    if stored is None:
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
    return TalkPage(talk, conference, clean_html(talk.notes_html), preceding[0] if preceding else None,
                    following[0] if following else None, {t: labels.get(t, t) for t in talk.tags},
                    clean_html(talk.summary_html))


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


@dataclass(frozen=True)
class SearchResult:
    """One talk found by a search: what a result list shows, with its score and an escaped snippet."""

    id: str
    title: str
    title_html: str      # escaped, matched words in <mark>
    speakers: list[str]
    conference_id: str
    day: date | None
    kind: str
    language: str | None
    has_notes: bool
    has_video: bool
    score: float
    snippet_html: str    # escaped, matched words in <mark>


@dataclass(frozen=True)
class SearchPage:
    """A page of search results, the cursor of the next page, and what the reader should know."""

    query: Query
    results: list[SearchResult]
    next_cursor: str | None
    messages: list[str]


def search(store, secret: str, text: str, filters: Filters = Filters(), sort: str = "relevance",
           cursor: str | None = None, limit: int = 20) -> SearchPage:
    """Run a search: all words, "phrases", the last word as a prefix, filters; ranked or by date."""
    query = parse_query(text or "", filters, sort)
    messages = list(query.notes)
    if query.is_empty():
        if not messages:
            messages.append("Type a few words to search the talks' titles, speakers, tags, descriptions and notes.")
        return SearchPage(query, [], None, messages)
    scope = "search:" + hashlib.sha256(query.key().encode()).hexdigest()[:16]
    after = decode_cursor(cursor, secret, scope, (int, str)) if cursor else None
    found, more, cut = engine.page(query, store, after, limit)
    matches = Matcher(query)  # one page's snippets share their words' verdicts
    results = [SearchResult(
        id=talk.id, title=talk.title, title_html=marked_title(talk, query, matches),
        speakers=[s.name for s in talk.speakers],
        conference_id=talk.conference_id, day=shown_day(hit.day), kind=talk.kind, language=talk.language,
        has_notes=talk.word_count > 0, has_video=talk.link("video") is not None, score=round(hit.score, 4),
        snippet_html=snippet(talk, query, matches)) for hit, talk in found]
    if not results and not cursor:
        messages.append("No talk matches all of these words" + (" with these filters." if not filters.is_empty()
                                                                else "."))
    if cut and results:
        messages.append("Some words of this query are very common: the results are the talks where they matter most.")
    next_cursor = encode_cursor(found[-1][0].sort_key(query.sort), secret, scope) if more and found else None
    return SearchPage(query, results, next_cursor, messages)
