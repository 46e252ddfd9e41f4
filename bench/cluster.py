"""The cluster step of bin/bench: the same import and pages on the single node and on a 3-node cluster.

In one run, with the same slice of the catalogue and the same code, each of these gets a fresh
keyspace, the slice imported through the archive service, the no-op re-import, and the uncached
pages timed server side through the Flask test client:
- `single`: the single node, RF 1, its usual consistency (reads LOCAL_ONE, writes LOCAL_QUORUM);
- `single_quorum`: the single node, RF 1, reads and writes at LOCAL_QUORUM (one replica at RF 1);
- `cluster`: a local three-node cluster (started unless it runs; stopped after only if started
  here), NetworkTopologyStrategy RF 3, LOCAL_QUORUM reads and writes (LocalCluster.client_settings);
and, on the cluster's keyspace without importing again, `cluster_one`: LOCAL_ONE reads, so the
cost of quorum reads shows apart from the cost of the cluster.
Every node shares the same cores: the cluster's figures measure coordination and replication on
one machine, not the throughput of three machines.
"""
from __future__ import annotations

import dataclasses
import time

from archive import storage
from archive.config import load_settings
from archive.service.runner import run_import
from archive.tooling.cluster import LocalCluster
from bench.stats import measure

NODES = 3
PAGES = ("timeline", "tag_largest", "tag_median", "conference", "talk", "search", "api_tag")


def node_writes(store, keyspace: str) -> int:
    """Writes every node of the store's cluster has applied to a keyspace since it started (each asked)."""
    total = 0
    for host in store.session.cluster.metadata.all_hosts():
        rows = store.session.execute("SELECT count FROM system_views.local_write_latency WHERE keyspace_name = %s",
                                     (keyspace,), host=host)
        total += sum(int(r["count"]) for r in rows)
    return total


def page_urls(store) -> dict[str, str]:
    """The pages to time: the reads step's five (bench.run.pick_targets), a search and an API call."""
    from bench.run import pick_targets

    targets = pick_targets(store)
    tag_big, tag_med = targets["largest_tag"][0], targets["median_tag"][0]
    return {"timeline": "/", "tag_largest": f"/tags/{tag_big}", "tag_median": f"/tags/{tag_med}",
            "conference": f"/conferences/{targets['conference'][0]}", "talk": f"/talks/{targets['talk']}",
            "search": "/search?q=python", "api_tag": f"/api/v1/tags/{tag_big}"}


def time_pages(store, settings, urls: dict[str, str], requests: int, log) -> dict:
    """Time each page uncached (render cache off) through the Flask test client; p50/p99 in ms."""
    from web import create_app

    app = create_app({"TESTING": True, "NOTES_SETTINGS": dataclasses.replace(settings, render_cache_bytes=0),
                      "STORE": store})
    client = app.test_client()
    pages = {}
    for name, url in urls.items():
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        pages[name] = {"url": url, **measure(get, requests, warmup=min(20, requests))}
        log(f"  {name}: {pages[name]}")
    return pages


def import_slice(settings, sources, log) -> dict:
    """Import the slice into a fresh keyspace, then again unchanged; return the timings."""
    storage.drop_keyspace(settings, settings.keyspace)
    storage.apply_schema(settings)
    store = storage.connect(settings)
    try:
        started = time.monotonic()
        summary = run_import(store, sources)
        seconds = time.monotonic() - started
        talks = store.query("SELECT COUNT(*) AS n FROM talks")[0]["n"]
        log(f"  import: {talks} talks in {seconds:.1f}s = {talks / seconds:.1f} talks/s ({summary.failed} rejected)")
        before = node_writes(store, settings.keyspace)
        started = time.monotonic()
        again = run_import(store, sources)
        noop = time.monotonic() - started
        writes = node_writes(store, settings.keyspace) - before
        log(f"  no-op re-import: {noop:.2f}s, {writes} writes on all nodes")
    finally:
        store.close()
    return {"documents": summary.seen, "rejected": summary.failed, "talks": talks, "seconds": round(seconds, 2),
            "talks_per_s": round(talks / seconds, 1),
            "noop": {"documents": again.seen, "unchanged": again.unchanged, "seconds": round(noop, 2),
                     "node_writes": writes, "talks_written": again.talks_written}}


def variants(cluster: LocalCluster) -> list[tuple[str, object, bool]]:
    """(name, settings, whether it imports) for each measured variant, in the order they run."""
    from bench.run import settings_for

    quorum = {"read_consistency": "LOCAL_QUORUM", "write_consistency": "LOCAL_QUORUM"}
    on_cluster = dataclasses.replace(cluster.client_settings(), keyspace="bench_cluster")
    return [("single", settings_for("bench_single"), True),
            ("single_quorum", dataclasses.replace(settings_for("bench_single_q"), **quorum), True),
            ("cluster", on_cluster, True),
            ("cluster_one", dataclasses.replace(on_cluster, read_consistency="LOCAL_ONE"), False)]


def ratios(result: dict) -> dict:
    """cluster / single for import rate, no-op seconds and each page's p50 and p99 (pure)."""
    single, cluster = result["variants"]["single"], result["variants"]["cluster"]
    out = {"talks_per_s": round(cluster["import"]["talks_per_s"] / single["import"]["talks_per_s"], 3),
           "noop_seconds": round(cluster["import"]["noop"]["seconds"] / max(single["import"]["noop"]["seconds"], 1e-3), 2)}
    for page, timing in single["pages"].items():
        other = cluster["pages"][page]
        out[page] = {q: round(other[q] / timing[q], 2) for q in ("p50_ms", "p99_ms")}
    return out


def bench_cluster(min_talks: int, requests: int, log=print) -> dict:
    """Run the step (see the module docstring); return the figures for results.json."""
    from bench.run import first_events, subset_sources

    cluster = LocalCluster(load_settings(), NODES)
    was_running = all(node.pid() for node in cluster.nodes)
    log(f"cluster: starting {NODES} nodes on 127.0.0.1-{NODES}:{cluster.settings.cluster_port} ..."
        if not was_running else "cluster: using the running cluster")
    events = first_events(min_talks)
    sources = subset_sources(events)
    result = {"nodes": NODES, "events": len(events), "min_talks": min_talks, "requests": requests, "variants": {}}
    try:  # a start that fails half way stops the nodes it started too
        result["start_seconds"] = round(cluster.start(log), 1)
        urls = None
        for name, settings, imports in variants(cluster):
            log(f"cluster step, {name}: keyspace {settings.keyspace}, {settings.replication}, reads "
                f"{settings.read_consistency}, writes {settings.write_consistency}")
            figures = {"keyspace": settings.keyspace, "replication": settings.replication,
                       "read_consistency": settings.read_consistency, "write_consistency": settings.write_consistency,
                       "hosts": list(settings.cassandra_hosts)}
            if imports:
                figures["import"] = import_slice(settings, sources, log)
            store = storage.connect(settings)
            try:
                urls = urls or page_urls(store)  # the same pages everywhere: the same data
                figures["pages"] = time_pages(store, settings, urls, requests, log)
            finally:
                store.close()
            result["variants"][name] = figures
        result["ratios"] = ratios(result)
    finally:
        if not was_running:
            cluster.stop(log)
    return result
