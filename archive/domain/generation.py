"""The archive's generation: a value that changes whenever the archive's content changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

ARCHIVE_SCOPE = "archive"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Generation:
    """One generation of the archive: an opaque value and when it began (UTC, whole seconds)."""

    value: str
    changed_at: datetime

    @classmethod
    def initial(cls) -> "Generation":
        """Return the generation of an archive nothing has bumped yet."""
        return cls("0", _EPOCH)
