"""Sources of documents: the TOML configuration (pure) and reading a source's files (the shell).

A source is a directory (a git checkout works the same: `.git` and other hidden folders are
skipped) with optional include globs, plus the conference facts its documents lack.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator

from archive.domain import Conference, DocumentError, slugify
from archive.parse import MAX_DOCUMENT_BYTES  # one limit: checked before reading and by the parser
from archive.parse.layout import LAYOUTS, Hints

SOURCE_KINDS = ("notes", "catalogue")
NOTES_EXTENSIONS = (".rst", ".rest", ".txt", ".md", ".markdown")
# Repository furniture that is never notes, skipped unless a source's include names it.
DEFAULT_EXCLUDE = ("README*", "LICENSE*", "LICENCE*", "COPYING*", "CHANGELOG*", "CONTRIBUTING*", "SOURCE.txt")


class SourceConfigError(Exception):
    """The sources file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    """One configured source of documents."""

    name: str
    kind: str
    path: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    conference: Conference | None = None
    layout: str = "auto"                  # see archive.parse.layout.LAYOUTS
    talk_heading_level: int | None = None  # with layout "talks-by-heading": the level of talk headings


def source_hints(source: Source, documents: int | None = None) -> Hints:
    """Return what a source tells layout inference: its override and how many documents it has."""
    conference = source.conference
    return Hints(layout=source.layout, talk_heading_level=source.talk_heading_level, documents=documents,
                 conference_name=conference.name if conference else "", conference_id=conference.id if conference else "")


def counted_hints(source: Source) -> Hints:
    """Return a source's hints with its documents counted (a gone source counts as unknown).

    A catalogue's documents are not counted: its files are parsed without layout hints, and a
    document task must not list 21,715 files to learn nothing.
    """
    if source.kind == "catalogue":
        return source_hints(source)
    try:
        return source_hints(source, len(list_documents(source)))
    except (SourceConfigError, OSError):
        return source_hints(source)


@dataclass(frozen=True)
class DocumentInput:
    """One document read from a source: its bytes, or the error that kept it from being read."""

    path: str
    data: bytes | None
    error: str | None = None

    def content_hash(self, salt: str) -> str:
        """Return the document's content hash, salted with the parser version.

        An unread document hashes its error (which names its size), so an unchanged oversized or
        unreadable file is recognised as unchanged and not rewritten on every run.
        """
        body = self.data if self.data is not None else b"unread\0" + (self.error or "").encode()
        return hashlib.sha256(salt.encode() + b"\0" + body).hexdigest()


