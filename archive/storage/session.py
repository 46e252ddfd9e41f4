"""The process's session, prepared statements and the errors callers may see.

`connect(settings)` makes the process's session: call it after fork (Flask's app factory, Celery's
`worker_process_init`), never at import time. Statements are prepared once, with their keyspace
(no `USE`), and never changed afterwards: consistency and page size are set on each bound
statement, so one call's settings never leak into another's.
"""
from __future__ import annotations

import copy
import logging
import re
import struct
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Callable, Hashable, Self, Sequence, TypeVar

from cassandra import ConsistencyLevel, InvalidRequest, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.connection import ConnectionException
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import (DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, RetryPolicy, TokenAwarePolicy,
                                WhiteListRoundRobinPolicy)
from cassandra.protocol import ProtocolException
from cassandra.query import BoundStatement, PreparedStatement, dict_factory

from archive.config import Settings
from archive.domain import SchemaMissing, WriteRefused
from archive.storage.memo import GenerationMemo

T = TypeVar("T")

RESEND_WINDOW, RESEND_PAUSE = 60.0, 0.5  # how long, and how often, a failed idempotent write is sent again
# Errors a caller may retry: the node is down, overloaded or slow (re-exported for jobs/ and web/).
RETRYABLE_ERRORS = (NoHostAvailable, Unavailable, ReadTimeout, WriteTimeout, OperationTimedOut, ConnectionException)
# What the node (or the driver, encoding a value) refuses for what a write holds: never retried.
REFUSED = (InvalidRequest, ProtocolException, struct.error, TypeError, OverflowError)


class _BatchSizeWarnings(logging.Filter):
    """Drop the driver's log line for each batch over the node's *warning* threshold (5 KiB stock).

    A talk's batch carries its row and notes, so most are over 5 KiB by design; every batch stays
    under the *fail* threshold (archive.storage.writes.BATCH_BYTES), which is what matters.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (record.msg == "Server warning: %s" and args and str(args[0]).startswith("Batch "))


def quiet_batch_size_warnings() -> None:
    """Install the filter of the batch-size warnings on the driver's protocol logger, once."""
    logger = logging.getLogger("cassandra.protocol")
    if not any(isinstance(f, _BatchSizeWarnings) for f in logger.filters):
        logger.addFilter(_BatchSizeWarnings())


def refused(exc: BaseException) -> WriteRefused:
    """Return the domain error for a write the database (or the driver) refused."""
    return WriteRefused(f"the database refused a write: {type(exc).__name__}: {str(exc)[:300]}")


# A statement that applies the same change however often it runs: anything but a lightweight
# transaction (`IF ...`: a retry of an applied one reads as "not applied") and counter updates
# (the schema has none: tag_counts are recounted, never incremented). `now()` in the generation
# bump is idempotent in effect: a retried bump starts one more generation, which is harmless.
_LWT = re.compile(r"\bIF\s+(NOT\s+EXISTS\b|EXISTS\b|\w+\s*(=|!=|<|>|\bIN\b))", re.IGNORECASE)


def idempotent(cql: str) -> bool:
    """Whether a statement of ours may be sent again after an error without changing what it does."""
    return not _LWT.search(cql)


def _is_read(query) -> bool:
    text = getattr(getattr(query, "prepared_statement", None), "query_string", None) or getattr(query, "query_string", "")
    return text.lstrip().upper().startswith("SELECT")


class IdempotentRetryPolicy(RetryPolicy):
    """Retry what the driver may safely send again with the same timestamp; leave writes to StoreBase._resend.

    An idempotent read goes to the next host after a connection error, an overloaded node or a
    read timeout (a replica that died before the coordinator's failure detector noticed), up to
    RETRIES times; any statement after an Unavailable (never applied). A write that may have been
    applied (a write or batchlog timeout, a connection lost after sending) is rethrown: the driver
    would resend it with the *same* timestamp, and a list written twice with one timestamp keeps
    both copies' elements (its cells are keyed by timeuuids the coordinator makes). The stock
    policy retries a batchlog timeout and every connection error, so imports at RF 3 duplicated
    the `links` and `speakers` of talks when a node was killed.
    """

    RETRIES = 3

    def on_read_timeout(self, query, consistency, required_responses, received_responses, data_retrieved, retry_num):
        return (self.RETRY_NEXT_HOST, None) if retry_num < self.RETRIES else (self.RETHROW, None)

    def on_write_timeout(self, query, consistency, write_type, required_responses, received_responses, retry_num):
        return self.RETHROW, None

    def on_unavailable(self, query, consistency, required_replicas, alive_replicas, retry_num):
        return (self.RETRY_NEXT_HOST, None) if retry_num < self.RETRIES else (self.RETHROW, None)

    def on_request_error(self, query, consistency, error, retry_num):
        if _is_read(query) and getattr(query, "is_idempotent", False) and retry_num < self.RETRIES:
            return self.RETRY_NEXT_HOST, None
        return self.RETHROW, None


