"""The import's ledger: what each document gave (`source_documents`) and what each source says (`source_talks`).

The archive service compares content hashes with `documents` to skip unchanged documents, and
relinks a conference from the `source_talks` partition that holds every source's facts about it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from cassandra.concurrent import execute_concurrent_with_args

from archive.domain import Conference, SourceFacts, Talk
from archive.formats.codec import conference_from_json, conference_to_json, talk_from_json, talk_to_json
from archive.storage.pipeline import WritePipeline
from archive.storage.placement import bucket_of

# A source's documents are spread over this many partitions by the hash of their path: a source of
# 10 million documents is about 39,000 rows a partition (the pyvideo catalogue: about 87).
DOCUMENT_BUCKETS = 256
BUCKETS_PER_READ = 32  # a partition-key IN, far below any guardrail (as search_docs reads 40 talks)


class Ledger(WritePipeline):
    """Documents and source facts; writes join the import's write pipeline unless wait=True."""

    # -- documents (source_documents: a source's documents in DOCUMENT_BUCKETS partitions) ----------
    def get_document(self, source: str, path: str) -> dict | None:
        """Return what the last import recorded of one document, or None."""
        return self._one("SELECT * FROM source_documents WHERE source = ? AND bucket = ? AND path = ?",
                         (source, bucket_of(path, DOCUMENT_BUCKETS), path))

    def documents_of(self, source: str) -> dict[str, dict]:
        """Return every recorded document of a source, keyed by path (every bucket: BUCKETS_PER_READ
        partitions a request, the requests at once; 256 single reads cost ten times more for a small source)."""
        buckets = list(range(DOCUMENT_BUCKETS))
        results = execute_concurrent_with_args(
            self.session, self._p("SELECT * FROM source_documents WHERE source = ? AND bucket IN ?"),
            [(source, buckets[i:i + BUCKETS_PER_READ]) for i in range(0, DOCUMENT_BUCKETS, BUCKETS_PER_READ)],
            concurrency=16, raise_on_first_error=True)
        return {r["path"]: r for ok, rs in results for r in rs}

    def put_document(self, source: str, path: str, content_hash: str | None, talk_ids: Iterable[str],
                     conference_id: str | None, title: str | None, fmt: str | None, error: str | None,
                     wait: bool = True) -> None:
        """Record the outcome of importing one document."""
        self._write(
            "INSERT INTO source_documents (source, bucket, path, content_hash, talk_ids, conference_id, title, format,"
            " last_error, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (source, bucket_of(path, DOCUMENT_BUCKETS), path, content_hash, set(talk_ids), conference_id, title, fmt,
             error, datetime.now(timezone.utc)), wait)

    def delete_document(self, source: str, path: str, wait: bool = True) -> None:
        """Forget a document that left its source."""
        self._write("DELETE FROM source_documents WHERE source = ? AND bucket = ? AND path = ?",
                    (source, bucket_of(path, DOCUMENT_BUCKETS), path), wait)

    # -- what each source says (the relink input) ------------------------------------------------
    def source_facts(self, conference_id: str) -> SourceFacts:
        """Return everything the sources say about one conference (one partition read)."""
        facts = SourceFacts(conference_id)
        for row in self._rows("SELECT * FROM source_talks WHERE conference_id = ?", (conference_id,)):
            facts.configured = facts.configured or conference_from_json(row["configured"])
            facts.event = facts.event or conference_from_json(row["event"])
            if row["origin"] and row["talk"]:
                (facts.catalogue if row["origin"] == "catalogue" else facts.notes).append(talk_from_json(row["talk"]))
        return facts

    def put_source_talks(self, conference_id: str, origin: str, talks: Iterable[Talk], removed: Iterable[str] = (),
                         wait: bool = True) -> None:
        """Record the talks one document gave (and forget the ones it no longer gives)."""
        for talk in talks:
            self._write("INSERT INTO source_talks (conference_id, origin, talk_id, document_id, talk)"
                        " VALUES (?,?,?,?,?)",
                        (conference_id, origin, talk.id, talk.document_id, talk_to_json(talk)), wait)
        for talk_id in removed:
            self._write("DELETE FROM source_talks WHERE conference_id = ? AND origin = ? AND talk_id = ?",
                        (conference_id, origin, talk_id), wait)

    def put_source_conference(self, conference_id: str, origin: str, conference: Conference | None,
                              wait: bool = True) -> None:
        """Record the conference facts the sources file ('configured') or the catalogue ('event') gives."""
        column = {"configured": "configured", "event": "event"}[origin]
        self._write(f"UPDATE source_talks SET {column} = ? WHERE conference_id = ?",
                    (conference_to_json(conference) if conference else None, conference_id), wait)
