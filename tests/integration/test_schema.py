"""schema.cql applies cleanly and idempotently, through cqlsh and through `notes-archive schema apply`."""
from __future__ import annotations

import dataclasses
import os
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


OLD_TAG_KEY = "PRIMARY KEY ((tag), day, talk_id)"


def old_schema(tmp_path, table_key: tuple[str, str]) -> Path:
    """schema.cql with one table's primary key as an older release had it (and its month column gone)."""
    text = (ROOT / "schema.cql").read_text()
    new, old = table_key
    assert new in text
    path = tmp_path / "old_schema.cql"
    path.write_text(text.replace(new, old))
    return path


def test_schema_apply_recreates_a_derived_table_whose_key_changed_and_rebuilds_it(node_settings, tmp_path):
    from datetime import date

    from archive.domain import Conference, Speaker, Talk, talk_id
    from archive.indexes.tables import EMPTY_KEYS, INDEX_TABLES, IndexKeys, index_keys
    from archive.browse import tag_page

    keyspace = f"test_migrate_{uuid.uuid4().hex[:8]}"
    s = dataclasses.replace(node_settings, keyspace=keyspace, write_consistency="ONE", read_consistency="ONE")
    conference = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15))
    talk = Talk(id=talk_id(conference.id, "Fast test"), conference_id=conference.id, title="Fast test",
                speakers=(Speaker("Gary Bernhardt", ""),), date=date(2012, 3, 9), tags=("testing",))
    try:
        # a keyspace of the release before: talks_by_tag keyed by tag alone, a talk and its old row in it
        storage.apply_schema(s, old_schema(tmp_path, ("PRIMARY KEY ((tag, month), day, talk_id)", OLD_TAG_KEY)))
        store = storage.connect(s)
        try:
            store.put_conference(conference, "test")
            keys = index_keys(talk, talk.date)
            store.write_talk(talk, conference, talk.date,
                             IndexKeys.of({t: keys.table(t) for t in INDEX_TABLES if t != "talks_by_tag"}), EMPTY_KEYS)
            store.query("INSERT INTO talks_by_tag (tag, day, talk_id, title) VALUES (?, ?, ?, ?)",
                        ("testing", talk.date, talk.id, talk.title))
        finally:
            store.close()
        proc = subprocess.run([sys.executable, "-m", "archive.cli", "schema", "apply"], cwd=ROOT, text=True,
                              capture_output=True, timeout=600, env={**os.environ, "NOTES_KEYSPACE": keyspace})
        assert proc.returncode == 0, proc.stderr
        assert "recreated with their new primary key: talks_by_tag" in proc.stdout
        assert "rebuilt the indexes of 1 talks" in proc.stdout
        store = storage.connect(s)
        try:
            page = tag_page(store, "secret", "testing")
            assert [r["talk_id"] for r in page.rows] == [talk.id]
            assert store.buckets("tag:testing") == [201203]
        finally:
            store.close()
        again = storage.apply_schema(s)  # now the keys match: nothing is recreated
        assert again.recreated == []
    finally:
        storage.drop_keyspace(node_settings, keyspace)


def test_schema_apply_refuses_a_table_that_cannot_be_rebuilt_and_changes_nothing(node_settings, tmp_path):
    keyspace = f"test_refuse_{uuid.uuid4().hex[:8]}"
    s = dataclasses.replace(node_settings, keyspace=keyspace)
    documents_key = "PRIMARY KEY ((source, bucket), path)"
    try:
        path = old_schema(tmp_path, ("PRIMARY KEY ((tag, month), day, talk_id)", OLD_TAG_KEY))
        path.write_text(path.read_text().replace(documents_key, "PRIMARY KEY ((source, bucket, path))"))
        storage.apply_schema(s, path)
        with pytest.raises(storage.SchemaConflict, match="source_documents"):
            storage.apply_schema(s)
        cluster = storage.cluster_for(s)
        try:
            cluster.connect()
            tables = cluster.metadata.keyspaces[keyspace].tables
            assert [c.name for c in tables["talks_by_tag"].partition_key] == ["tag"]  # not dropped either
            assert [c.name for c in tables["source_documents"].partition_key] == ["source", "bucket", "path"]
        finally:
            cluster.shutdown()
    finally:
        storage.drop_keyspace(node_settings, keyspace)
