"""Applying schema.cql: statements split, the keyspace and its replication substituted, and the tables
whose primary key schema.cql changed recreated (derived tables) or refused (the others)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from archive.config import PROJECT_ROOT, Settings
from archive.indexes.tables import INDEX_TABLES
from archive.storage.migrations import migrate_layouts
from archive.storage.session import cluster_for

SCHEMA_FILE = PROJECT_ROOT / "schema.cql"
_KEYSPACE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")


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


def check_keyspace_name(keyspace: str) -> str:
    """Return keyspace if it is a valid, unquoted CQL identifier; raise ValueError otherwise."""
    if not _KEYSPACE_RE.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}: letters, digits and _ only, 48 at most")
    return keyspace


def schema_statements(text: str, keyspace: str, replication: str) -> list[str]:
    """Split schema.cql into statements, with the keyspace name and replication substituted."""
    check_keyspace_name(keyspace)
    statements = []
    for stmt in split_cql(text):
        if stmt.upper().startswith("CREATE KEYSPACE"):
            stmt = f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication}"
        elif stmt.upper().startswith("USE "):
            stmt = f"USE {keyspace}"
        statements.append(stmt)
    return statements


# Tables whose every row is derived from `talks` and `conferences` (rebuild_indexes writes them all
# again): when schema.cql changes the primary key of one, apply_schema drops and recreates it and
# tells its caller, which then rebuilds. The index tables come from archive.indexes.tables.
DERIVED_TABLES: frozenset[str] = frozenset({
    *INDEX_TABLES, "timeline_years", "conferences_by_year", "tag_counts", "speakers_by_prefix", "speaker_prefixes",
    "search_vocabulary",
})
# A table that is not derived (it holds what only the sources or the runs said) and whose key
# changed needs a migration of its own that keeps its rows: fn(session, keyspace, its CREATE
# statement), run before schema.cql's statements, leaving the table in its new shape. Without
# one, apply_schema refuses (SchemaConflict) rather than drop it.
KEY_MIGRATIONS: dict[str, Callable[[Any, str, str], None]] = {}


class SchemaConflict(Exception):
    """A table that is not derived has another primary key than schema.cql's, and no migration."""


@dataclass(frozen=True)
class PrimaryKey:
    """A table's primary key: partition key columns, and clustering columns with their order."""

    partition: tuple[str, ...]
    clustering: tuple[tuple[str, str], ...]  # (column, 'asc' | 'desc')


class AppliedSchema(list):
    """The tables schema.cql defines (a list of names), and the derived tables it recreated."""

    def __init__(self, tables: list[str], recreated: list[str]):
        super().__init__(tables)
        self.recreated = recreated


_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)\)(?: WITH (.*))?$", re.S)


