"""schema.cql applies cleanly and idempotently, through cqlsh and through `notes-archive schema apply`."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from archive import storage

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_cqlsh_applies_schema_twice(node_settings):
    cqlsh = Path(sys.executable).with_name("cqlsh")
    assert cqlsh.exists() or shutil.which("cqlsh"), "cqlsh (PyPI) is a test dependency"
    cmd = [str(cqlsh), node_settings.cassandra_hosts[0], str(node_settings.cassandra_port), "-f", str(ROOT / "schema.cql")]
    for attempt in (1, 2):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        errors = [l for l in proc.stderr.splitlines() if "WARNING: cqlsh was built against" not in l and l.strip()]
        assert proc.returncode == 0 and not errors, f"attempt {attempt}: {proc.stderr}"


def test_apply_schema_is_idempotent_and_comments_every_table(node_settings):
    keyspace = f"test_schema_{uuid.uuid4().hex[:8]}"
    s = dataclasses.replace(node_settings, keyspace=keyspace)
    try:
        first = storage.apply_schema(s)
        second = storage.apply_schema(s)
        assert first == second and len(first) >= 12
        cluster = storage.cluster_for(s)
        try:
            cluster.connect()
            tables = cluster.metadata.keyspaces[keyspace].tables
            assert set(tables) == set(first)
            for name, table in tables.items():
                assert table.options.get("comment", "").startswith("Q:"), name
                assert not table.indexes, f"{name} has a secondary index"
        finally:
            cluster.shutdown()
    finally:
        storage.drop_keyspace(node_settings, keyspace)


def test_schema_file_names_the_query_of_every_table():
    text = (ROOT / "schema.cql").read_text()
    for stmt in storage.split_cql(text):
        if stmt.startswith("CREATE TABLE"):
            assert "comment = 'Q:" in stmt, stmt[:60]
    assert "ALLOW FILTERING" not in "".join(storage.split_cql(text))
