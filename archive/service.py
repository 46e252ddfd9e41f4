"""The archive service: turns source documents into stored talks, writing only what changed.

Per document it compares the content hash recorded in `documents`; unchanged documents are
skipped without any write. For a changed one it parses (pure), builds and tags the talks (pure),
then writes each talk and all its index rows in one LOGGED batch together with the deletion of the
index rows that no longer apply, deletes the talks that left the document, and records the new
hash. Documents gone from a source have their talks removed from every table. One bad document is
recorded with its error and never stops the import.

The store is passed in: the real `archive.storage.Store` or a fake with the same methods.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Callable, Iterable, Protocol

from archive.denorm import EMPTY_KEYS, IndexKeys, index_day, index_keys
from archive.domain import Conference, DocumentError, NotFound, ParsedDocument, Talk, talk_id
from archive.sources import DocumentInput, Source

# Bump when parsing or tagging changes output, so that every document is re-imported once.
PARSER_VERSION = "notes-1"

# A talk and its index rows go in one LOGGED batch; Cassandra's default batch_size_fail_threshold
# is 640 KiB, so one talk's notes (source + HTML) must stay well under it.
MAX_TALK_NOTES_BYTES = 400 * 1024

_DAY_N = re.compile(r"\bday\s*(\d{1,2})\b", re.I)


class TalkStore(Protocol):
    """What the service needs from storage (archive.storage.Store implements it)."""

    def get_document(self, source: str, path: str) -> dict | None: ...
    def documents_of(self, source: str) -> dict[str, dict]: ...
    def put_document(self, source, path, content_hash, talk_ids, conference_id, title, fmt, error) -> None: ...
    def delete_document(self, source: str, path: str) -> None: ...
    def get_stored_talks(self, talk_ids: Iterable[str]) -> dict[str, tuple[Talk, date]]: ...
    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys) -> None: ...
    def delete_talk(self, conference_id: str, talk_id: str, keys: IndexKeys) -> None: ...
    def get_conference(self, conference_id: str) -> Conference: ...
    def put_conference(self, conference: Conference, source: str, talk_count=None, old=None) -> None: ...
    def count_tag(self, tag: str) -> int: ...
    def count_conference_talks(self, conference_id: str) -> int: ...
    def put_tag_counts(self, counts: dict[str, int]) -> None: ...


@dataclass
class DocumentOutcome:
    """What importing one document did."""

    path: str
    status: str  # 'new', 'changed', 'unchanged', 'removed' or 'failed'
    talks_written: int = 0
    talks_deleted: int = 0
    error: str | None = None
    tags_touched: set[str] = field(default_factory=set)


@dataclass
class ImportSummary:
    """Counts of one import run, as the CLI and the import history report them."""

    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    talks_written: int = 0
    talks_deleted: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, outcome: DocumentOutcome, source: str = "") -> None:
        """Count one document's outcome."""
        if outcome.status != "removed":
            self.seen += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.talks_written += outcome.talks_written
        self.talks_deleted += outcome.talks_deleted
        if outcome.error:
            self.errors.append((f"{source}:{outcome.path}" if source else outcome.path, outcome.error))

    def merge(self, other: "ImportSummary") -> None:
        """Add another summary's counts to this one."""
        for name in ("seen", "new", "changed", "unchanged", "removed", "failed", "talks_written", "talks_deleted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.errors += other.errors

    def line(self) -> str:
        """Return the one-line summary the CLI prints."""
        return (f"documents: {self.seen} seen, {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.failed} failed; talks: {self.talks_written} written, "
                f"{self.talks_deleted} deleted; {self.seconds:.1f}s")


Parser = Callable[[bytes, str], ParsedDocument]
Tagger = Callable[[Talk], tuple[str, ...]]


def build_talks(parsed: ParsedDocument, conference: Conference, document_id: str, notes_format: str,
                tagger: Tagger) -> list[Talk]:
    """Turn a parsed document into archive talks: ids, conference, dates and tags (pure)."""
    doc_day = document_day(parsed.title, conference)
    talks, used = [], set()
    for parsed_talk in parsed.talks:
        tid = talk_id(conference.id, parsed_talk.title)
        if tid in used:  # two talks of one document with one title: keep both, stably
            tid = f"{tid}-{parsed_talk.ordinal}"
        used.add(tid)
        talk = Talk(
            id=tid, conference_id=conference.id, title=parsed_talk.title, speakers=parsed_talk.speakers,
            kind=parsed_talk.kind, ordinal=parsed_talk.ordinal, date=parsed_talk.date or doc_day,
            links=parsed_talk.links, video_seconds=parsed_talk.video_seconds, notes_source=parsed_talk.notes_source,
            notes_format=notes_format, notes_html=parsed_talk.notes_html, word_count=parsed_talk.word_count,
            document_id=document_id, anchor=parsed_talk.anchor, tags=parsed_talk.keywords,
        )
        talks.append(replace(talk, tags=tagger(talk)))
    return talks


def check_sizes(talks: Iterable[Talk]) -> None:
    """Raise DocumentError naming the first talk whose notes are too large for one batch."""
    for talk in talks:
        size = len(talk.notes_source.encode()) + len(talk.notes_html.encode())
        if size > MAX_TALK_NOTES_BYTES:
            raise DocumentError(f"the notes of talk {talk.title!r} are {size // 1024} KiB, over the "
                                f"{MAX_TALK_NOTES_BYTES // 1024} KiB a talk may hold; split the document")


def document_day(title: str, conference: Conference) -> date | None:
    """Return the day a document covers when its title says "Day N" of a dated conference."""
    m = _DAY_N.search(title or "")
    if not m or not conference.start:
        return None
    day = conference.start + timedelta(days=int(m.group(1)) - 1)
    return day if not conference.end or day <= conference.end else None


class ArchiveService:
    """Imports sources into a store; parse and tag are injected so the core stays pure."""

    def __init__(self, store: TalkStore, parse: Parser, tag: Tagger):
        self.store = store
        self.parse = parse
        self.tag = tag

    def import_document(self, source: Source, doc: DocumentInput, known: dict | None = None,
                        lookup: bool = True) -> DocumentOutcome:
        """Import one document if its content changed; record a failure instead of raising."""
        conference = source.conference
        assert conference is not None, "notes sources carry their conference"
        if known is None and lookup:
            known = self.store.get_document(source.name, doc.path)
        new_hash = doc.content_hash(PARSER_VERSION)
        if known and known.get("content_hash") == new_hash:
            if known.get("last_error"):  # still broken: report it again, write nothing
                return DocumentOutcome(doc.path, "failed", error=f"unchanged since it failed: {known['last_error']}")
            return DocumentOutcome(doc.path, "unchanged")
        status = "changed" if known else "new"
        old_ids = set(known.get("talk_ids") or ()) if known else set()
        try:
            if doc.data is None:
                raise DocumentError(doc.error or "unreadable document")
            parsed = self.parse(doc.data, doc.path)
            talks = build_talks(parsed, conference, f"{source.name}:{doc.path}", parsed.format, self.tag)
            check_sizes(talks)
        except DocumentError as exc:
            return self._failed(source, doc, known, new_hash, str(exc))
        except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the import either
            return self._failed(source, doc, known, new_hash, f"{type(exc).__name__}: {exc}")
        outcome = DocumentOutcome(doc.path, status)
        old = self.store.get_stored_talks(old_ids | {t.id for t in talks})
        for talk in talks:
            day = index_day(talk, conference)
            keys = index_keys(talk, day)
            previous = old.get(talk.id)
            stale = index_keys(*previous).minus(keys) if previous else EMPTY_KEYS
            if previous and previous[0] == talk and previous[1] == day:
                continue  # same talk, same rows: a no-op write is still a write
            self.store.write_talk(talk, conference, day, keys, stale)
            outcome.talks_written += 1
            outcome.tags_touched |= set(talk.tags) | (set(previous[0].tags) if previous else set())
        new_ids = {t.id for t in talks}
        for gone in sorted(old_ids - new_ids):
            if gone in old and old[gone][0].document_id == f"{source.name}:{doc.path}":
                outcome.tags_touched |= set(old[gone][0].tags)
                self.store.delete_talk(old[gone][0].conference_id, gone, index_keys(*old[gone]))
                outcome.talks_deleted += 1
        self.store.put_document(source.name, doc.path, new_hash, new_ids, conference.id, parsed.title,
                                parsed.format, None)
        return outcome

    def _failed(self, source: Source, doc: DocumentInput, known: dict | None, new_hash: str,
                error: str) -> DocumentOutcome:
        # Keep the talks the last good version gave: a broken edit must not erase the archive.
        talk_ids = set(known.get("talk_ids") or ()) if known else set()
        self.store.put_document(source.name, doc.path, new_hash, talk_ids,
                                source.conference.id if source.conference else None,
                                known.get("title") if known else None, None, error)
        return DocumentOutcome(doc.path, "failed", error=error)

    def remove_document(self, source: Source, path: str, known: dict | None = None) -> DocumentOutcome:
        """Remove a document that left its source, and its talks from every table."""
        known = known if known is not None else self.store.get_document(source.name, path)
        outcome = DocumentOutcome(path, "removed")
        if known:
            old = self.store.get_stored_talks(known.get("talk_ids") or ())
            for tid, (talk, day) in sorted(old.items()):
                if talk.document_id == f"{source.name}:{path}":
                    self.store.delete_talk(talk.conference_id, tid, index_keys(talk, day))
                    outcome.talks_deleted += 1
                    outcome.tags_touched |= set(talk.tags)
        self.store.delete_document(source.name, path)
        return outcome

    def sync_source(self, source: Source, documents: Iterable[DocumentInput],
                    progress: Callable[[DocumentOutcome], None] | None = None) -> ImportSummary:
        """Import every document of a source and remove the ones that left it."""
        started = time.monotonic()
        summary = ImportSummary()
        self.ensure_conference(source)
        known = self.store.documents_of(source.name)
        present, touched = set(), set()
        for doc in documents:
            present.add(doc.path)
            outcome = self.import_document(source, doc, known.get(doc.path), lookup=False)
            summary.add(outcome, source.name)
            touched |= outcome.tags_touched
            if progress:
                progress(outcome)
        for path in sorted(set(known) - present):
            outcome = self.remove_document(source, path, known[path])
            summary.add(outcome, source.name)
            touched |= outcome.tags_touched
            if progress:
                progress(outcome)
        if summary.talks_written or summary.talks_deleted:
            self.refresh_counts(touched, [source.conference] if source.conference else [], source.name)
        summary.seconds = time.monotonic() - started
        return summary

    def ensure_conference(self, source: Source) -> None:
        """Write the source's conference if it is new or its facts changed."""
        conference = source.conference
        if conference is None:
            return
        try:
            stored = self.store.get_conference(conference.id)
        except NotFound:
            stored = None
        if stored != conference:
            self.store.put_conference(conference, source.name, old=stored)

    def refresh_counts(self, tags: Iterable[str], conferences: Iterable[Conference], source: str) -> None:
        """Recount the given tags and conferences from their index partitions (idempotent)."""
        tags = sorted(set(tags))
        if tags:
            self.store.put_tag_counts({t: self.store.count_tag(t) for t in tags})
        for conference in conferences:
            self.store.put_conference(conference, source, talk_count=self.store.count_conference_talks(conference.id))
