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

The store is passed in: the real `archive.storage.Store` or a fake with the same methods.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, Iterable, Protocol

from archive.parse.catalogue import event_id, is_event_file, parse_event, parse_video
from archive.indexes.tables import EMPTY_KEYS, IndexKeys, index_day, index_keys
from archive.domain import Conference, DocumentError, NotFound, ParsedDocument, Talk, WriteRefused, fold
from archive.talks.build import Tagger, build_talks, check_sizes, check_talk
from archive.domain.outcomes import DocumentOutcome, ImportSummary, RelinkOutcome
from archive.talks.linking import link_talks, merge_conference, merge_talks
from archive.parse.layout import Hints
from archive.sources import DocumentInput, Source, source_hints

# Bump when parsing, tagging or linking changes output, so that every document is re-imported once.
PARSER_VERSION = "notes-3"


class TalkStore(Protocol):
    """What the service needs from storage (archive.storage.Store implements it)."""

    def get_document(self, source: str, path: str) -> dict | None: ...
    def documents_of(self, source: str) -> dict[str, dict]: ...
    def put_document(self, source, path, content_hash, talk_ids, conference_id, title, fmt, error,
                     wait: bool = True) -> None: ...
    def delete_document(self, source: str, path: str, wait: bool = True) -> None: ...
    def source_facts(self, conference_id: str): ...
    def put_source_talks(self, conference_id: str, origin: str, talks: Iterable[Talk], removed: Iterable[str] = (),
                         wait: bool = True) -> None: ...
    def put_source_conference(self, conference_id: str, origin: str, conference: Conference | None,
                              wait: bool = True) -> None: ...
    def stored_talks_of_conference(self, conference_id: str) -> dict[str, tuple[Talk, date]]: ...
    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys,
                   wait: bool = True) -> None: ...
    def delete_talk(self, conference_id: str, talk_id: str, keys: IndexKeys, wait: bool = True) -> None: ...
    def flush(self) -> None: ...
    def get_conference(self, conference_id: str) -> Conference: ...
    def put_conference(self, conference: Conference, source: str, talk_count=None, old=None) -> None: ...
    def count_tags(self, tags: Iterable[str]) -> dict[str, int]: ...
    def put_tag_counts(self, counts: dict[str, int]) -> None: ...


Parser = Callable[[bytes, str, Hints], ParsedDocument]


def with_catalogue(store: TalkStore, hints: Hints, source: Source) -> Hints:
    """Return hints with the titles of the conference's catalogue talks: a heading that names one is a
    talk. They are part of the documents' hashes, so a catalogue change re-reads the notes once."""
    if source.kind != "notes" or source.conference is None:
        return hints
    titles = frozenset(fold(t.title) for t in store.source_facts(source.conference.id).catalogue)
    return replace(hints, catalogue_titles=titles)


