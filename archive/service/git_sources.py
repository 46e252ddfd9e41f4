"""Git sources before a scan: fetch each one, record what the fetch gave, and tell whether its scan can be skipped.

Both callers hold the `reimport` run lease while they call `check_git_sources` and until the run
ends (the scheduled re-import from its scan to `finish_run`, `notes-archive import` for the whole
command): the lease is one row taken with a lightweight transaction, so across every worker and
machine one run at a time fetches, and each repository is fetched once per run. The working copy
does not move under a run's document tasks either, since the next fetch waits for the lease. The
working copy's own lock (archive.sources.git) also keeps two processes of one machine out of one
working copy, should a lease ever lapse.

A scan is skipped when the source's *scan key* is the one last imported: the commit, the parser
version and what of the source's settings and its conference's catalogue changes a parse (the
same things a document's content hash is salted with), so a new parser or a catalogue change
still re-reads the notes once. An unchanged remote then costs one fetch and no document read.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from archive.domain.runs import RunRecord
from archive.service.importing import PARSER_VERSION, with_catalogue
from archive.service.ports import DocumentLedger, SourceStateKeeper
from archive.sources import Source, source_hints
from archive.sources.git import CORRUPT, FAILED, GitError, WorkingCopies


class GitStore(SourceStateKeeper, DocumentLedger):
    """What checking git sources reads and writes: their states, and the catalogue facts of the scan key."""


@dataclass
class GitCheck:
    """One git source before the scan: the commit to scan, and what this run's fetch said."""

    source: str
    commit: str | None            # the working copy's commit; None: no usable copy, nothing to scan
    fetched_at: datetime | None   # when the copy was last fetched (this run, or an earlier one)
    key: str | None               # the scan key of this commit (see the module's doc)
    imported_key: str | None      # the scan key last imported
    fetched: bool = False         # this run fetched from the remote
    error: str | None = None      # why this run could not bring the copy to the remote's tip
    note: str | None = None       # a problem this run repaired (a corrupt copy cloned afresh)

    @property
    def skip(self) -> bool:
        """Tell whether the scan is skipped: no usable copy, or this commit was imported already."""
        return self.commit is None or self.key == self.imported_key

    def line(self) -> str:
        """Return what happened, in one line (the command line prints it)."""
        at = self.commit[:12] if self.commit else "no working copy"
        state = "unchanged, scan skipped" if self.skip and self.commit else "to scan" if self.commit else "skipped"
        fetched = "fetched" if self.fetched else "not fetched"
        return f"git {self.source}: {fetched}, at {at}: {state}" + (f"; {self.error}" if self.error else "")


def scan_key(store: DocumentLedger, source: Source, commit: str) -> str:
    """Return the key a scan of source at commit is recorded with (one read: the conference's catalogue facts)."""
    hints = with_catalogue(store, source_hints(source), source)
    conference = source.conference
    parts = (commit, PARSER_VERSION, hints.salt(), source.subdir, "\0".join(source.include),
             "\0".join(source.exclude), repr(conference))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def check_git_sources(store: GitStore, sources: Iterable[Source], copies: WorkingCopies,
                      fetch: bool = True) -> dict[str, GitCheck]:
    """Fetch every git source (unless fetch is False) and return what each one's scan should do.

    A failed fetch is recorded in the source's state; the last good working copy keeps serving (its
    commit is scanned if it was never imported), and the next run fetches again.
    """
    sources = [s for s in sources if s.kind == "git"]
    states = store.source_states() if sources else {}
    checks = {}
    for source in sources:
        state = states.get(source.name) or {}
        check = GitCheck(source.name, None, state.get("fetched_at"), None, state.get("imported_key"))
        try:
            if fetch:
                synced = copies.sync(source)
                check.commit, check.fetched_at, check.fetched = synced.commit, synced.fetched_at, True
                if synced.recloned:
                    check.note = (f"git source {source.name!r} ({source.url}): {CORRUPT}: {synced.recloned}; "
                                  f"cloned afresh at {synced.commit[:12]}")
                store.record_fetch(source.name, source.kind, source.location, synced.commit, synced.fetched_at, None)
            else:
                check.commit = copies.head(source)
                if check.commit is None:
                    check.error = f"git source {source.name!r}: no usable working copy (run without --no-fetch)"
        except (GitError, OSError) as exc:  # OSError: git missing, var/git not writable, a full disk
            check.error = str(exc) if isinstance(exc, GitError) else str(GitError(source.name, source.url or "",
                                                                                   FAILED, str(exc)))
            store.record_fetch(source.name, source.kind, source.location, None, datetime.now(timezone.utc),
                               check.error)
            try:
                check.commit = copies.head(source)  # the last good copy, if there is one
            except (GitError, OSError):
                check.commit = None
        if check.commit is not None:
            check.key = scan_key(store, source, check.commit)
        checks[source.name] = check
    return checks


def note_checks(run: RunRecord, checks: dict[str, GitCheck]) -> int:
    """Put each git source's commit, and each fetch's error, into the run's record; return how many fetches failed."""
    for check in checks.values():
        if check.commit is not None:
            run.git_commits[check.source] = (check.commit, check.fetched_at)
        run.errors += [message for message in (check.error, check.note) if message]
    return sum(1 for c in checks.values() if c.error)


def record_imported(store: SourceStateKeeper, source: Source, changed: bool, landed: bool = True,
                    commit: str | None = None, key: str | None = None) -> None:
    """Record that a source was imported: a git source's commit and scan key when every document landed,
    else the time only if the import changed something (a no-op import still writes nothing)."""
    at = datetime.now(timezone.utc)
    if landed and commit is not None:
        store.record_imported(source.name, source.kind, source.location, at, commit, key)
    elif changed:
        store.record_imported(source.name, source.kind, source.location, at)
