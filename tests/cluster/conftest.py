"""The three-node cluster, started once for every cluster test module (or reused when it runs).

Package-scoped: it stops after the last test of tests/cluster, not at the end of the whole run, so
three idle nodes do not share the cores with the rest of the suite."""
from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from archive import storage

from archive.config import load_settings
from archive.tooling.cluster import LocalCluster


@pytest.fixture(scope="package")
def cluster():
    """Start the three-node cluster (or reuse it when it runs already) and stop it afterwards."""
    local = LocalCluster(load_settings(), 3)
    was_running = all(node.pid() for node in local.nodes)
    local.start()
    yield local
    if not was_running:
        local.stop()


@pytest.fixture(scope="module")
def keyspace(cluster):
    """A throw-away RF 3 keyspace on the cluster, one per test module (NOTES_TEST_KEEP_KEYSPACE keeps it)."""
    settings = dataclasses.replace(cluster.client_settings(), keyspace=f"test_{uuid.uuid4().hex[:12]}")
    storage.apply_schema(settings)
    yield settings
    if not os.environ.get("NOTES_TEST_KEEP_KEYSPACE"):
        storage.drop_keyspace(settings, settings.keyspace)
