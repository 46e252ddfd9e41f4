"""Search postings in shards: a common term's postings spread over n partitions (`search_postings_sharded`).

A term has one shard until its document frequency passes NOTES_POSTINGS_PER_SHARD per shard; then
the vocabulary recount doubles its shards (`grow_shards`). The index descriptions
(`archive.indexes.tables`) know nothing of shards: a posting's shard is computed here, from its talk
id and the term's shard count, when it is written, deleted or read.

The shard counts (`search_term_shards`, a few hundred to a few thousand rows in one partition) are
read whole and kept NOTES_SHARD_MAP_TTL seconds. A split writes the new count first, waits until
every process has read it (twice that TTL), then moves the postings whose shard changed (copy,
then delete, both at the posting's own write time, so a concurrent write or delete of the same
posting always wins). Since the new count is a multiple of the old one, a reader of shards 0..n-1
sees every posting at every moment of the move, once or twice (twice counts once).
"""
from __future__ import annotations

import time
from typing import Iterable

from cassandra.query import UNSET_VALUE, BoundStatement

from archive.indexes.tables import INDEX_BY_NAME, SEARCH_POSTINGS, IndexTable
from archive.storage.placement import shard_of, shards_ever_holding, shards_needed
from archive.storage.session import StoreBase

SHARD_TABLE = "search_term_shards"
_KEY = ("term", "shard", "impact", "talk_id")
_READ_SHARDS = f"SELECT term, shards, previous FROM {SHARD_TABLE} WHERE bucket = 'all'"
_DELETE = f"DELETE FROM {SEARCH_POSTINGS} WHERE term = ? AND shard = ? AND impact = ? AND talk_id = ?"
MOVE_CHUNK = 500  # postings copied (then deleted) at once while a term's shards grow


def posting_insert_cql(index: IndexTable, timestamp: bool = False) -> str:
    """Return the INSERT of one posting with its shard (and, for a move, its own write time)."""
    columns = (*_KEY, *index.columns)
    using = " USING TIMESTAMP ?" if timestamp else ""
    return f"INSERT INTO {index.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}){using}"


def posting_values(key_values: tuple, shard: int) -> tuple:
    """Return a posting row's values with its shard after the term (key_values: term, impact, talk_id, ...)."""
    return (key_values[0], shard, *key_values[1:])


