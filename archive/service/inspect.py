"""`notes-archive inspect`: what the importer would make of documents, and why, writing nothing.

For each document: the layout inference chose (one talk per file, talks by heading, a lightning
list), the evidence it weighed, and the talks it would give (title, speakers, kind, day). A path
inside a configured source is read with that source's settings; any other path is read as a notes
source of its own, so a user can try a repository before adding it to the sources file.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from archive.domain import DocumentError, ParsedDocument
from archive.parse.days import resolve_day
from archive.sources import (Source, SourceConfigError, counted_hints, documents_under, read_document,
                             require_document)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class TalkReport:
    """One talk a document would give."""

    title: str
    speakers: list[str]
    kind: str
    day: str | None


@dataclass
class DocumentReport:
    """What the importer would make of one document."""

    path: str
    source: str
    format: str | None = None
    layout: str | None = None
    title: str | None = None
    evidence: list[str] = field(default_factory=list)
    talks: list[TalkReport] = field(default_factory=list)
    error: str | None = None


def printable(text: str) -> str:
    """Return text with control characters escaped, safe to print on a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def ad_hoc_source(path: Path) -> Source:
    """Return a notes source for a path no configured source holds."""
    return Source(name=path.name or "documents", kind="notes", path=path.resolve())


def pick_source(path: Path, configured: list[Source], name: str | None) -> tuple[Source, list[str]]:
    """Return the source to read path with and the documents under path."""
    path = path.resolve()
    # A git source's path goes through its working copy's symlink: compare real folders.
    configured = [dataclasses.replace(s, path=s.path.resolve()) for s in configured]
    if name is not None:
        source = next((s for s in configured if s.name == name), None)
        if source is None:
            raise SourceConfigError(f"unknown source {name!r}; configured: {', '.join(s.name for s in configured)}")
        if not (path == source.path or source.path in path.parents):
            source = dataclasses.replace(source, path=path)
        return source, _documents_under(source, path)
    for source in configured:
        if source.kind != "catalogue" and (path == source.path or source.path in path.parents):
            return source, _documents_under(source, path)
    # A lone file is read as one of its folder's documents: the folder is the repository it came from.
    source = ad_hoc_source(path.parent if path.is_file() else path)
    return source, _documents_under(source, path)


def _documents_under(source: Source, path: Path) -> list[str]:
    """Return the source's documents at or below path; a file named directly is read whatever its name."""
    if not path.exists():
        raise SourceConfigError(f"{path} does not exist")
    docs = documents_under(source, path)
    rel = path.relative_to(source.path).as_posix() if not source.path.is_file() else source.path.name
    return docs + [rel] if path.is_file() and rel not in docs else docs


def inspect_document(source: Source, rel: str, parse) -> DocumentReport:
    """Return what importing one document of a source would give (parse is importer.parse_bytes)."""
    report = DocumentReport(path=rel, source=source.name)
    try:
        parsed: ParsedDocument = parse(require_document(read_document(source, rel)), rel, counted_hints(source))
    except DocumentError as exc:
        report.error = str(exc)
        return report
    conference = source.conference
    report.format, report.layout, report.title = parsed.format, parsed.layout, parsed.title
    report.evidence = list(parsed.evidence) or ["a numbered table of contents"]
    for talk in parsed.talks:
        day = None
        if conference is not None:
            found = resolve_day(talk.day_hint or parsed.day_hint, conference.start, conference.end)
            day = found.isoformat() if found else None
        day = day or (talk.day_hint or parsed.day_hint or None)
        report.talks.append(TalkReport(talk.title, [s.name for s in talk.speakers], talk.kind, day))
    if not parsed.talks and not report.error:
        report.evidence.append("no talks: " + (parsed.warnings[0] if parsed.warnings else "see the evidence above"))
    return report


def render_text(reports: list[DocumentReport]) -> str:
    """Return the reports as the text `notes-archive inspect` prints."""
    out = []
    for r in reports:
        name = printable(f"{r.source}:{r.path}")
        if r.error:
            out.append(f"{name}\n  error: {printable(r.error)}")
            continue
        out.append(f"{name}  [{r.format}, {r.layout}] {printable(r.title or '')!r}")
        out += [f"  why: {printable(e)}" for e in r.evidence]
        for t in r.talks:
            who = ", ".join(t.speakers) or "no speaker named"
            day = f", {t.day}" if t.day else ""
            out.append(f"  talk: {printable(t.title)!r} by {printable(who)} ({t.kind}{day})")
    talks = sum(len(r.talks) for r in reports)
    failed = sum(1 for r in reports if r.error)
    out.append(f"{len(reports)} documents, {talks} talks, {failed} unreadable; nothing was written")
    return "\n".join(out)


def render_json(reports: list[DocumentReport]) -> str:
    """Return the reports as JSON."""
    return json.dumps([dataclasses.asdict(r) for r in reports], indent=2, ensure_ascii=False)
