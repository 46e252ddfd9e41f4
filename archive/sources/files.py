"""Reading a source's files (the shell): which documents it has, and their bytes.

Documents are read only from inside the source's real directory: links are not followed out of it.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archive.domain import DocumentError
from archive.parse.limits import MAX_DOCUMENT_BYTES  # one limit: checked before reading and by the parser
from archive.parse.layout import Hints
from archive.sources.config import DEFAULT_EXCLUDE, NOTES_EXTENSIONS, Source, SourceConfigError, source_hints

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
    rel = path.resolve().relative_to(source.path.resolve()).as_posix()  # a git source's path is a symlink
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
