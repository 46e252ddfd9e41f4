"""The archive service: turns source documents into stored talks, writing only what changed.

Two steps, so that a link between a notes talk and a catalogue talk can be made or undone
whichever side changes first:

1. **Documents -> source facts.** Per document it compares the content hash recorded in
   `documents`; unchanged documents are skipped without any write. A changed one is parsed (pure)
   into the talks that source alone gives (notes talks, or one catalogue talk), tagged (pure) and
   recorded in `source_talks`. One bad document is recorded with its error and never stops the
   import; the talks its last good version gave stay.
2. **Relink a conference.** The conferences whose facts changed are relinked: their notes and
   catalogue talks are read (one partition), linked and merged (pure, `archive.talks.linking`), and the
   result is diffed against the stored talks. Only talks that differ are written, each with all its
   index rows and the deletion of its stale ones in one LOGGED batch; talks that are no longer
   produced are deleted from every table. A document's new hash is recorded only after its
   conference is relinked, so a crash in between makes the next run redo the work.

The store is passed in through the narrow ports of `archive.service.ports`: the real
`archive.storage.Store` or a unit test's fake.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, Iterable

from archive.parse.catalogue import event_id, is_event_file, parse_event, parse_video
from archive.indexes.tables import EMPTY_KEYS, SEARCH_POSTINGS, has_notes, index_day, index_keys, speaker_slugs
from archive.search.analysis import search_terms_of
from archive.domain import Conference, DocumentError, NotFound, ParsedDocument, Talk, WriteRefused, fold
from archive.talks.build import Tagger, build_talks, check_sizes, check_talk
from archive.domain.outcomes import (DocumentOutcome, DocumentRecord, DocumentRemoval, DocumentStatus, ImportSummary,
                                     RelinkOutcome)
from archive.service.ports import ImportStore
from archive.service.run import ImportRun, origin_of, recount_speakers, recount_tags, recount_terms
from archive.talks.identity import moved_ids
from archive.talks.linking import link_talks, merge_conference, merge_talks
from archive.parse.layout import Hints
from archive.sources import DocumentInput, Source, source_hints

# Bump when parsing, tagging or linking changes output, so that every document is re-imported once.
PARSER_VERSION = "notes-5"


Parser = Callable[[bytes, str, Hints], ParsedDocument]


def with_catalogue(store: ImportStore, hints: Hints, source: Source) -> Hints:
    """Return hints with the titles of the conference's catalogue talks: a heading that names one is a
    talk. They are part of the documents' hashes, so a catalogue change re-reads the notes once."""
    if source.kind == "catalogue" or source.conference is None:
        return hints
    titles = frozenset(fold(t.title) for t in store.source_facts(source.conference.id).catalogue)
    return replace(hints, catalogue_titles=titles)


def document_hash(source: Source, doc: DocumentInput, hints: Hints) -> str:
    """Return the hash a document is recorded with: its bytes, the parser version and what of the
    source's hints changes its parse (a new layout setting re-imports the source)."""
    salt = PARSER_VERSION if source.kind == "catalogue" else f"{PARSER_VERSION}/{hints.salt()}"
    return doc.content_hash(salt)


def recorded_state(known: dict | None, new_hash: str) -> DocumentStatus:
    """Return whether a document is new, changed or unchanged against what the ledger recorded of it:
    the one comparison behind both the scheduled scan's plan and the import itself."""
    if not known:
        return DocumentStatus.NEW
    return DocumentStatus.UNCHANGED if known.get("content_hash") == new_hash else DocumentStatus.CHANGED


@dataclass(frozen=True)
class Extracted:
    """What one document says: its talks (as its source alone gives them) or its event's facts."""

    conference_id: str
    origin: str  # 'notes' or 'catalogue'
    talks: tuple[Talk, ...] = ()
    event: Conference | None = None
    title: str | None = None
    format: str | None = None


def conference_of_document(source: Source, path: str) -> str:
    """Return the conference a document of a source belongs to."""
    if source.kind == "catalogue":
        return event_id(path)
    if source.conference is None:
        raise DocumentError(f"source {source.name!r} has no conference")
    return source.conference.id


