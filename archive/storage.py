"""The one module that speaks CQL.

`connect(settings)` makes the process's session: call it after fork (Flask's app factory, Celery's
`worker_process_init`), never at import time. `Store` holds named query functions over prepared
statements; reads return domain values or plain dicts, and paged reads take and return
clustering-key tuples (never a driver paging_state), which the web layer signs into cursors.
"""
from __future__ import annotations

import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import struct

from cassandra import ConsistencyLevel, InvalidRequest
from cassandra.protocol import ProtocolException
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable, Session
from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, BatchType, PreparedStatement, dict_factory

from archive.formats.codec import conference_from_json, conference_to_json, talk_from_json, talk_to_json
from archive.config import PROJECT_ROOT, Settings
from archive.indexes.tables import IndexKeys, has_notes, has_video
from archive.domain import Conference, Link, NotFound, SchemaMissing, Speaker, Talk, WriteRefused, speaker_slug

SCHEMA_FILE = PROJECT_ROOT / "schema.cql"
MIN_TOKEN, MAX_TOKEN = -(2**63), 2**63 - 1
_KEYSPACE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
# Writes in flight at once from one process's import pipeline (the driver's default allows 1024+
# requests per connection; a few dozen keep a single node busy without queueing timeouts).
PIPELINE_DEPTH = 48

# Errors a caller may retry: the node is down, overloaded or slow (re-exported for jobs/).
from cassandra import OperationTimedOut, ReadTimeout, Unavailable, WriteTimeout  # noqa: E402

RETRYABLE_ERRORS = (NoHostAvailable, Unavailable, ReadTimeout, WriteTimeout, OperationTimedOut)
# What the node (or the driver, encoding a value) refuses for what a write holds: never retried.
_REFUSED = (InvalidRequest, ProtocolException, struct.error, TypeError, OverflowError)


@dataclass(frozen=True)
class Page:
    """One page of rows and the clustering key to continue after (None on the last page)."""

    rows: list[dict]
    next_key: tuple | None


def _cluster(settings: Settings, keyspace: str | None = None, timeout: float | None = None) -> Cluster:
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


def probe_release_version(settings: Settings, timeout: float = 5.0) -> str | None:
    """Return release_version from system.local, or None when no node answers."""
    cluster = _cluster(settings, timeout=timeout)
    try:
        session = cluster.connect()
        row = session.execute("SELECT release_version FROM system.local").one()
        return row["release_version"] if row else None
    except Exception:  # noqa: BLE001 - any failure means "not answering yet"
        return None
    finally:
        cluster.shutdown()


def split_cql(text: str) -> list[str]:
    """Split CQL text into statements, dropping comments and honouring quoted strings."""
    statements, buf, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":  # a string literal; '' is an escaped quote
            j = i + 1
            while j < n and not (text[j] == "'" and text[j + 1:j + 2] != "'"):
                j += 2 if text[j:j + 2] == "''" else 1
            buf.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("--", i) or text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ";":
            statements.append(" ".join("".join(buf).split()))
            buf, i = [], i + 1
        else:
            buf.append(c)
            i += 1
    statements.append(" ".join("".join(buf).split()))
    return [s for s in statements if s]


def schema_statements(text: str, keyspace: str, replication: str) -> list[str]:
    """Split schema.cql into statements, with the keyspace name and replication substituted."""
    if not _KEYSPACE_RE.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}: letters, digits and _ only, 48 at most")
    statements = []
    for stmt in split_cql(text):
        if stmt.upper().startswith("CREATE KEYSPACE"):
            stmt = f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication}"
        elif stmt.upper().startswith("USE "):
            stmt = f"USE {keyspace}"
        statements.append(stmt)
    return statements


