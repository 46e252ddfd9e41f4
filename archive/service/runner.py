"""Wires the real parser, tagger and store into the archive service, for the CLI and the jobs."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from archive.domain import ParsedDocument, Talk
from archive.parse.layout import Hints
from archive.domain.outcomes import DocumentOutcome, ImportSummary
from archive.domain.runs import RunRecord, RunStatus, RunTrigger
from archive.service.git_sources import GitCheck, check_git_sources, note_checks, record_imported
from archive.service.importing import ArchiveService
from archive.service.maintenance import Lease, LeaseLost
from archive.service.ports import ImportStore
from archive.sources import (Source, SourceConfigError, counted_hints, documents_under, list_documents, load_sources,
                             read_document)
from archive.sources.git import WorkingCopies


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
        root = source.path.resolve()  # a git source's path goes through its working copy's symlink
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
               on_source: Callable[[Source, int], None] | None = None,
               total: ImportSummary | None = None, checks: dict[str, GitCheck] | None = None) -> ImportSummary:
    """Import the named sources (or all), or only the documents under the given paths.

    Each finished source (or path) is merged into total as it ends, so a caller holding it knows
    what was imported before a failure. checks are the git sources' fetches (check_git_sources):
    a git source whose scan key was imported already is skipped without reading a document, and
    one that lands records its commit. Without checks, a git source is read as its working copy is.
    """
    service = make_service(store)
    configured = load_sources(sources_file)
    total = ImportSummary() if total is None else total
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
    checks = checks or {}
    # The catalogue first: notes read the titles of their conference's catalogue talks as evidence.
    for source in sorted(select_sources(configured, names), key=lambda s: s.kind != "catalogue"):
        check = checks.get(source.name)
        if check is not None:
            total.notes.append(check.line())
            if check.skip:
                continue
        docs = list_documents(source)
        if on_source:
            on_source(source, len(docs))
        summary = service.sync_source(
            source, (read_document(source, rel) for rel in docs),
            (lambda outcome, s=source: progress(s, outcome)) if progress else None,
        )
        total.merge(summary)
        # Every document's outcome is in the ledger now (a failure too): the commit landed.
        record_imported(store, source, summary.changed_content(), True,
                        *((check.commit, check.key) if check else (None, None)))
    return total


# The lease every import takes, scheduled or not, so that two imports never write at once.
IMPORT_LEASE = "reimport"


class LeaseHeld(Exception):
    """Another run holds the lease a job needs."""

    def __init__(self, name: str, holder: dict | None, ttl_seconds: int):
        owner = f"{holder['owner']} since {holder['acquired_at']:%Y-%m-%d %H:%M:%S} UTC" if holder else "another run"
        super().__init__(f"another run holds the {name!r} lease ({owner}); try again when it ends, or after "
                         f"{ttl_seconds} s (NOTES_LEASE_TTL) if its holder died")


def _keep_lease(lease: Lease, run: RunRecord, stop: threading.Event) -> None:
    """Renew a lease every third of its TTL until stopped: a long step never lets it lapse."""
    while not stop.wait(lease.ttl / 3):
        try:
            lease.renew(force=True)
        except LeaseLost as exc:
            run.errors.append(f"{exc}: another import may have run at the same time")
            return
        except Exception:  # noqa: BLE001 - the store is slow or down for a moment: try again next time
            continue


@contextmanager
def kept(lease: Lease, run: RunRecord) -> Iterator[None]:
    """Renew the lease in the background while the body runs (a fetch may outlast the lease's TTL)."""
    stop = threading.Event()
    threading.Thread(target=_keep_lease, args=(lease, run, stop), daemon=True).start()
    try:
        yield
    finally:
        stop.set()


@contextmanager
def recorded_run(store, run: RunRecord, history_ttl: int, lease: Lease | None = None) -> Iterator[RunRecord]:
    """Hold the lease (raise LeaseHeld if taken) and keep the run in the history: running, then its outcome.

    The body sets the run's counts; a run the body did not finish ends done, or failed if a document
    failed; an exception (Ctrl-C included) ends it failed with the reason, and is raised again.
    """
    if lease is not None:
        if not lease.acquire():
            raise LeaseHeld(lease.name, store.lease_holder(lease.name), lease.ttl)
        run.lease_owner = lease.owner
    stop = threading.Event()
    try:
        if lease is not None:
            threading.Thread(target=_keep_lease, args=(lease, run, stop), daemon=True).start()
        store.record_run(run, history_ttl)
        yield run
        if run.finished_at is None:
            run.finish(RunStatus.FAILED if run.failed else RunStatus.DONE)
    except BaseException as exc:
        run.errors.append("interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}")
        run.finish(RunStatus.FAILED)
        try:
            store.record_run(run, history_ttl)
        except Exception as err:  # noqa: BLE001 - the first error is the one to report
            exc.add_note(f"the run could not be recorded in the import history: {err}")
        raise
    else:
        store.record_run(run, history_ttl)
    finally:
        stop.set()
        if lease is not None:
            lease.release()


def run_recorded_import(store, sources_file: Path, history_ttl: int, lease_ttl: int,
                        names: Iterable[str] = (), paths: Iterable[Path] = (),
                        progress: Callable[[Source, DocumentOutcome], None] | None = None,
                        on_source: Callable[[Source, int], None] | None = None,
                        trigger: RunTrigger = RunTrigger.CLI, fetch: bool = True,
                        git_timeout: float = 120.0) -> ImportSummary:
    """Run run_import under the import lease, recorded in the import history even if it fails part-way.

    Git sources are fetched first (unless fetch is False, or paths are given: then the working
    copies are read as they are), under the lease: see archive.service.git_sources.
    """
    finished, current = ImportSummary(), ImportSummary()  # the sources done, and the one under way
    documents_before = 0  # how many documents `finished` counted when the one under way began

    def started(source: Source, count: int) -> None:
        nonlocal current, documents_before
        current, documents_before = ImportSummary(), finished.seen + finished.removed
        if on_source:
            on_source(source, count)

    def counted(source: Source, outcome: DocumentOutcome) -> None:
        current.add(outcome, source.name)
        if progress:
            progress(source, outcome)

    with recorded_run(store, RunRecord("import", trigger=trigger.value), history_ttl,
                      Lease(store, IMPORT_LEASE, lease_ttl)) as run:
        try:
            paths = list(paths)
            checks = {} if paths else check_git_sources(
                store, select_sources(load_sources(sources_file), names), WorkingCopies(git_timeout), fetch)
            fetch_failures = note_checks(run, checks)
            summary = run_import(store, sources_file, names, paths, counted, started, total=finished, checks=checks)
        except BaseException:
            # What was imported before it failed: every finished source, and the documents of the one
            # under way unless it had finished too (its relinks are not counted: they never ended).
            if finished.seen + finished.removed == documents_before:
                finished.merge(current)
            run.count(finished)
            raise
        run.count(summary)
        if fetch_failures:
            run.finish(RunStatus.FAILED)
    return summary
