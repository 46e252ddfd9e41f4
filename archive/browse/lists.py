"""Talk lists (conference, tag, speaker, year) and their filters: notes, kind and language.

Talks with notes have index partitions of their own (notes_by_list), so that filter reads only noted
talks. Kind and language have none: their rows are read and dropped, at most SCAN_BUDGET a page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.domain import Conference, NotFound
from archive.browse.common import _DAY_ID, group_by_day, paged, tag_labels


@dataclass(frozen=True)
class ListFilters:
    """What a talk list may be narrowed to: talks with notes, one kind, one language."""

    notes: bool = False
    kind: str | None = None
    language: str | None = None

    def is_empty(self) -> bool:
        """Tell whether nothing is filtered."""
        return not (self.notes or self.kind or self.language)

    def scans(self) -> bool:
        """Tell whether rows must be read and dropped (kind and language have no index of their own)."""
        return bool(self.kind or self.language)

    def keeps(self, row: dict) -> bool:
        """Tell whether an index row passes the kind and language filters."""
        return ((not self.kind or row.get("kind") == self.kind)
                and (not self.language or (row.get("language") or "").casefold() == self.language.casefold()))

    def key(self) -> str:
        """Return a short text naming the filters (cursor scopes: a cursor pages only its own filters)."""
        return f"notes={int(self.notes)};kind={self.kind or ''};language={self.language or ''}"

    def params(self) -> dict[str, str]:
        """Return the filters as URL query parameters (none for an unfiltered list)."""
        out = {"notes": "1"} if self.notes else {}
        return out | {k: v for k, v in (("kind", self.kind), ("language", self.language)) if v}


NO_FILTERS = ListFilters()
# A page filtered by kind or language reads at most this many index rows: a rare value then shows
# a short page with a link onwards, instead of one request reading a whole large list.
SCAN_BUDGET = 600


@dataclass(frozen=True)
class TalkList:
    """A page of index rows of one list, with the cursor of the next page (None on the last)."""

    key: str
    title: str
    rows: list[dict]
    next_cursor: str | None = None
    filters: ListFilters = NO_FILTERS
    scanned: int = 0  # rows a filtered page read; with a short page and a cursor, the budget ran out



@dataclass(frozen=True)
class ConferencePage:
    """A conference with a page of its talks grouped by day (None for undated talks)."""

    conference: Conference
    days: list[tuple[date | None, list[dict]]]
    talk_count: int
    next_cursor: str | None = None
    notes_count: int = 0
    filters: ListFilters = NO_FILTERS
    scanned: int = 0



_NOTES_KEY = (date, int, str)
_NOTES_COLUMNS = ("day", "ordinal", "talk_id")


def _key_of(row: dict, columns: tuple[str, ...]) -> tuple:
    return tuple(row[c] for c in columns)


def _scan(read, after: tuple | None, limit: int, filters: ListFilters, columns: tuple[str, ...]):
    """Read rows after a key, keeping those the filters pass, until a page is full, the list ends
    or SCAN_BUDGET rows were read; return (rows, key to continue after or None, rows read)."""
    rows: list[dict] = []
    scanned = 0
    while scanned < SCAN_BUDGET:
        page = read(after=after, limit=min(SCAN_BUDGET - scanned, max(4 * limit, 100)))
        for row in page.rows:
            scanned += 1
            if filters.keeps(row):
                rows.append(row)
                if len(rows) > limit:
                    return rows[:limit], _key_of(rows[limit - 1], columns), scanned
        if page.next_key is None:
            return rows, None, scanned
        after = page.next_key
    return rows, after, scanned


def _list(read, notes_read, scope: str, columns: tuple[str, ...], types: tuple, cursor: str | None, secret: str,
          limit: int, filters: ListFilters) -> tuple[list[dict], str | None, int]:
    """Return a page of a list (rows, next cursor, rows read): its notes list when filtered to notes,
    and kind and language applied by reading rows and keeping those that pass."""
    if filters.notes:
        read, columns, types = notes_read, _NOTES_COLUMNS, _NOTES_KEY
    scope = f"{scope}|{filters.key()}"
    if not filters.scans():
        rows, nxt = paged(read, scope, cursor, secret, types, limit)
        return rows, nxt, len(rows)
    after = decode_cursor(cursor, secret, scope, types) if cursor else None
    rows, key, scanned = _scan(read, after, limit, filters, columns)
    return rows, encode_cursor(key, secret, scope) if key else None, scanned


def conference_page(store, secret: str, conference_id: str, cursor: str | None = None,
                    limit: int = 200, filters: ListFilters = NO_FILTERS) -> ConferencePage:
    """Return a conference and a page of its talks in day and document order (filtered if asked)."""
    conference = store.get_conference(conference_id)
    notes_list = f"conference:{conference_id}"
    rows, nxt, scanned = _list(
        lambda **kw: store.talks_by_conference(conference_id, **kw),
        lambda **kw: store.notes_by_list(notes_list, in_order=True, **kw),
        f"conference:{conference_id}", ("day", "ordinal", "talk_id"), (date, int, str), cursor, secret, limit, filters)
    if filters.is_empty() and cursor is None and nxt is None:
        count = len(rows)
    else:
        count = store.count_conference_talks(conference_id)
    notes = (sum(1 for r in rows if r.get("has_notes")) if filters.is_empty() and cursor is None and nxt is None
             else store.count_notes(notes_list))
    return ConferencePage(conference, group_by_day(rows), count, nxt, notes, filters, scanned)


def tag_page(store, secret: str, tag: str, cursor: str | None = None, limit: int = 20,
             filters: ListFilters = NO_FILTERS) -> TalkList:
    """Return a page of a tag's talks newest first (filtered if asked); NotFound if the tag has none."""
    rows, nxt, scanned = _list(lambda **kw: store.talks_by_tag(tag, **kw),
                               lambda **kw: store.notes_by_list(f"tag:{tag}", **kw),
                               f"tag:{tag}", ("day", "talk_id"), _DAY_ID, cursor, secret, limit, filters)
    if not rows and cursor is None and (filters.is_empty() or not store.talks_by_tag(tag, limit=1).rows):
        raise NotFound(f"no tag {tag!r}")
    return TalkList(tag, tag_labels().get(tag, tag), rows, nxt, filters, scanned)


