"""Partition sizes for the benchmark's partitions step, read from the real node whatever the schema."""
from __future__ import annotations

from datetime import date

import pytest

from archive.domain import Conference
from tests.integration.test_storage import make_talk, write

pytestmark = pytest.mark.integration


def test_partition_keys_are_the_schemas(store):
    tables = store.session.cluster.metadata.keyspaces[store.settings.keyspace].tables
    for name in store.tables():
        assert store.partition_key(name) == [c.name for c in tables[name].partition_key], name


def test_partition_sizes_count_every_row_of_every_partition_across_batches(clean_store):
    store = clean_store
    for i in range(7):
        store.put_conference(Conference(f"conf-{i}", f"Conf {i}", date(2010 + i, 1, 1)), "s")
    for i in range(6):
        write(store, make_talk(f"Talk {i}", i, date(2012, 3, 8 + i % 3), tags=("testing", f"t{i % 2}")))
    for name in store.tables():
        key = store.partition_key(name)
        rows = store.query(f"SELECT COUNT(*) AS n FROM {name}")[0]["n"]
        distinct = {tuple(r[c] for c in key) for r in store.scan(name, ", ".join(key))}
        for batch in (2, 3, 1000):  # 2 and 3: a request that ends mid-table, resumed after its last group but one
            sizes = list(store.partition_sizes(name, batch=batch))
            assert sum(n for _, n in sizes) == rows, (name, batch)
            assert sorted(k for k, _ in sizes) == sorted(distinct), (name, batch)
    assert dict(store.partition_sizes("conferences")) == {(f"conf-{i}",): 1 for i in range(7)}
    # The way round a partition too large for a range read's pages: each partition counted alone, by key.
    for name in store.tables():
        alone, after = [], -(2**63)
        while (found := store.count_next_partition(name, store.partition_key(name), after, 60)) is not None:
            after, key, n = found
            alone.append((key, n))
        assert alone == list(store.partition_sizes(name)), name
