"""Import runs as the history keeps them: one typed record shared by the jobs, storage and the pages."""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import TYPE_CHECKING

from archive.config import host_name

if TYPE_CHECKING:
    from archive.domain.outcomes import ImportSummary


class RunStatus(StrEnum):
    """Where a run stands; the history shows the value."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunTrigger(StrEnum):
    """What started a run; the history shows the value (runs recorded before it have none)."""

    SCHEDULE = "schedule"  # Celery beat
    ADMIN = "admin"        # the re-import form of the imports page
    TASK = "task"          # any other call of a task (`notes-archive reimport --now`, send_task)
    CLI = "cli"            # `notes-archive import`


@dataclass
class RunRecord:
    """One run of a job (an import, a re-import, a rebuild) and what it did."""

    job: str
    run_id: uuid.UUID = field(default_factory=uuid.uuid1)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    finished_at: datetime | None = None
    status: str = RunStatus.RUNNING.value
    host: str = field(default_factory=host_name)
    lease_owner: str | None = None
    trigger: str | None = None
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    talks_written: int = 0
    talks_deleted: int = 0
    errors: list[str] = field(default_factory=list)
    # Each git source's commit in this run and when it was fetched (None: never fetched).
    git_commits: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    # Documents each host imported or removed in this run (a re-import's tasks run on every worker).
    hosts: dict[str, int] = field(default_factory=dict)

    def finish(self, status: RunStatus, **counts) -> None:
        """Close the run now with a status and its final counts."""
        for name, value in counts.items():
            setattr(self, name, value)
        self.status, self.finished_at = status.value, datetime.now(timezone.utc)

    def count(self, summary: "ImportSummary") -> None:
        """Take an import summary's document and talk counts, and its errors before those already noted."""
        for name in ("seen", "new", "changed", "unchanged", "removed", "failed", "talks_written", "talks_deleted"):
            setattr(self, name, getattr(summary, name))
        self.errors = [f"{where}: {error}" for where, error in summary.errors] + self.errors

    def to_json(self) -> dict:
        """Return the record as JSON-safe values (a Celery task argument)."""
        out = asdict(self)
        out["run_id"] = str(self.run_id)
        for key in ("started_at", "finished_at"):
            out[key] = out[key].isoformat() if out[key] else None
        out["git_commits"] = {name: [commit, at.isoformat() if at else None]
                              for name, (commit, at) in self.git_commits.items()}
        return out

    @classmethod
    def from_json(cls, data: dict) -> "RunRecord":
        """Return the record to_json gave (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["run_id"] = uuid.UUID(str(data["run_id"]))
        for key in ("started_at", "finished_at"):
            if isinstance(values.get(key), str):
                values[key] = datetime.fromisoformat(values[key])
        values["git_commits"] = {name: (commit, datetime.fromisoformat(at) if isinstance(at, str) else at)
                                 for name, (commit, at) in (values.get("git_commits") or {}).items()}
        return cls(**values)


def recent_months(now: date | None = None, count: int = 3) -> list[str]:
    """Return the 'YYYY-MM' run-history buckets of the last count months, newest first."""
    now = now or datetime.now(timezone.utc)
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def run_history_ttl(days: int) -> int:
    """Return the TTL in seconds that keeps a run record for the given days."""
    return int(timedelta(days=days).total_seconds())