class WriteTimestamps:
    """Client-side write timestamps (microseconds), STEP apart at least; a resent write takes its first
    attempt's plus the attempt number (see StoreBase._resend).

    Its later timestamp shadows whatever an earlier attempt (or a batchlog replay of it) left, and
    still loses to any write made after the first attempt, which the gap keeps newer: resending
    never brings an older value back over a later write (the import writes a talk, then relinks it).
    """

    STEP = 64

    def __init__(self):
        self._lock = threading.Lock()
        self._last = 0
        self._pinned = threading.local()

    def __call__(self) -> int:
        pinned = getattr(self._pinned, "value", None)
        if pinned is not None:
            return pinned
        with self._lock:
            self._last = max(int(time.time() * 1e6), self._last + self.STEP)
            return self._last

    @contextmanager
    def pinned(self, timestamp: int | None):
        """Statements sent by this thread inside the block carry `timestamp` (None: a new one)."""
        self._pinned.value = timestamp
        try:
            yield
        finally:
            self._pinned.value = None


def cluster_for(settings: Settings, timeout: float | None = None, only_host: str | None = None) -> Cluster:
    """Return an unconnected Cluster for the settings' contact points (token-aware, dict rows;
    with only_host, every request goes to that node alone as coordinator).

    With several nodes: idempotent statements go to the next replica when one fails (see
    IdempotentRetryPolicy), and a node that comes back is reconnected within 16 s (the driver's
    default backs off to 10 minutes); a node's loss is seen at once when its socket closes.
    """
    profile = ExecutionProfile(
        load_balancing_policy=(WhiteListRoundRobinPolicy([only_host]) if only_host
                               else TokenAwarePolicy(DCAwareRoundRobinPolicy())),
        retry_policy=IdempotentRetryPolicy(),
        consistency_level=ConsistencyLevel.name_to_value[settings.read_consistency],
        request_timeout=timeout or settings.request_timeout,
        row_factory=dict_factory,
    )
    return Cluster(
        list(settings.cassandra_hosts),
        port=settings.cassandra_port,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
        connect_timeout=timeout or 10,
        reconnection_policy=ExponentialReconnectionPolicy(1.0, 16.0),
        timestamp_generator=WriteTimestamps(),
    )


def probe_release_version(settings: Settings, timeout: float = 5.0, host: tuple[str, int] | None = None) -> str | None:
    """Return release_version from system.local, or None when no node answers (with host: asked of
    that node alone, never routed to another node of its cluster)."""
    if host is None:
        cluster = cluster_for(settings, timeout=timeout)
    else:
        profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([host[0]]), row_factory=dict_factory,
                                   request_timeout=timeout)
        cluster = Cluster([host[0]], port=host[1], execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                          protocol_version=5, connect_timeout=timeout)
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return row["release_version"] if row else None
    except Exception:  # noqa: BLE001 - any failure means "not answering yet"
        return None
    finally:
        cluster.shutdown()


def open_session(settings: Settings, only_host: str | None = None) -> Session:
    """Open a session (no keyspace set) and check that settings.keyspace exists."""
    cluster = cluster_for(settings, only_host=only_host)
    # No `USE keyspace`: Cassandra 5 warns against it with prepared statements. Every statement is
    # prepared with its keyspace instead (native protocol v5).
    session = cluster.connect()
    if settings.keyspace not in cluster.metadata.keyspaces:
        cluster.shutdown()
        raise SchemaMissing(f"keyspace {settings.keyspace!r} does not exist: run `notes-archive schema apply`")
    return session


