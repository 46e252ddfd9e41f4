"""The index tables, described once: which rows a talk implies (the pure half of denormalisation).

Each `IndexTable` names its table, its primary key (partition key first), the columns a row
copies from its talk, and how to compute a talk's keys. Everything else is derived from these
descriptions: the CQL that storage writes and deletes, the audit's expected rows, rebuilds, and
the test fake. Adding an index table means one description here plus its `schema.cql` entry.

The archive service diffs the keys of a talk's old and new versions, so a re-import deletes
exactly the index rows that no longer apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from archive.domain import UNDATED, Conference, Talk, speaker_slug
from archive.search.analysis import talk_impacts


def has_notes(talk: Talk) -> bool:
    """Tell whether a talk carries notes worth a badge."""
    return talk.word_count > 0


def has_video(talk: Talk) -> bool:
    """Tell whether a talk links a video."""
    return talk.link("video") is not None


def card(talk: Talk, conference: Conference, day: date) -> dict[str, Any]:
    """Return what every index row may copy from its talk: enough to show or filter it in a list."""
    return {
        "conference_id": talk.conference_id, "conference_name": conference.name, "title": talk.title,
        "speakers": [s.name for s in talk.speakers], "kind": talk.kind, "tags": set(talk.tags),
        "has_notes": has_notes(talk), "has_video": has_video(talk), "day": day, "year": day.year,
        "language": talk.language, "speaker_slugs": sorted(speaker_slugs(talk)),
    }


@dataclass(frozen=True)
class IndexTable:
    """One hand-rolled index table: its key, the columns its rows copy, and the keys a talk implies."""

    name: str
    key: tuple[str, ...]                              # primary key columns, partition key first
    columns: tuple[str, ...]                          # other columns, taken from card() (or row_extra)
    keys_of: Callable[[Talk, date], Iterable[tuple]]  # the keys of a talk that sorts under a day
    row_extra: Callable[[Talk, tuple], dict] | None = None  # per-row values card() cannot give
    # Written in the talk's LOGGED batch (small rows), or beside it, one statement a row (search
    # rows: a long talk has thousands, more than a batch may hold under the stock guardrails).
    batched: bool = True
    partition: int = 1  # how many of key's columns are the partition key
    # Kept rows are never deleted with a talk (a list's bucket may still hold other talks' rows):
    # readers skip empty buckets, and rebuild_indexes prunes the rows no talk implies.
    kept: bool = False

    @property
    def partition_key(self) -> tuple[str, ...]:
        """Return the partition key columns."""
        return self.key[:self.partition]

    def values(self, talk: Talk, conference: Conference, key: tuple, shown: dict[str, Any]) -> tuple:
        """Return the values of one row (key, then columns); shown is card(talk, conference, day)."""
        extra = self.row_extra(talk, key) if self.row_extra else {}
        return (*key, *(extra[c] if c in extra else shown[c] for c in self.columns))


def speaker_slugs(talk: Talk) -> set[str]:
    """Return the slugs of a talk's speakers (their talks_by_speaker partitions)."""
    return {slug for s in talk.speakers if s.name.strip() and (slug := speaker_slug(s.name)) != "untitled"}


def _speaker_of_row(talk: Talk, key: tuple) -> dict:
    speaker = next(s for s in talk.speakers if speaker_slug(s.name) == key[0])
    return {"name": speaker.name, "affiliation": speaker.affiliation}


def _postings(talk: Talk, day: date) -> list[tuple]:
    return [(term, impact, talk.id) for term, impact in talk_impacts(talk).items()]


def _search_doc(talk: Talk, key: tuple) -> dict:
    return {"terms": talk_impacts(talk)}


def notes_lists(talk: Talk, day: date) -> list[str]:
    """Return the lists (notes_by_list partitions) a talk with notes appears in; none without notes."""
    if not has_notes(talk):
        return []
    return ([f"tag:{tag}" for tag in talk.tags] + [f"speaker:{slug}" for slug in sorted(speaker_slugs(talk))]
            + [f"conference:{talk.conference_id}", f"year:{day.year}"])


def month_of(day: date) -> int:
    """Return the month bucket (yyyymm) of an index day; undated talks (UNDATED) fall in 197001, the oldest."""
    return day.year * 100 + day.month


# The lists bucketed by month, with the prefix that names a list's buckets in list_buckets. The
# notes lists have their own prefix ("notes:tag:x") so that their buckets never mix with the tag's.
BUCKETED = {"talks_by_year": "year:", "talks_by_tag": "tag:", "talks_by_speaker": "speaker:", "notes_by_list": "notes:"}


def bucket_list(table: str, partition_value: object) -> str:
    """Return the list_buckets name of one list of a bucketed table ('tag:web', 'notes:year:2012')."""
    return f"{BUCKETED[table]}{partition_value}"


def _buckets(talk: Talk, day: date) -> list[tuple]:
    """Return the (list, month) rows of list_buckets that a talk's bucketed index rows need."""
    return sorted({(bucket_list(name, key[0]), key[1]) for name in BUCKETED
                   for key in INDEX_BY_NAME[name].keys_of(talk, day)})


