"""Search reads and the vocabulary's recount (`search_postings_sharded`, `search_docs`, `search_vocabulary`).

The postings and search_docs rows are written with their talk (`writes`), from the index
descriptions, each posting in its shard (`postings`); here are the bounded reads a query makes and
the document-frequency upkeep.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from cassandra.concurrent import execute_concurrent_with_args

from archive.indexes.tables import SEARCH_POSTINGS
from archive.storage.placement import first_page, merge_best, shards_to_read_on
from archive.storage.postings import PostingShards
from archive.storage.scans import Scans

_DF = "SELECT term, df FROM search_vocabulary WHERE prefix = ? AND term = ?"


def vocabulary_prefix(term: str) -> str:
    """Return the vocabulary partition of a term: its first two characters ('#' for '', the number
    of talks: a partition key cannot be empty, and no term starts with '#')."""
    return term[:2] or "#"


def _successor(prefix: str) -> str:
    """Return the smallest string greater than every string starting with prefix."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix and ord(prefix[-1]) < 0x10FFFF else prefix + "\U0010ffff"


DOCS_PER_READ = 40  # talks per search_docs read (a partition-key IN, far below any guardrail)


class SearchStore(PostingShards, Scans):
    """Bounded reads of the search tables and the recount of document frequencies."""

    def postings(self, terms: Iterable[str], limit: int, filters: bool = True) -> dict[str, list[dict]]:
        """Return the best `limit` postings of each term (impact order), as one partition would give
        them: every shard of a term read at once, a first page of about its share each, then on
        only where the next rows could still count; without filters only talk_id, impact and day
        (a third less to read and decode)."""
        terms = sorted(set(terms))
        columns = "*" if filters else "talk_id, impact, day"
        stmt = self._p(f"SELECT {columns} FROM {SEARCH_POSTINGS} WHERE term = ? AND shard = ? LIMIT ?")
        counts = self.shard_counts()
        reads = [(t, s, first_page(limit, counts.get(t, 1))) for t in terms for s in range(counts.get(t, 1))]
        pages: dict[tuple, list[dict]] = {}
        more: dict[tuple, object] = {}  # (term, shard) -> paging state of its next rows
        while reads:
            futures = []
            for term, shard, size in reads:
                bound = stmt.bind((term, shard, limit))
                bound.fetch_size = size
                futures.append(((term, shard), self.session.execute_async(bound, paging_state=more.pop((term, shard),
                                                                                                    None))))
            for key, future in futures:
                result = future.result()
                pages.setdefault(key, []).extend(result.current_rows)
                if result.has_more_pages:
                    more[key] = result.paging_state
            reads = [(t, s, limit) for t in terms if (n := counts.get(t, 1)) > 1
                     for s in shards_to_read_on([pages[(t, i)] for i in range(n)], [(t, i) in more for i in range(n)],
                                                limit)]
        return {t: merge_best([pages[(t, s)] for s in range(counts.get(t, 1))], limit) for t in terms}

    def terms_with_prefix(self, prefix: str, limit: int = 50) -> dict[str, int]:
        """Return up to limit vocabulary terms that start with prefix (two characters at least), with their df."""
        if len(prefix) < 2:
            return {}
        rows = self._rows("SELECT term, df FROM search_vocabulary WHERE prefix = ? AND term >= ? AND term < ? LIMIT ?",
                          (vocabulary_prefix(prefix), prefix, _successor(prefix), limit))
        return {r["term"]: r["df"] for r in rows}

    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """Return the df of each term known to the vocabulary, and the number of talks under ''."""
        terms = sorted(set(terms) | {""})
        results = execute_concurrent_with_args(self.session, self._p(_DF), [(vocabulary_prefix(t), t) for t in terms],
                                               concurrency=32, raise_on_first_error=True)
        return {row["term"]: row["df"] for ok, rs in results for row in rs}

    def term_impacts(self, talk_ids: Iterable[str], terms: Iterable[str]) -> dict[str, dict[str, int]]:
        """Return, per talk, the impacts of those of the given terms it holds (from search_docs).

        Only the asked map elements travel (`terms[?]`), and the talks are read DOCS_PER_READ per
        request, the requests in flight together: 400 talks cost about 50 ms, not 300.
        """
        ids, terms = sorted(set(talk_ids)), sorted(set(terms))
        if not ids or not terms:
            return {}
        picks = ", ".join(f"terms[?] AS t{i}" for i in range(len(terms)))
        stmt = self._p(f"SELECT talk_id, {picks} FROM search_docs WHERE talk_id IN ?")
        futures = [self.session.execute_async(stmt, (*terms, ids[i:i + DOCS_PER_READ]))
                   for i in range(0, len(ids), DOCS_PER_READ)]
        out: dict[str, dict[str, int]] = {}
        for future in futures:
            for row in future.result():
                out[row["talk_id"]] = {t: row[f"t{i}"] for i, t in enumerate(terms) if row[f"t{i}"] is not None}
        return out

    def count_postings(self, terms: Iterable[str]) -> dict[str, int]:
        """Count each term's postings, one shard (a bounded partition) a request, concurrently."""
        counts = self.shard_counts(fresh=True)
        keys = [(t, s) for t in sorted(set(terms)) for s in range(counts.get(t, 1))]
        results = execute_concurrent_with_args(
            self.session, self._p(f"SELECT COUNT(*) AS n FROM {SEARCH_POSTINGS} WHERE term = ? AND shard = ?"), keys,
            concurrency=32, raise_on_first_error=True)
        out: dict[str, int] = {}
        for (term, _), (ok, rs) in zip(keys, results):
            out[term] = out.get(term, 0) + int(rs.one()["n"])
        return out

    def count_talks(self) -> int:
        """Return the number of talks: the sum of every conference's talk count (a small table)."""
        return sum(r["talk_count"] or 0 for r in self.scan_by_token("conferences_by_year", "year",
                                                                    ("year", "talk_count")))

    def put_vocabulary(self, counts: dict[str, int]) -> None:
        """Store document frequencies ('' is the number of talks); a zero removes the term."""
        put = "INSERT INTO search_vocabulary (prefix, term, df) VALUES (?, ?, ?)"
        drop = "DELETE FROM search_vocabulary WHERE prefix = ? AND term = ?"
        statements = [(self._bound(put, (vocabulary_prefix(t), t, n), write=True), None)
                      for t, n in counts.items() if n > 0 or t == ""]
        statements += [(self._bound(drop, (vocabulary_prefix(t), t), write=True), None)
                       for t, n in counts.items() if n <= 0 and t != ""]
        self.write_all(statements)

    def vocabulary_terms(self) -> set[str]:
        """Return every term of the vocabulary (maintenance: the rebuild recounts them all)."""
        return {r["term"] for r in self.scan_by_token("search_vocabulary", "prefix", ("prefix", "term")) if r["term"]}

    def posting_terms(self) -> set[str]:
        """Return every term that has postings (DISTINCT partition keys, no filtering)."""
        return {r["term"] for r in self._rows(f"SELECT DISTINCT term, shard FROM {SEARCH_POSTINGS}")}

    def index_rows(self, table: str, key_columns: Sequence[str]) -> set[tuple]:
        """Return the primary keys of every row of an index table (of postings: without the shard,
        as the index descriptions know them)."""
        if table != SEARCH_POSTINGS:
            return super().index_rows(table, key_columns)
        return {tuple(r[c] for c in key_columns) for r in self.scan_by_token(table, ("term", "shard"), key_columns)}
