"""Applying schema.cql: statements split, the keyspace and its replication substituted."""
from __future__ import annotations

import re
from pathlib import Path

from archive.config import PROJECT_ROOT, Settings
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


def apply_schema(settings: Settings, schema_path: Path = SCHEMA_FILE) -> list[str]:
    """Apply schema.cql idempotently to settings.keyspace; return the tables it defines."""
    statements = schema_statements(schema_path.read_text(), settings.keyspace, settings.replication)
    cluster = cluster_for(settings, timeout=60)
    try:
        session = cluster.connect()
        for stmt in statements:
            session.execute(stmt, timeout=60)
        cluster.control_connection.wait_for_schema_agreement()
        migrate_layouts(session, settings)  # old tables' rows into their renamed, re-keyed successors
    finally:
        cluster.shutdown()
    return [m.group(1) for s in statements if (m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", s))]


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
