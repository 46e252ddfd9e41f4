"""What the cluster tests share: a slice of the catalogue as a sources file, per-node digests of a
keyspace, the cluster's hints and repair, and a reader that requests pages while a node is lost."""
from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from pathlib import Path

from cassandra.query import SimpleStatement

from archive import storage
from archive.config import PROJECT_ROOT
from tests.integration.test_jobs import wait_for

CATALOGUE = (PROJECT_ROOT / ".." / "shared" / "corpus" / "pyvideo-data").resolve()

# Left out of the digest: what records *when*, *which run* or *which host* wrote a row, which two
# imports of the same sources never share. Keep this short; every other column of every table counts.
SKIPPED_TABLES = {
    "import_runs",   # the run history: run ids, start and end times, hosts
    "run_leases",    # lease owners (host:pid:random) and when they took the lease
    "generations",   # the generation is a timeuuid of the moment the import ended
}
SKIPPED_COLUMNS = {
    "updated_at",    # talks, conferences, tag_counts: when the row was last written
    "imported_at",   # documents, source_states: when the document or source was imported
    "moved_at",      # talk_redirects: when the id moved
    "fetched_at",    # source_states: when a git source was fetched (no git source here; kept short anyway)
    "error_at",      # source_states: when a fetch failed
}


def slice_sources(min_talks: int) -> tuple[list[str], int]:
    """Return the catalogue's events in name order, as many as it takes to reach min_talks talks,
    and their talk count (one video file is one talk)."""
    events, total = [], 0
    for event in sorted(p.name for p in CATALOGUE.iterdir() if (p / "videos").is_dir()):
        if total >= min_talks:
            break
        events.append(event)
        total += _talks(event)
    return events, total


def catalogue_sources(path: Path, events: list[str]) -> Path:
    """Write a sources file of the catalogue limited to the given events (bench/run.py's subset)."""
    globs = ", ".join(f'"{e}/*"' for e in events)
    path.write_text(f'[[source]]\nname = "pyvideo"\nkind = "catalogue"\npath = "{CATALOGUE}"\ninclude = [{globs}]\n')
    return path


def _talks(event: str) -> int:
    return sum(1 for _ in (CATALOGUE / event / "videos").glob("*.json"))


def keyspace_rows(store) -> dict[str, list[str]]:
    """Return every table of the store's keyspace (SKIPPED_* left out) as sorted canonical rows."""
    return {table: sorted(repr(sorted((k, v) for k, v in r.items() if k not in SKIPPED_COLUMNS))
                          for r in store.scan(table))
            for table in store.tables() if table not in SKIPPED_TABLES}


def keyspace_digest(rows: dict[str, list[str]]) -> str:
    """Return one hash over the canonical rows of every table."""
    h = hashlib.sha256()
    for table in sorted(rows):
        h.update(table.encode() + b"\0" + "\n".join(rows[table]).encode() + b"\0")
    return h.hexdigest()


def differences(rows: dict[str, list[str]], reference: dict[str, list[str]], sample: int = 2) -> list[str]:
    """Name the tables whose rows differ from the reference's, with a few rows found on one side only."""
    out = []
    for table in sorted(set(rows) | set(reference)):
        mine, theirs = set(rows.get(table, ())), set(reference.get(table, ()))
        if mine != theirs:
            out.append(f"{table}: {len(mine - theirs)} rows only here, e.g. {sorted(mine - theirs)[:sample]}; "
                       f"{len(theirs - mine)} only in the reference, e.g. {sorted(theirs - mine)[:sample]}")
    return out


def node_store(settings, address: str):
    """A store whose every request is coordinated by one node, at consistency ONE."""
    return storage.connect(dataclasses.replace(settings, read_consistency="ONE", write_consistency="ONE"),
                           only_host=address)


def reads_only_its_own_replica(store, address: str, table: str = "talks") -> list[str]:
    """Trace a whole-table read at ONE coordinated by `address`; return the trace events that show
    another node taking part (none: the coordinator read its own replica alone)."""
    stmt = SimpleStatement(f"SELECT * FROM {store.settings.keyspace}.{table}", fetch_size=5000)
    result = store.session.execute(stmt, trace=True)
    trace = result.get_query_trace(max_wait_sec=10)
    return [f"{e.source}: {e.description}" for e in trace.events
            if str(e.source) != address or "message to" in e.description]


def pending_hints(cluster, node: int) -> str:
    """Return `nodetool listpendinghints` of a node when it holds hints for another, else ''."""
    out = cluster.nodetool("listpendinghints", node=node)
    return "" if "does not have any pending hints" in out or not out.strip() else out.strip()


def wait_until(predicate, timeout: float, what: str, every: float = 1.0):
    """Wait for predicate() to be true, polling every second (nodetool calls are slow); fail naming what."""
    return wait_for(predicate, timeout, what, every)


class PageReader:
    """Threads that request the same pages over and over through the Flask test client, recording
    each answer's time and status (an exception counts as an error)."""

    def __init__(self, app, urls: list[str], threads: int = 2):
        self.app, self.urls = app, urls
        self.results: list[tuple[float, str, int]] = []
        self.errors: list[tuple[float, str, str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, offset: int) -> None:
        client = self.app.test_client()
        i = offset
        while not self._stop.is_set():
            url = self.urls[i % len(self.urls)]
            i += 1
            try:
                status = client.get(url).status_code
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                self.errors.append((time.monotonic(), url, f"{type(exc).__name__}: {exc}"))
                continue
            self.results.append((time.monotonic(), url, status))
            if status != 200:
                self.errors.append((time.monotonic(), url, f"HTTP {status}"))

    def start(self) -> "PageReader":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def between(self, start: float, end: float) -> int:
        """Return how many requests were answered between two monotonic times."""
        return sum(1 for t, _, _ in self.results if start <= t <= end)
