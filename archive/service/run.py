"""One import run of a source: outcomes held until their conference is relinked, then recorded.

`ArchiveService.apply` drives it: documents are added as they are imported, a catalogue's events
are settled one after another, and `finish` settles the rest and recounts the tags it touched. A
write the database refuses fails the document it came from (found by relinking talk by talk),
never the run.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable, Iterable

from archive.domain import WriteRefused
from archive.domain.outcomes import DocumentOutcome, DocumentRecord, DocumentStatus, ImportSummary, RelinkOutcome
from archive.service.ports import SearchCounter, SpeakerCounter, TagCounter
from archive.sources import Source

if TYPE_CHECKING:
    from archive.service.importing import ArchiveService


def recount_tags(store: TagCounter, tags: Iterable[str]) -> int:
    """Recount the given tags from their index partitions (idempotent); return how many."""
    tags = sorted(set(tags))
    if tags:
        store.put_tag_counts(store.count_tags(tags))
    return len(tags)


def recount_speakers(store: SpeakerCounter, slugs: Iterable[str]) -> int:
    """Recount the given speakers' talks and notes into the speakers directory (idempotent); return how many."""
    slugs = sorted(set(slugs))
    for start in range(0, len(slugs), 500):  # bounded requests in flight and memory, however many speakers
        store.put_speaker_counts(store.count_speakers(slugs[start:start + 500]))
    return len(slugs)


def origin_of(source: Source) -> str:
    """Return the `source_talks` origin a source's documents write under."""
    return "catalogue" if source.kind == "catalogue" else "notes"


def recount_terms(store: SearchCounter, terms: Iterable[str]) -> int:
    """Recount the given search terms' document frequencies and the number of talks, and give the
    terms that outgrew their postings shards more (see archive.storage.postings); return how many terms."""
    terms = sorted(set(terms) - {""})
    if terms:
        counts = store.count_postings(terms)
        store.grow_shards(counts)
        counts[""] = store.count_talks()
        store.put_vocabulary(counts)
    return len(terms)


class ImportRun:
    """One `apply`: the outcomes waiting for their conference's relink, and the summary so far."""

    def __init__(self, service: "ArchiveService", source: Source, progress: Callable[[DocumentOutcome], None] | None):
        self.service, self.store, self.source, self.progress = service, service.store, source, progress
        self.summary = ImportSummary()
        self.pending: dict[str, list[DocumentOutcome]] = {}
        self.touched_tags: set[str] = set()
        self.touched_terms: set[str] = set()
        self.touched_speakers: set[str] = set()
        self.current_event: str | None = None
        self.started = time.monotonic()

    def configure(self) -> None:
        """Record the conference facts the sources file gives, if they changed."""
        conference = self.source.conference
        if self.source.kind != "catalogue" and conference is not None:
            if self.store.source_facts(conference.id).configured != conference:
                self.store.put_source_conference(conference.id, "configured", conference, wait=False)
                self.pending.setdefault(conference.id, [])

    def add(self, outcome: DocumentOutcome) -> None:
        """Count a document's outcome and hold its record until its conferences are relinked."""
        self.summary.add(outcome, self.source.name)
        for cid in outcome.conferences:
            self.pending.setdefault(cid, []).append(outcome)
        if not outcome.conferences:
            self.service.write_record(outcome.record)
        if self.progress:
            self.progress(outcome)

    def next_event(self, event: str) -> None:
        """Settle the catalogue events before this one (the catalogue is read event by event)."""
        if self.current_event is not None and event != self.current_event:
            self.settle([c for c in self.pending if c != event])
        self.current_event = event

    def settle(self, conference_ids: Iterable[str]) -> None:
        """Relink conferences, then write the ledger records of their documents."""
        conference_ids = sorted(set(conference_ids))
        if not conference_ids:
            return
        try:
            self.store.flush()
        except WriteRefused as exc:
            for cid in conference_ids:
                self.fail(self.pending.get(cid, []), str(exc))
        for cid in conference_ids:
            relinked = self.relink(cid)
            self.summary.add_relink(relinked)
            self.touched_tags.update(relinked.tags_touched)
            self.touched_terms.update(relinked.terms_touched)
            self.touched_speakers.update(relinked.speakers_touched)
        for cid in conference_ids:
            for outcome in self.pending.pop(cid, ()):
                self.service.write_record(outcome.record)
        self.store.flush()

    def relink(self, cid: str) -> RelinkOutcome:
        """Relink one conference; if the database refuses a talk, fail its document and relink without it."""
        try:
            return self.service.relink(cid)
        except WriteRefused:
            careful = self.service.relink(cid, careful=True)
            for document_id, error in careful.refused.items():
                path = document_id.split(":", 1)[-1]
                pending = self.pending.get(cid, [])
                # A linked talk carries its notes document's id; when the catalogue file that made it
                # too large is what changed, the documents that changed are the culprits.
                culprits = [o for o in pending if o.path == path] or [
                    o for o in pending if isinstance(o.record, DocumentRecord)]
                if not culprits:
                    raise
                self.fail(culprits, error)
            final = self.service.relink(cid)
            # What the careful pass wrote counts too, and its tags and terms must be recounted.
            final.talks_written += careful.talks_written
            final.talks_deleted += careful.talks_deleted
            final.tags_touched |= careful.tags_touched
            final.terms_touched |= careful.terms_touched
            final.speakers_touched |= careful.speakers_touched
            final.moved = {**careful.moved, **final.moved}
            return final

    def fail(self, outcomes: list[DocumentOutcome], error: str) -> None:
        """Take back what changed documents said, and record them as failed."""
        for outcome in outcomes:
            record = outcome.record
            if not isinstance(record, DocumentRecord):
                continue
            self.store.put_source_talks(record.conference_id, origin_of(self.source), (), sorted(record.talk_ids),
                                        wait=True)
            self.store.put_document(self.source.name, record.path, record.content_hash, set(), record.conference_id,
                                    record.title, None, f"not stored: {error}")
            self.summary.count(outcome.status, -1)
            self.summary.count(DocumentStatus.FAILED)
            outcome.status, outcome.error, outcome.record = DocumentStatus.FAILED, f"not stored: {error}", None
            self.summary.errors.append((f"{self.source.name}:{record.path}", outcome.error))

    def finish(self) -> ImportSummary:
        """Settle every conference still pending, recount the tags touched, and return the summary."""
        self.settle(list(self.pending))
        self.store.flush()
        if self.touched_tags:
            recount_tags(self.store, self.touched_tags)
        recount_terms(self.store, self.touched_terms)
        recount_speakers(self.store, self.touched_speakers)
        if self.summary.changed_content() or self.touched_tags or self.touched_terms or self.touched_speakers:
            self.store.bump_generation()  # after every write above was acknowledged
        self.summary.seconds = time.monotonic() - self.started
        return self.summary
