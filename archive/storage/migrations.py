"""Moving the rows of tables whose layout changed into their new tables (run by `schema apply`).

Two tables gained a hash in their partition key, under new names, so that no partition grows with
the archive: `documents` -> `source_documents` (a bucket of the path) and `search_postings` ->
`search_postings_sharded` (a shard of the talk id, for common terms). When `schema apply` finds an
old table, it copies every row to the new one and then drops the old one. A copy keeps each row's
own write time (USING TIMESTAMP), so it is idempotent and never overwrites a newer write or revives
a deleted row: a copy cut short is simply run again by the next `schema apply`.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable

from cassandra import ConsistencyLevel
from cassandra.concurrent import execute_concurrent
from cassandra.cluster import Session
from cassandra.query import UNSET_VALUE, SimpleStatement

from archive.config import Settings
from archive.storage.ledger import DOCUMENT_BUCKETS
from archive.storage.placement import bucket_of, shard_of, shards_needed

_DOCUMENT_COLUMNS = ("content_hash", "talk_ids", "conference_id", "title", "format", "last_error", "imported_at")
_POSTING_COLUMNS = ("impact", "talk_id", "conference_id", "year", "day", "kind", "language", "tags", "speaker_slugs",
                    "has_notes", "has_video")
COPY_CHUNK = 1000


def migrate_layouts(session: Session, settings: Settings) -> list[str]:
    """Copy the rows of every old-layout table of settings.keyspace into its new table, then drop it;
    return the old tables migrated (none when there are none left)."""
    keyspace = settings.keyspace  # checked by schema_statements before this runs
    tables = {r["table_name"] for r in session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,))}
    done = []  # (a schema.cql of before these tables has neither successor: nothing to copy into)
    if {"documents", "source_documents"} <= tables:
        copy_documents(session, settings)
        done.append("documents")
    if {"search_postings", "search_postings_sharded", "search_term_shards", "search_vocabulary"} <= tables:
        copy_postings(session, settings)
        done.append("search_postings")
    for table in done:  # DDL cannot bind identifiers: the keyspace is checked, the tables are the two above
        session.execute(f"DROP TABLE IF EXISTS {keyspace}.{table}", timeout=120)
    return done


def copy_documents(session: Session, settings: Settings) -> int:
    """Copy every `documents` row into `source_documents`, in its bucket; return how many."""
    ks = settings.keyspace
    insert = session.prepare(f"INSERT INTO {ks}.source_documents (source, bucket, path, {', '.join(_DOCUMENT_COLUMNS)})"
                             f" VALUES ({', '.join('?' * (3 + len(_DOCUMENT_COLUMNS)))}) USING TIMESTAMP ?")
    rows = session.execute(SimpleStatement(f"SELECT source, path, {', '.join(_DOCUMENT_COLUMNS)},"
                                           f" WRITETIME(imported_at) AS written FROM {ks}.documents", fetch_size=COPY_CHUNK))
    return _copy(session, settings, insert, rows, lambda r: (
        r["source"], bucket_of(r["path"], DOCUMENT_BUCKETS), r["path"], *(r[c] for c in _DOCUMENT_COLUMNS)))


def copy_postings(session: Session, settings: Settings) -> int:
    """Copy every `search_postings` row into `search_postings_sharded`, each term with the shards
    its recorded document frequency needs (written first, so readers look in all of them)."""
    ks = settings.keyspace
    shards = {r["term"]: n for r in session.execute(SimpleStatement(f"SELECT term, df FROM {ks}.search_vocabulary",
                                                                    fetch_size=5000))
              if r["term"] and (n := shards_needed(r["df"] or 0, settings.postings_per_shard)) > 1}
    put = session.prepare(f"INSERT INTO {ks}.search_term_shards (bucket, term, shards) VALUES ('all', ?, ?)")
    _run(session, settings, [(put, (t, n)) for t, n in sorted(shards.items())])
    insert = session.prepare(f"INSERT INTO {ks}.search_postings_sharded (term, shard, {', '.join(_POSTING_COLUMNS)})"
                             f" VALUES ({', '.join('?' * (2 + len(_POSTING_COLUMNS)))}) USING TIMESTAMP ?")
    rows = session.execute(SimpleStatement(f"SELECT term, {', '.join(_POSTING_COLUMNS)}, WRITETIME(has_notes) AS written"
                                           f" FROM {ks}.search_postings", fetch_size=COPY_CHUNK))
    return _copy(session, settings, insert, rows, lambda r: (
        r["term"], shard_of(r["talk_id"], shards.get(r["term"], 1)), *(r[c] for c in _POSTING_COLUMNS)))


def _copy(session: Session, settings: Settings, insert, rows: Iterable[dict], values: Callable[[dict], tuple]) -> int:
    """Insert each row's values at the row's own write time, COPY_CHUNK at a time; return how many."""
    chunk, copied = [], 0
    for row in rows:
        # A copy goes into an empty row: a missing value stays unset (a bound null writes a tombstone).
        chunk.append((insert, (*(UNSET_VALUE if v is None else v for v in values(row)),
                               row["written"] or int(time.time() * 1_000_000))))
        if len(chunk) >= COPY_CHUNK:
            copied += _run(session, settings, chunk)
            chunk = []
    return copied + _run(session, settings, chunk)


def _run(session: Session, settings: Settings, statements: list[tuple]) -> int:
    """Run prepared writes concurrently at the write consistency; return how many."""
    level = ConsistencyLevel.name_to_value[settings.write_consistency]
    bound = [(stmt.bind(values), None) for stmt, values in statements]
    for b, _ in bound:
        b.consistency_level = level
    execute_concurrent(session, bound, concurrency=64, raise_on_first_error=True)
    return len(bound)