class PostingShards(StoreBase):
    """The terms' shard counts (cached), and where a posting is written and deleted."""

    def shard_counts(self, fresh: bool = False) -> dict[str, int]:
        """Return the number of shards of every term that has more than one (cached NOTES_SHARD_MAP_TTL s)."""
        cached = self.__dict__.get("_shard_cache")
        now = time.monotonic()
        if fresh or cached is None or now - cached[0] >= self.settings.shard_map_ttl:
            rows = self._rows(_READ_SHARDS)
            cached = self._shard_cache = (now, {r["term"]: r["shards"] for r in rows if (r["shards"] or 1) > 1},
                                          {r["term"]: r["previous"] for r in rows if r["previous"]})
        return cached[1]

    def posting_rows(self, index: IndexTable, rows: Iterable[tuple]) -> list[tuple]:
        """Return (statement, values) that insert postings, each in its shard (rows: index.values tuples)."""
        shards = self.shard_counts()
        insert = self._p(posting_insert_cql(index))
        return [(insert, posting_values(values, shard_of(values[2], shards.get(values[0], 1)))) for values in rows]

    def posting_deletes(self, keys: Iterable[tuple]) -> list[tuple]:
        """Return (statement, values) that delete postings (term, impact, talk_id) from every shard they
        may be in: a few tombstones for a common term, one for the others."""
        shards, delete = self.shard_counts(), self._p(_DELETE)
        return [(delete, (term, shard, impact, talk_id)) for term, impact, talk_id in keys
                for shard in shards_ever_holding(talk_id, shards.get(term, 1))]

    # -- growing a term's shards (the vocabulary recount) -------------------------------------------
    def grow_shards(self, counts: dict[str, int]) -> dict[str, int]:
        """Double the shards of the terms whose postings (counts: term -> df) passed
        NOTES_POSTINGS_PER_SHARD a shard, moving their postings; finish a move a crash cut short.
        Return the terms whose shards grew, with their new number."""
        current = self.shard_counts(fresh=True)
        interrupted = dict(self._shard_cache[2])
        per_shard = self.settings.postings_per_shard
        grown = {t: n for t, df in counts.items() if t and (n := shards_needed(df, per_shard, current.get(t, 1)))
                 > current.get(t, 1)}
        put = f"INSERT INTO {SHARD_TABLE} (bucket, term, shards, previous) VALUES ('all', ?, ?, ?)"
        self.write_all([(self._bound(put, (t, n, current.get(t, 1)), write=True), None)
                        for t, n in sorted(grown.items())])
        if grown:  # every reader and writer must know the new counts before a posting moves
            time.sleep(2 * self.settings.shard_map_ttl)
            self.shard_counts(fresh=True)
        moves = {**{t: interrupted[t] for t in interrupted}, **{t: current.get(t, 1) for t in grown}}
        for term, old in sorted(moves.items()):
            self.move_postings(term, old, grown.get(term) or current[term])
            self._resend(self._bound(f"UPDATE {SHARD_TABLE} SET previous = null WHERE bucket = 'all' AND term = ?",
                                     (term,), write=True))
        return grown

    def move_postings(self, term: str, old: int, shards: int) -> int:
        """Move a term's postings from shards 0..old-1 to their shard under `shards`; return how many moved."""
        index = INDEX_BY_NAME[SEARCH_POSTINGS]
        columns = (*_KEY, *index.columns)
        read = f"SELECT {', '.join(columns)}, WRITETIME(has_notes) AS written FROM {index.name} WHERE term = ? AND shard = ?"
        insert = self._p(posting_insert_cql(index, timestamp=True))
        delete = self._p(f"DELETE FROM {index.name} USING TIMESTAMP ? WHERE term = ? AND shard = ? AND impact = ?"
                         " AND talk_id = ?")  # the original only: a newer write of it stays
        moved = 0
        for shard in range(old):
            chunk: list[dict] = []
            originals: list[tuple] = []
            for row in self.session.execute(self._bound(read, (term, shard), fetch_size=1000)):
                if shard_of(row["talk_id"], shards) != shard:
                    chunk.append(row)
                if len(chunk) >= MOVE_CHUNK:
                    originals += self._copy(chunk, shards, insert, columns)
                    chunk = []
            originals += self._copy(chunk, shards, insert, columns)
            if originals:
                # A search reads a term's shards at about the same moment, but not at one instant:
                # the originals stay until a search that missed a copy has read them.
                time.sleep(min(1.0, self.settings.shard_map_ttl))
                self._write_all([(delete, values) for values in originals])
            moved += len(originals)
        return moved

    def _copy(self, rows: list[dict], shards: int, insert, columns: tuple[str, ...]) -> list[tuple]:
        """Copy postings to their shard under `shards` at their own write time; return the originals'
        delete values (write time, term, shard, impact, talk_id)."""
        if not rows:
            return []
        stamps = [row["written"] or int(time.time() * 1_000_000) for row in rows]
        # Into a row that does not exist yet (or a newer one, which wins): a missing value stays unset,
        # since a bound null writes a tombstone.
        self._write_all([(insert, (row["term"], shard_of(row["talk_id"], shards),
                                   *(UNSET_VALUE if row[c] is None else row[c] for c in columns[2:]), stamp))
                         for row, stamp in zip(rows, stamps)])
        return [(stamp, row["term"], row["shard"], row["impact"], row["talk_id"]) for row, stamp in zip(rows, stamps)]

    def _write_all(self, statements: list[tuple]) -> None:
        """Run prepared writes concurrently at the write consistency (resent as write_all does); raise the first error."""
        self.write_all([(BoundStatement(stmt, consistency_level=self.write_cl).bind(values), None)
                        for stmt, values in statements])
