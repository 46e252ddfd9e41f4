"""The three-node cluster, started once for every cluster test module (or reused when it runs).

Package-scoped: it stops after the last test of tests/cluster, not at the end of the whole run, so
three idle nodes do not share the cores with the rest of the suite."""
from __future__ import annotations

import pytest

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