def apply_schema(settings: Settings, schema_path: Path = SCHEMA_FILE) -> list[str]:
    """Apply schema.cql idempotently to settings.keyspace; return the tables it defines."""
    statements = schema_statements(schema_path.read_text(), settings.keyspace, settings.replication)
    cluster = _cluster(settings, timeout=60)
    try:
        session = cluster.connect()
        for stmt in statements:
            session.execute(stmt, timeout=60)
        cluster.control_connection.wait_for_schema_agreement()
    finally:
        cluster.shutdown()
    return [m.group(1) for s in statements if (m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", s))]


def drop_keyspace(settings: Settings, keyspace: str) -> None:
    """Drop a keyspace (tests use it to remove their throw-away keyspace)."""
    if not _KEYSPACE_RE.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}")
    cluster = _cluster(settings, timeout=60)
    try:
        # DDL: an identifier cannot be a bind marker, so it is checked against _KEYSPACE_RE above.
        ddl = f"DROP KEYSPACE IF EXISTS {keyspace}"
        cluster.connect().execute(ddl, timeout=60)
    finally:
        cluster.shutdown()


def connect(settings: Settings) -> "Store":
    """Open this process's session to settings.keyspace and return a Store over it."""
    cluster = _cluster(settings)
    # No `USE keyspace`: Cassandra 5 warns against it with prepared statements. Every statement is
    # prepared with its keyspace instead (native protocol v5).
    session = cluster.connect()
    if settings.keyspace not in cluster.metadata.keyspaces:
        cluster.shutdown()
        raise SchemaMissing(f"keyspace {settings.keyspace!r} does not exist: run `notes-archive schema apply`")
    return Store(session, settings)


def _speakers_in(talk: Talk) -> list[tuple[str, str | None]]:
    return [(s.name, s.affiliation) for s in talk.speakers]


def _talk_from_row(row: dict) -> Talk:
    return Talk(
        id=row["id"],
        conference_id=row["conference_id"],
        title=row["title"] or "",
        speakers=tuple(Speaker(n, a) for n, a in (row["speakers"] or ())),
        kind=row["kind"] or "talk",
        ordinal=row["ordinal"] or 0,
        date=_to_date(row["day"]),
        starts_at=row["starts_at"],
        links=tuple(Link(k, u) for k, u in (row["links"] or ())),
        video_seconds=row["video_seconds"],
        notes_source=row["notes_source"] or "",
        notes_format=row["notes_format"] or "",
        notes_html=row["notes_html"] or "",
        word_count=row["word_count"] or 0,
        document_id=row["document_id"] or "",
        anchor=row["anchor"] or "",
        tags=tuple(sorted(row["tags"] or ())),
        language=row["language"],
        catalogue_id=row["catalogue_id"],
        summary_html=row.get("summary_html") or "",
    )


def _to_date(value: Any) -> date | None:
    """Return a datetime.date from the driver's cassandra.util.Date (or None)."""
    if value is None or isinstance(value, date):
        return value
    return value.date()


def _conference_from_row(row: dict) -> Conference:
    return Conference(
        id=row["id"], name=row["name"] or row["id"], start=_to_date(row["start_date"]),
        end=_to_date(row["end_date"]), location=row["location"], timezone=row["timezone"], url=row["url"],
    )


@dataclass
class SourceFacts:
    """What the sources say about one conference: its facts and each side's talks."""

    conference_id: str
    configured: Conference | None = None
    event: Conference | None = None
    notes: list[Talk] = field(default_factory=list)
    catalogue: list[Talk] = field(default_factory=list)


def _as_page(rows: list[dict], keys: Sequence[str], limit: int) -> Page:
    """Return up to limit rows (dates as datetime.date) and the key to continue after, if more were read."""
    more = len(rows) > limit
    rows = rows[:limit]
    for row in rows:
        for k in ("day", "start_date", "end_date"):
            if k in row:
                row[k] = _to_date(row[k])
    return Page(rows, tuple(rows[-1][k] for k in keys) if more and rows else None)


def conference_of(talk_id: str) -> str:
    """Return the conference id a talk id starts with."""
    conference_id, sep, _ = talk_id.partition("--")
    if not sep or not conference_id:
        raise NotFound(f"no talk {talk_id!r}")
    return conference_id


class Store:
    """Named queries over one session; all statements are prepared once, on first use."""

    def __init__(self, session: Session, settings: Settings):
        self.session = session
        self.settings = settings
        self.write_cl = ConsistencyLevel.name_to_value[settings.write_consistency]
        self._prepared: dict[str, PreparedStatement] = {}
        self._inflight: deque = deque()

    def close(self) -> None:
        """Shut the session's cluster down."""
        self.session.cluster.shutdown()

    def _p(self, cql: str) -> PreparedStatement:
        stmt = self._prepared.get(cql)
        if stmt is None:
            stmt = self._prepared[cql] = self.session.prepare(cql, keyspace=self.settings.keyspace)
        return stmt

    def _w(self, cql: str) -> PreparedStatement:
        """Return a prepared write statement at the write consistency level."""
        stmt = self._p(cql)
        stmt.consistency_level = self.write_cl
        return stmt

    # -- talks --------------------------------------------------------------------------------
    def get_talk(self, talk_id: str) -> Talk:
        """Return one talk by id, or raise NotFound."""
        row = self.session.execute(
            self._p("SELECT * FROM talks WHERE conference_id = ? AND id = ?"), (conference_of(talk_id), talk_id)
        ).one()
        if row is None:
            raise NotFound(f"no talk {talk_id!r}")
        return _talk_from_row(row)

    def get_stored_talks(self, talk_ids: Iterable[str]) -> dict[str, tuple[Talk, date]]:
        """Return many stored talks with the day they are indexed under, fetched concurrently.

        Missing ids are absent from the result; this is what the service diffs index rows against.
        """
        stmt = self._p("SELECT * FROM talks WHERE conference_id = ? AND id = ?")
        ids = sorted({t for t in talk_ids if "--" in t})
        results = execute_concurrent_with_args(
            self.session, stmt, [(conference_of(t), t) for t in ids], concurrency=64, raise_on_first_error=True
        )
        return {row["id"]: (_talk_from_row(row), _to_date(row["index_day"])) for ok, rs in results for row in rs}

    def talks_of_conference(self, conference_id: str) -> list[Talk]:
        """Return every talk of a conference (one partition), in id order."""
        rows = self.session.execute(self._p("SELECT * FROM talks WHERE conference_id = ?"), (conference_id,))
        return [_talk_from_row(r) for r in rows]

    def talk_rows(self, talk: Talk, conference: Conference, day: date,
                  keys: IndexKeys) -> list[tuple[PreparedStatement, tuple]]:
        """Return the (statement, values) pairs that write a talk row and all its index rows."""
        now = datetime.now(timezone.utc)
        rows: list[tuple[PreparedStatement, tuple]] = [(self._p(
            "INSERT INTO talks (conference_id, id, title, speakers, kind, ordinal, day, index_day, starts_at,"
            " links, video_seconds, notes_source, notes_format, notes_html, word_count, document_id, anchor,"
            " tags, language, catalogue_id, summary_html, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        ), (
            talk.conference_id, talk.id, talk.title, _speakers_in(talk), talk.kind, talk.ordinal, talk.date, day,
            talk.starts_at, [(l.kind, l.url) for l in talk.links], talk.video_seconds, talk.notes_source,
            talk.notes_format, talk.notes_html, talk.word_count, talk.document_id, talk.anchor, set(talk.tags),
            talk.language, talk.catalogue_id, talk.summary_html, now,
        ))]
        names = [s.name for s in talk.speakers]
        notes, video = has_notes(talk), has_video(talk)
        for year, d, tid in keys.by_year:
            rows.append((self._p("INSERT INTO timeline_years (bucket, year) VALUES ('talks', ?)"), (year,)))
            rows.append((self._p(
                "INSERT INTO talks_by_year (year, day, talk_id, conference_id, conference_name, title, speakers,"
                " kind, has_notes, has_video) VALUES (?,?,?,?,?,?,?,?,?,?)"
            ), (year, d, tid, talk.conference_id, conference.name, talk.title, names, talk.kind, notes, video)))
        for conf_id, d, ordinal, tid in keys.by_conference:
            rows.append((self._p(
                "INSERT INTO talks_by_conference (conference_id, day, ordinal, talk_id, title, speakers, kind,"
                " tags, has_notes, has_video) VALUES (?,?,?,?,?,?,?,?,?,?)"
            ), (conf_id, d, ordinal, tid, talk.title, names, talk.kind, set(talk.tags), notes, video)))
        for tag, d, tid in keys.by_tag:
            rows.append((self._p(
                "INSERT INTO talks_by_tag (tag, day, talk_id, conference_id, conference_name, title, speakers,"
                " kind, has_notes, has_video) VALUES (?,?,?,?,?,?,?,?,?,?)"
            ), (tag, d, tid, talk.conference_id, conference.name, talk.title, names, talk.kind, notes, video)))
        by_slug = {speaker_slug(s.name): s for s in talk.speakers}
        for slug, d, tid in keys.by_speaker:
            speaker = by_slug[slug]
            rows.append((self._p(
                "INSERT INTO talks_by_speaker (speaker, name, day, talk_id, conference_id, conference_name, title,"
                " affiliation, kind, has_notes, has_video) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            ), (slug, speaker.name, d, tid, talk.conference_id, conference.name, talk.title, speaker.affiliation,
                talk.kind, notes, video)))
        return rows

    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys,
                   wait: bool = True) -> None:
        """Write a talk row, all its index rows and the deletion of its stale ones in one LOGGED batch.

        With wait=False the batch joins the write pipeline (see submit) and flush() waits for it.
        """
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.write_cl)
        self._add_index_deletes(batch, stale)
        for stmt, values in self.talk_rows(talk, conference, day, keys):
            batch.add(stmt, values)
        self._execute(batch, wait)

    def delete_talk(self, conference_id: str, talk_id: str, keys: IndexKeys, wait: bool = True) -> None:
        """Delete a talk row and all its index rows in one LOGGED batch."""
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.write_cl)
        batch.add(self._p("DELETE FROM talks WHERE conference_id = ? AND id = ?"), (conference_id, talk_id))
        self._add_index_deletes(batch, keys)
        self._execute(batch, wait)

    # -- the write pipeline -------------------------------------------------------------------------
    def _execute(self, statement, wait: bool, params: Sequence[Any] | None = None) -> None:
        try:
            if wait:
                self.session.execute(statement, params)
            else:
                self.submit(statement, params)
        except _REFUSED as exc:
            raise WriteRefused(f"the database refused a write: {type(exc).__name__}: {str(exc)[:300]}") from exc

    def submit(self, statement, params: Sequence[Any] | None = None) -> None:
        """Send a write without waiting, keeping at most PIPELINE_DEPTH in flight.

        Imports write thousands of independent rows; waiting for each one leaves the node idle
        between round trips. flush() waits for all of them and raises the first error.
        """
        self._inflight.append(self.session.execute_async(statement, params))
        while len(self._inflight) > PIPELINE_DEPTH:
            self._inflight.popleft().result()

    def flush(self) -> None:
        """Wait for every write sent with submit(); raise the first that failed."""
        first_error = None
        while self._inflight:
            try:
                self._inflight.popleft().result()
            except Exception as exc:  # noqa: BLE001 - keep draining, then raise the first
                first_error = first_error or exc
        if isinstance(first_error, _REFUSED):
            raise WriteRefused(f"the database refused a write: {type(first_error).__name__}: "
                               f"{str(first_error)[:300]}") from first_error
        if first_error is not None:
            raise first_error

    def _index_deletes(self, keys: IndexKeys) -> list[tuple[PreparedStatement, tuple]]:
        """Return the (statement, key) pairs that delete the given index rows."""
        by_year = self._p("DELETE FROM talks_by_year WHERE year = ? AND day = ? AND talk_id = ?")
        by_conf = self._p(
            "DELETE FROM talks_by_conference WHERE conference_id = ? AND day = ? AND ordinal = ? AND talk_id = ?"
        )
        by_tag = self._p("DELETE FROM talks_by_tag WHERE tag = ? AND day = ? AND talk_id = ?")
        by_speaker = self._p("DELETE FROM talks_by_speaker WHERE speaker = ? AND day = ? AND talk_id = ?")
        return ([(by_year, k) for k in keys.by_year] + [(by_conf, k) for k in keys.by_conference]
                + [(by_tag, k) for k in keys.by_tag] + [(by_speaker, k) for k in keys.by_speaker])

    def _add_index_deletes(self, batch: BatchStatement, keys: IndexKeys) -> None:
        for stmt, key in self._index_deletes(keys):
            batch.add(stmt, key)

    # -- conferences ----------------------------------------------------------------------------
    def put_conference(self, conference: Conference, source: str, talk_count: int | None = None,
                       old: Conference | None = None) -> None:
        """Write a conference, its timeline row and its year (dropping the old timeline row if moved)."""
        batch = BatchStatement(batch_type=BatchType.LOGGED, consistency_level=self.write_cl)
        batch.add(self._p(
            "INSERT INTO conferences (id, name, start_date, end_date, location, timezone, url, source, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?)"
        ), (conference.id, conference.name, conference.start, conference.end, conference.location,
            conference.timezone, conference.url, source, datetime.now(timezone.utc)))
        start = conference.start or date(1970, 1, 1)
        if old is not None and (old.start or date(1970, 1, 1)) != start:
            old_start = old.start or date(1970, 1, 1)
            batch.add(self._p(
                "DELETE FROM conferences_by_year WHERE year = ? AND start_date = ? AND conference_id = ?"
            ), (old_start.year, old_start, conference.id))
        if talk_count is None:  # keep the stored count: only a recount sets it
            batch.add(self._p(
                "INSERT INTO conferences_by_year (year, start_date, conference_id, name, end_date, location)"
                " VALUES (?,?,?,?,?,?)"
            ), (start.year, start, conference.id, conference.name, conference.end, conference.location))
        else:
            batch.add(self._p(
                "INSERT INTO conferences_by_year (year, start_date, conference_id, name, end_date, location,"
                " talk_count) VALUES (?,?,?,?,?,?,?)"
            ), (start.year, start, conference.id, conference.name, conference.end, conference.location, talk_count))
        batch.add(self._p("INSERT INTO timeline_years (bucket, year) VALUES ('all', ?)"), (start.year,))
        self.session.execute(batch)

    def get_conference(self, conference_id: str) -> Conference:
        """Return a conference by id, or raise NotFound."""
        row = self.session.execute(self._p("SELECT * FROM conferences WHERE id = ?"), (conference_id,)).one()
        if row is None:
            raise NotFound(f"no conference {conference_id!r}")
        return _conference_from_row(row)

    def get_conferences(self, ids: Iterable[str]) -> dict[str, Conference]:
        """Return many conferences by id, fetched concurrently (missing ones absent)."""
        results = execute_concurrent_with_args(
            self.session, self._p("SELECT * FROM conferences WHERE id = ?"), [(i,) for i in set(ids)], concurrency=32
        )
        return {row["id"]: _conference_from_row(row) for ok, rs in results if ok for row in rs}

    def timeline_years(self) -> list[int]:
        """Return the years that have conferences, newest first."""
        rows = self.session.execute(self._p("SELECT year FROM timeline_years WHERE bucket = 'all'"))
        return [r["year"] for r in rows]

    def talk_years(self) -> list[int]:
        """Return the years that have talks (the talks_by_year buckets), newest first."""
        rows = self.session.execute(self._p("SELECT year FROM timeline_years WHERE bucket = 'talks'"))
        return [r["year"] for r in rows]

    # -- paged index reads ------------------------------------------------------------------------
    def _page_query(self, table: str, partition: tuple[str, Any], keys: Sequence[str], after: tuple | None,
                    limit: int, op: str, columns: str = "*") -> tuple[PreparedStatement, tuple]:
        """Return the statement and values reading one page (plus one row) of a partition."""
        where = f"{partition[0]} = ?"
        params: list[Any] = [partition[1]]
        if after is not None:
            if len(after) != len(keys):
                raise ValueError(f"cursor for {table} needs {len(keys)} values")
            where += f" AND ({', '.join(keys)}) {op} ({', '.join('?' * len(keys))})"
            params += list(after)
        return self._p(f"SELECT {columns} FROM {table} WHERE {where} LIMIT ?"), (*params, limit + 1)

    def _page(self, table: str, partition: tuple[str, Any], keys: Sequence[str], after: tuple | None,
              limit: int, op: str, columns: str = "*") -> Page:
        """Read one page of a partition, continuing strictly after (or before) a clustering key."""
        stmt, params = self._page_query(table, partition, keys, after, limit, op, columns)
        return _as_page(list(self.session.execute(stmt, params)), keys, limit)

    def conferences_by_years(self, plan: Sequence[tuple[int, tuple | None]], limit: int) -> list[Page]:
        """Read the first page of several year buckets concurrently (each after its own key)."""
        keys = ("start_date", "conference_id")
        futures = [self.session.execute_async(*self._page_query("conferences_by_year", ("year", year), keys, after,
                                                                 limit, "<"))
                   for year, after in plan]
        return [_as_page(list(f.result()), keys, limit) for f in futures]

    def talks_by_tag(self, tag: str, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of a tag's talks, newest first."""
        return self._page("talks_by_tag", ("tag", tag), ("day", "talk_id"), after, limit, "<")

    def talks_by_speaker(self, slug: str, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of a speaker's talks, newest first."""
        return self._page("talks_by_speaker", ("speaker", slug), ("day", "talk_id"), after, limit, "<")

    def talks_by_conference(self, conference_id: str, after: tuple | None = None, limit: int = 100) -> Page:
        """Return a page of a conference's talks in day and document order."""
        return self._page("talks_by_conference", ("conference_id", conference_id), ("day", "ordinal", "talk_id"),
                          after, limit, ">")

    def talks_by_year(self, year: int, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of one year's talks, newest first."""
        return self._page("talks_by_year", ("year", year), ("day", "talk_id"), after, limit, "<")

    def conferences_by_year(self, year: int, after: tuple | None = None, limit: int = 25) -> Page:
        """Return a page of one year's conferences, newest first."""
        return self._page("conferences_by_year", ("year", year), ("start_date", "conference_id"), after, limit, "<")

    # -- tags ---------------------------------------------------------------------------------------
    def count_tag(self, tag: str) -> int:
        """Count the talks of one tag (one partition)."""
        row = self.session.execute(self._p("SELECT COUNT(*) AS n FROM talks_by_tag WHERE tag = ?"), (tag,)).one()
        return int(row["n"])

    def count_conference_talks(self, conference_id: str) -> int:
        """Count the talks of one conference (one partition of talks_by_conference)."""
        row = self.session.execute(
            self._p("SELECT COUNT(*) AS n FROM talks_by_conference WHERE conference_id = ?"), (conference_id,)
        ).one()
        return int(row["n"])

    def put_tag_counts(self, counts: dict[str, int]) -> None:
        """Store tag counts; a zero count removes the tag from the cloud."""
        now = datetime.now(timezone.utc)
        put = self._w("INSERT INTO tag_counts (bucket, tag, count, updated_at) VALUES ('all', ?, ?, ?)")
        drop = self._w("DELETE FROM tag_counts WHERE bucket = 'all' AND tag = ?")
        args_put = [(t, n, now) for t, n in counts.items() if n > 0]
        args_drop = [(t,) for t, n in counts.items() if n <= 0]
        execute_concurrent_with_args(self.session, put, args_put, concurrency=32, raise_on_first_error=True)
        execute_concurrent_with_args(self.session, drop, args_drop, concurrency=32, raise_on_first_error=True)

    def tag_cloud(self) -> dict[str, int]:
        """Return every tag with its talk count."""
        rows = self.session.execute(self._p("SELECT tag, count FROM tag_counts WHERE bucket = 'all'"))
        return {r["tag"]: r["count"] for r in rows}

    # -- documents ------------------------------------------------------------------------------------
    def get_document(self, source: str, path: str) -> dict | None:
        """Return what the last import recorded of one document, or None."""
        return self.session.execute(
            self._p("SELECT * FROM documents WHERE source = ? AND path = ?"), (source, path)
        ).one()

    def documents_of(self, source: str) -> dict[str, dict]:
        """Return every recorded document of a source, keyed by path."""
        rows = self.session.execute(self._p("SELECT * FROM documents WHERE source = ?"), (source,))
        return {r["path"]: r for r in rows}

    def put_document(self, source: str, path: str, content_hash: str | None, talk_ids: Iterable[str],
                     conference_id: str | None, title: str | None, fmt: str | None, error: str | None,
                     wait: bool = True) -> None:
        """Record the outcome of importing one document."""
        self._execute(self._w(
            "INSERT INTO documents (source, path, content_hash, talk_ids, conference_id, title, format, last_error,"
            " imported_at) VALUES (?,?,?,?,?,?,?,?,?)"
        ), wait, (source, path, content_hash, set(talk_ids), conference_id, title, fmt, error,
                  datetime.now(timezone.utc)))

    def delete_document(self, source: str, path: str, wait: bool = True) -> None:
        """Forget a document that left its source."""
        self._execute(self._w("DELETE FROM documents WHERE source = ? AND path = ?"), wait, (source, path))

    # -- what each source says (the relink input) ------------------------------------------------------
    def source_facts(self, conference_id: str) -> SourceFacts:
        """Return everything the sources say about one conference (one partition read)."""
        rows = self.session.execute(self._p("SELECT * FROM source_talks WHERE conference_id = ?"), (conference_id,))
        facts = SourceFacts(conference_id)
        for row in rows:
            facts.configured = facts.configured or conference_from_json(row["configured"])
            facts.event = facts.event or conference_from_json(row["event"])
            if row["origin"] and row["talk"]:
                (facts.catalogue if row["origin"] == "catalogue" else facts.notes).append(talk_from_json(row["talk"]))
        return facts

    def put_source_talks(self, conference_id: str, origin: str, talks: Iterable[Talk], removed: Iterable[str] = (),
                         wait: bool = True) -> None:
        """Record the talks one document gave (and forget the ones it no longer gives)."""
        put = self._w("INSERT INTO source_talks (conference_id, origin, talk_id, document_id, talk) VALUES (?,?,?,?,?)")
        drop = self._w("DELETE FROM source_talks WHERE conference_id = ? AND origin = ? AND talk_id = ?")
        for talk in talks:
            self._execute(put, wait, (conference_id, origin, talk.id, talk.document_id, talk_to_json(talk)))
        for talk_id in removed:
            self._execute(drop, wait, (conference_id, origin, talk_id))

    def put_source_conference(self, conference_id: str, origin: str, conference: Conference | None,
                              wait: bool = True) -> None:
        """Record the conference facts the sources file ('configured') or the catalogue ('event') gives."""
        column = {"configured": "configured", "event": "event"}[origin]
        self._execute(self._w(f"UPDATE source_talks SET {column} = ? WHERE conference_id = ?"), wait,
                      (conference_to_json(conference) if conference else None, conference_id))

    def stored_talks_of_conference(self, conference_id: str) -> dict[str, tuple[Talk, date]]:
        """Return a conference's stored talks with the day each is indexed under (one partition)."""
        rows = self.session.execute(self._p("SELECT * FROM talks WHERE conference_id = ?"), (conference_id,))
        return {r["id"]: (_talk_from_row(r), _to_date(r["index_day"])) for r in rows}

    def count_tags(self, tags: Iterable[str]) -> dict[str, int]:
        """Count the talks of many tags, one partition each, concurrently."""
        tags = sorted(set(tags))
        results = execute_concurrent_with_args(
            self.session, self._p("SELECT COUNT(*) AS n FROM talks_by_tag WHERE tag = ?"), [(t,) for t in tags],
            concurrency=32, raise_on_first_error=True)
        return {tag: int(rs.one()["n"]) for tag, (ok, rs) in zip(tags, results)}

    # -- run leases (lightweight transactions) -----------------------------------------------------
    def acquire_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Take the lease of a job if nobody holds it; it expires by itself after ttl_seconds."""
        rs = self.session.execute(self._w(
            "INSERT INTO run_leases (name, owner, acquired_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?"
        ), (name, owner, datetime.now(timezone.utc), ttl_seconds))
        return bool(rs.was_applied)

    def renew_lease(self, name: str, owner: str, ttl_seconds: int) -> bool:
        """Extend a lease we hold; False if it expired or someone else holds it now."""
        rs = self.session.execute(self._w(
            "UPDATE run_leases USING TTL ? SET owner = ?, acquired_at = ? WHERE name = ? IF owner = ?"
        ), (ttl_seconds, owner, datetime.now(timezone.utc), name, owner))
        return bool(rs.was_applied)

    def release_lease(self, name: str, owner: str) -> bool:
        """Give a lease back, only if we still hold it."""
        rs = self.session.execute(self._w("DELETE FROM run_leases WHERE name = ? IF owner = ?"), (name, owner))
        return bool(rs.was_applied)

    def lease_holder(self, name: str) -> dict | None:
        """Return the current holder of a lease (owner, acquired_at), or None."""
        return self.session.execute(
            self._p("SELECT owner, acquired_at FROM run_leases WHERE name = ?"), (name,)
        ).one()

    # -- import history ----------------------------------------------------------------------------
    def record_run(self, run: dict, ttl_seconds: int) -> None:
        """Write (or update) one import run's record; it expires after ttl_seconds."""
        started: datetime = run["started_at"]
        self.session.execute(self._w(
            "INSERT INTO import_runs (month, run_id, job, started_at, finished_at, status, host, seen, new, changed,"
            " unchanged, removed, failed, talks_written, talks_deleted, errors)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) USING TTL ?"
        ), (started.strftime("%Y-%m"), run["run_id"], run["job"], started, run.get("finished_at"),
            run.get("status"), run.get("host"), run.get("seen", 0), run.get("new", 0), run.get("changed", 0),
            run.get("unchanged", 0), run.get("removed", 0), run.get("failed", 0), run.get("talks_written", 0),
            run.get("talks_deleted", 0), list(run.get("errors") or ())[:100], ttl_seconds))

    def list_runs(self, months: Sequence[str], limit: int = 50) -> list[dict]:
        """Return the newest import runs of the given month buckets ('YYYY-MM', newest first)."""
        runs: list[dict] = []
        stmt = self._p("SELECT * FROM import_runs WHERE month = ? LIMIT ?")
        for month in months:
            runs += list(self.session.execute(stmt, (month, limit - len(runs))))
            if len(runs) >= limit:
                break
        return runs

    # -- token-range scans (maintenance jobs) ----------------------------------------------------------
    def token_ranges(self) -> list[tuple[int, int]]:
        """Return (start, end] token ranges that cover the whole Murmur3 ring exactly once."""
        tokens = sorted(t.value for t in self.session.cluster.metadata.token_map.ring)
        ranges = list(zip(tokens, tokens[1:]))
        # The wrapping range, split at the ring's ends. Murmur3 never gives a key the minimum
        # token, so (min, first] misses nothing.
        ranges += [(tokens[-1], MAX_TOKEN), (MIN_TOKEN, tokens[0])]
        return ranges

    def scan_by_token(self, table: str, partition_key: str, columns: str = "*",
                      fetch_size: int = 500) -> Iterable[dict]:
        """Yield every row of a table range by range: one bounded token-range query at a time."""
        if not (re.match(r"^\w+$", table) and re.match(r"^\w+$", partition_key)):
            raise ValueError("bad table or key name")
        stmt = self._p(
            f"SELECT {columns} FROM {table} WHERE token({partition_key}) > ? AND token({partition_key}) <= ?"
        )
        stmt.fetch_size = fetch_size
        for start, end in self.token_ranges():
            yield from self.session.execute(stmt, (start, end))

    # -- maintenance reads ---------------------------------------------------------------------------
    def all_stored_talks(self) -> Iterable[tuple[Talk, date]]:
        """Yield every stored talk with its index day, paging the talks table by token range."""
        for row in self.scan_by_token("talks", "conference_id"):
            yield _talk_from_row(row), _to_date(row["index_day"])

    def index_rows(self, table: str, key_columns: Sequence[str]) -> set[tuple]:
        """Return the primary keys of every row of an index table."""
        partition = key_columns[0]
        return {tuple(_to_date(r[c]) if c == "day" else r[c] for c in key_columns)
                for r in self.scan_by_token(table, partition, ", ".join(key_columns))}

    def all_conferences(self) -> list[tuple[Conference, str]]:
        """Return every conference with the source that wrote it (a small table: one row per event)."""
        return [(_conference_from_row(r), r["source"]) for r in self.scan_by_token("conferences", "id")]

    def all_tags(self) -> set[str]:
        """Return every tag that has an index partition (DISTINCT partition keys, no filtering)."""
        return {r["tag"] for r in self.session.execute(self._p("SELECT DISTINCT tag FROM talks_by_tag"))}

    def delete_index_rows(self, keys: IndexKeys) -> None:
        """Delete the given index rows (orphans found by rebuild_indexes), concurrently."""
        pairs = self._index_deletes(keys)
        for stmt, _ in pairs:
            stmt.consistency_level = self.write_cl
        execute_concurrent(self.session, pairs, concurrency=32, raise_on_first_error=True)

    def query(self, cql: str, params: Sequence[Any] = ()) -> list[dict]:
        """Run one prepared statement in this keyspace and return its rows (tests, maintenance)."""
        return list(self.session.execute(self._p(cql), tuple(params)))

    def truncate(self, table: str) -> None:
        """Empty one table of this keyspace (tests and benchmarks start from empty tables)."""
        if not re.match(r"^\w+$", table):
            raise ValueError(f"bad table name {table!r}")
        # DDL-like: identifiers cannot be bind markers, so both are checked names.
        statement = f"TRUNCATE {self.settings.keyspace}.{table}"
        self.session.execute(statement, timeout=120)

    def tables(self) -> list[str]:
        """Return the names of this keyspace's tables."""
        return sorted(self.session.cluster.metadata.keyspaces[self.settings.keyspace].tables)

    # -- whole-table reads (maintenance, tests, digests) ----------------------------------------------------
    def scan(self, table: str, columns: str = "*", fetch_size: int = 1000) -> Iterable[dict]:
        """Yield every row of a table (one full read, paged by the driver; tests and digests)."""
        if not re.match(r"^\w+$", table):
            raise ValueError(f"bad table name {table!r}")
        stmt = self._p(f"SELECT {columns} FROM {table}")
        stmt.fetch_size = fetch_size
        yield from self.session.execute(stmt)

    # -- web reads ---------------------------------------------------------------------------------
    def talks_by_conference_before(self, conference_id: str, before: tuple, limit: int = 1) -> list[dict]:
        """Return the talks of a conference just before a (day, ordinal, talk_id) key, nearest first.

        The talk page's "previous talk": the same partition read in reverse clustering order.
        """
        if len(before) != 3:
            raise ValueError("talks_by_conference keys are (day, ordinal, talk_id)")
        stmt = self._p(
            "SELECT * FROM talks_by_conference WHERE conference_id = ? AND (day, ordinal, talk_id) < (?, ?, ?)"
            " ORDER BY day DESC, ordinal DESC, talk_id DESC LIMIT ?"
        )
        rows = list(self.session.execute(stmt, (conference_id, *before, limit)))
        for row in rows:
            row["day"] = _to_date(row["day"])
        return rows


def new_run_id() -> uuid.UUID:
    """Return a fresh time-based run id."""
    return uuid.uuid1()


__all__ = [
    "InvalidRequest", "NotFound", "Page", "RETRYABLE_ERRORS", "Store", "apply_schema", "connect",
    "conference_of", "drop_keyspace", "probe_release_version", "schema_statements",
]
