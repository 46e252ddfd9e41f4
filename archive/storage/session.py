"""The process's session, prepared statements and the errors callers may see.

`connect(settings)` makes the process's session: call it after fork (Flask's app factory, Celery's
`worker_process_init`), never at import time. Statements are prepared once, with their keyspace
(no `USE`), and never changed afterwards: consistency and page size are set on each bound
statement, so one call's settings never leak into another's.
"""
from __future__ import annotations

import logging
import struct
from typing import Any, Sequence

from cassandra import ConsistencyLevel, InvalidRequest, OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy, WhiteListRoundRobinPolicy
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


def cluster_for(settings: Settings, timeout: float | None = None) -> Cluster:
    """Return an unconnected Cluster for the settings' contact points (token-aware, dict rows)."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
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


def open_session(settings: Settings) -> Session:
    """Open a session (no keyspace set) and check that settings.keyspace exists."""
    cluster = cluster_for(settings)
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
            stmt = self._prepared[cql] = self.session.prepare(cql, keyspace=self.settings.keyspace)
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