def document_hash(source: Source, doc: DocumentInput, hints: Hints) -> str:
    """Return the hash a document is recorded with: its bytes, the parser version and what of the
    source's hints changes its parse (a new layout setting re-imports the source)."""
    salt = PARSER_VERSION if source.kind == "catalogue" else f"{PARSER_VERSION}/{hints.salt()}"
    return doc.content_hash(salt)


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

    def __init__(self, store: TalkStore, parse: Parser, tag: Tagger,
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
        if known and known.get("content_hash") == new_hash:
            if known.get("last_error"):  # still broken: report it again, write nothing
                return DocumentOutcome(doc.path, "failed", error=f"unchanged since it failed: {known['last_error']}")
            return DocumentOutcome(doc.path, "unchanged")
        status = "changed" if known else "new"
        try:
            extracted = self.extract(source, doc)
        except DocumentError as exc:
            return self._failed(source, doc, known, new_hash, str(exc))
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the import either
            return self._failed(source, doc, known, new_hash, f"{type(exc).__name__}: {exc}")
        cid, origin = extracted.conference_id, extracted.origin
        old_ids = set(known.get("talk_ids") or ()) if known else set()
        old_cid = known.get("conference_id") if known else None
        new_ids = {t.id for t in extracted.talks}
        outcome = DocumentOutcome(doc.path, status, conferences={cid})
        if old_cid and old_cid != cid:  # the document moved to another conference
            self.store.put_source_talks(old_cid, origin, (), old_ids, wait=False)
            outcome.conferences.add(old_cid)
            old_ids = set()
        if extracted.event is not None:
            self.store.put_source_conference(cid, "event", extracted.event, wait=False)
        self.store.put_source_talks(cid, origin, extracted.talks, sorted(old_ids - new_ids), wait=False)
        outcome.record = (source.name, doc.path, new_hash, new_ids, cid, extracted.title, extracted.format, None)
        return outcome

    def _failed(self, source: Source, doc: DocumentInput, known: dict | None, new_hash: str,
                error: str) -> DocumentOutcome:
        # Keep the talks the last good version gave: a broken edit must not erase the archive.
        return self.record_failure(source, doc.path, error, new_hash, known or {})

    def remove_document(self, source: Source, path: str, known: dict | None = None) -> DocumentOutcome:
        """Forget what a document that left its source said; relinking removes its talks."""
        known = known if known is not None else self.store.get_document(source.name, path)
        outcome = DocumentOutcome(path, "removed")
        if known and known.get("conference_id"):
            cid = known["conference_id"]
            origin = "catalogue" if source.kind == "catalogue" else "notes"
            if source.kind == "catalogue" and is_event_file(path):
                self.store.put_source_conference(cid, "event", None, wait=False)
            self.store.put_source_talks(cid, origin, (), sorted(known.get("talk_ids") or ()), wait=False)
            outcome.conferences.add(cid)
        outcome.record = ("delete", source.name, path)
        return outcome

    # -- step 2: relink a conference ----------------------------------------------------------------
    def relink(self, conference_id: str, careful: bool = False) -> RelinkOutcome:
        """Merge what the sources say about a conference into its stored talks, writing only differences."""
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
            day = index_day(talk, conference)
            keys = index_keys(talk, day)
            previous = stored.get(talk.id)
            if previous and previous[0] == talk and previous[1] == day and not renamed:
                continue  # same talk, same rows: a no-op write is still a write
            stale = index_keys(*previous).minus(keys) if previous else EMPTY_KEYS
            if careful:  # one talk at a time, to learn which document's talk the database refuses
                try:
                    self.store.write_talk(talk, conference, day, keys, stale, wait=True)
                except WriteRefused as exc:
                    outcome.refused[talk.document_id] = str(exc)
                    continue
            else:
                self.store.write_talk(talk, conference, day, keys, stale, wait=False)
            outcome.talks_written += 1
            outcome.tags_touched |= set(talk.tags) | (set(previous[0].tags) if previous else set())
        produced = {t.id for t in merged}
        for gone in sorted(set(stored) - produced):
            talk, day = stored[gone]
            self.store.delete_talk(conference_id, gone, index_keys(talk, day), wait=False)
            outcome.talks_deleted += 1
            outcome.tags_touched |= set(talk.tags)
        self.store.flush()
        outcome.talks = len(merged)
        outcome.linked = len(result.pairs)
        if facts.catalogue:
            left = set(result.unmatched)
            outcome.unmatched = [t.title for t in facts.notes if t.id in left]
        if conference is not None and (renamed or outcome.talks_written or outcome.talks_deleted):
            origins = "+".join(o for o, present in (("notes", facts.notes or facts.configured),
                                                    ("catalogue", facts.catalogue or facts.event)) if present)
            self.store.put_conference(conference, origins, talk_count=len(merged), old=old_conference)
        return outcome

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
        started = time.monotonic()
        summary = ImportSummary()
        pending: dict[str, list[DocumentOutcome]] = {}
        touched_tags: set[str] = set()

        def settle(conference_ids: Iterable[str]) -> None:
            conference_ids = sorted(set(conference_ids))
            if not conference_ids:
                return
            try:
                self.store.flush()
            except WriteRefused as exc:
                for cid in conference_ids:
                    self._fail_pending(source, pending.get(cid, []), summary, str(exc))
            for cid in conference_ids:
                try:
                    relinked = self.relink(cid)
                except WriteRefused:  # a document's talk was refused: find it, fail it, keep the others
                    relinked = self.relink(cid, careful=True)
                    for document_id, error in relinked.refused.items():
                        path = document_id.split(":", 1)[-1]
                        culprits = [o for o in pending.get(cid, []) if o.path == path]
                        if not culprits:
                            raise
                        self._fail_pending(source, culprits, summary, error)
                    relinked = self.relink(cid)
                summary.add_relink(relinked)
                touched_tags.update(relinked.tags_touched)
            for cid in conference_ids:
                for outcome in pending.pop(cid, ()):
                    self._record(outcome)
            self.store.flush()

        if source.kind == "notes" and source.conference is not None:
            facts = self.store.source_facts(source.conference.id)
            if facts.configured != source.conference:
                self.store.put_source_conference(source.conference.id, "configured", source.conference, wait=False)
                pending.setdefault(source.conference.id, [])
        current: str | None = None
        present: set[str] = set()
        for doc in documents:
            present.add(doc.path)
            outcome = self.import_document(source, doc, known.get(doc.path) if known is not None else None,
                                           lookup=known is None)
            summary.add(outcome, source.name)
            for cid in outcome.conferences:
                pending.setdefault(cid, []).append(outcome)
            if source.kind == "catalogue":
                cid = doc.path.split("/", 1)[0]
                if current is not None and cid != current:
                    settle(c for c in pending if c != cid)
                current = cid
            if progress:
                progress(outcome)
        if sync:  # every document was read: the known ones not among them left the source
            removed = sorted(set(known or {}) - present)
        for path in removed:
            outcome = self.remove_document(source, path, known.get(path) if known is not None else None)
            summary.add(outcome, source.name)
            for cid in outcome.conferences:
                pending.setdefault(cid, []).append(outcome)
            if not outcome.conferences:
                self._record(outcome)
            if progress:
                progress(outcome)
        settle(list(pending))
        self.store.flush()
        if touched_tags:
            self.refresh_tag_counts(touched_tags)
        summary.seconds = time.monotonic() - started
        return summary

    def _fail_pending(self, source: Source, outcomes: list[DocumentOutcome], summary: ImportSummary,
                      error: str) -> None:
        """Take back what the changed documents of a conference said, and record them as failed."""
        origin = "catalogue" if source.kind == "catalogue" else "notes"
        for outcome in outcomes:
            if outcome.record is None or outcome.record[0] == "delete":
                continue
            _, path, new_hash, new_ids, cid = outcome.record[:5]
            self.store.put_source_talks(cid, origin, (), sorted(new_ids), wait=True)
            self.store.put_document(source.name, path, new_hash, set(), cid, outcome.record[5], None,
                                    f"not stored: {error}")
            setattr(summary, outcome.status, getattr(summary, outcome.status) - 1)
            outcome.status, outcome.error, outcome.record = "failed", f"not stored: {error}", None
            summary.failed += 1
            summary.errors.append((f"{source.name}:{path}", outcome.error))

    def record_failure(self, source: Source, path: str, error: str, content_hash: str | None = None,
                       known: dict | None = None) -> DocumentOutcome:
        """Record that a document failed, keeping the talks (and conference) its last good version gave,
        so that they are still removed when the document leaves its source."""
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
        return DocumentOutcome(path, "failed", error=error)

    def _record(self, outcome: DocumentOutcome) -> None:
        if outcome.record is None:
            return
        if outcome.record[0] == "delete":
            self.store.delete_document(*outcome.record[1:], wait=False)
        else:
            self.store.put_document(*outcome.record, wait=False)

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
        tags = sorted(set(tags))
        if tags:
            self.store.put_tag_counts(self.store.count_tags(tags))