def parse_sources(text: str, base: Path, origin: str = "sources file") -> list[Source]:
    """Parse the sources TOML text; relative paths are taken from base."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{origin}: not valid TOML: {exc}") from None
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourceConfigError(f"{origin}: expected [[source]] tables")
    sources, names = [], set()
    for i, entry in enumerate(entries, 1):
        where = f"{origin}, source #{i}"
        name = entry.get("name")
        if not name or not isinstance(name, str):
            raise SourceConfigError(f"{where}: 'name' is required")
        if name in names:
            raise SourceConfigError(f"{where}: duplicate source name {name!r}")
        names.add(name)
        kind = entry.get("kind", "notes")
        if kind not in SOURCE_KINDS:
            raise SourceConfigError(f"{where} ({name}): kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
        if "path" not in entry:
            raise SourceConfigError(f"{where} ({name}): 'path' is required")
        path = Path(entry["path"]).expanduser()
        conference = None
        if "conference" in entry:
            conference = _conference(entry["conference"], f"{where} ({name})")
        elif kind == "notes":
            raise SourceConfigError(f"{where} ({name}): a notes source needs a [source.conference] table")
        layout, level = _layout(entry, f"{where} ({name})")
        sources.append(Source(
            name=name, kind=kind, path=path if path.is_absolute() else (base / path).resolve(),
            include=tuple(entry.get("include", ())), exclude=tuple(entry.get("exclude", ())), conference=conference,
            layout=layout, talk_heading_level=level,
        ))
    return sources


def _layout(entry: dict, where: str) -> tuple[str, int | None]:
    """Return a source's layout override and talk heading level, checked."""
    layout = entry.get("layout", "auto")
    if layout not in LAYOUTS:
        raise SourceConfigError(f"{where}: layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    level = entry.get("talk_heading_level")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6):
        raise SourceConfigError(f"{where}: talk_heading_level must be a whole number from 1 to 6, not {level!r}")
    if level is not None and layout not in ("auto", "talks-by-heading"):
        raise SourceConfigError(f"{where}: talk_heading_level goes with layout \"talks-by-heading\", not {layout!r}")
    return layout, level


def _conference(table: dict, where: str) -> Conference:
    name = table.get("name")
    if not name:
        raise SourceConfigError(f"{where}: the conference needs a 'name'")
    start, end = table.get("start"), table.get("end")
    for label, value in (("start", start), ("end", end)):
        if value is not None and not isinstance(value, date):
            raise SourceConfigError(f"{where}: conference {label} must be a TOML date (YYYY-MM-DD), not {value!r}")
    if start and end and end < start:
        raise SourceConfigError(f"{where}: conference ends ({end}) before it starts ({start})")
    return Conference(
        id=table.get("id") or slugify(name), name=name, start=start, end=end or start,
        location=table.get("location"), timezone=table.get("timezone"), url=table.get("url"),
    )


def load_sources(path: Path) -> list[Source]:
    """Read and parse the sources file at path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"cannot read the sources file {path}: {exc.strerror}") from None
    return parse_sources(text, path.parent, str(path))


def _wanted(source: Source, name: str) -> bool:
    if source.include and not any(fnmatch.fnmatch(name, g) for g in source.include):
        return False
    return not any(fnmatch.fnmatch(name, g) for g in source.exclude)


def list_catalogue(source: Source) -> list[str]:
    """Return a catalogue's documents: each event's category.json, then its videos/*.json, sorted.

    Globs match these paths ("djangocon-eu-2013/*" takes one event whole). Other files of the
    layout (README, LICENSE, the .schemas folder) are not documents.
    """
    root = source.path
    if not root.is_dir():
        raise SourceConfigError(f"source {source.name!r}: {root} does not exist or is not a directory")
    found = []
    for event in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        names = [f"{event.name}/category.json"] if (event / "category.json").is_file() else []
        videos = event / "videos"
        if videos.is_dir():
            names += sorted(f"{event.name}/videos/{v.name}" for v in videos.iterdir()
                            if v.suffix == ".json" and not v.name.startswith(".") and v.is_file())
        found += [n for n in names if _wanted(source, n)]
    return found


def list_documents(source: Source) -> list[str]:
    """Return the relative paths of a source's documents, sorted; raise if the source is gone."""
    if source.kind == "catalogue":
        return list_catalogue(source)
    root = source.path
    if root.is_file():
        return [root.name]
    if not root.is_dir():
        raise SourceConfigError(f"source {source.name!r}: {root} does not exist or is not a directory")
    found = []
    for path in _walk(root):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not (path.is_file() or path.is_symlink()):
            continue
        name = rel.as_posix()
        if source.include and not any(fnmatch.fnmatch(name, g) for g in source.include):
            continue
        if not source.include and (path.suffix.lower() not in NOTES_EXTENSIONS
                                   or any(fnmatch.fnmatch(path.name.lower(), g.lower()) for g in DEFAULT_EXCLUDE)):
            continue
        if any(fnmatch.fnmatch(name, g) for g in source.exclude):
            continue
        found.append(name)
    return sorted(found)


def _walk(root: Path) -> Iterator[Path]:
    """Yield every file below root without following links to folders (they may lead anywhere)."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def documents_under(source: Source, path: Path) -> list[str]:
    """Return the source's documents at or below path (inside the source)."""
    if source.path.is_file():
        return list_documents(source)
    rel = path.resolve().relative_to(source.path).as_posix()
    return [d for d in list_documents(source) if rel in (".", d) or d.startswith(rel.rstrip("/") + "/")]


def read_document(source: Source, rel: str) -> DocumentInput:
    """Read one document's bytes, or describe why it cannot be read (never raises for one file).

    Only files inside the source's real folder are read: a link to /etc/passwd or to another
    folder is reported, not followed.
    """
    root = source.path
    path = root if root.is_file() else root / rel
    if not root.is_file():
        real, real_root = Path(os.path.realpath(path)), Path(os.path.realpath(root))
        if real_root not in real.parents:
            return DocumentInput(rel, None, "is a link to a file outside the source; not read")
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return DocumentInput(rel, None, f"file is {size / 1e6:.1f} MB, over the "
                                            f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB limit for one document")
        return DocumentInput(rel, path.read_bytes())
    except OSError as exc:
        return DocumentInput(rel, None, f"cannot read {path}: {exc.strerror or exc}")


def read_documents(source: Source) -> Iterator[DocumentInput]:
    """Yield every document of a notes source, read or with its read error."""
    for rel in list_documents(source):
        yield read_document(source, rel)


def require_document(doc: DocumentInput) -> bytes:
    """Return a document's bytes or raise the DocumentError that kept it from being read."""
    if doc.data is None:
        raise DocumentError(doc.error or "unreadable document")
    return doc.data
