"""The import history: run records, the recorded run around a job, and the recorded CLI import (fake store)."""
from __future__ import annotations

from datetime import datetime

import pytest

from archive.domain.outcomes import ImportSummary
from archive.domain.runs import RunRecord, RunTrigger
from archive.service.maintenance import Lease
from archive.service.runner import IMPORT_LEASE, LeaseHeld, recorded_run, run_recorded_import
from archive.sources import SourceConfigError
from tests.fakes import FakeStore


class RunStore(FakeStore):
    """The fake store with the run history's interface: leases and run records, kept as end state."""

    def __init__(self):
        super().__init__()
        self.leases: dict[str, str] = {}
        self.runs: dict = {}
        self.recorded: list[str] = []  # each record's status, in order

    def acquire_lease(self, name, owner, ttl_seconds):
        return self.leases.setdefault(name, owner) == owner

    def renew_lease(self, name, owner, ttl_seconds):
        return self.leases.get(name) == owner

    def release_lease(self, name, owner):
        return self.leases.get(name) == owner and self.leases.pop(name) == owner

    def lease_holder(self, name):
        return {"owner": self.leases[name], "acquired_at": datetime(2024, 5, 1)} if name in self.leases else None

    def record_run(self, run, ttl_seconds):
        self.runs[run.run_id] = RunRecord.from_json(run.to_json())
        self.recorded.append(run.status)


def write_sources(tmp_path, *files: tuple[str, str]):
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in files:
        (notes / name).write_text(text)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "mine"\npath = "{notes}"\n[source.conference]\nid = "runconf-2024"\n'
                       f'name = "RunConf 2024"\nstart = 2024-05-01\nend = 2024-05-03\n')
    return notes, sources


GOOD = "# Day 1 notes\n\n## Testing with fakes\n\nPresenter: Ann Smith\n\nFakes, not mocks.\n"


def test_a_run_record_counts_a_summary_and_travels_as_json_with_its_trigger():
    summary = ImportSummary(seen=3, new=1, changed=1, unchanged=1, failed=1, talks_written=4, talks_deleted=2,
                            errors=[("mine:bad.md", "title missing")])
    run = RunRecord("import", trigger=RunTrigger.CLI.value, errors=["lease lost"])
    run.count(summary)
    assert (run.seen, run.new, run.changed, run.unchanged, run.failed, run.talks_written, run.talks_deleted) == \
        (3, 1, 1, 1, 1, 4, 2)
    assert run.errors == ["mine:bad.md: title missing", "lease lost"]
    assert RunRecord.from_json(run.to_json()) == run
    older = run.to_json()
    del older["trigger"]  # a message queued before runs named their trigger
    assert RunRecord.from_json(older).trigger is None


def test_a_recorded_run_shows_running_then_done_and_gives_its_lease_back():
    store = RunStore()
    lease = Lease(store, "rebuild", 60)
    with recorded_run(store, RunRecord("rebuild_indexes", trigger="task"), 3600, lease) as run:
        assert store.leases == {"rebuild": lease.owner} and store.recorded == ["running"]
        run.seen = 5
    [kept] = store.runs.values()
    assert (kept.status, kept.seen, kept.trigger, kept.lease_owner) == ("done", 5, "task", lease.owner)
    assert kept.finished_at and store.leases == {}


def test_a_run_that_raises_is_recorded_as_failed_with_the_reason():
    store = RunStore()
    with pytest.raises(RuntimeError, match="disk on fire"):
        with recorded_run(store, RunRecord("import", trigger="cli"), 3600, Lease(store, IMPORT_LEASE, 60)):
            raise RuntimeError("disk on fire")
    [kept] = store.runs.values()
    assert kept.status == "failed" and kept.finished_at and kept.errors == ["RuntimeError: disk on fire"]
    assert store.leases == {}


def test_a_held_lease_stops_the_run_before_anything_is_recorded():
    store = RunStore()
    store.leases[IMPORT_LEASE] = "worker-1:42:abcd"
    with pytest.raises(LeaseHeld, match="worker-1:42:abcd"):
        with recorded_run(store, RunRecord("import"), 3600, Lease(store, IMPORT_LEASE, 60)):
            pytest.fail("ran without the lease")
    assert store.runs == {} and store.leases == {IMPORT_LEASE: "worker-1:42:abcd"}


def test_a_cli_import_is_recorded_with_its_counts_and_trigger(tmp_path):
    notes, sources = write_sources(tmp_path, ("good.md", GOOD))
    (notes / "broken.md").write_bytes(b"\xff\xfe\x00broken")
    store = RunStore()
    summary = run_recorded_import(store, sources, history_ttl=3600, lease_ttl=60)
    [run] = store.runs.values()
    assert (run.job, run.trigger, run.status) == ("import", "cli", "failed")  # a document failed, as in beat's runs
    assert (run.seen, run.new, run.failed, run.talks_written) == (2, 1, 1, summary.talks_written) and run.talks_written
    assert any(e.startswith("mine:broken.md: ") for e in run.errors) and store.leases == {}
    again = run_recorded_import(store, sources, history_ttl=3600, lease_ttl=60)
    assert (again.unchanged, again.failed) == (1, 1) and len(store.runs) == 2


def test_an_import_that_fails_part_way_records_what_it_did_before(tmp_path):
    notes, sources = write_sources(tmp_path, ("good.md", GOOD))
    store = RunStore()
    with pytest.raises(SourceConfigError):
        run_recorded_import(store, sources, 3600, 60, paths=[notes / "good.md", tmp_path])
    [run] = store.runs.values()
    assert run.status == "failed" and (run.seen, run.new) == (1, 1) and run.talks_written >= 1
    assert run.errors and "not inside any configured source" in run.errors[-1] and store.leases == {}
