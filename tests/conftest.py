"""Shared fixtures: the real Cassandra node, a fresh keyspace per test run, and a Store on it."""
from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import pytest

from archive.config import load_settings

CORPUS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus").resolve()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """Return the shared corpus folder (../shared/corpus), failing loudly if it is absent."""
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing: expected it at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def node_settings():
    """Start the local node, or reuse one already answering on the configured port."""
    from archive.tooling.node import LocalNode, release_version

    settings = load_settings()
    if release_version(settings, timeout=5) is None:
        LocalNode(settings).start()
    version = release_version(settings, timeout=10)
    assert version and version.startswith("5.0."), f"expected a Cassandra 5.0.x node, got {version!r}"
    return settings


@pytest.fixture(scope="session")
def settings(node_settings):
    """Settings pointing at a throw-away keyspace created from schema.cql for this test run."""
    from archive import storage

    keyspace = f"test_{uuid.uuid4().hex[:12]}"
    test_settings = dataclasses.replace(node_settings, keyspace=keyspace, write_consistency="ONE",
                                        read_consistency="ONE")
    storage.apply_schema(test_settings)
    yield test_settings
    if not os.environ.get("NOTES_TEST_KEEP_KEYSPACE"):
        storage.drop_keyspace(test_settings, keyspace)


@pytest.fixture(scope="session")
def store(settings):
    """A Store on the test run's keyspace (one session for the whole run)."""
    from archive import storage

    s = storage.connect(settings)
    yield s
    s.close()


@pytest.fixture
def clean_store(store):
    """The session Store with every table emptied first, for tests that count rows."""
    for table in store.tables():
        store.truncate(table)
    return store
