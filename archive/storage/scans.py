"""Whole-table reads for maintenance, tests and benchmarks: token-range scans, digests, raw CQL.

The rebuild and the audit page through a table one bounded token range at a time; tests and the
benchmark also read tables whole and run their own prepared statements here.
"""
from __future__ import annotations

import re
import time
from datetime import date
from typing import Any, Iterable, Sequence

from cassandra import OperationTimedOut, ReadFailure, ReadTimeout

from archive.domain import Conference, Talk
from archive.indexes.tables import INDEX_BY_NAME
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
        (partition_key: its column, or its columns in order when compound)."""
        columns = [c.strip() for c in columns.split(",")] if isinstance(columns, str) else list(columns)
        partition = [partition_key] if isinstance(partition_key, str) else list(partition_key)
        _checked(table, *partition, *(c for c in columns if c != "*"))
        token = f"token({', '.join(partition)})"
        cql = f"SELECT {', '.join(columns)} FROM {table} WHERE {token} > ? AND {token} <= ?"
        for start, end in self.token_ranges():
            yield from self.session.execute(self._bound(cql, (start, end), fetch_size=fetch_size))

    def all_stored_talks(self) -> Iterable[tuple[Talk, date]]:
        """Yield every stored talk with its index day, paging the talks table by token range."""
        for row in self.scan_by_token("talks", "conference_id"):
            yield stored_talk(row)

    def index_rows(self, table: str, key_columns: Sequence[str]) -> set[tuple]:
        """Return the primary keys of every row of an index table."""
        partition = INDEX_BY_NAME[table].partition_key if table in INDEX_BY_NAME else key_columns[:1]
        return {tuple(to_date(r[c]) if c == "day" else r[c] for c in key_columns)
                for r in self.scan_by_token(table, partition, key_columns)}

    def all_conferences(self) -> list[tuple[Conference, str]]:
        """Return every conference with the source that wrote it (a small table: one row per event)."""
        return [(conference_from_row(r), r["source"]) for r in self.scan_by_token("conferences", "id")]

    def all_tags(self) -> set[str]:
        """Return every tag that has an index partition (DISTINCT partition keys, one per month bucket)."""
        return {r["tag"] for r in self._rows("SELECT DISTINCT tag, month FROM talks_by_tag")}

    def all_speakers(self) -> set[str]:
        """Return every speaker slug with talks, and every one the directory lists (it may have none left)."""
        return ({r["speaker"] for r in self._rows("SELECT DISTINCT speaker, month FROM talks_by_speaker")}
                | {r["slug"] for r in self.scan_by_token("speakers_by_prefix", "prefix", ("slug",))})

    def partition_key(self, table: str) -> list[str]:
        """Return a table's partition key columns in order, as the keyspace's schema has them now."""
        rows = self._rows("SELECT column_name, kind, position FROM system_schema.columns"
                          " WHERE keyspace_name = ? AND table_name = ?", (self.settings.keyspace, table))
        return [r["column_name"] for r in sorted(rows, key=lambda r: r["position"]) if r["kind"] == "partition_key"]

    def partition_sizes(self, table: str, batch: int = 200, timeout: float = 600) -> Iterable[tuple[tuple, int]]:
        """Yield (partition key values, rows) for every partition of a table, in token order (benchmarks).

        A full scan: GROUP BY on the whole partition key needs no filtering, and the node counts each
        group through internal pages as long as the request's page size. The driver's paging of GROUP BY
        answers is refused by Cassandra 5.0 ("Invalid value for the paging state" on the second page),
        so each request is one page of `batch` groups, and the next starts after the token of the last
        group but one: the last is counted again in full, in case it was cut. Inside a range read the
        node pages slowly through a huge partition (5.8 s a page in bench_reads' `talk` tag, 181k rows,
        past the read timeout), so a request that times out is sent again with a quarter of the groups,
        and at two groups the next partition is counted alone, by key (a single-partition read pages by
        clustering, quickly); the batch grows back after each answer.
        """
        key = self.partition_key(table)
        _checked(table, *key)
        columns = ", ".join(key)
        cql = (f"SELECT token({columns}) AS token_, {columns}, COUNT(*) AS n FROM {table}"
               f" WHERE token({columns}) > ? GROUP BY {columns} LIMIT ?")
        after, size = MIN_TOKEN, max(2, batch)  # Murmur3 never gives a key the minimum token
        while True:
            try:
                bound = self._bound(cql, (after, size), fetch_size=size + 1)
                rows = self.session.execute(bound, timeout=timeout).current_rows
            except (ReadTimeout, ReadFailure, OperationTimedOut):
                if size > 2:
                    size = max(2, size // 4)
                    continue
                alone = self.count_next_partition(table, key, after, timeout)
                if alone is None:
                    return
                after, values, n = alone
                yield values, n
                continue
            done = len(rows) < size
            for row in rows if done else rows[:-1]:
                yield tuple(row[c] for c in key), row["n"]
            if done:
                return
            after, size = rows[-2]["token_"], min(max(2, batch), size * 2)

    def count_next_partition(self, table: str, key: list[str], after: int,
                              timeout: float) -> tuple[int, tuple, int] | None:
        """Return (token, key values, rows) of the first partition after a token, counted by its key alone."""
        columns = ", ".join(key)
        first = self._one(f"SELECT token({columns}) AS token_, {columns} FROM {table} WHERE token({columns}) > ? LIMIT 1",
                          (after,))
        if first is None:
            return None
        values = tuple(first[c] for c in key)
        where = " AND ".join(f"{c} = ?" for c in key)
        for attempt in range(1, 5):  # a slow moment of a shared machine: ask again, a little later
            try:
                bound = self._bound(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", values, fetch_size=5000)
                return first["token_"], values, self.session.execute(bound, timeout=timeout).one()["n"]
            except (ReadTimeout, ReadFailure, OperationTimedOut):
                if attempt == 4:
                    raise
                time.sleep(5 * attempt)
        return None

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