def speaker_page(store, secret: str, slug: str, cursor: str | None = None, limit: int = 20,
                 filters: ListFilters = NO_FILTERS) -> TalkList:
    """Return a page of a speaker's talks newest first, titled with their name; NotFound if none."""
    rows, nxt, scanned = _list(lambda **kw: store.talks_by_speaker(slug, **kw),
                               lambda **kw: store.notes_by_list(f"speaker:{slug}", **kw),
                               f"speaker:{slug}", ("day", "talk_id"), _DAY_ID, cursor, secret, limit, filters)
    named = [r for r in rows if r.get("name")]
    if not named:  # the notes list does not carry the name as spelled: the speaker's newest talk does
        named = store.talks_by_speaker(slug, limit=1).rows
        if not named and not rows and cursor is None:
            raise NotFound(f"no speaker {slug!r}")
    return TalkList(slug, named[0]["name"] if named else slug, rows, nxt, filters, scanned)


def year_page(store, secret: str, year: int, cursor: str | None = None, limit: int = 20,
              filters: ListFilters = NO_FILTERS) -> TalkList:
    """Return a page of one year's talks newest first (filtered if asked); NotFound if it has none."""
    rows, nxt, scanned = _list(lambda **kw: store.talks_by_year(year, **kw),
                               lambda **kw: store.notes_by_list(f"year:{year}", **kw),
                               f"year:{year}", ("day", "talk_id"), _DAY_ID, cursor, secret, limit, filters)
    if not rows and cursor is None and (filters.is_empty() or not store.talks_by_year(year, limit=1).rows):
        raise NotFound(f"no talks in {year}")
    return TalkList(str(year), str(year), rows, nxt, filters, scanned)


def newest_notes(store, limit: int = 8) -> list[dict]:
    """Return the newest talks with notes across the years, newest first (their month buckets in one plan)."""
    return store.notes_by_lists([f"year:{y}" for y in store.talk_years()], limit).rows