def _inside(text: str, start: int) -> tuple[str, int]:
    """Return what the parenthesis at text[start] encloses, and the index just past its closing one."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
    raise ValueError(f"unbalanced parentheses in {text[start:start + 60]!r}")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip().lower() for n in text.split(",") if n.strip())


def declared_key(statement: str) -> tuple[str, PrimaryKey] | None:
    """Return (table, primary key) of one CREATE TABLE statement of schema.cql (None for other statements)."""
    m = _CREATE.match(statement)
    if not m:
        return None
    body, options = m.group(2), m.group(3) or ""
    at = re.search(r"PRIMARY KEY\s*\(", body)
    if at is None:  # "id text PRIMARY KEY": one partition key column, no clustering
        column = re.search(r"(\w+) [\w<>, ]+? PRIMARY KEY", body)
        return m.group(1).lower(), PrimaryKey((column.group(1).lower(),), ())
    key, _ = _inside(body, at.end() - 1)
    if key.lstrip().startswith("("):
        first = key.index("(")
        partition, end = _inside(key, first)
        partition_cols, clustering = _names(partition), _names(key[end:])
    else:
        names = _names(key)
        partition_cols, clustering = names[:1], names[1:]
    orders = {}
    order = re.search(r"CLUSTERING ORDER BY \(([^)]*)\)", options)
    for part in (order.group(1).split(",") if order else ()):
        column, direction = part.split()
        orders[column.lower()] = direction.lower()
    return m.group(1).lower(), PrimaryKey(partition_cols, tuple((c, orders.get(c, "asc")) for c in clustering))


def stored_keys(session, keyspace: str) -> dict[str, PrimaryKey]:
    """Return the primary key of every table of a keyspace as system_schema.columns describes it."""
    rows = session.execute("SELECT table_name, column_name, kind, position, clustering_order"
                           " FROM system_schema.columns WHERE keyspace_name = %s", (keyspace,))
    parts: dict[str, dict[str, list]] = {}
    for r in rows:  # dict rows (the archive's row factory)
        if r["kind"] in ("partition_key", "clustering"):
            parts.setdefault(r["table_name"], {"partition_key": [], "clustering": []})[r["kind"]].append(r)
    return {table: PrimaryKey(tuple(r["column_name"] for r in sorted(p["partition_key"], key=lambda r: r["position"])),
                              tuple((r["column_name"], r["clustering_order"]) for r in
                                    sorted(p["clustering"], key=lambda r: r["position"])))
            for table, p in parts.items()}


def changed_keys(declared: dict[str, PrimaryKey], stored: dict[str, PrimaryKey]) -> list[str]:
    """Return the tables that exist with another primary key than declared, sorted."""
    return sorted(t for t, key in declared.items() if t in stored and stored[t] != key)


def _migrate_keys(session, keyspace: str, statements: list[str]) -> list[str]:
    """Drop the derived tables whose primary key changed (and run the migrations of the others);
    return the derived tables dropped. Refuses before touching anything if one cannot be migrated."""
    creates = {d[0]: stmt for stmt in statements if (d := declared_key(stmt))}
    declared = {t: declared_key(stmt)[1] for t, stmt in creates.items()}
    changed = changed_keys(declared, stored_keys(session, keyspace))
    stuck = [t for t in changed if t not in DERIVED_TABLES and t not in KEY_MIGRATIONS]
    if stuck:
        raise SchemaConflict(f"keyspace {keyspace}: table(s) {', '.join(stuck)} have another primary key than"
                             " schema.cql's and hold rows that cannot be rebuilt; no migration is registered for"
                             " them (archive.storage.schema.KEY_MIGRATIONS), so nothing was changed")
    dropped = []
    for table in changed:
        if table in DERIVED_TABLES:
            # DDL: identifiers cannot be bind markers; keyspace is checked, table is one of schema.cql's names.
            ddl = f"DROP TABLE IF EXISTS {keyspace}.{table}"
            session.execute(ddl, timeout=120)
            dropped.append(table)
        else:
            KEY_MIGRATIONS[table](session, keyspace, creates[table])
    if changed:
        session.cluster.control_connection.wait_for_schema_agreement()
    return dropped


def apply_schema(settings: Settings, schema_path: Path = SCHEMA_FILE) -> AppliedSchema:
    """Apply schema.cql idempotently to settings.keyspace; return the tables it defines.

    A derived table (DERIVED_TABLES) whose primary key differs from schema.cql's is dropped and
    created anew, and named in the result's `recreated`: the caller must rebuild the indexes
    (`notes-archive schema apply` does). Any other table whose key differs raises SchemaConflict,
    unless KEY_MIGRATIONS has a migration for it.
    """
    statements = schema_statements(schema_path.read_text(), settings.keyspace, settings.replication)
    cluster = cluster_for(settings, timeout=60)
    try:
        session = cluster.connect()
        head = [s for s in statements if s.upper().startswith(("CREATE KEYSPACE", "USE "))]
        for stmt in head:
            session.execute(stmt, timeout=60)
        recreated = _migrate_keys(session, settings.keyspace, statements)
        for stmt in statements:
            if stmt not in head:
                session.execute(stmt, timeout=60)
        cluster.control_connection.wait_for_schema_agreement()
        migrate_layouts(session, settings)  # old tables' rows into their renamed, re-keyed successors
    finally:
        cluster.shutdown()
    tables = [m.group(1) for s in statements if (m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", s))]
    return AppliedSchema(tables, recreated)


def drop_keyspace(settings: Settings, keyspace: str) -> None:
    """Drop a keyspace (tests use it to remove their throw-away keyspace)."""
    check_keyspace_name(keyspace)
    cluster = cluster_for(settings, timeout=60)
    try:
        # DDL: an identifier cannot be a bind marker, so it is checked against _KEYSPACE_RE above.
        ddl = f"DROP KEYSPACE IF EXISTS {keyspace}"
        cluster.connect().execute(ddl, timeout=60)
    finally:
        cluster.shutdown()
