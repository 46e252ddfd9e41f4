"""Each source's last fetch and last import (`source_states`, one partition)."""
from __future__ import annotations

from datetime import datetime

from archive.storage.session import StoreBase

BUCKET = "all"
_KEY = "WHERE bucket = ? AND source = ?"


class SourceStates(StoreBase):
    """What the last fetch of each git source gave, and when each source was last imported."""

    def source_states(self) -> dict[str, dict]:
        """Return every recorded source's state, keyed by source name (one partition read)."""
        return {r["source"]: r for r in self._rows("SELECT * FROM source_states WHERE bucket = ?", (BUCKET,))}

    def record_fetch(self, source: str, kind: str, location: str, commit: str | None, at: datetime,
                     error: str | None) -> None:
        """Record a fetch: the commit it gave (and no error), or its error (the last good commit stays)."""
        if error is None:
            cql, values = ("UPDATE source_states SET kind = ?, location = ?, fetched_commit = ?, fetched_at = ?,"
                           f" last_error = null, error_at = null {_KEY}", (kind, location, commit, at))
        else:
            cql, values = (f"UPDATE source_states SET kind = ?, location = ?, last_error = ?, error_at = ? {_KEY}",
                           (kind, location, error[:2000], at))
        self._resend(self._bound(cql, (*values, BUCKET, source), write=True))

    def record_imported(self, source: str, kind: str, location: str, at: datetime, commit: str | None = None,
                        key: str | None = None) -> None:
        """Record that a source's documents were imported at `at`; with a commit, that a git source's scan fully landed."""
        if commit is None:
            cql, values = f"UPDATE source_states SET kind = ?, location = ?, imported_at = ? {_KEY}", (kind, location, at)
        else:
            cql, values = ("UPDATE source_states SET kind = ?, location = ?, imported_commit = ?, imported_key = ?,"
                           f" imported_at = ? {_KEY}", (kind, location, commit, key, at))
        self._resend(self._bound(cql, (*values, BUCKET, source), write=True))
