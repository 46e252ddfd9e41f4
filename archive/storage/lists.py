"""The lists bucketed by month (year, tag, speaker, notes lists): pages and counts across buckets.

A list's rows live in one partition per month (archive.indexes.tables.month_of of the row's day),
and list_buckets names the months a list has, newest first. A page reads buckets in order until it
holds one row more than asked (that row tells whether a next page exists), the cursor's clustering
key applying in its own bucket only: a cursor (day, ...) names the bucket it resumes in, so cursors
are the same as before the lists were bucketed. Buckets are read a few at once, then as many each round
trip as the rows per bucket so far say, so that a small list spread over many months costs two
round trips after its bucket list, not one per month.
A bucket that a list emptied may still be named (it is pruned by rebuild_indexes): it reads as empty.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from cassandra.concurrent import execute_concurrent_with_args

from archive.indexes.tables import BUCKETED, INDEX_BY_NAME, bucket_list, month_of
from archive.storage.reads import IndexReads
from archive.storage.rows import Page, as_page

_BUCKETS = "SELECT month, row_count FROM list_buckets WHERE list = ?"
_HINT = "UPDATE list_buckets SET row_count = ? WHERE list = ? AND month = ?"
_IN = "SELECT * FROM {table} WHERE {column} = ? AND month IN ? PER PARTITION LIMIT ?"
_PARTITION = {name: INDEX_BY_NAME[name].key[0] for name in BUCKETED}  # the list column beside month
_DAY_ID = ("day", "talk_id")
_NOTES_KEYS = ("day", "ordinal", "talk_id")
_NOTES_ASC = "day ASC, ordinal ASC, talk_id ASC"

# Buckets read at once in a page's first round trip; then as many as the rows per bucket read so far
# say the rest of the page needs (at most MOST_BUCKETS): a large list's page fills from its newest
# bucket (one extra bucket read beside it), a sparse one's in a second round trip.
FIRST_BUCKETS, MOST_BUCKETS = 2, 32


def first_width(hints: Sequence[int | None], limit: int) -> int:
    """Return how many buckets the first round reads: as many as their row counts (the recounts'
    hints, maybe stale) say fill the page, else FIRST_BUCKETS when the first bucket has no hint."""
    total = 0
    for i, n in enumerate(hints[:MOST_BUCKETS]):
        if n is None:
            return max(i, FIRST_BUCKETS) if i == 0 else i + 1
        total += n
        if total > limit:
            return i + 1
    return max(1, min(len(hints), MOST_BUCKETS))


def next_width(rows: int, buckets: int, limit: int) -> int:
    """Return how many buckets to read next, from the rows the buckets read so far gave."""
    needed = limit + 1 - rows
    if rows == 0:
        return MOST_BUCKETS
    return max(1, min(MOST_BUCKETS, -(-needed * buckets // rows)))


class ListReads(IndexReads):
    """Paged reads and counts of the month-bucketed lists."""

    # -- buckets ----------------------------------------------------------------------------------
    def buckets(self, list_name: str) -> list[int]:
        """Return the months (yyyymm) a list has rows in, newest first."""
        return [month for month, _ in self.bucket_rows(list_name)]

    def bucket_rows(self, list_name: str) -> list[tuple[int, int | None]]:
        """Return a list's months, newest first, each with its row count when last recounted (or None)."""
        return [(r["month"], r["row_count"]) for r in self._rows(_BUCKETS, (list_name,))]

    def buckets_of(self, list_names: Iterable[str]) -> dict[str, list[int]]:
        """Return the months of many lists, newest first, read concurrently."""
        return {name: [m for m, _ in rows] for name, rows in self._bucket_rows_of(sorted(set(list_names))).items()}

    def _bucket_rows_of(self, names: list[str]) -> dict[str, tuple[tuple[int, int | None], ...]]:
        if len(names) == 1:
            return {names[0]: tuple(self.bucket_rows(names[0]))}
        results = execute_concurrent_with_args(self.session, self._p(_BUCKETS), [(n,) for n in names],
                                               concurrency=32, raise_on_first_error=True)
        return {name: tuple((r["month"], r["row_count"]) for r in rs) for name, (_, rs) in zip(names, results)}

    def _page_bucket_rows(self, names: list[str]) -> dict[str, tuple[tuple[int, int | None], ...]]:
        """bucket_rows of the lists a page reads: kept for the generation by a remembering store
        (archive.storage.memo), so that a page's rows are its only round trips; else read now."""
        if self.memo is None:
            return self._bucket_rows_of(names)
        kept = self.memo.get_many([("buckets", n) for n in names], lambda keys: {
            ("buckets", n): rows for n, rows in self._bucket_rows_of([n for _, n in keys]).items()})
        return {n: kept[("buckets", n)] for n in names}

    # -- pages ------------------------------------------------------------------------------------
    def _list_page(self, table: str, value: Any, keys: Sequence[str], after: tuple | None, limit: int,
                   ascending: bool = False) -> Page:
        """Read one page of a bucketed list after a clustering key, across its month buckets."""
        if after is not None and len(after) != len(keys):
            raise ValueError(f"cursor for {table} needs {len(keys)} values")
        op, order = (">", _NOTES_ASC) if ascending else ("<", "")
        column = _PARTITION[table]
        head = None
        if after is not None:  # the cursor names its bucket: read it while the bucket list is read
            first = month_of(after[0])
            head = self.session.execute_async(*self._page_query(table, {column: value, "month": first}, keys,
                                                                after, limit, op, order))
        name = bucket_list(table, value)
        months = list(self._page_bucket_rows([name])[name])
        if ascending:
            months.reverse()
        if after is not None:
            hint = dict(months).get(first)
            months = [(first, hint)] + [(m, n) for m, n in months if (m > first if ascending else m < first)]
        plan: list[tuple[dict, tuple | None]] = [({column: value, "month": m}, after if i == 0 else None)
                                                 for i, (m, _) in enumerate(months)]
        return self._read_buckets(table, plan, keys, limit, op, order, head, first_width([n for _, n in months], limit))

    def _read_buckets(self, table: str, plan: Sequence[tuple[dict, tuple | None]], keys: Sequence[str],
                      limit: int, op: str, order: str = "", head=None, width: int = FIRST_BUCKETS) -> Page:
        """Read partitions in plan order (each after its own key, if any) until limit + 1 rows are read;
        head, if given, is a read of plan[0] already under way.

        Newest first, the buckets of one list that start from their first row are read in one request
        (month IN ..., PER PARTITION LIMIT): a driver request costs more than a bucket's few rows.
        """
        rows: list[dict] = []
        start = 0
        while start < len(plan) and len(rows) <= limit:
            chunk = plan[start:start + width]
            wanted = limit + 1 - len(rows)
            futures = []
            whole: dict[Any, list[int]] = {}  # list value -> months read from their first row, in plan order
            for i, (partition, after) in enumerate(chunk):
                if head is not None and start + i == 0:
                    futures.append(head)
                elif after is not None or order:
                    futures.append(self.session.execute_async(*self._page_query(table, partition, keys, after,
                                                                                wanted - 1, op, order)))
                else:
                    whole.setdefault(partition[_PARTITION[table]], []).append(partition["month"])
            futures += [self.session.execute_async(self._p(_IN.format(table=table, column=_PARTITION[table])),
                                                   (value, months, wanted)) for value, months in whole.items()]
            got = [row for future in futures for row in future.result()]
            position = {(p[_PARTITION[table]], p["month"]): i for i, (p, _) in enumerate(chunk)}
            got.sort(key=lambda r: tuple(r[k] for k in keys), reverse=not order)  # within a bucket
            got.sort(key=lambda r: position[(r[_PARTITION[table]], r["month"])])  # buckets in plan order (stable)
            rows += got[:wanted]
            start += len(chunk)
            width = next_width(len(rows), start, limit)
        return as_page(rows, keys, limit)

    def talks_by_tag(self, tag: str, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of a tag's talks, newest first; keys are (day, talk_id)."""
        return self._list_page("talks_by_tag", tag, _DAY_ID, after, limit)

    def talks_by_speaker(self, slug: str, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of a speaker's talks, newest first; keys are (day, talk_id)."""
        return self._list_page("talks_by_speaker", slug, _DAY_ID, after, limit)

    def talks_by_year(self, year: int, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of one year's talks, newest first; keys are (day, talk_id)."""
        return self._list_page("talks_by_year", year, _DAY_ID, after, limit)

    def notes_by_list(self, list_name: str, after: tuple | None = None, limit: int = 25,
                      in_order: bool = False) -> Page:
        """Return a page of a list's talks with notes, newest first (in_order: in day and document
        order, as a conference lists them); keys are (day, ordinal, talk_id)."""
        return self._list_page("notes_by_list", list_name, _NOTES_KEYS, after, limit, ascending=in_order)

    def notes_by_lists(self, list_names: Sequence[str], limit: int) -> Page:
        """Return the first rows of several notes lists one after another, newest first within each
        (the home page's newest notes, by year): their buckets are read as one plan."""
        names = sorted({bucket_list("notes_by_list", name) for name in list_names})
        buckets = self._page_bucket_rows(names)
        plan = [({"list": name, "month": m}, None) for name in list_names
                for m, _ in buckets[bucket_list("notes_by_list", name)]]
        return self._read_buckets("notes_by_list", plan, _NOTES_KEYS, limit, "<")

    # -- counts -----------------------------------------------------------------------------------
    def _bucket_counts(self, table: str, values: Iterable[Any], extra: str = "",
                       hint: bool = False) -> list[tuple[Any, dict]]:
        """Return (list value, COUNT row) per bucket of each list, newest bucket first, concurrently;
        with hint, also store each bucket's count in list_buckets (what a page's first round reads)."""
        values = sorted(set(values))
        buckets = self.buckets_of(bucket_list(table, v) for v in values)
        args = [(v, m) for v in values for m in buckets[bucket_list(table, v)]]
        cql = f"SELECT COUNT(*) AS n{extra} FROM {table} WHERE {_PARTITION[table]} = ? AND month = ?"
        results = execute_concurrent_with_args(self.session, self._p(cql), args, concurrency=32,
                                               raise_on_first_error=True)
        counted = [(v, rs.one()) for (v, _), (_, rs) in zip(args, results)]
        if hint:  # a recount's by-product: a stale count only makes a page read one round more or less
            self.write_all([(self._bound(_HINT, (int(row["n"]), bucket_list(table, v), m), write=True), None)
                            for (v, m), (_, row) in zip(args, counted)])
        return counted

    def _counts(self, table: str, values: Iterable[Any], hint: bool = False) -> dict[Any, int]:
        values = set(values)
        out = dict.fromkeys(values, 0)
        for value, row in self._bucket_counts(table, values, hint=hint):
            out[value] += int(row["n"])
        return out

    def count_tag(self, tag: str) -> int:
        """Count the talks of one tag (its month buckets)."""
        return self._counts("talks_by_tag", [tag])[tag]

    def count_tags(self, tags: Iterable[str]) -> dict[str, int]:
        """Count the talks of many tags, every bucket concurrently (the recount: each bucket's count is kept)."""
        return self._counts("talks_by_tag", tags, hint=True)

    def count_notes(self, list_name: str) -> int:
        """Count the talks with notes of one list (its month buckets of notes_by_list)."""
        return self._counts("notes_by_list", [list_name])[list_name]

    def count_speakers(self, slugs: Iterable[str]) -> dict[str, tuple[str | None, int, int]]:
        """Return (name as on their newest talk, talks, talks with notes) per speaker slug, concurrently."""
        slugs = sorted(set(slugs))
        names: dict[str, str | None] = dict.fromkeys(slugs)
        talks = dict.fromkeys(slugs, 0)
        for slug, row in self._bucket_counts("talks_by_speaker", slugs, ", name", hint=True):
            if row["n"] and names[slug] is None:  # buckets come newest first, and so do a bucket's rows
                names[slug] = row["name"]
            talks[slug] += int(row["n"])
        notes = self._counts("notes_by_list", [f"speaker:{s}" for s in slugs], hint=True)
        return {s: (names[s], talks[s], notes[f"speaker:{s}"]) for s in slugs}


__all__ = ["FIRST_BUCKETS", "MOST_BUCKETS", "ListReads", "first_width", "next_width"]
