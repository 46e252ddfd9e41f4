"""The only package that speaks CQL, in modules that follow its callers.

- `session`: the process's session, prepared statements (never mutated per call), the errors;
- `schema`: applying schema.cql (recreating a derived table whose primary key changed);
- `rows`: driver rows to domain values;
- `pipeline` and `writes`: the importer's and rebuild's writes of talks, index rows (derived from
  `archive.indexes.tables`), conferences and tag counts;
- `reads`: the web's reads by key and paged index reads;
- `lists`: the lists bucketed by month, paged and counted across their buckets;
- `ledger`: the documents ledger and what each source says (`source_documents`, `source_talks`);
- `runs`: run leases and import history;
- `sources`: each source's last fetch and last import (`source_states`);
- `search` and `postings`: the search tables' bounded reads, the vocabulary's recount and the postings' shards;
- `placement`: stable hashes, shards and buckets (pure);
- `migrations`: copying the rows of tables whose layout changed (`schema apply`);
- `generation`: the archive's generation (bumped after writes, read by the web's caches);
- `memo`: what a page reads before its rows (a list's months, the years), kept per generation by the
  web's store (`StoreBase.remembering`);
- `scans`: token-range scans and whole-table reads for maintenance, tests and benchmarks.

`Store` joins them over one session; callers declare the narrow part they use (see
`archive.service.ports`). `connect(settings)` opens it: call it after fork, never at import time.
"""
from __future__ import annotations

from archive.config import Settings
from archive.domain import NotFound, conference_of
from archive.storage.generation import Generations
from archive.storage.ledger import Ledger
from archive.storage.lists import ListReads
from archive.storage.rows import Page
from archive.storage.runs import RunHistory, new_run_id
from archive.storage.scans import Scans
from archive.storage.search import SearchStore
from archive.storage.sources import SourceStates
from archive.storage.schema import (DERIVED_TABLES, SCHEMA_FILE, SchemaConflict, apply_schema, drop_keyspace,
                                    schema_statements, split_cql)
from archive.storage.session import (RETRYABLE_ERRORS, cluster_for, open_session, probe_release_version,
                                     quiet_batch_size_warnings)
from archive.storage.writes import TalkWrites


class Store(TalkWrites, Ledger, ListReads, RunHistory, SearchStore, Scans, Generations, SourceStates):
    """Every part of the store over one session (what a process opens once)."""


def connect(settings: Settings, only_host: str | None = None) -> Store:
    """Open this process's session to settings.keyspace and return a Store over it (with only_host:
    every request coordinated by that node alone, as the cluster tests read each replica)."""
    quiet_batch_size_warnings()
    return Store(open_session(settings, only_host), settings)


__all__ = [
    "DERIVED_TABLES", "NotFound", "Page", "RETRYABLE_ERRORS", "SCHEMA_FILE", "SchemaConflict", "Store", "apply_schema", "cluster_for", "conference_of",
    "connect", "drop_keyspace", "new_run_id", "probe_release_version", "schema_statements", "split_cql",
]
