"""The import's write pipeline: writes sent without waiting, a bounded number in flight.

Imports send thousands of independent writes; waiting for each one leaves the node idle between
round trips. `submit` keeps at most PIPELINE_DEPTH in flight and `flush` waits for them all.
A write the database refuses for what it holds raises the domain's WriteRefused.

A write whose whole request failed (the driver's retries and the request timeout spent: a node
lost and not yet convicted by gossip, which takes 10-20 s on a busy machine) is sent again, up to
RESENDS times, when it is idempotent (see archive.storage.session.idempotent); an LWT never is.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Sequence

from cassandra.concurrent import execute_concurrent

from archive.storage.session import REFUSED, RETRYABLE_ERRORS, StoreBase, refused

# Writes in flight at once from one process's import pipeline (the driver's default allows 1024+
# requests per connection; a few dozen keep a single node busy without queueing timeouts).
PIPELINE_DEPTH = 48
# Times an idempotent write whose request failed as a whole is sent again (each within the request timeout).
RESENDS = 2


class WritePipeline(StoreBase):
    """Single writes, now or through the pipeline."""

    def __init__(self, session, settings):
        super().__init__(session, settings)
        self._inflight: deque = deque()

    def _execute(self, statement, wait: bool) -> None:
        """Run a write now (wait) or through the pipeline; a refused write raises WriteRefused."""
        try:
            if wait:
                self._resend(statement, None)
            else:
                self.submit(statement)
        except REFUSED as exc:
            raise refused(exc) from exc

    def _resend(self, statement, params, error: BaseException | None = None):
        """Run a write now (again, when error says how its first attempt failed); while it fails as
        a whole and is idempotent, send it again, RESENDS times at most."""
        if error is not None and not (isinstance(error, RETRYABLE_ERRORS) and statement.is_idempotent):
            raise error
        for _ in range(RESENDS if error is not None else RESENDS + 1):
            try:
                return self.session.execute(statement, params)
            except RETRYABLE_ERRORS as exc:
                if not statement.is_idempotent:
                    raise
                error = exc
        raise error

    def write_all(self, statements: list) -> None:
        """Run (statement, params) writes concurrently; resend the idempotent ones that failed as a whole."""
        results = execute_concurrent(self.session, statements, concurrency=32, raise_on_first_error=False)
        for (ok, outcome), (statement, params) in zip(results, statements):
            if not ok:
                self._resend(statement, params, outcome)

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

    def _wait(self, future, statement, params) -> None:
        """Wait for one pipelined write; a failed idempotent one is sent again (see _resend)."""
        try:
            future.result()
        except RETRYABLE_ERRORS as exc:
            self._resend(statement, params, exc)

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
