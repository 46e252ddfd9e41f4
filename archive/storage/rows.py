"""From driver rows to domain values: talks, conferences, dates and pages (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from archive.domain import Conference, Link, Speaker, Talk


@dataclass(frozen=True)
class Page:
    """One page of rows and the clustering key to continue after (None on the last page)."""

    rows: list[dict]
    next_key: tuple | None


def to_date(value: Any) -> date | None:
    """Return a datetime.date from the driver's cassandra.util.Date (or None)."""
    if value is None or isinstance(value, date):
        return value
    return value.date()


def talk_from_row(row: dict) -> Talk:
    """Return the Talk a row of the talks table holds."""
    return Talk(
        id=row["id"],
        conference_id=row["conference_id"],
        title=row["title"] or "",
        speakers=tuple(Speaker(n, a) for n, a in (row["speakers"] or ())),
        kind=row["kind"] or "talk",
        ordinal=row["ordinal"] or 0,
        date=to_date(row["day"]),
        starts_at=row["starts_at"],
        links=tuple(Link(k, u) for k, u in (row["links"] or ())),
        video_seconds=row["video_seconds"],
        notes_source=row["notes_source"] or "",
        notes_format=row["notes_format"] or "",
        notes_html=row["notes_html"] or "",
        word_count=row["word_count"] or 0,
        document_id=row["document_id"] or "",
        anchor=row["anchor"] or "",
        tags=tuple(sorted(row["tags"] or ())),
        language=row["language"],
        catalogue_id=row["catalogue_id"],
        summary_html=row.get("summary_html") or "",
    )


def stored_talk(row: dict) -> tuple[Talk, date]:
    """Return a talks row's Talk with the day it is indexed under."""
    return talk_from_row(row), to_date(row["index_day"])


def conference_from_row(row: dict) -> Conference:
    """Return the Conference a row of the conferences table holds."""
    return Conference(
        id=row["id"], name=row["name"] or row["id"], start=to_date(row["start_date"]),
        end=to_date(row["end_date"]), location=row["location"], timezone=row["timezone"], url=row["url"],
    )


def as_page(rows: list[dict], keys: Sequence[str], limit: int) -> Page:
    """Return up to limit rows (dates as datetime.date) and the key to continue after, if more were read."""
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        for k in ("day", "start_date", "end_date"):
            if k in row:
                row[k] = to_date(row[k])
    return Page(rows, tuple(rows[-1][k] for k in keys) if more and rows else None)
