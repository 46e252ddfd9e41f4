"""The archive's generation (`generations`): bumped by the service after its writes, read by the web."""
from __future__ import annotations

from datetime import datetime, timezone

from cassandra import InvalidRequest

from archive.domain import SchemaMissing
from archive.domain.generation import ARCHIVE_SCOPE, Generation
from archive.storage.session import StoreBase

_READ = "SELECT generation, changed_at FROM generations WHERE scope = ?"
_BUMP = "INSERT INTO generations (scope, generation, changed_at) VALUES (?, now(), ?)"


def _missing(exc: InvalidRequest) -> SchemaMissing:
    """An archive made before the table: the schema was not applied since."""
    return SchemaMissing(f"the generations table is missing ({exc}): run `notes-archive schema apply`")


class Generations(StoreBase):
    """Reading and bumping the generation (one row per scope)."""

    def generation(self, scope: str = ARCHIVE_SCOPE) -> Generation:
        """Return the current generation (the initial one when nothing was ever bumped)."""
        try:
            row = self._one(_READ, (scope,))
        except InvalidRequest as exc:
            raise _missing(exc) from exc
        if row is None or row["generation"] is None:
            return Generation.initial()
        changed = row["changed_at"] or datetime.fromtimestamp(0, timezone.utc)
        return Generation(row["generation"].hex, changed.replace(tzinfo=timezone.utc, microsecond=0))

    def bump_generation(self, scope: str = ARCHIVE_SCOPE) -> None:
        """Start a new generation (call it after the writes it covers have been acknowledged)."""
        now = datetime.now(timezone.utc)
        try:
            self._resend(self._bound(_BUMP, (scope, now), write=True))
        except InvalidRequest as exc:
            raise _missing(exc) from exc
