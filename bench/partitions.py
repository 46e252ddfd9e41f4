"""The partitions step of bin/bench: how large each table's partitions are, and where 10M talks take them.

For one keyspace (default: the reads step's `bench_reads`, about 196k talks), after a flush, per
table: the partitions and their rows, counted by a paged `GROUP BY` on the partition key as the
schema has it now (system_schema.columns, so the step follows key changes), and the bytes the
node's sstables report (`nodetool tablestats`). The largest partition is extrapolated linearly to
10 million talks and held against 100,000 rows and 100 MB. Read only: it never writes the keyspace
(a flush only moves the memtables to disk).
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

from archive import storage
from bench import synth

TARGET_TALKS = 10_000_000
ROW_LIMIT = 100_000
BYTE_LIMIT = 100_000_000
STAT_FIELDS = {"Space used (live)": "live_bytes", "Number of partitions (estimate)": "partitions_estimate",
               "Compacted partition maximum bytes": "max_bytes", "Compacted partition mean bytes": "mean_bytes"}


def parse_tablestats(text: str) -> dict[str, dict[str, int]]:
    """Return table -> {live_bytes, partitions_estimate, max_bytes, mean_bytes} from `nodetool tablestats`."""
    tables: dict[str, dict[str, int]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Table: "):
            current = tables.setdefault(line.removeprefix("Table: ").strip(), {})
        elif line.startswith(("Keyspace", "Table (index)")):
            current = None
        elif current is not None and ": " in line:
            name, value = line.split(": ", 1)
            if name in STAT_FIELDS:
                current[STAT_FIELDS[name]] = int(float(value.split()[0]))
    return tables


def key_text(key: tuple) -> str:
    """Return a partition key as text: its values joined by ' / '."""
    return " / ".join(str(v) for v in key)


def table_sizes(sizes: list[tuple[tuple, int]]) -> dict:
    """Summarise (key, rows) pairs: partitions, rows, the largest (rows and key) and the median (pure)."""
    if not sizes:
        return {"partitions": 0, "rows": 0, "largest_rows": 0, "largest_key": None, "median_rows": 0}
    key, most = max(sizes, key=lambda kv: (kv[1], key_text(kv[0])))
    return {"partitions": len(sizes), "rows": sum(n for _, n in sizes), "largest_rows": most,
            "largest_key": key_text(key), "median_rows": statistics.median_low(n for _, n in sizes)}


def at_scale(table: dict, talks: int, target: int = TARGET_TALKS) -> dict:
    """Extrapolate a table's largest partition linearly to target talks; say whether it stays in bounds."""
    factor = target / talks
    rows, size = round(table["largest_rows"] * factor), round((table.get("max_bytes") or 0) * factor)
    over = [what for what, bad in (("rows", rows > ROW_LIMIT), ("bytes", size > BYTE_LIMIT)) if bad]
    return {"largest_rows_at_target": rows, "max_bytes_at_target": size,
            "verdict": "within" if not over else "OVER in " + " and ".join(over)}


def single_node_tool() -> Callable[..., str]:
    """Return nodetool against the single local node (its JMX port, the jars under NOTES_NODE_DIR)."""
    from archive.config import load_settings
    from archive.tooling.cluster import nodetool
    from archive.tooling.node import LocalNode

    node = LocalNode(load_settings())
    return lambda *args: nodetool(node, *args, timeout=600)


def bench_partitions(keyspace: str, nodetool: Callable[..., str], log=print) -> dict:
    """Measure every table of a keyspace (see the module docstring); return the figures for results.json."""
    from bench.run import settings_for

    started = time.monotonic()
    log(f"partitions: nodetool flush {keyspace}, then tablestats ...")
    nodetool("flush", keyspace)
    stats = parse_tablestats(nodetool("tablestats", keyspace))
    store = storage.connect(settings_for(keyspace))
    tables, talk_sizes = [], []
    try:
        for name in store.tables():
            t0 = time.monotonic()
            key = store.partition_key(name)
            sizes = list(store.partition_sizes(name))
            talk_sizes = sizes if name == "talks" else talk_sizes
            figures = {"table": name, "partition_key": key, **table_sizes(sizes), **stats.get(name, {}),
                       "seconds": round(time.monotonic() - t0, 1)}
            tables.append(figures)
            log(f"  {name} ({', '.join(key)}): {figures['partitions']} partitions, largest {figures['largest_rows']} "
                f"rows ({figures['largest_key']}), median {figures['median_rows']}, max {figures.get('max_bytes')} "
                f"bytes, {figures['seconds']}s")
    finally:
        store.close()
    talks, real = talk_counts(talk_sizes)
    for table in tables:
        # A table the synthetic copies leave out holds the real talks' rows only: scaled from those.
        table["scaled_from"] = real if table["table"].startswith(synth.NOT_COPIED) else talks
        if table["scaled_from"]:
            table.update(at_scale(table, table["scaled_from"]))
    seconds = round(time.monotonic() - started, 1)
    log(f"partitions: {len(tables)} tables of {keyspace} ({talks} talks, {real} real) in {seconds}s")
    return {"keyspace": keyspace, "talks": talks, "real_talks": real, "target_talks": TARGET_TALKS,
            "row_limit": ROW_LIMIT, "byte_limit": BYTE_LIMIT, "tables": tables, "seconds": seconds}


def talk_counts(talks_sizes: list[tuple[tuple, int]]) -> tuple[int, int]:
    """Return (talks, real talks) from the talks table's partitions: a copy's conference is not real."""
    total = sum(n for _, n in talks_sizes)
    copies = sum(n for key, n in talks_sizes if any(isinstance(v, str) and synth.is_copy(v) for v in key))
    return total, total - copies
