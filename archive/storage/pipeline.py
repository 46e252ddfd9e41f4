"""The import's write pipeline: writes sent without waiting, a bounded number in flight.

Imports send thousands of independent writes; waiting for each one leaves the node idle between
round trips. `submit` keeps at most PIPELINE_DEPTH in flight and `flush` waits for them all.
A write the database refuses for what it holds raises the domain's WriteRefused.

A write that fails as a whole (a node lost, a timeout) is sent again when it is idempotent
(StoreBase._resend: with its first timestamp plus the attempt number); an LWT never is.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Sequence

from archive.storage.session import REFUSED, StoreBase, refused

# Writes in flight at once from one process's import pipeline (the driver's default allows 1024+
# requests per connection; a few dozen keep a single node busy without queueing timeouts).
PIPELINE_DEPTH = 48


class WritePipeline(StoreBase):
    """Single writes, now or through the pipeline."""

    def __init__(self, session, settings):
        super().__init__(session, settings)
        self._inflight: deque = deque()

    def _execute(self, statement, wait: bool) -> None:
        """Run a write now (wait) or through the pipeline; a refused write raises WriteRefused."""
        try:
            if wait:
                self._resend(statement)
            else:
                self.submit(statement)
        except REFUSED as exc:
            raise refused(exc) from exc

    def _write(self, cql: str, values: Sequence[Any], wait: bool) -> None:
        """Run one prepared write at the write consistency, now or through the pipeline."""
        self._execute(self._bound(cql, values, write=True), wait)

    def submit(self, statement, params: Sequence[Any] | None = None) -> None:
        """Send a write without waiting, keeping at most PIPELINE_DEPTH in flight.

        Imports write thousands of independent rows; waiting for each one leaves the node idle
        between round trips. flush() waits for all of them and raises the first error.
        """
        self._inflight.append((self.session.execute_async(statement, params), statement, params))
        while len(self._inflight) > PIPELINE_DEPTH:
            self._wait(*self._inflight.popleft())

    def flush(self) -> None:
        """Wait for every write sent with submit(); raise the first that failed."""
        first_error = None
        while self._inflight:
            try:
                self._wait(*self._inflight.popleft())
            except Exception as exc:  # noqa: BLE001 - keep draining, then raise the first
                first_error = first_error or exc
        if isinstance(first_error, REFUSED):
            raise refused(first_error) from first_error
        if first_error is not None:
            raise first_error
