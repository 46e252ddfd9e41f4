"""Writing talks, their index rows, conferences and tag counts (the importer's and rebuild's writes).

A talk row and all its index rows (and the deletion of its stale ones) go in one LOGGED batch.
The index CQL is derived from the descriptions in `archive.indexes.tables`, never written here
by hand. """
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Sequence

from cassandra.query import UNSET_VALUE, BatchStatement, BatchType, BoundStatement, PreparedStatement

from archive.domain import UNDATED, Conference, Talk, speaker_prefix
from archive.indexes.tables import SEARCH_POSTINGS, IndexKeys, IndexTable, card
from archive.storage.pipeline import WritePipeline
from archive.storage.postings import PostingShards
from archive.storage.session import REFUSED, refused

_TALK_COLUMNS = ("conference_id", "id", "title", "speakers", "kind", "ordinal", "day", "index_day", "starts_at",
                 "links", "video_seconds", "notes_source", "notes_format", "notes_html", "word_count", "document_id",
                 "anchor", "tags", "language", "catalogue_id", "summary_html", "updated_at")


def insert_cql(table: str, columns: Sequence[str]) -> str:
    """Return the INSERT of one row of a table with the given columns."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def index_insert_cql(index: IndexTable) -> str:
    """Return the INSERT of one row of an index table, from its description."""
    return insert_cql(index.name, index.key + index.columns)


def index_delete_cql(index: IndexTable) -> str:
    """Return the DELETE of one row of an index table by its primary key, from its description."""
    return f"DELETE FROM {index.name} WHERE {' AND '.join(f'{c} = ?' for c in index.key)}"


class _Unknown:
    def __repr__(self) -> str:
        return "PREVIOUS_UNKNOWN"


# What a talk row held before a write is not known: every empty column is written as null (a tombstone).
PREVIOUS_UNKNOWN = _Unknown()


def talk_values(talk: Talk, day: date, previous: Talk | None | _Unknown = PREVIOUS_UNKNOWN) -> tuple:
    """Return the values of a talks row, in _TALK_COLUMNS order.

    A null in an INSERT is a tombstone, and a whole-table read with a filter counts them against the
    node's tombstone_failure_threshold (100,000 stock): a catalogue talk has about three empty columns.
    So a column empty in this version and in the `previous` one stored (None: no row yet) is left
    unset; only a column that held a value is written as null. With PREVIOUS_UNKNOWN, every empty
    column is null, which is right whatever the row held."""
    values = (talk.conference_id, talk.id, talk.title, [(s.name, s.affiliation) for s in talk.speakers], talk.kind,
              talk.ordinal, talk.date, day, talk.starts_at, [(link.kind, link.url) for link in talk.links],
              talk.video_seconds, talk.notes_source, talk.notes_format, talk.notes_html, talk.word_count,
              talk.document_id, talk.anchor, set(talk.tags), talk.language, talk.catalogue_id, talk.summary_html,
              datetime.now(timezone.utc))
    if isinstance(previous, _Unknown):
        return values
    before = talk_values(previous, day) if previous is not None else (None,) * len(values)
    return tuple(UNSET_VALUE if value is None and was is None else value for value, was in zip(values, before))


# Cassandra's stock guardrail refuses a batch over 50 KiB (batch_size_fail_threshold) and a
# cluster run by someone else keeps it: one batch stays under 40 KiB of values, whatever a talk holds.
BATCH_BYTES = 40 * 1024
_ROW_OVERHEAD = 32  # per row and per value: clustering, timestamps, cell headers


def row_bytes(values: Sequence) -> int:
    """Return an upper estimate of the bytes one row's values take in a batch (its mutation size)."""
    return _ROW_OVERHEAD + sum(_value_bytes(v) for v in values)


def _value_bytes(value) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode()) + _ROW_OVERHEAD
    if isinstance(value, (bytes, bytearray)):
        return len(value) + _ROW_OVERHEAD
    if isinstance(value, dict):
        return sum(_value_bytes(k) + _value_bytes(v) for k, v in value.items()) + _ROW_OVERHEAD
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(_value_bytes(v) for v in value) + _ROW_OVERHEAD
    return 8 + _ROW_OVERHEAD