_FILTERED = ("conference_id", "year", "day", "kind", "language", "tags", "speaker_slugs", "has_notes", "has_video")
_LISTED = ("conference_id", "conference_name", "title", "speakers", "kind", "language", "has_notes", "has_video")

INDEXES: tuple[IndexTable, ...] = (
    # The lists whose partitions grow with the archive are bucketed by month (month_of(day)): a
    # partition holds one list's talks of one month, and list_buckets names a list's months.
    IndexTable("talks_by_year", ("year", "month", "day", "talk_id"), _LISTED,
               lambda talk, day: [(day.year, month_of(day), day, talk.id)], partition=2),
    IndexTable("talks_by_conference", ("conference_id", "day", "ordinal", "talk_id"),
               ("title", "speakers", "kind", "language", "tags", "has_notes", "has_video"),
               lambda talk, day: [(talk.conference_id, day, talk.ordinal, talk.id)]),
    IndexTable("talks_by_tag", ("tag", "month", "day", "talk_id"), _LISTED,
               lambda talk, day: [(tag, month_of(day), day, talk.id) for tag in talk.tags], partition=2),
    IndexTable("talks_by_speaker", ("speaker", "month", "day", "talk_id"),
               ("name", "conference_id", "conference_name", "title", "affiliation", "kind", "language", "has_notes",
                "has_video"),
               lambda talk, day: [(slug, month_of(day), day, talk.id) for slug in speaker_slugs(talk)],
               _speaker_of_row, partition=2),
    # The "with notes" lists: one row per list a talk with notes is in (its tags, speakers,
    # conference and year), so a filtered list reads only noted talks.
    IndexTable("notes_by_list", ("list", "month", "day", "ordinal", "talk_id"), (*_LISTED, "tags"),
               lambda talk, day: [(name, month_of(day), day, talk.ordinal, talk.id) for name in notes_lists(talk, day)],
               partition=2),
    # The non-empty month buckets of every bucketed list (written with the rows, never deleted with a talk).
    IndexTable("list_buckets", ("list", "month"), (), _buckets, kept=True),
    # Search: a talk's postings, one per term, best impact first; and its own terms (search_docs).
    # A common term's postings are spread over shards: storage adds the shard to the partition key
    # (archive/storage/postings.py), so the keys here are the same whatever a term's shards.
    IndexTable("search_postings_sharded", ("term", "impact", "talk_id"), _FILTERED, _postings, batched=False),
    IndexTable("search_docs", ("talk_id",), ("terms", *_FILTERED), lambda talk, day: [(talk.id,)], _search_doc,
               batched=False),
)
INDEX_TABLES = tuple(t.name for t in INDEXES)
SEARCH_POSTINGS = "search_postings_sharded"
INDEX_BY_NAME = {t.name: t for t in INDEXES}
INDEX_KEY_COLUMNS = {t.name: t.key for t in INDEXES}


@dataclass(frozen=True)
class IndexKeys:
    """The primary keys of every index row of one talk (or of many), per index table."""

    rows: Mapping[str, frozenset[tuple]]

    @classmethod
    def of(cls, tables: Mapping[str, Iterable[tuple]]) -> "IndexKeys":
        """Return keys from any iterables per table (tables not named have none)."""
        return cls({name: frozenset(tables.get(name, ())) for name in INDEX_TABLES})

    def table(self, name: str) -> frozenset[tuple]:
        """Return the keys of one index table by its name."""
        return self.rows.get(name, frozenset())

    def minus(self, other: "IndexKeys") -> "IndexKeys":
        """Return the keys present here and absent from other (the stale rows)."""
        return IndexKeys({name: self.table(name) - other.table(name) for name in INDEX_TABLES})

    def is_empty(self) -> bool:
        """Tell whether there is no key at all."""
        return not any(self.rows.values())

    def items(self) -> Iterable[tuple[IndexTable, frozenset[tuple]]]:
        """Yield each index table's description with its keys, in INDEXES order."""
        return ((table, self.table(table.name)) for table in INDEXES)


EMPTY_KEYS = IndexKeys.of({})


def index_day(talk: Talk, conference: Conference | None) -> date:
    """Return the day a talk sorts under: its own date, else its conference's start, else UNDATED."""
    if talk.date:
        return talk.date
    if conference and conference.start:
        return conference.start
    return UNDATED


def index_keys(talk: Talk, day: date) -> IndexKeys:
    """Return the primary keys of all index rows of talk when it sorts under day."""
    return IndexKeys({table.name: frozenset(table.keys_of(talk, day)) for table in INDEXES})


__all__ = ["BUCKETED", "EMPTY_KEYS", "INDEXES", "INDEX_BY_NAME", "INDEX_KEY_COLUMNS", "INDEX_TABLES", "SEARCH_POSTINGS", "UNDATED", "IndexKeys",
           "IndexTable", "bucket_list", "card", "has_notes", "has_video", "index_day", "index_keys",
           "month_of", "notes_lists", "speaker_slugs"]
