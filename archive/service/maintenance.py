"""Operations the scheduled jobs run: plan a re-import, hold a run lease, rebuild indexes.

Everything here works through the store's interface; jobs/tasks.py are thin shells over it.
"""
from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterable

from archive.config import host_name
from archive.domain.outcomes import DocumentStatus
from archive.indexes.audit import audit, expected_rows
from archive.indexes.tables import EMPTY_KEYS, INDEX_KEY_COLUMNS, IndexKeys, index_keys
from archive.service.importing import document_hash, recorded_state, with_catalogue
from archive.service.run import recount_speakers, recount_tags, recount_terms
from archive.sources import DocumentInput, Source, list_documents, read_document, source_hints


@dataclass
class ReimportPlan:
    """What a scan of one source found: documents to import, to remove, and how many are unchanged."""

    source: str
    to_import: list[str] = field(default_factory=list)
    to_remove: list[str] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    still_failing: int = 0
    reads: int = 0  # documents read to compare their hashes


def plan_source(store, source: Source) -> ReimportPlan:
    """Compare a source's files with the recorded hashes; list what must be imported or removed."""
    plan = ReimportPlan(source.name)
    known = store.documents_of(source.name)
    present = list_documents(source)
    hints = with_catalogue(store, source_hints(source, len(present)), source)
    for rel in present:
        doc: DocumentInput = read_document(source, rel)
        plan.reads += 1
        row = known.get(rel)
        state = recorded_state(row, document_hash(source, doc, hints))
        if state is DocumentStatus.UNCHANGED:
            plan.unchanged += 1
            plan.still_failing += bool(row.get("last_error"))
            continue
        plan.to_import.append(rel)
        if state is DocumentStatus.NEW:
            plan.new += 1
        else:
            plan.changed += 1
    plan.to_remove = sorted(set(known) - set(present))
    return plan


def worker_identity() -> str:
    """Return a lease owner id naming this host and process, unique per call."""
    return f"{host_name()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseLost(Exception):
    """The lease expired or was taken by another holder while a job ran."""


class Lease:
    """A named run lease in Cassandra: taken with IF NOT EXISTS and a TTL, renewed, released by owner."""

    def __init__(self, store, name: str, ttl_seconds: int, owner: str | None = None):
        self.store, self.name, self.ttl = store, name, ttl_seconds
        self.owner = owner or worker_identity()
        self._renewed = 0.0

    def acquire(self) -> bool:
        """Take the lease; False if someone holds it."""
        ok = self.store.acquire_lease(self.name, self.owner, self.ttl)
        self._renewed = time.monotonic()
        return ok

    def renew(self, force: bool = False) -> None:
        """Extend the lease (at most every third of its TTL unless forced); raise LeaseLost if gone."""
        if not force and time.monotonic() - self._renewed < self.ttl / 3:
            return
        if not self.store.renew_lease(self.name, self.owner, self.ttl):
            raise LeaseLost(f"lease {self.name!r} is no longer held by {self.owner}")
        self._renewed = time.monotonic()

    def release(self) -> bool:
        """Give the lease back if we still hold it."""
        return self.store.release_lease(self.name, self.owner)


@dataclass
class RebuildReport:
    """What rebuild_indexes did."""

    talks: int = 0
    orphans_deleted: int = 0
    missing_restored: int = 0
    tags: int = 0
    speakers: int = 0
    conferences: int = 0
    search_terms: int = 0


def rebuild_indexes(store, lease: Lease | None = None) -> RebuildReport:
    """Regenerate every index table and count from the talks table, and delete orphaned index rows."""
    report = RebuildReport()
    stored = list(store.all_stored_talks())  # pages the talks table by token range
    by_id = store.get_conferences({t.conference_id for t, _ in stored})
    for talk, day in stored:
        conference = by_id.get(talk.conference_id)
        if conference is None:
            continue
        store.write_talk(talk, conference, day, index_keys(talk, day), EMPTY_KEYS, previous=talk)  # as stored
        report.talks += 1
        if lease and report.talks % 200 == 0:
            lease.renew()
    expected = expected_rows(stored)
    actual = {t: store.index_rows(t, cols) for t, cols in INDEX_KEY_COLUMNS.items()}
    result = audit(expected, actual)
    orphans = IndexKeys.of(result.orphans)
    if not orphans.is_empty():
        store.delete_index_rows(orphans)
    report.orphans_deleted = sum(len(v) for v in result.orphans.values())
    report.missing_restored = sum(len(v) for v in result.missing.values())
    report.tags = recount_tags(store, _every_tag(store))
    for conference, source in store.all_conferences():
        store.put_conference(conference, source, talk_count=store.count_conference_talks(conference.id),
                             notes_count=store.count_notes(f"conference:{conference.id}"))
        report.conferences += 1
    report.speakers = recount_speakers(store, store.all_speakers())
    report.search_terms = recount_terms(store, store.posting_terms() | store.vocabulary_terms())
    store.bump_generation()
    return report


def refresh_tag_counts(store, tags: Iterable[str] | None = None) -> int:
    """Recount tags from talks_by_tag (by default all, including ones whose count fell to zero)."""
    counted = recount_tags(store, set(tags) if tags is not None else _every_tag(store))
    store.bump_generation()
    return counted


def _every_tag(store) -> set[str]:
    """Return every tag with talks, and every tag the cloud shows (a count may have fallen to zero)."""
    return set(store.all_tags()) | set(store.tag_cloud())
