"""What an import did: per document, per relinked conference, and for a whole run (plain values)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentOutcome:
    """What importing one document did (talk counts come from relinking its conference)."""

    path: str
    status: str  # 'new', 'changed', 'unchanged', 'removed' or 'failed'
    talks_written: int = 0
    talks_deleted: int = 0
    error: str | None = None
    tags_touched: set[str] = field(default_factory=set)
    conferences: set[str] = field(default_factory=set)
    record: tuple | None = None  # put_document arguments, written once the conference is relinked


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
    refused: dict[str, str] = field(default_factory=dict)  # document id -> why its talk was refused


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

    def add(self, outcome: DocumentOutcome, source: str = "") -> None:
        """Count one document's outcome."""
        if outcome.status != "removed":
            self.seen += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.talks_written += outcome.talks_written
        self.talks_deleted += outcome.talks_deleted
        if outcome.error:
            self.errors.append((f"{source}:{outcome.path}" if source else outcome.path, outcome.error))

    def add_relink(self, outcome: RelinkOutcome) -> None:
        """Count what relinking one conference wrote, and which notes talks it left unlinked."""
        self.talks_written += outcome.talks_written
        self.talks_deleted += outcome.talks_deleted
        self.linked += outcome.linked
        self.unmatched += [f"{outcome.conference_id}: {title}" for title in outcome.unmatched]

    def merge(self, other: "ImportSummary") -> None:
        """Add another summary's counts to this one."""
        for name in ("seen", "new", "changed", "unchanged", "removed", "failed", "talks_written", "talks_deleted",
                     "linked"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.errors += other.errors
        self.unmatched += other.unmatched

    def line(self) -> str:
        """Return the one-line summary the CLI prints."""
        return (f"documents: {self.seen} seen, {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.failed} failed; talks: {self.talks_written} written, "
                f"{self.talks_deleted} deleted; {self.seconds:.1f}s")
