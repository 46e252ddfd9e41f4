"""Shared pieces of the read side: shown days, tag labels, cursor paging, grouping by day."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from itertools import groupby

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.indexes.tables import UNDATED

_DAY_ID = (date, str)


def shown_day(day: date | None) -> date | None:
    """Return the day to show for an index day: None when the talk is undated."""
    return None if day is None or day == UNDATED else day


@lru_cache(maxsize=1)
def tag_labels() -> dict[str, str]:
    """Return the label of every vocabulary tag, by key (other tags show their key); built once, do not change it."""
    from archive.talks.tagging import load_vocabulary  # the vocabulary file is read once, cached

    return {entry.key: entry.label for entry in load_vocabulary().entries}


def paged(read, scope: str, cursor: str | None, secret: str, types: tuple, limit: int) -> tuple[list, str | None]:
    """Return a page of rows read after a signed cursor's key, and the cursor of the next page."""
    after = decode_cursor(cursor, secret, scope, types) if cursor else None
    page = read(after=after, limit=limit)
    nxt = encode_cursor(page.next_key, secret, scope) if page.next_key else None
    return page.rows, nxt



def group_by_day(rows: list[dict]) -> list[tuple[date | None, list[dict]]]:
    """Group index rows (already in day order) by their shown day."""
    return [(day, list(group)) for day, group in groupby(rows, key=lambda r: shown_day(r["day"]))]
