"""The archive on a local three-node cluster (127.0.0.1-3) at replication factor 3, LOCAL_QUORUM.

Skip by hand with `-m "not cluster"`; the README's test command runs them.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import uuid

import pytest

from archive import storage
from archive.config import PROJECT_ROOT
from archive.service.runner import run_import
from archive.tooling.cluster import parse_status

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster_store(cluster):
    """A Store on a throw-away RF 3 keyspace of the cluster, reading and writing at LOCAL_QUORUM."""
    settings = dataclasses.replace(cluster.client_settings(), keyspace=f"test_{uuid.uuid4().hex[:12]}")
    storage.apply_schema(settings)
    store = storage.connect(settings)
    yield store
    store.close()
    storage.drop_keyspace(settings, settings.keyspace)


def test_nodetool_status_lines_are_read():
    text = """Datacenter: datacenter1
=======================
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address    Load        Tokens  Owns (effective)  Host ID                               Rack
UN  127.0.0.1  104.3 KiB   16      100.0%            3f0e...  rack1
DN  127.0.0.2  ?           16      100.0%            5a1c...  rack1
"""
    assert parse_status(text) == {"127.0.0.1": ("UN", "104.3 KiB"), "127.0.0.2": ("DN", "?")}


def test_three_nodes_are_up_and_normal_with_the_stock_guardrails(cluster):
    rows = cluster.status()
    assert [r.address for r in rows] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert all(r.state == "UN" and r.answering and r.pid for r in rows), rows
    for node in cluster.nodes:  # each node alone
        settings = dataclasses.replace(cluster.client_settings(), cassandra_hosts=(node.address,))
        assert storage.probe_release_version(settings, host=(node.address, node.native_port)).startswith("5.0.")
    store = storage.connect(dataclasses.replace(cluster.client_settings(), keyspace="system"))
    try:
        limits = {r["name"]: r["value"] for r in store.query(
            "SELECT name, value FROM system_views.settings WHERE name IN ('batch_size_fail_threshold', "
            "'batch_size_warn_threshold')")}
    finally:
        store.close()
    assert limits == {"batch_size_fail_threshold": "50KiB", "batch_size_warn_threshold": "5KiB"}


def test_the_run_commands_sources_import_at_rf3_and_every_replica_holds_them(cluster, cluster_store):
    store = cluster_store
    replication = store.query("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
                              (store.settings.keyspace,))[0]["replication"]
    assert replication == {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1": "3"}
    summary = run_import(store, PROJECT_ROOT / "sources.toml")
    assert summary.failed == 0, summary.errors
    talks = store.query("SELECT COUNT(*) AS n FROM talks")[0]["n"]
    assert talks > 300
    # each node owns every row (RF 3 of 3): nodetool getendpoints names all three for a talk
    tid = store.query("SELECT conference_id, id FROM talks LIMIT 1")[0]
    endpoints = cluster.nodetool("getendpoints", store.settings.keyspace, "talks", tid["conference_id"])
    assert sorted(endpoints.split()) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    again = run_import(store, PROJECT_ROOT / "sources.toml")
    assert (again.new, again.changed, again.talks_written) == (0, 0, 0)


def test_the_command_line_runs_on_the_cluster_through_cluster_env(cluster):
    """`eval "$(notes-archive cluster env)"` (what bin/run --cluster does before web, worker and beat)
    points every command at the cluster: schema apply makes an RF 3 keyspace there and the import
    writes its talks there at LOCAL_QUORUM."""
    keyspace = f"test_env_{uuid.uuid4().hex[:8]}"
    cli = PROJECT_ROOT / ".venv" / "bin" / "notes-archive"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTES_")}
    env.update(NOTES_KEYSPACE=keyspace, NOTES_SOURCES=str(PROJECT_ROOT / "sources.toml"))
    script = f'set -e; eval "$({cli} cluster env)"; {cli} schema apply; {cli} import --no-fetch; {cli} runs'
    settings = dataclasses.replace(cluster.client_settings(), keyspace=keyspace)
    try:
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        store = storage.connect(settings)
        try:
            replication = store.query("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
                                      (keyspace,))[0]["replication"]
            assert replication["datacenter1"] == "3"
            assert store.query("SELECT COUNT(*) AS n FROM talks")[0]["n"] > 300
        finally:
            store.close()
        assert "cli" in done.stdout  # the run is in the cluster's import history
    finally:
        storage.drop_keyspace(settings, keyspace)
