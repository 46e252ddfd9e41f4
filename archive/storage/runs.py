"""Run leases (lightweight transactions) and the import history (`run_leases`, `import_runs`)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Sequence

from archive.domain.runs import RunRecord
from archive.storage.session import StoreBase


def new_run_id() -> uuid.UUID:
    """Return a fresh time-based run id."""
    return uuid.uuid1()


class RunHistory(StoreBase):
    """Who holds a job's lease, and what each run did."""

    def acquire_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Take the lease of a job if nobody holds it; it expires by itself after ttl_seconds."""
        rs = self.session.execute(self._bound(
            "INSERT INTO run_leases (name, owner, acquired_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?",
            (name, owner, datetime.now(timezone.utc), ttl_seconds), write=True))
        return bool(rs.was_applied)

    def renew_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Extend a lease we hold; False if it expired or someone else holds it now."""
        rs = self.session.execute(self._bound(
            "UPDATE run_leases USING TTL ? SET owner = ?, acquired_at = ? WHERE name = ? IF owner = ?",
            (ttl_seconds, owner, datetime.now(timezone.utc), name, owner), write=True))
        return bool(rs.was_applied)

    def release_lease(self, name: str, owner: str) -> bool:
        """Give a lease back, only if we still hold it."""
        rs = self.session.execute(self._bound("DELETE FROM run_leases WHERE name = ? IF owner = ?", (name, owner),
                                              write=True))
        return bool(rs.was_applied)

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
