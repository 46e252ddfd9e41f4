"""Whole-table reads for maintenance, tests and benchmarks: token-range scans, digests, raw CQL.

The rebuild and the audit page through a table one bounded token range at a time; tests and the
benchmark also read tables whole and run their own prepared statements here.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Sequence

from archive.domain import Conference, Talk
from archive.storage.rows import conference_from_row, stored_talk, to_date
from archive.storage.session import StoreBase

MIN_TOKEN, MAX_TOKEN = -(2**63), 2**63 - 1
_NAME = re.compile(r"^\w+$")


def _checked(*names: str) -> None:
    """Refuse table or column names that are not plain identifiers (they cannot be bind markers)."""
    for name in names:
        if not _NAME.match(name):
            raise ValueError(f"bad table or column name {name!r}")


class Scans(StoreBase):
    """Token-range scans and whole-table reads."""

    def token_ranges(self) -> list[tuple[int, int]]:
        """Return (start, end] token ranges that cover the whole Murmur3 ring exactly once."""
        tokens = sorted(t.value for t in self.session.cluster.metadata.token_map.ring)
        ranges = list(zip(tokens, tokens[1:]))
        # The wrapping range, split at the ring's ends. Murmur3 never gives a key the minimum
        # token, so (min, first] misses nothing.
        ranges += [(tokens[-1], MAX_TOKEN), (MIN_TOKEN, tokens[0])]
        return ranges

    def scan_by_token(self, table: str, partition_key: str | Sequence[str], columns: str | Sequence[str] = ("*",),
                      fetch_size: int = 500) -> Iterable[dict]:
        """Yield every row of a table range by range: one bounded token-range query at a time
        (partition_key: its column, or its columns in order)."""
        columns = [c.strip() for c in columns.split(",")] if isinstance(columns, str) else list(columns)
        key = [partition_key] if isinstance(partition_key, str) else list(partition_key)
        _checked(table, *key, *(c for c in columns if c != "*"))
        token = f"token({', '.join(key)})"
        cql = f"SELECT {', '.join(columns)} FROM {table} WHERE {token} > ? AND {token} <= ?"
        for start, end in self.token_ranges():
            yield from self.session.execute(self._bound(cql, (start, end), fetch_size=fetch_size))

    def all_stored_talks(self) -> Iterable[tuple[Talk, date]]:
        """Yield every stored talk with its index day, paging the talks table by token range."""
        for row in self.scan_by_token("talks", "conference_id"):
            yield stored_talk(row)

    def index_rows(self, table: str, key_columns: Sequence[str]) -> set[tuple]:
        """Return the primary keys of every row of an index table."""
        return {tuple(to_date(r[c]) if c == "day" else r[c] for c in key_columns)
                for r in self.scan_by_token(table, key_columns[0], key_columns)}

    def all_conferences(self) -> list[tuple[Conference, str]]:
        """Return every conference with the source that wrote it (a small table: one row per event)."""
        return [(conference_from_row(r), r["source"]) for r in self.scan_by_token("conferences", "id")]

    def all_tags(self) -> set[str]:
        """Return every tag that has an index partition (DISTINCT partition keys, no filtering)."""
        return {r["tag"] for r in self._rows("SELECT DISTINCT tag FROM talks_by_tag")}

    def all_speakers(self) -> set[str]:
        """Return every speaker slug with talks, and every one the directory lists (it may have none left)."""
        return ({r["speaker"] for r in self._rows("SELECT DISTINCT speaker FROM talks_by_speaker")}
                | {r["slug"] for r in self.scan_by_token("speakers_by_prefix", "prefix", ("slug",))})

    def scan(self, table: str, columns: str = "*", fetch_size: int = 1000) -> Iterable[dict]:
        """Yield every row of a table (one full read, paged by the driver; tests and digests)."""
        _checked(table)
        yield from self.session.execute(self._bound(f"SELECT {columns} FROM {table}", fetch_size=fetch_size))

    def query(self, cql: str, params: Sequence[Any] = ()) -> list[dict]:
        """Run one prepared statement in this keyspace and return its rows (tests, maintenance)."""
        return self._rows(cql, params)

    def truncate(self, table: str) -> None:
        """Empty one table of this keyspace (tests and benchmarks start from empty tables)."""
        _checked(table)
        # DDL-like: identifiers cannot be bind markers, so both are checked names.
        statement = f"TRUNCATE {self.settings.keyspace}.{table}"
        self.session.execute(statement, timeout=120)
        self.__dict__.pop("_shard_cache", None)  # the search terms' shard counts (storage.postings)

    def tables(self) -> list[str]:
        """Return the names of this keyspace's tables."""
        return sorted(self.session.cluster.metadata.keyspaces[self.settings.keyspace].tables)