class ArchiveService:
    """Imports sources into a store; parse and tag are injected so the core stays pure."""

    def __init__(self, store: ImportStore, parse: Parser, tag: Tagger,
                 hints: Callable[[Source], Hints] | None = None):
        self.store = store
        self.parse = parse
        self.tag = tag
        self._hints_of = hints or source_hints
        self._hints: dict[str, Hints] = {}

    def hints(self, source: Source) -> Hints:
        """Return what the source tells layout inference, worked out once per service."""
        if source.name not in self._hints:
            self._hints[source.name] = with_catalogue(self.store, self._hints_of(source), source)
        return self._hints[source.name]

    # -- step 1: documents -> source facts --------------------------------------------------------
    def extract(self, source: Source, doc: DocumentInput) -> Extracted:
        """Parse and tag one document (pure); raise DocumentError naming why it cannot be used."""
        if doc.data is None:
            raise DocumentError(doc.error or "unreadable document")
        document_id = f"{source.name}:{doc.path}"
        if source.kind == "catalogue":
            event = event_id(doc.path)
            if is_event_file(doc.path):
                conference = parse_event(doc.data, doc.path)
                return Extracted(event, "catalogue", event=conference, title=conference.name, format="catalogue")
            # The description is not given to the tagger: many events repeat one boilerplate
            # description ("videos kindly provided by ..., a cloud platform") on every talk.
            talk, _description = parse_video(doc.data, doc.path, event.replace("-", " "))
            talk = replace(talk, document_id=document_id)
            tagged = replace(talk, tags=self.tag(talk))
            check_talk(tagged)
            return Extracted(event, "catalogue", (tagged,), title=talk.title, format="catalogue")
        conference = source.conference
        parsed = self.parse(doc.data, doc.path, self.hints(source))
        talks = build_talks(parsed, conference, document_id, parsed.format, self.tag)
        check_sizes(talks)
        return Extracted(conference.id, "notes", tuple(talks), title=parsed.title, format=parsed.format)

    def import_document(self, source: Source, doc: DocumentInput, known: dict | None = None,
                        lookup: bool = True) -> DocumentOutcome:
        """Record what a changed document says in `source_talks`; skip an unchanged one.

        The facts are sent through the store's write pipeline; the caller flushes, relinks the
        outcome's conferences and then writes `outcome.record` (see `apply`).
        """
        if known is None and lookup:
            known = self.store.get_document(source.name, doc.path)
        new_hash = document_hash(source, doc, self.hints(source))
        status = recorded_state(known, new_hash)
        if status is DocumentStatus.UNCHANGED:
            if known.get("last_error"):  # still broken: report it again, write nothing
                return DocumentOutcome(doc.path, DocumentStatus.FAILED,
                                       error=f"unchanged since it failed: {known['last_error']}")
            return DocumentOutcome(doc.path, DocumentStatus.UNCHANGED)
        try:
            extracted = self.extract(source, doc)
        except DocumentError as exc:
            return self.record_failure(source, doc.path, str(exc), new_hash, known or {})
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the import either
            return self.record_failure(source, doc.path, f"{type(exc).__name__}: {exc}", new_hash, known or {})
        cid, origin = extracted.conference_id, extracted.origin
        old_ids = set(known.get("talk_ids") or ()) if known else set()
        old_cid = known.get("conference_id") if known else None
        new_ids = frozenset(t.id for t in extracted.talks)
        outcome = DocumentOutcome(doc.path, status, conferences={cid})
        if old_cid and old_cid != cid:  # the document moved to another conference
            self.store.put_source_talks(old_cid, origin, (), old_ids, wait=False)
            outcome.conferences.add(old_cid)
            old_ids = set()
        if extracted.event is not None:
            self.store.put_source_conference(cid, "event", extracted.event, wait=False)
        self.store.put_source_talks(cid, origin, extracted.talks, sorted(old_ids - new_ids), wait=False)
        outcome.record = DocumentRecord(source.name, doc.path, new_hash, new_ids, cid, extracted.title,
                                        extracted.format)
        return outcome

    def remove_document(self, source: Source, path: str, known: dict | None = None) -> DocumentOutcome:
        """Forget what a document that left its source said; relinking removes its talks."""
        known = known if known is not None else self.store.get_document(source.name, path)
        outcome = DocumentOutcome(path, DocumentStatus.REMOVED)
        if known and known.get("conference_id"):
            cid = known["conference_id"]
            if source.kind == "catalogue" and is_event_file(path):
                self.store.put_source_conference(cid, "event", None, wait=False)
            self.store.put_source_talks(cid, origin_of(source), (), sorted(known.get("talk_ids") or ()), wait=False)
            outcome.conferences.add(cid)
        outcome.record = DocumentRemoval(source.name, path)
        return outcome

    def record_failure(self, source: Source, path: str, error: str, content_hash: str | None = None,
                       known: dict | None = None) -> DocumentOutcome:
        """Record that a document failed, keeping the talks (and conference) its last good version gave,
        so that a broken edit erases nothing and the talks are still removed when the document leaves
        its source. The one writer of a failure: imports, refused writes and the jobs all call it."""
        known = known if known is not None else self.store.get_document(source.name, path)
        talk_ids = set(known.get("talk_ids") or ()) if known else set()
        cid = known.get("conference_id") if known else None
        if cid is None:
            try:
                cid = conference_of_document(source, path)
            except DocumentError:
                cid = None
        self.store.put_document(source.name, path, content_hash, talk_ids, cid,
                                known.get("title") if known else None, None, error)
        return DocumentOutcome(path, DocumentStatus.FAILED, error=error)

    # -- step 2: relink a conference ----------------------------------------------------------------
    def relink(self, conference_id: str, careful: bool = False) -> RelinkOutcome:
        """Merge what the sources say about a conference into its stored talks, writing only differences.

        With careful, talks are written one at a time and a refused one is noted in the outcome
        (by its document) instead of failing the whole conference.
        """
        facts = self.store.source_facts(conference_id)
        outcome = RelinkOutcome(conference_id)
        conference = merge_conference(conference_id, facts.configured, facts.event, (t.date for t in facts.catalogue))
        if conference is None and (facts.notes or facts.catalogue):
            conference = Conference(id=conference_id, name=conference_id)  # its event file was rejected
        result = link_talks(facts.notes, facts.catalogue)
        merged = merge_talks(facts.notes, facts.catalogue, result) if conference else []
        stored = self.store.stored_talks_of_conference(conference_id)
        try:
            old_conference = self.store.get_conference(conference_id)
        except NotFound:
            old_conference = None
        renamed = conference is not None and old_conference != conference
        for talk in merged:
            self._write_talk(talk, conference, stored.get(talk.id), renamed, careful, outcome)
        gone = {tid: stored[tid][0] for tid in sorted(set(stored) - {t.id for t in merged})}
        for tid, talk in gone.items():
            keys = index_keys(talk, stored[tid][1])
            self.store.delete_talk(conference_id, tid, keys, wait=False)
            outcome.talks_deleted += 1
            outcome.tags_touched |= set(talk.tags)
            outcome.speakers_touched |= speaker_slugs(talk)
            outcome.terms_touched |= search_terms_of(keys.table(SEARCH_POSTINGS))
        outcome.moved = moved_ids(gone, merged)
        if outcome.moved:  # in this relink, so an old URL never answers 404 in between
            self.store.put_redirects(outcome.moved)
        self.store.flush()
        outcome.talks, outcome.linked = len(merged), len(result.pairs)
        if facts.catalogue:
            left = set(result.unmatched)
            outcome.unmatched = [t.title for t in facts.notes if t.id in left]
        if conference is not None and (renamed or outcome.talks_written or outcome.talks_deleted):
            origins = "+".join(o for o, present in (("notes", facts.notes or facts.configured),
                                                    ("catalogue", facts.catalogue or facts.event)) if present)
            self.store.put_conference(conference, origins, talk_count=len(merged), old=old_conference,
                                      notes_count=sum(1 for t in merged if has_notes(t)))
        return outcome

    def _write_talk(self, talk: Talk, conference: Conference, previous: tuple[Talk, date] | None, renamed: bool,
                    careful: bool, outcome: RelinkOutcome) -> None:
        """Write one merged talk with its index rows, unless it is stored exactly so already."""
        day = index_day(talk, conference)
        if previous and previous[0] == talk and previous[1] == day and not renamed:
            return  # same talk, same rows: a no-op write is still a write
        keys = index_keys(talk, day)
        old_keys = index_keys(*previous) if previous else EMPTY_KEYS
        try:
            self.store.write_talk(talk, conference, day, keys, old_keys.minus(keys), wait=careful,
                                  previous=previous[0] if previous else None)
        except WriteRefused as exc:
            if not careful:
                raise
            outcome.refused[talk.document_id] = str(exc)
            # The search rows went out before the refused batch: put back what the stored version has.
            if previous:
                self.store.write_talk(previous[0], conference, previous[1], old_keys, keys.minus(old_keys))
            else:
                self.store.delete_talk(talk.conference_id, talk.id, keys)
            return
        outcome.talks_written += 1
        outcome.tags_touched |= set(talk.tags) | (set(previous[0].tags) if previous else set())
        outcome.speakers_touched |= speaker_slugs(talk) | (speaker_slugs(previous[0]) if previous else set())
        outcome.terms_touched |= search_terms_of(keys.table(SEARCH_POSTINGS)) ^ search_terms_of(
            old_keys.table(SEARCH_POSTINGS))

    # -- whole runs ---------------------------------------------------------------------------------
    def apply(self, source: Source, documents: Iterable[DocumentInput], removed: Iterable[str] = (),
              known: dict[str, dict] | None = None,
              progress: Callable[[DocumentOutcome], None] | None = None, sync: bool = False) -> ImportSummary:
        """Import documents and remove paths of one source, relinking each conference they touch.

        known is the source's recorded documents (else each is looked up); with sync, the known
        documents not among `documents` are removed.

        A catalogue is read in path order, event by event, so each event is relinked as soon as
        the next one starts: memory stays at one event's talks however large the catalogue is.
        """
        run = ImportRun(self, source, progress)
        run.configure()
        present: set[str] = set()
        for doc in documents:
            present.add(doc.path)
            run.add(self.import_document(source, doc, known.get(doc.path) if known is not None else None,
                                         lookup=known is None))
            if source.kind == "catalogue":
                run.next_event(doc.path.split("/", 1)[0])
        if sync:  # every document was read: the known ones not among them left the source
            removed = sorted(set(known or {}) - present)
        for path in removed:
            run.add(self.remove_document(source, path, known.get(path) if known is not None else None))
        return run.finish()

    def write_record(self, record: DocumentRecord | DocumentRemoval | None) -> None:
        """Write what the ledger says of a document, once its conference is relinked."""
        if isinstance(record, DocumentRemoval):
            self.store.delete_document(record.source, record.path, wait=False)
        elif record is not None:
            self.store.put_document(record.source, record.path, record.content_hash, record.talk_ids,
                                    record.conference_id, record.title, record.format, None, wait=False)

    def sync_source(self, source: Source, documents: Iterable[DocumentInput],
                    progress: Callable[[DocumentOutcome], None] | None = None) -> ImportSummary:
        """Import every document of a source and remove the ones that left it."""
        return self.apply(source, documents, known=self.store.documents_of(source.name), progress=progress, sync=True)

    def import_one(self, source: Source, doc: DocumentInput) -> ImportSummary:
        """Import one document and relink its conference (what a document task runs)."""
        return self.apply(source, [doc])

    def remove_one(self, source: Source, path: str) -> ImportSummary:
        """Remove one document and relink its conference."""
        return self.apply(source, [], [path])

    def refresh_tag_counts(self, tags: Iterable[str]) -> None:
        """Recount the given tags from their index partitions (idempotent)."""
        recount_tags(self.store, tags)

    def refresh_speakers(self, slugs: Iterable[str]) -> None:
        """Recount the given speakers' directory rows (idempotent)."""
        recount_speakers(self.store, slugs)

    def refresh_search_terms(self, terms: Iterable[str]) -> None:
        """Recount the given search terms' document frequencies, and the number of talks (idempotent)."""
        recount_terms(self.store, terms)

    def publish(self) -> None:
        """Start a new generation: what changed outside a run (a task's relink, a recount) shows now."""
        self.store.bump_generation()