class TalkWrites(WritePipeline, PostingShards):
    """Talk, index, conference and tag-count writes."""

    def talk_rows(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys,
                  batched: bool | None = None,
                  previous: Talk | None | _Unknown = PREVIOUS_UNKNOWN) -> list[tuple[PreparedStatement, tuple]]:
        """Return the (statement, values) pairs that write a talk row and all its index rows
        (with batched=True only those of its LOGGED batch, with False only those written beside it;
        previous: the version stored, see talk_values)."""
        rows = []
        if batched is not False:
            rows.append((self._p(insert_cql("talks", _TALK_COLUMNS)), talk_values(talk, day, previous)))
            for year in {key[0] for key in keys.table("talks_by_year")}:
                rows.append((self._p("INSERT INTO timeline_years (bucket, year) VALUES ('talks', ?)"), (year,)))
        shown = card(talk, conference, day)
        for index, index_keys in keys.items():
            if batched is None or index.batched == batched:
                values = [index.values(talk, conference, key, shown) for key in sorted(index_keys, key=repr)]
                if index.name == SEARCH_POSTINGS:  # each in its shard
                    rows += self.posting_rows(index, values)
                else:
                    insert = self._p(index_insert_cql(index))
                    rows += [(insert, v) for v in values]
        return rows

    def index_deletes(self, keys: IndexKeys, batched: bool | None = None) -> list[tuple[PreparedStatement, tuple]]:
        """Return the (statement, key) pairs that delete the given index rows (batched: as in talk_rows);
        a kept table's rows (list_buckets) stay, since other talks may still fill them."""
        rows = []
        for index, index_keys in keys.items():
            if not index.kept and (batched is None or index.batched == batched):
                if index.name == SEARCH_POSTINGS:  # from every shard they may be in
                    rows += self.posting_deletes(index_keys)
                else:
                    rows += [(self._p(index_delete_cql(index)), key) for key in index_keys]
        return rows

    def _batch(self) -> BatchStatement:
        """A LOGGED batch of plain writes: idempotent, so a lost coordinator's batch is sent to another."""
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.write_cl)
        batch.is_idempotent = True
        return batch

    def _batches(self, rows: list[tuple[PreparedStatement, tuple]]) -> list[BatchStatement | BoundStatement]:
        """Return the rows (in order) as LOGGED batches within BATCH_BYTES; a row larger than that
        on its own is a statement of its own (the guardrail applies to batches, not to one write)."""
        out: list[BatchStatement | BoundStatement] = []
        batch, size = self._batch(), 0
        for stmt, values in rows:
            row = row_bytes(values)
            if size and size + row > BATCH_BYTES:
                out.append(batch)
                batch, size = self._batch(), 0
            if row > BATCH_BYTES:
                out.append(BoundStatement(stmt, consistency_level=self.write_cl).bind(values))
                continue
            batch.add(stmt, values)
            size += row
        if size:
            out.append(batch)
        return out

    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys,
                   wait: bool = True, previous: Talk | None | _Unknown = PREVIOUS_UNKNOWN) -> None:
        """Write a talk's search rows, then the talk row, its index rows and the deletion of its stale
        ones in one LOGGED batch when they fit in BATCH_BYTES (most talks), else in order: the index
        rows in LOGGED batches that fit, then the talk row alone.

        Search rows go first, one statement each: if the process dies before the batch, the talk
        row still holds the old version, so the next run computes the same search writes again.
        The talk row is always written last for the same reason: until it is, the next run diffs
        against the old version and writes everything again (rows of a version that a crash cut
        short and a later edit replaced are orphans that rebuild-indexes deletes).
        With wait=False everything joins the write pipeline (see submit) and flush() waits for it;
        a talk too large for one batch is written with waits, so its talk row cannot overtake its
        index rows. `previous` is the version stored (None: a new talk), when the caller read it:
        the talk row then writes no null where neither version has a value (see talk_values).
        """
        self._loose(self.index_deletes(stale, batched=False) + self.talk_rows(talk, conference, day, keys, False),
                    wait)
        deletes = self.index_deletes(stale, batched=True)
        talk_row, *index_rows = self.talk_rows(talk, conference, day, keys, batched=True, previous=previous)
        batches = self._batches(deletes + [talk_row] + index_rows)
        if len(batches) == 1:
            self._execute(batches[0], wait)
            return
        for statement in self._batches(deletes + index_rows) + self._batches([talk_row]):
            self._execute(statement, wait=True)

    def delete_talk(self, conference_id: str, talk_id: str, keys: IndexKeys, wait: bool = True) -> None:
        """Delete a talk's search rows, then its index rows and talk row in LOGGED batches (one when
        they fit in BATCH_BYTES; else the talk row goes last, as in write_talk)."""
        self._loose(self.index_deletes(keys, batched=False), wait)
        rows = self.index_deletes(keys, batched=True)
        rows.append((self._p("DELETE FROM talks WHERE conference_id = ? AND id = ?"), (conference_id, talk_id)))
        batches = self._batches(rows)
        for batch in batches:
            self._execute(batch, wait=wait or len(batches) > 1)

    def _loose(self, rows: list[tuple[PreparedStatement, tuple]], wait: bool) -> None:
        """Write rows one statement each, at the write consistency: through the pipeline, or now."""
        try:
            bound = [BoundStatement(stmt, consistency_level=self.write_cl).bind(values) for stmt, values in rows]
            if wait:
                self.write_all([(b, None) for b in bound])
        except REFUSED as exc:
            raise refused(exc) from exc
        if not wait:
            for statement in bound:
                self._execute(statement, wait=False)

    def delete_index_rows(self, keys: IndexKeys) -> None:
        """Delete the given index rows (orphans found by rebuild_indexes, emptied buckets too), concurrently."""
        bound = []
        for index, index_keys in keys.items():
            if index.name == SEARCH_POSTINGS:  # from every shard they may be in
                bound += [(BoundStatement(stmt, consistency_level=self.write_cl).bind(key), None)
                          for stmt, key in self.posting_deletes(index_keys)]
            else:
                bound += [(self._bound(index_delete_cql(index), key, write=True), None) for key in index_keys]
        self.write_all(bound)

    # -- conferences and tag counts ---------------------------------------------------------------
    def put_conference(self, conference: Conference, source: str, talk_count: int | None = None,
                       old: Conference | None = None, notes_count: int | None = None) -> None:
        """Write a conference, its timeline row and its year (dropping the old timeline row if moved)."""
        batch = self._batch()
        batch.add(self._p(insert_cql("conferences", ("id", "name", "start_date", "end_date", "location", "timezone",
                                                     "url", "source", "updated_at"))),
                  (conference.id, conference.name, conference.start, conference.end, conference.location,
                   conference.timezone, conference.url, source, datetime.now(timezone.utc)))
        start = conference.start or UNDATED
        if old is not None and (old.start or UNDATED) != start:
            old_start = old.start or UNDATED
            batch.add(self._p("DELETE FROM conferences_by_year WHERE year = ? AND start_date = ? AND conference_id = ?"),
                      (old_start.year, old_start, conference.id))
        columns = ("year", "start_date", "conference_id", "name", "end_date", "location")
        values = (start.year, start, conference.id, conference.name, conference.end, conference.location)
        if talk_count is not None:  # else keep the stored count: only a recount sets it
            columns, values = columns + ("talk_count",), values + (talk_count,)
        if notes_count is not None:
            columns, values = columns + ("notes_count",), values + (notes_count,)
        batch.add(self._p(insert_cql("conferences_by_year", columns)), values)
        batch.add(self._p("INSERT INTO timeline_years (bucket, year) VALUES ('all', ?)"), (start.year,))
        self._execute(batch, wait=True)

    def put_tag_counts(self, counts: dict[str, int]) -> None:
        """Store tag counts; a zero count removes the tag from the cloud."""
        now = datetime.now(timezone.utc)
        put = [(self._bound("INSERT INTO tag_counts (bucket, tag, count, updated_at) VALUES ('all', ?, ?, ?)",
                            (t, n, now), write=True), None) for t, n in counts.items() if n > 0]
        drop = [(self._bound("DELETE FROM tag_counts WHERE bucket = 'all' AND tag = ?", (t,), write=True), None)
                for t, n in counts.items() if n <= 0]
        self.write_all(put + drop)

    def put_speaker_counts(self, counts: dict[str, tuple[str | None, int, int]]) -> None:
        """Store the directory rows of speakers (name, talks, notes by slug); one with no talk leaves it."""
        put, drop, prefixes = [], [], set()
        for slug, (name, talks, notes) in counts.items():
            prefix = speaker_prefix(slug)
            if talks > 0:
                prefixes.add(prefix)
                put.append((self._bound("INSERT INTO speakers_by_prefix (prefix, slug, name, talk_count, notes_count)"
                                        " VALUES (?, ?, ?, ?, ?)", (prefix, slug, name or slug, talks, notes),
                                        write=True), None))
            else:
                drop.append((self._bound("DELETE FROM speakers_by_prefix WHERE prefix = ? AND slug = ?",
                                         (prefix, slug), write=True), None))
        put += [(self._bound("INSERT INTO speaker_prefixes (bucket, prefix) VALUES ('all', ?)", (p,), write=True), None)
                for p in sorted(prefixes)]
        self.write_all(put + drop)

    def put_redirects(self, moved: dict[str, str]) -> None:
        """Record that talk ids moved (old id -> the id it answers under now)."""
        now = datetime.now(timezone.utc)
        statements = [(self._bound("INSERT INTO talk_redirects (old_id, new_id, moved_at) VALUES (?, ?, ?)",
                                   (old, new, now), write=True), None) for old, new in sorted(moved.items())]
        self.write_all(statements)


__all__ = ["PREVIOUS_UNKNOWN", "TalkWrites", "index_delete_cql", "index_insert_cql"]
