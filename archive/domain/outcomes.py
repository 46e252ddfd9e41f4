"""What an import did: per document, per relinked conference, and for a whole run (plain values)."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DocumentStatus(StrEnum):
    """What importing one document did (compares equal to its value: "new", "failed", ...)."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    REMOVED = "removed"
    FAILED = "failed"


@dataclass(frozen=True)
class DocumentRecord:
    """What the `documents` ledger will say of an imported document, once its conference is relinked."""

    source: str
    path: str
    content_hash: str | None
    talk_ids: frozenset[str]
    conference_id: str | None
    title: str | None
    format: str | None


@dataclass(frozen=True)
class DocumentRemoval:
    """A document to forget from the ledger, once its conference is relinked."""

    source: str
    path: str


@dataclass
class DocumentOutcome:
    """What importing one document did (talk counts come from relinking its conference)."""

    path: str
    status: DocumentStatus
    talks_written: int = 0
    talks_deleted: int = 0
    error: str | None = None
    tags_touched: set[str] = field(default_factory=set)
    conferences: set[str] = field(default_factory=set)
    record: DocumentRecord | DocumentRemoval | None = None  # written once the conference is relinked


@dataclass
class RelinkOutcome:
    """What relinking one conference wrote."""

    conference_id: str
    talks: int = 0
    talks_written: int = 0
    talks_deleted: int = 0
    linked: int = 0
    unmatched: list[str] = field(default_factory=list)
    tags_touched: set[str] = field(default_factory=set)
    terms_touched: set[str] = field(default_factory=set)  # search terms a talk gained or lost
    speakers_touched: set[str] = field(default_factory=set)  # speaker slugs whose directory row may change
    moved: dict[str, str] = field(default_factory=dict)  # talk ids that moved: old -> new
    refused: dict[str, str] = field(default_factory=dict)  # document id -> why its talk was refused


_COUNTED = ("seen", "new", "changed", "unchanged", "removed", "failed", "talks_written", "talks_deleted", "linked")


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
    linked: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # "conference: notes title" left unlinked
    notes: list[str] = field(default_factory=list)  # what the run says beside its counts (git fetches)

    def by_status(self) -> dict[DocumentStatus, int]:
        """Return the document counts by status."""
        return {DocumentStatus.NEW: self.new, DocumentStatus.CHANGED: self.changed,
                DocumentStatus.UNCHANGED: self.unchanged, DocumentStatus.REMOVED: self.removed,
                DocumentStatus.FAILED: self.failed}

    def count(self, status: DocumentStatus, by: int = 1) -> None:
        """Add to the count of one status."""
        if status is DocumentStatus.NEW:
            self.new += by
        elif status is DocumentStatus.CHANGED:
            self.changed += by
        elif status is DocumentStatus.UNCHANGED:
            self.unchanged += by
        elif status is DocumentStatus.REMOVED:
            self.removed += by
        else:
            self.failed += by

    def add(self, outcome: DocumentOutcome, source: str = "") -> None:
        """Count one document's outcome."""
        if outcome.status is not DocumentStatus.REMOVED:
            self.seen += 1
        self.count(outcome.status)
        self.talks_written += outcome.talks_written
        self.talks_deleted += outcome.talks_deleted
        if outcome.error:
            self.errors.append((f"{source}:{outcome.path}" if source else outcome.path, outcome.error))

    def status(self) -> DocumentStatus:
        """Return the one status of a one-document summary (a failure wins)."""
        counts = self.by_status()
        order = (DocumentStatus.FAILED, DocumentStatus.REMOVED, DocumentStatus.NEW, DocumentStatus.CHANGED)
        return next((s for s in order if counts[s]), DocumentStatus.UNCHANGED)

    def changed_content(self) -> bool:
        """Tell whether the run changed what the archive shows (a talk, a document, a removal)."""
        return bool(self.new or self.changed or self.removed or self.talks_written or self.talks_deleted)

    def add_relink(self, outcome: RelinkOutcome) -> None:
        """Count what relinking one conference wrote, and which notes talks it left unlinked."""
        self.talks_written += outcome.talks_written
        self.talks_deleted += outcome.talks_deleted
        self.linked += outcome.linked
        self.unmatched += [f"{outcome.conference_id}: {title}" for title in outcome.unmatched]

    def merge(self, other: "ImportSummary") -> None:
        """Add another summary's counts to this one."""
        for name in _COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.errors += other.errors
        self.unmatched += other.unmatched
        self.notes += other.notes

    def line(self) -> str:
        """Return the one-line summary the CLI prints."""
        return (f"documents: {self.seen} seen, {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.failed} failed; talks: {self.talks_written} written, "
                f"{self.talks_deleted} deleted; {self.seconds:.1f}s")
