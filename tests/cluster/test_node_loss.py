"""Losing a node in the middle of a catalogue import at RF 3, LOCAL_QUORUM: nothing is lost, every
page and API request answers 200 meanwhile, and after the node's restart and a full repair each
node's own replica holds exactly what a single-node import of the same sources holds.

The import is a slice of the pyvideo catalogue (the events in name order up to
NOTES_TEST_CLUSTER_TALKS talks, 500 by default); the node is killed (SIGKILL) once a quarter of its
documents are imported, so the kill lands mid-import whatever the machine's speed.
Skip by hand with `-m "not cluster"`.
"""
from __future__ import annotations

import dataclasses
import os
import re
import signal
import threading
import time
import uuid

import pytest

from archive import storage
from archive.service.runner import run_import
from archive.domain import speaker_slug
from tests.cluster.replicas import (PageReader, catalogue_sources, differences, keyspace_digest, keyspace_rows, node_store,
                                    pending_hints, reads_only_its_own_replica, slice_sources, wait_until)

pytestmark = pytest.mark.cluster
TALKS = int(os.environ.get("NOTES_TEST_CLUSTER_TALKS", "500"))
KILLED = 3  # the node lost (not the seed, which nodetool asks first)
KILL_AT = 0.25  # share of the slice's documents imported when the node is killed
report: dict = {}  # measured figures, printed at the end of the module (pytest -s shows them)