WRITE_ALL_DEPTH = 32  # writes in flight at once in write_all (recounts, index cleanups, postings)


class StoreBase:
    """One session and its prepared statements: what every part of the store shares."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings
        self.write_cl = ConsistencyLevel.name_to_value[settings.write_consistency]
        self._prepared: dict[str, PreparedStatement] = {}

    memo: GenerationMemo | None = None  # set on the web's stores only (remembering)

    def close(self) -> None:
        """Shut the session's cluster down."""
        self.session.cluster.shutdown()

    def remembering(self, generation: Callable[[], str | None]) -> Self:
        """Return a store over the same session whose page reads keep what changes only with the
        generation (a list's months, the years) for the generation that `generation()` names
        (archive.storage.memo). This store is left as it is: the service reads through it."""
        view = copy.copy(self)
        view.memo = GenerationMemo(generation)
        return view

    def _kept(self, key: Hashable, read: Callable[[], T]) -> T:
        """Return read(), kept for the generation when this store remembers (see remembering)."""
        return read() if self.memo is None else self.memo.get(key, read)

    def _p(self, cql: str) -> PreparedStatement:
        """Return the statement prepared for cql in this keyspace (prepared once, then shared)."""
        stmt = self._prepared.get(cql)
        if stmt is None:
            stmt = self.session.prepare(cql, keyspace=self.settings.keyspace)
            stmt.is_idempotent = idempotent(cql)  # bound statements and retries inherit it
            self._prepared[cql] = stmt
        return stmt

    def _bound(self, cql: str, values: Sequence[Any] = (), write: bool = False,
               fetch_size: int | None = None) -> BoundStatement:
        """Return cql bound to values, at the write consistency for writes, with its own page size."""
        bound = BoundStatement(self._p(cql), consistency_level=self.write_cl if write else None)
        if fetch_size is not None:
            bound.fetch_size = fetch_size
        return bound.bind(tuple(values))

    def write_all(self, statements: list) -> None:
        """Run (statement, params) writes, WRITE_ALL_DEPTH at once; resend the idempotent ones that fail
        as a whole (see _resend); raise the first error left."""
        inflight: deque = deque()
        for statement, params in statements:
            inflight.append((self.session.execute_async(statement, params), statement, params))
            if len(inflight) >= WRITE_ALL_DEPTH:
                self._wait(*inflight.popleft())
        while inflight:
            self._wait(*inflight.popleft())

    def _wait(self, future, statement, params) -> None:
        """Wait for one pipelined write; a failed idempotent one is sent again (see _resend)."""
        try:
            future.result()
        except RETRYABLE_ERRORS as exc:
            self._resend(statement, params, exc, future.message.timestamp)

    def _resend(self, statement, params=None, error: BaseException | None = None, timestamp: int | None = None):
        """Run a write now (or again, when `error` says how its first attempt, sent with `timestamp`,
        failed). While it fails as a whole (a node lost and not yet convicted by gossip, which takes
        10-20 s on a busy machine) and is idempotent, send it again every RESEND_PAUSE s for up to
        RESEND_WINDOW s, each time with its first timestamp plus the attempt number (WriteTimestamps)."""
        if error is not None and not (isinstance(error, RETRYABLE_ERRORS) and statement.is_idempotent):
            raise error
        deadline, attempt = time.monotonic() + RESEND_WINDOW, 0 if error is None else 1
        while True:
            with self.session.cluster.timestamp_generator.pinned(None if timestamp is None else timestamp + attempt):
                future = self.session.execute_async(statement, params)
            try:
                return future.result()
            except RETRYABLE_ERRORS:
                if not statement.is_idempotent or attempt + 1 >= WriteTimestamps.STEP or time.monotonic() > deadline:
                    raise
                timestamp = future.message.timestamp if timestamp is None else timestamp
                attempt += 1
                time.sleep(RESEND_PAUSE)

    def _rows(self, cql: str, values: Sequence[Any] = ()) -> list[dict]:
        """Run one prepared read and return its rows."""
        return list(self.session.execute(self._p(cql), tuple(values)))

    def _one(self, cql: str, values: Sequence[Any] = ()) -> dict | None:
        """Run one prepared read and return its first row, or None."""
        return self.session.execute(self._p(cql), tuple(values)).one()
