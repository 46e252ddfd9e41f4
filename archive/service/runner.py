"""Wires the real parser, tagger and store into the archive service, for the CLI and the jobs."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from archive.domain import ParsedDocument, Talk
from archive.parse.layout import Hints
from archive.domain.outcomes import DocumentOutcome, ImportSummary
from archive.service.importing import ArchiveService
from archive.service.ports import ImportStore
from archive.sources import (Source, SourceConfigError, counted_hints, documents_under, list_documents, load_sources,
                             read_document)


def parse_bytes(data: bytes, filename: str, hints: Hints = Hints()) -> ParsedDocument:
    """Decode and parse one notes document (raises DocumentError naming the problem)."""
    from archive.parse import decode_document, parse_document

    return parse_document(decode_document(data, filename), filename, hints)


def tag(talk: Talk) -> tuple[str, ...]:
    """Return a talk's tags from the project vocabulary, its conference and its kind."""
    from archive.talks.tagging import tag_talk

    return tag_talk(talk.title, talk.notes_source, talk.conference_id, talk.kind, extra_tags=talk.tags)


def make_service(store: ImportStore) -> ArchiveService:
    """Return the archive service over a store, with the real parser and tagger."""
    return ArchiveService(store, parse_bytes, tag, counted_hints)


def select_sources(all_sources: list[Source], names: Iterable[str] = ()) -> list[Source]:
    """Return the named sources (all when none are named); raise naming an unknown one."""
    names = list(names)
    if not names:
        return all_sources
    by_name = {s.name: s for s in all_sources}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SourceConfigError(f"unknown source {', '.join(map(repr, unknown))}; configured: "
                                f"{', '.join(by_name) or '(none)'}")
    return [by_name[n] for n in names]


def locate(all_sources: list[Source], path: Path) -> tuple[Source, list[str]]:
    """Return the source holding path and the documents under it; raise if none holds it."""
    path = path.resolve()
    for source in all_sources:
        root = source.path
        if not (path == root or root in path.parents):
            continue
        chosen = documents_under(source, path)
        if not chosen:
            raise SourceConfigError(f"{path} is inside source {source.name!r} but matches none of its documents")
        return source, chosen
    raise SourceConfigError(f"{path} is not inside any configured source; add a [[source]] for it "
                            f"to the sources file")


def run_import(store: ImportStore, sources_file: Path, names: Iterable[str] = (), paths: Iterable[Path] = (),
               progress: Callable[[Source, DocumentOutcome], None] | None = None,
               on_source: Callable[[Source, int], None] | None = None) -> ImportSummary:
    """Import the named sources (or all), or only the documents under the given paths."""
    service = make_service(store)
    configured = load_sources(sources_file)
    total = ImportSummary()
    paths = list(paths)
    if paths:
        for path in paths:
            source, docs = locate(configured, path)
            if on_source:
                on_source(source, len(docs))
            total.merge(service.apply(
                source, (read_document(source, rel) for rel in docs),
                progress=(lambda outcome, s=source: progress(s, outcome)) if progress else None,
            ))
        return total
    # The catalogue first: notes read the titles of their conference's catalogue talks as evidence.
    for source in sorted(select_sources(configured, names), key=lambda s: s.kind != "catalogue"):
        docs = list_documents(source)
        if on_source:
            on_source(source, len(docs))
        summary = service.sync_source(
            source, (read_document(source, rel) for rel in docs),
            (lambda outcome, s=source: progress(s, outcome)) if progress else None,
        )
        total.merge(summary)
    return total
