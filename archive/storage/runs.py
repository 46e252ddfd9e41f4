"""Run leases (lightweight transactions) and the import history (`run_leases`, `import_runs`)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Sequence

from cassandra import ConsistencyLevel, WriteTimeout
from cassandra.protocol import ErrorMessage

from archive.domain.runs import RunRecord
from archive.storage.session import StoreBase

CAS_WRITE_UNKNOWN = 0x1700  # protocol v5: "CAS operation result is unknown" (the driver has no class for it)


def new_run_id() -> uuid.UUID:
    """Return a fresh time-based run id."""
    return uuid.uuid1()


class RunHistory(StoreBase):
    """Who holds a job's lease, and what each run did."""

    def _cas(self, cql: str, values: tuple, name: str, owner: str, held_after: bool) -> bool:
        """Run a lease's LWT; when its outcome is unknown (a CAS write timeout, or Paxos contention
        between workers: "accepted by 1 but not a quorum"), read the lease at SERIAL, which
        completes any proposal in flight, and tell from its owner whether ours was applied."""
        try:
            return bool(self.session.execute(self._bound(cql, values, write=True)).was_applied)
        except (WriteTimeout, ErrorMessage) as exc:
            if isinstance(exc, ErrorMessage) and getattr(exc, "code", None) != CAS_WRITE_UNKNOWN:
                raise
        serial = self._bound("SELECT owner FROM run_leases WHERE name = ?", (name,))
        serial.consistency_level = ConsistencyLevel.SERIAL
        row = self.session.execute(serial).one()
        return (row is not None and row["owner"] == owner) == held_after

    def acquire_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Take the lease of a job if nobody holds it; it expires by itself after ttl_seconds."""
        return self._cas("INSERT INTO run_leases (name, owner, acquired_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?",
                         (name, owner, datetime.now(timezone.utc), ttl_seconds), name, owner, held_after=True)

    def renew_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Extend a lease we hold; False if it expired or someone else holds it now."""
        return self._cas("UPDATE run_leases USING TTL ? SET owner = ?, acquired_at = ? WHERE name = ? IF owner = ?",
                         (ttl_seconds, owner, datetime.now(timezone.utc), name, owner), name, owner, held_after=True)

    def release_lease(self, name: str, owner: str) -> bool:
        """Give a lease back, only if we still hold it."""
        return self._cas("DELETE FROM run_leases WHERE name = ? IF owner = ?", (name, owner), name, owner,
                         held_after=False)

    def lease_holder(self, name: str) -> dict | None:
        """Return the current holder of a lease (owner, acquired_at), or None."""
        return self._one("SELECT owner, acquired_at FROM run_leases WHERE name = ?", (name,))

    def record_run(self, run: RunRecord, ttl_seconds: int) -> None:
        """Write (or update) one import run's record; it expires after ttl_seconds."""
        self._resend(self._bound(
            "INSERT INTO import_runs (month, run_id, job, started_at, finished_at, status, host, trigger, seen, new,"
            " changed, unchanged, removed, failed, talks_written, talks_deleted, errors, git_commits, hosts)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) USING TTL ?",
            (run.started_at.strftime("%Y-%m"), run.run_id, run.job, run.started_at, run.finished_at, run.status,
             run.host, run.trigger, run.seen, run.new, run.changed, run.unchanged, run.removed, run.failed,
             run.talks_written, run.talks_deleted, list(run.errors)[:100], dict(run.git_commits) or None,
             dict(run.hosts) or None, ttl_seconds), write=True))

    def list_runs(self, months: Sequence[str], limit: int = 50) -> list[dict]:
        """Return the newest import runs of the given month buckets ('YYYY-MM', newest first)."""
        runs: list[dict] = []
        for month in months:
            runs += self._rows("SELECT * FROM import_runs WHERE month = ? LIMIT ?", (month, limit - len(runs)))
            if len(runs) >= limit:
                break
        return runs
