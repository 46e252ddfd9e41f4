"""The web's reads: talks and conferences by key, and pages of the index tables.

Every list here is a single-partition read of an index table (the lists bucketed by month are read
across their buckets in archive.storage.lists). Paged reads take and return
clustering-key tuples (never a driver paging_state), which the web layer signs into cursors.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from cassandra.concurrent import execute_concurrent_with_args
from cassandra.query import PreparedStatement

from archive.domain import Conference, NotFound, Talk, conference_of
from archive.storage.rows import Page, as_page, conference_from_row, stored_talk, talk_from_row, to_date
from archive.storage.session import StoreBase

_TALK = "SELECT * FROM talks WHERE conference_id = ? AND id = ?"
_CONFERENCE = "SELECT * FROM conferences WHERE id = ?"


class IndexReads(StoreBase):
    """Reads by key and paged reads of one index partition."""

    # -- talks ------------------------------------------------------------------------------------
    def get_talk(self, talk_id: str) -> Talk:
        """Return one talk by id, or raise NotFound."""
        row = self._one(_TALK, (conference_of(talk_id), talk_id))
        if row is None:
            raise NotFound(f"no talk {talk_id!r}")
        return talk_from_row(row)

    def get_stored_talks(self, talk_ids: Iterable[str]) -> dict[str, tuple[Talk, date]]:
        """Return many stored talks with the day they are indexed under, fetched concurrently.

        Missing (and malformed) ids are absent from the result.
        """
        ids = sorted({t for t in talk_ids if "--" in t})
        results = execute_concurrent_with_args(self.session, self._p(_TALK), [(conference_of(t), t) for t in ids],
                                               concurrency=64, raise_on_first_error=True)
        return {row["id"]: stored_talk(row) for ok, rs in results for row in rs}

    def talks_of_conference(self, conference_id: str) -> list[Talk]:
        """Return every talk of a conference (one partition), in id order."""
        return [talk_from_row(r) for r in self._rows("SELECT * FROM talks WHERE conference_id = ?", (conference_id,))]

    def stored_talks_of_conference(self, conference_id: str) -> dict[str, tuple[Talk, date]]:
        """Return a conference's stored talks with the day each is indexed under (one partition)."""
        rows = self._rows("SELECT * FROM talks WHERE conference_id = ?", (conference_id,))
        return {r["id"]: stored_talk(r) for r in rows}

    # -- conferences --------------------------------------------------------------------------------
    def get_conference(self, conference_id: str) -> Conference:
        """Return a conference by id, or raise NotFound."""
        row = self._one(_CONFERENCE, (conference_id,))
        if row is None:
            raise NotFound(f"no conference {conference_id!r}")
        return conference_from_row(row)

    def get_conferences(self, ids: Iterable[str]) -> dict[str, Conference]:
        """Return many conferences by id, fetched concurrently (missing ones absent)."""
        results = execute_concurrent_with_args(self.session, self._p(_CONFERENCE), [(i,) for i in set(ids)],
                                               concurrency=32)
        return {row["id"]: conference_from_row(row) for ok, rs in results if ok for row in rs}

    def timeline_years(self) -> list[int]:
        """Return the years that have conferences, newest first."""
        return list(self._kept("timeline_years", lambda: tuple(
            r["year"] for r in self._rows("SELECT year FROM timeline_years WHERE bucket = 'all'"))))

    def talk_years(self) -> list[int]:
        """Return the years that have talks (the talks_by_year buckets), newest first."""
        return list(self._kept("talk_years", lambda: tuple(
            r["year"] for r in self._rows("SELECT year FROM timeline_years WHERE bucket = 'talks'"))))

    # -- counts -------------------------------------------------------------------------------------
    def count_conference_talks(self, conference_id: str) -> int:
        """Count the talks of one conference (one partition of talks_by_conference)."""
        row = self._one("SELECT COUNT(*) AS n FROM talks_by_conference WHERE conference_id = ?", (conference_id,))
        return int(row["n"])

    def tag_cloud(self) -> dict[str, int]:
        """Return every tag with its talk count."""
        return {r["tag"]: r["count"] for r in self._rows("SELECT tag, count FROM tag_counts WHERE bucket = 'all'")}

    # -- paged index reads --------------------------------------------------------------------------
    def _page_query(self, table: str, partition: tuple[str, Any] | Mapping[str, Any], keys: Sequence[str],
                    after: tuple | None, limit: int, op: str, order: str = "") -> tuple[PreparedStatement, tuple]:
        """Return the statement and values reading one page (plus one row) of a partition (a (column,
        value) pair, or a mapping for a compound key; order: an ORDER BY clause when the page reads
        against the table's clustering order)."""
        pairs = list(partition.items()) if isinstance(partition, Mapping) else [partition]
        where = " AND ".join(f"{column} = ?" for column, _ in pairs)
        params: list[Any] = [value for _, value in pairs]
        if after is not None:
            if len(after) != len(keys):
                raise ValueError(f"cursor for {table} needs {len(keys)} values")
            where += f" AND ({', '.join(keys)}) {op} ({', '.join('?' * len(keys))})"
            params += list(after)
        order = f" ORDER BY {order}" if order else ""
        return self._p(f"SELECT * FROM {table} WHERE {where}{order} LIMIT ?"), (*params, limit + 1)

    def _page(self, table: str, partition: tuple[str, Any], keys: Sequence[str], after: tuple | None,
              limit: int, op: str, order: str = "") -> Page:
        """Read one page of a partition, continuing strictly after (or before) a clustering key."""
        stmt, params = self._page_query(table, partition, keys, after, limit, op, order)
        return as_page(list(self.session.execute(stmt, params)), keys, limit)

    def conferences_by_years(self, plan: Sequence[tuple[int, tuple | None]], limit: int) -> list[Page]:
        """Read the first page of several year buckets concurrently (each after its own key)."""
        keys = ("start_date", "conference_id")
        futures = [self.session.execute_async(*self._page_query("conferences_by_year", ("year", year), keys, after,
                                                                 limit, "<"))
                   for year, after in plan]
        return [as_page(list(f.result()), keys, limit) for f in futures]

    def talks_by_conference(self, conference_id: str, after: tuple | None = None, limit: int = 100) -> Page:
        """Return a page of a conference's talks in day and document order."""
        return self._page("talks_by_conference", ("conference_id", conference_id), ("day", "ordinal", "talk_id"),
                          after, limit, ">")

    def conferences_by_year(self, year: int, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of one year's conferences, newest first."""
        return self._page("conferences_by_year", ("year", year), ("start_date", "conference_id"), after, limit, "<")

    def redirect_of(self, talk_id: str) -> str | None:
        """Return the id a moved talk id now answers under, or None."""
        row = self._one("SELECT new_id FROM talk_redirects WHERE old_id = ?", (talk_id,))
        return row["new_id"] if row else None

    # -- the speakers directory -------------------------------------------------------------------
    def speaker_prefixes(self) -> list[str]:
        """Return the slug prefixes that have speakers, A to Z."""
        return list(self._kept("speaker_prefixes", lambda: tuple(
            r["prefix"] for r in self._rows("SELECT prefix FROM speaker_prefixes WHERE bucket = 'all'"))))

    def speakers_by_prefixes(self, plan: Sequence[tuple[str, tuple | None]], limit: int) -> list[Page]:
        """Read the first page of several prefix partitions concurrently (each after its own slug)."""
        futures = [self.session.execute_async(*self._page_query("speakers_by_prefix", ("prefix", prefix), ("slug",),
                                                                 after, limit, ">"))
                   for prefix, after in plan]
        return [as_page(list(f.result()), ("slug",), limit) for f in futures]

    def talks_by_conference_before(self, conference_id: str, before: tuple, limit: int = 1) -> list[dict]:
        """Return the talks of a conference just before a (day, ordinal, talk_id) key, nearest first.

        The talk page's "previous talk": the same partition read in reverse clustering order.
        """
        if len(before) != 3:
            raise ValueError("talks_by_conference keys are (day, ordinal, talk_id)")
        rows = self._rows(
            "SELECT * FROM talks_by_conference WHERE conference_id = ? AND (day, ordinal, talk_id) < (?, ?, ?)"
            " ORDER BY day DESC, ordinal DESC, talk_id DESC LIMIT ?", (conference_id, *before, limit))
        for row in rows:
            row["day"] = to_date(row["day"])
        return rows
