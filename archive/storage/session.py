"""The process's session, prepared statements and the errors callers may see.

`connect(settings)` makes the process's session: call it after fork (Flask's app factory, Celery's
`worker_process_init`), never at import time. Statements are prepared once, with their keyspace
(no `USE`), and never changed afterwards: consistency and page size are set on each bound
statement, so one call's settings never leak into another's.
"""
from __future__ import annotations

import logging
import re
import struct
from typing import Any, Sequence

from cassandra import ConsistencyLevel, InvalidRequest, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import (DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, RetryPolicy, TokenAwarePolicy,
                                WhiteListRoundRobinPolicy, WriteType)
from cassandra.protocol import ProtocolException
from cassandra.query import BoundStatement, PreparedStatement, dict_factory

from archive.config import Settings
from archive.domain import SchemaMissing, WriteRefused

# Errors a caller may retry: the node is down, overloaded or slow (re-exported for jobs/ and web/).
RETRYABLE_ERRORS = (NoHostAvailable, Unavailable, ReadTimeout, WriteTimeout, OperationTimedOut)
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


class IdempotentRetryPolicy(RetryPolicy):
    """Retry on another coordinator what is safe to retry, once a node is lost or slow.

    The driver's stock policy retries a connection error on the next host whatever the statement
    (an LWT among them) and never retries a read or write timeout on another host. Here a statement
    marked idempotent (every read, plain write and LOGGED batch of ours; see `idempotent`) goes to
    the next host on a connection error, an overloaded or bootstrapping node, an Unavailable (the
    coordinator thought too few replicas were alive), or a read or write timeout (a replica that died
    before the coordinator's failure detector noticed), up to RETRIES times; anything else (the
    leases' LWTs) is rethrown, and the caller (the lease, a Celery retry) decides.
    """

    RETRIES = 3
    # A LOGGED batch's coordinator writes the batchlog to two *other* nodes first; until gossip
    # convicts a killed node (10 s or more on a busy machine) every coordinator of three may pick it,
    # and the batchlog write times out (2 s, write_request_timeout) before any mutation is applied.
    # Such a batch is sent again to the same coordinator until the request timeout
    # (NOTES_REQUEST_TIMEOUT, 20 s, bounds all attempts together; then the write pipeline resends it).
    BATCHLOG_RETRIES = 30

    def _next(self, query, retry_num: int):
        if getattr(query, "is_idempotent", False) and retry_num < self.RETRIES:
            return self.RETRY_NEXT_HOST, None
        return self.RETHROW, None

    def on_read_timeout(self, query, consistency, required_responses, received_responses, data_retrieved, retry_num):
        return self._next(query, retry_num)

    def on_write_timeout(self, query, consistency, write_type, required_responses, received_responses, retry_num):
        if write_type == WriteType.BATCH_LOG:  # the batchlog write itself: nothing of the batch was applied
            return (self.RETRY, None) if retry_num < self.BATCHLOG_RETRIES else (self.RETHROW, None)
        return self._next(query, retry_num)

    def on_unavailable(self, query, consistency, required_replicas, alive_replicas, retry_num):
        return (self.RETRY_NEXT_HOST, None) if retry_num < self.RETRIES else (self.RETHROW, None)

    def on_request_error(self, query, consistency, error, retry_num):
        return self._next(query, retry_num)


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


class StoreBase:
    """One session and its prepared statements: what every part of the store shares."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings
        self.write_cl = ConsistencyLevel.name_to_value[settings.write_consistency]
        self._prepared: dict[str, PreparedStatement] = {}

    def close(self) -> None:
        """Shut the session's cluster down."""
        self.session.cluster.shutdown()

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

    def _rows(self, cql: str, values: Sequence[Any] = ()) -> list[dict]:
        """Run one prepared read and return its rows."""
        return list(self.session.execute(self._p(cql), tuple(values)))

    def _one(self, cql: str, values: Sequence[Any] = ()) -> dict | None:
        """Run one prepared read and return its first row, or None."""
        return self.session.execute(self._p(cql), tuple(values)).one()