def log(line: str) -> None:
    print(f"[node loss {time.strftime('%H:%M:%S')}] {line}", flush=True)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The baseline (the slice's first event) and the slice, as two sources files of one catalogue source."""
    folder = tmp_path_factory.mktemp("node-loss")
    events, talks = slice_sources(TALKS)
    return (catalogue_sources(folder / "baseline.toml", events[:1]), catalogue_sources(folder / "slice.toml", events),
            talks)


def pages_to_read(store) -> list[str]:
    """Pages and API URLs of what the baseline import wrote: timeline, a conference, a talk, a tag, a speaker, search."""
    talk = store.query("SELECT conference_id, id, title, speakers FROM talks LIMIT 1")[0]
    tag = max(store.tag_cloud().items(), key=lambda kv: (kv[1], kv[0]))[0]
    word = max(re.findall(r"[A-Za-z]{4,}", talk["title"]) or ["python"], key=len).lower()
    urls = ["/", f"/conferences/{talk['conference_id']}", f"/talks/{talk['id']}", f"/tags/{tag}", f"/search?q={word}",
            "/api/v1/timeline", f"/api/v1/conferences/{talk['conference_id']}", f"/api/v1/talks/{talk['id']}",
            f"/api/v1/tags/{tag}", f"/api/v1/search?q={word}", "/tags"]
    if talk["speakers"]:
        slug = speaker_slug(talk["speakers"][0][0])
        urls += [f"/speakers/{slug}", f"/api/v1/speakers/{slug}"]
    return urls


@pytest.fixture(scope="module")
def lost(cluster, keyspace, sources):
    """Import the baseline, then the slice with a node SIGKILLed a quarter of the way in, while
    two threads read pages; restart the node, wait for its hints, repair. Returns what happened."""
    from web import create_app

    baseline, slice_file, talks = sources
    store = storage.connect(keyspace)
    t0 = time.monotonic()
    base = run_import(store, baseline)
    assert base.failed == 0, base.errors
    report["baseline import"] = f"{base.talks_written} talks in {time.monotonic() - t0:.1f} s"
    web_store = storage.connect(keyspace)
    app = create_app({"TESTING": True, "STORE": web_store,
                      "NOTES_SETTINGS": dataclasses.replace(keyspace, render_cache_bytes=0)})
    urls = pages_to_read(store)
    reader = PageReader(app, urls).start()
    done, killed_at, node = [], [], cluster.nodes[KILLED - 1]
    documents = talks  # one video file per talk (and a category.json per event)

    def progress(_source, _outcome):
        done.append(time.monotonic())
        if not killed_at and len(done) >= documents * KILL_AT:
            os.kill(node.pid(), signal.SIGKILL)
            killed_at.append(time.monotonic())
            log(f"SIGKILL {node.address} after {len(done)} documents")

    result: dict = {}

    def run():
        try:
            result["summary"] = run_import(store, slice_file, progress=progress)
        except Exception as exc:  # noqa: BLE001 - reported below, after the node is back
            result["error"] = exc

    importer = threading.Thread(target=run)
    t_import = time.monotonic()
    importer.start()
    importer.join(3600)
    t_end = time.monotonic()
    if killed_at and "summary" not in result:
        reader.stop()
        node.start(log)
        cluster.wait_normal(time.monotonic() + 180)
    assert not importer.is_alive(), "the slice's import did not end within an hour"
    assert "summary" in result, f"the import failed {t_end - killed_at[0]:.0f} s after the kill: {result.get('error')!r}" \
                                f"; page errors: {len(reader.errors)}, the first: {reader.errors[:3]}"
    assert killed_at, f"the import ended ({len(done)} documents) before the kill point ({documents * KILL_AT:.0f})"
    summary = result["summary"]
    # the lease's LWTs at SERIAL need 2 of 3 replicas: they work with the node down
    assert store.acquire_lease("node-loss", "test", 60) and store.renew_lease("node-loss", "test", 60)
    assert store.release_lease("node-loss", "test")
    t_restart = time.monotonic()
    node.start(log)
    cluster.wait_normal(time.monotonic() + 180)
    wait_until(lambda: not any(pending_hints(cluster, i) for i in (1, 2)), 300,
               f"nodes 1 and 2 to deliver their hints to {node.address}", every=3)
    t_back = time.monotonic()
    reader.stop()
    t_repair = time.monotonic()
    cluster.nodetool("repair", "-full", keyspace.keyspace, node=1, timeout=900)
    repair_s = time.monotonic() - t_repair
    before = sum(1 for t in done if t < killed_at[0])
    report.update({
        "slice import": f"{summary.talks_written} talks written, {len(done)} documents in {t_end - t_import:.1f} s",
        "documents/s all up (before the kill)": f"{before / (killed_at[0] - t_import):.2f}",
        "documents/s one node down (after)": f"{(len(done) - before) / (t_end - killed_at[0]):.2f}",
        "requests during the loss (kill to node back with hints delivered)":
            f"{reader.between(killed_at[0], t_back)} ({reader.between(killed_at[0], t_end)} while the import ran)",
        "requests in all / errors": f"{len(reader.results)} / {len(reader.errors)}",
        "restart to UN and hints delivered": f"{t_back - t_restart:.1f} s",
        "nodetool repair -full": f"{repair_s:.1f} s",
    })
    yield {"summary": summary, "reader": reader, "store": store, "killed_at": killed_at[0], "end": t_end,
           "talks": talks, "urls": urls}
    web_store.close()
    store.close()
    for key, value in report.items():
        log(f"{key}: {value}")


def test_the_import_ends_with_nothing_failed_though_a_node_was_killed(lost):
    summary = lost["summary"]
    assert summary.failed == 0, summary.errors
    stored = lost["store"].query("SELECT COUNT(*) AS n FROM talks")[0]["n"]
    assert stored == lost["talks"], f"{stored} talks stored of the slice's {lost['talks']}"


def test_every_page_answered_200_while_the_node_was_down(lost):
    reader = lost["reader"]
    during = reader.between(lost["killed_at"], lost["end"])
    assert not reader.errors, f"{len(reader.errors)} errors, the first: {reader.errors[:5]}"
    assert during >= len(lost["urls"]), f"only {during} requests ran while the node was down"
    assert {status for _, _, status in reader.results} == {200}


def test_after_repair_each_replica_equals_a_single_node_import(lost, cluster, keyspace, sources, node_settings):
    baseline, slice_file, _ = sources
    replicas = {}
    for node in cluster.nodes:
        alone = node_store(keyspace, node.address)
        try:
            assert reads_only_its_own_replica(alone, node.address) == [], \
                f"a read at ONE coordinated by {node.address} involved another node"
            replicas[node.address] = keyspace_rows(alone)
        finally:
            alone.close()
    # the reference: the same two imports into a keyspace of the single node
    single = dataclasses.replace(node_settings, keyspace=f"test_{uuid.uuid4().hex[:12]}")
    storage.apply_schema(single)
    reference_store = storage.connect(single)
    try:
        t0 = time.monotonic()
        for path in (baseline, slice_file):
            assert run_import(reference_store, path).failed == 0
        report["single-node reference import"] = f"{time.monotonic() - t0:.1f} s"
        reference = keyspace_rows(reference_store)
    finally:
        reference_store.close()
        if not os.environ.get("NOTES_TEST_KEEP_KEYSPACE"):
            storage.drop_keyspace(single, single.keyspace)
    for address, rows in replicas.items():
        report[f"digest {address}"] = f"{keyspace_digest(rows)[:16]} ({sum(map(len, rows.values()))} rows)"
    report["digest single node"] = f"{keyspace_digest(reference)[:16]} ({sum(map(len, reference.values()))} rows)"
    for address, rows in replicas.items():
        assert keyspace_digest(rows) == keyspace_digest(reference), \
            f"{address}'s replica differs from the single node's import: {differences(rows, reference)}"
