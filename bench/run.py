"""The benchmark suite: `bin/bench` (not part of the test command).

One run measures, on the local node:
1. import of the whole catalogue through the archive service (search postings and the vocabulary
   recount included), next to the raw-driver ceiling (the same rows, search and vocabulary rows too,
   with prepared statements and execute_concurrent, no parsing);
2. the no-op re-import of the unchanged catalogue: seconds and writes the node counted;
3. server-side page latency (p50/p99) at about 2k, 20k and 200k talks, next to the naive
   alternatives on the same data (an SAI index on `talks.tags`, ALLOW FILTERING scans) and the raw
   single-partition read floor;
4. web throughput under gunicorn with wrk, next to the same gunicorn serving saved static copies;
5. search (issue 14, bench/search.py): latency at each size beside the raw-read floor and SQLite FTS5,
   and the top-10 overlap with FTS5; it reuses the import step's keyspace for the whole catalogue.
6. partitions (issue 18, bench/partitions.py): per table of a keyspace (the reads step's, ~196k talks),
   the partitions, the largest and median in rows, the sstables' bytes, and the largest at 10M talks;
7. cluster (issue 18, bench/cluster.py): a slice of the catalogue imported, re-imported and its pages
   timed on the single node and on a local three-node cluster at RF 3, side by side.
Steps: --skip STEP, or --only STEP (repeatable): import, search, reads, web, partitions, cluster.
Results: bench/results/results.json, results.md and latency.png (see bench/report.py), and
docs/search-benchmark.md (bench/search.py).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from cassandra import ReadFailure
from cassandra.concurrent import execute_concurrent

from archive import storage

from archive.service import maintenance
from archive.parse.catalogue import event_id
from archive.formats.codec import talk_to_json
from archive.config import PROJECT_ROOT, load_settings
from archive.indexes.tables import SEARCH_POSTINGS, index_keys
from archive.storage.ledger import DOCUMENT_BUCKETS
from archive.storage.placement import bucket_of
from archive.domain import Conference
from archive.service.run import recount_terms
from archive.service.runner import run_import
from archive.sources import Source, list_documents
from bench import synth
from bench.stats import measure

RESULTS = PROJECT_ROOT / "bench" / "results"
WORK = PROJECT_ROOT / "var" / "bench"
CATALOGUE = (PROJECT_ROOT / "../shared/corpus/pyvideo-data").resolve()
FULL_SOURCES = PROJECT_ROOT / "sources-full.toml"
RAW_CONCURRENCY = 64
STEPS = ["import", "search", "reads", "web", "partitions", "cluster"]


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def settings_for(keyspace: str):
    return dataclasses.replace(load_settings(), keyspace=keyspace)


def fresh_store(keyspace: str):
    """Drop and recreate a keyspace from schema.cql; return a store on it."""
    settings = settings_for(keyspace)
    storage.drop_keyspace(settings, keyspace)
    storage.apply_schema(settings)
    return storage.connect(settings)


def node_writes(store, keyspace: str) -> int:
    """Writes the node has applied to a keyspace's tables since it started (system_views)."""
    rows = store.session.execute("SELECT count FROM system_views.local_write_latency WHERE keyspace_name = %s",
                                 (keyspace,))
    return sum(int(r["count"]) for r in rows)


def count(store, table: str) -> int:
    """Count a table's rows range by range (one COUNT(*) over 196k talks timed out on a busy node)."""
    key = store.partition_key(table)
    return sum(1 for _ in store.scan_by_token(table, key, key, fetch_size=5000))


# -- 1 and 2: import, the raw ceiling, the no-op re-import -------------------------------------------
def bench_import() -> dict:
    keyspace = "bench_import"
    store = fresh_store(keyspace)
    log("import: the whole catalogue and the seed notes through the archive service ...")
    started = time.monotonic()
    summary = run_import(store, FULL_SOURCES)
    seconds = time.monotonic() - started
    talks = count(store, "talks")
    result = {"documents": summary.seen, "rejected": summary.failed, "talks": talks, "linked": summary.linked,
              "seconds": round(seconds, 2), "talks_per_s": round(talks / seconds, 1)}
    log(f"import: {talks} talks in {seconds:.1f}s = {talks / seconds:.0f} talks/s")
    before = node_writes(store, keyspace)
    started = time.monotonic()
    again = run_import(store, FULL_SOURCES)
    noop_seconds = time.monotonic() - started
    writes = node_writes(store, keyspace) - before
    noop = {"documents": again.seen, "unchanged": again.unchanged, "seconds": round(noop_seconds, 2),
            "node_writes": writes, "talks_written": again.talks_written}
    log(f"no-op re-import: {noop_seconds:.2f}s, {writes} writes")
    # What the import's vocabulary recount costs (it ran inside the import, over every term it touched).
    started = time.monotonic()
    recount_terms(store, store.posting_terms())
    result["recount_seconds"] = round(time.monotonic() - started, 2)
    log(f"vocabulary recount of every term: {result['recount_seconds']}s")
    raw = bench_raw_ceiling(store)
    result["raw_ceiling"] = raw
    result["ratio_to_raw"] = round(result["talks_per_s"] / raw["talks_per_s"], 3)
    store.close()
    return {"import": result, "noop_reimport": noop}


def raw_statements(source_store, target) -> tuple[list, int, dict]:
    """The rows the service wrote, as single prepared statements for the target keyspace (no parsing).

    Talk, index and search rows come from the store's own `talk_rows` (what write_talk writes: its
    LOGGED batch and the postings and search_docs rows beside it), plus one source_talks and one
    documents row per talk, as the import writes, and the vocabulary rows the import's recount wrote.
    Returns the statements, the number of talks, and how many are search and vocabulary rows.
    """
    ins_source = target._p("INSERT INTO source_talks (conference_id, origin, talk_id, document_id, talk)"
                           " VALUES (?,?,?,?,?)")
    ins_doc = target._p("INSERT INTO source_documents (source, bucket, path, content_hash, talk_ids, conference_id,"
                        " title, format, last_error, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
    conferences = {c.id: c for c, _ in source_store.all_conferences()}
    now = datetime.now(timezone.utc)
    statements, talks, search_rows = [], 0, 0
    for talk, day in source_store.all_stored_talks():
        talks += 1
        conference = conferences.get(talk.conference_id) or Conference(talk.conference_id, talk.conference_id)
        keys = index_keys(talk, day)
        statements += target.talk_rows(talk, conference, day, keys)
        search_rows += len(keys.table(SEARCH_POSTINGS)) + len(keys.table("search_docs"))
        statements.append((ins_source, (talk.conference_id, "catalogue", talk.id, talk.document_id, talk_to_json(talk))))
        statements.append((ins_doc, ("pyvideo", bucket_of(talk.document_id, DOCUMENT_BUCKETS), talk.document_id,
                                     "0" * 64, {talk.id}, talk.conference_id, talk.title, "catalogue", None, now)))
    ins_term = target._p("INSERT INTO search_vocabulary (prefix, term, df) VALUES (?, ?, ?)")
    vocabulary = [(ins_term, (r["prefix"], r["term"], r["df"]))
                  for r in source_store.scan_by_token("search_vocabulary", "prefix", ("prefix", "term", "df"))]
    statements += vocabulary
    return statements, talks, {"search_rows": search_rows, "vocabulary_rows": len(vocabulary)}


def bench_raw_ceiling(source_store) -> dict:
    target = fresh_store("bench_raw")
    statements, talks, counts = raw_statements(source_store, target)
    log(f"raw ceiling: {len(statements)} rows for {talks} talks with execute_concurrent ...")
    started = time.monotonic()
    # 64 in flight: at 128 the shared two-core node let a write pass the client's 20 s timeout. Rows
    # are plain INSERTs, so a write that failed (a timeout) is sent again, and counted.
    results = execute_concurrent(target.session, statements, concurrency=RAW_CONCURRENCY, raise_on_first_error=False)
    failed = [statement for statement, (ok, _) in zip(statements, results) if not ok]
    retried = len(failed)
    for _ in range(3):
        if not failed:
            break
        again = execute_concurrent(target.session, failed, concurrency=16, raise_on_first_error=False)
        failed = [statement for statement, (ok, _) in zip(failed, again) if not ok]
    seconds = time.monotonic() - started
    assert len(results) == len(statements) and not failed, f"{len(failed)} raw writes failed"
    target.close()
    storage.drop_keyspace(settings_for("bench_raw"), "bench_raw")  # a copy of the import's rows: not kept
    log(f"raw ceiling: {seconds:.1f}s = {talks / seconds:.0f} talks/s")
    return {"rows": len(statements), "talks": talks, "seconds": round(seconds, 2),
            "talks_per_s": round(talks / seconds, 1), "concurrency": RAW_CONCURRENCY, "retried": retried, **counts}


# -- 3: read latency against archive size ---------------------------------------------------------
def first_events(min_talks: int) -> list[str]:
    """The catalogue's events in name order, as many as it takes to reach min_talks talks."""
    source = Source("pyvideo", "catalogue", CATALOGUE)
    events, total = [], 0
    per_event: dict[str, int] = {}
    for path in list_documents(source):
        if "/videos/" in path:
            per_event[event_id(path)] = per_event.get(event_id(path), 0) + 1
    for event in sorted(per_event):
        events.append(event)
        total += per_event[event]
        if total >= min_talks:
            break
    return events


def subset_sources(events: list[str]) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "sources-subset.toml"
    globs = ", ".join(f'"{e}/*"' for e in events)
    path.write_text(f'[[source]]\nname = "pyvideo"\nkind = "catalogue"\npath = "{CATALOGUE}"\ninclude = [{globs}]\n')
    return path


def pick_targets(store) -> dict:
    """The pages to time at this size: the largest and the median tag, the largest conference, a talk."""
    cloud = store.tag_cloud()
    ranked = sorted(cloud.items(), key=lambda kv: (-kv[1], kv[0]))
    largest, median = ranked[0], ranked[len(ranked) // 2]
    conferences = store.query("SELECT conference_id, talk_count FROM conferences_by_year")
    biggest = max(conferences, key=lambda r: (r["talk_count"] or 0, r["conference_id"]))
    talk_id = store.talks_by_tag(largest[0], limit=1).rows[0]["talk_id"]
    return {"largest_tag": largest, "median_tag": median, "conference": (biggest["conference_id"], biggest["talk_count"]),
            "talk": talk_id}


def wait_for_index(session, query, params, timeout=600) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            session.execute(query, params, timeout=120)
            return
        except Exception as exc:  # noqa: BLE001 - "not queryable" while the index builds
            if time.monotonic() > deadline:
                raise RuntimeError(f"the SAI index did not become queryable: {exc}") from exc
            time.sleep(2)


def measure_size(store, client, keyspace: str, label: str, requests: int, first_client=None) -> dict:
    talks = count(store, "talks")
    targets = pick_targets(store)
    tag_big, tag_med = targets["largest_tag"][0], targets["median_tag"][0]
    pages = {"timeline": "/", "tag_largest": f"/tags/{tag_big}", "tag_median": f"/tags/{tag_med}",
             "conference": f"/conferences/{targets['conference'][0]}", "talk": f"/talks/{targets['talk']}"}
    result = {"label": label, "talks": talks, "targets": {k: v for k, v in targets.items()}, "pages": {}}
    for name, url in pages.items():
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        result["pages"][name] = {"url": url, **measure(get, requests, warmup=20)}
        log(f"  {label} {name}: {result['pages'][name]}")
    if first_client is not None:  # as every page's first request in a generation: its list's months read too
        result["first_in_generation"] = {}
        for name in ("timeline", "tag_largest", "tag_median"):
            def first(url=pages[name]):
                assert first_client.get(url).status_code == 200, url
            result["first_in_generation"][name] = measure(first, requests, warmup=20)
            log(f"  {label} {name}, first request in a generation: {result['first_in_generation'][name]}")
    session = store.session
    newest = store.buckets(f"tag:{tag_big}")[0]  # the tag's newest month bucket: where its first page is
    floor_stmt = store._p("SELECT * FROM talks_by_tag WHERE tag = ? AND month = ? LIMIT 26")
    result["floor"] = measure(lambda: list(session.execute(floor_stmt, (tag_big, newest))), requests * 2, warmup=50)
    log(f"  {label} floor (one talks_by_tag bucket page read): {result['floor']}")
    # Naive alternatives on the same data: a tag page from the talks table, newest first.
    def naive(stmt):
        def run():
            rows = list(session.execute(stmt, (tag_big,), timeout=300))
            return sorted(rows, key=lambda r: (r["day"] is not None, str(r["day"]), r["id"]), reverse=True)[:25]
        return run
    filtering = session.prepare(f"SELECT id, conference_id, title, day FROM {keyspace}.talks "
                                "WHERE tags CONTAINS ? ALLOW FILTERING")
    filtering.fetch_size = 5000
    try:
        result["allow_filtering_tag"] = measure(naive(filtering), 30, warmup=1, budget_s=45)
    except ReadFailure as exc:  # e.g. the node's tombstone guardrail: say so, and measure the rest
        nan = float("nan")
        result["allow_filtering_tag"] = {"p50_ms": nan, "p99_ms": nan, "mean_ms": nan, "n": 0, "error": str(exc)}
    log(f"  {label} ALLOW FILTERING tag page: {result['allow_filtering_tag']}")
    # DDL cannot bind identifiers; keyspace is one of this module's constants, checked by apply_schema.
    session.execute(f"CREATE INDEX IF NOT EXISTS talks_tags_sai ON {keyspace}.talks (tags) USING 'sai'", timeout=300)
    sai = session.prepare(f"SELECT id, conference_id, title, day FROM {keyspace}.talks WHERE tags CONTAINS ?")
    sai.fetch_size = 5000
    wait_for_index(session, sai, (tag_big,))
    result["sai_tag"] = measure(naive(sai), 60, warmup=2, budget_s=45)
    log(f"  {label} SAI tag page: {result['sai_tag']}")
    session.execute(f"DROP INDEX IF EXISTS {keyspace}.talks_tags_sai", timeout=300)
    scan = session.prepare(f"SELECT id, name, start_date FROM {keyspace}.conferences")
    scan.fetch_size = 5000
    result["scan_timeline"] = measure(
        lambda: sorted(session.execute(scan), key=lambda r: str(r["start_date"]), reverse=True)[:25],
        60, warmup=2, budget_s=30)
    log(f"  {label} timeline by full scan of conferences: {result['scan_timeline']}")
    return result


def bench_reads(sizes: list[str], requests: int) -> tuple[list[dict], object]:
    from web import create_app

    keyspace = "bench_reads"
    store = fresh_store(keyspace)
    # Uncached: no render cache, so every request reads and renders (the cached rates come from the web step).
    settings = dataclasses.replace(settings_for(keyspace), render_cache_bytes=0)
    app = create_app({"TESTING": True, "NOTES_SETTINGS": settings, "STORE": store})
    client = app.test_client()
    # The same pages as each one's first request in a generation: nothing kept for the generation
    # (archive.storage.memo), so a list page reads its months before its rows.
    first = create_app({"TESTING": True, "NOTES_SETTINGS": settings, "STORE": store})
    first.extensions["notes_store"].generation = None
    first_client = first.test_client()
    results = []
    if "2k" in sizes:
        events = first_events(2000)
        log(f"reads: growing to ~2k talks ({len(events)} events) ...")
        run_import(store, subset_sources(events))
        results.append(measure_size(store, client, keyspace, "2k", requests, first_client))
    if "20k" in sizes or "200k" in sizes:
        log("reads: growing to the whole catalogue (~21.7k talks) ...")
        run_import(store, FULL_SOURCES)
        if "20k" in sizes:
            results.append(measure_size(store, client, keyspace, "20k", requests, first_client))
    if "200k" in sizes:
        talks = [t for t, _ in store.all_stored_talks()]
        conferences = {c.id: c for c, _ in store.all_conferences()}
        copies = range(1, 9)
        log(f"reads: growing to ~200k talks with {len(copies)} synthetic copies of {len(talks)} real talks ...")
        started = time.monotonic()
        written = synth.write_synthetic(store, synth.synthetic_copies(talks, conferences, copies),
                                        on_progress=lambda n: log(f"  {n} synthetic talks written"), search=False)
        log(f"  {written} synthetic talks in {time.monotonic() - started:.0f}s; recounting tags ...")
        maintenance.refresh_tag_counts(store)
        results.append(measure_size(store, client, keyspace, "200k", requests, first_client))
    return results, store


# -- 4: web throughput under gunicorn with wrk -----------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, env: dict, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=PROJECT_ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return proc, base
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError(f"gunicorn {app} did not answer on {base}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else None
    return {"requests_per_s": rps, "errors": errors, "p99_ms": p99_ms, "seconds": seconds,
            "connections": connections}


WEB_CONNECTIONS = 64


def bench_web(paths: dict[str, str], seconds: int, workers: int, threads: int) -> dict:
    """wrk on each page: the archive with its render cache (as deployed), without it, and a static copy."""
    static_dir = WORK / "static"
    shutil.rmtree(static_dir, ignore_errors=True)
    static_dir.mkdir(parents=True)
    results = {"workers": workers, "threads": threads, "connections": WEB_CONNECTIONS, "pages": {}}
    for variant, cache_bytes in (("archive", None), ("uncached", "0")):
        env = os.environ | {"NOTES_KEYSPACE": "bench_reads", "NOTES_SECRET_KEY": "bench-secret"}
        if cache_bytes is not None:
            env["NOTES_RENDER_CACHE_BYTES"] = cache_bytes
        proc, base = start_gunicorn("wsgi:app", env, workers, threads)
        try:
            for name, path in paths.items():
                if variant == "archive":
                    (static_dir / f"{name}.html").write_bytes(urllib.request.urlopen(base + path, timeout=30).read())
                wrk(base + path, 2, WEB_CONNECTIONS)  # warm-up: every worker opens its session, fills its cache
                log(f"web: wrk {seconds}s on {path} ({variant}) ...")
                results["pages"].setdefault(name, {"path": path})[variant] = wrk(base + path, seconds,
                                                                                WEB_CONNECTIONS)
        finally:
            stop(proc)
    env = os.environ | {"BENCH_STATIC_DIR": str(static_dir)}
    proc, base = start_gunicorn("bench.static_app:app", env, workers, threads)
    try:
        for name, path in paths.items():
            log(f"web: wrk {seconds}s on the static copy of {path} ...")
            wrk(f"{base}/{name}.html", 2, WEB_CONNECTIONS)
            page = results["pages"][name]
            page["static"] = wrk(f"{base}/{name}.html", seconds, WEB_CONNECTIONS)
            page["ratio_to_static"] = round(page["archive"]["requests_per_s"] / page["static"]["requests_per_s"], 3)
    finally:
        stop(proc)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2k,20k,200k", help="archive sizes to time pages at (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page and size")
    parser.add_argument("--wrk-seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip", action="append", default=[], choices=STEPS)
    parser.add_argument("--only", action="append", default=[], choices=STEPS, help="run only these steps")
    parser.add_argument("--search-requests", type=int, default=200, help="timed calls per search query and size")
    parser.add_argument("--cluster-talks", type=int, default=2000, help="catalogue talks the cluster step imports")
    parser.add_argument("--cluster-requests", type=int, default=200, help="timed requests per page in the cluster step")
    parser.add_argument("--partitions-keyspace", default="bench_reads", help="keyspace the partitions step measures")
    args = parser.parse_args(argv)
    if args.only:
        args.skip = [step for step in STEPS if step not in args.only]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "results.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = {"cores": os.cpu_count(), "python": sys.version.split()[0],
                          "heap": load_settings().node_heap, "date": datetime.now(timezone.utc).isoformat()}
    if "import" not in args.skip:
        results.update(bench_import())
        out.write_text(json.dumps(results, indent=2, default=str))
    if "search" not in args.skip:
        from bench import search

        started = time.monotonic()
        found = search.bench_search([s.strip() for s in args.sizes.split(",")], args.search_requests,
                                    full_keyspace=None if "import" in args.skip else "bench_import",
                                    save=lambda r: search.save(results, r, started))
        search.save(results, found, started)
    if "reads" not in args.skip:
        sizes, store = bench_reads([s.strip() for s in args.sizes.split(",")], args.requests)
        results["reads"] = sizes
        out.write_text(json.dumps(results, indent=2, default=str))
        store.close()
    if "web" not in args.skip:
        last = results["reads"][-1]
        paths = {name: last["pages"][name]["url"] for name in ("timeline", "tag_largest", "conference", "talk")}
        results["web"] = bench_web(paths, args.wrk_seconds, args.workers, args.threads)
        out.write_text(json.dumps(results, indent=2, default=str))
    if "partitions" not in args.skip:
        from bench import partitions

        results["partitions"] = partitions.bench_partitions(args.partitions_keyspace, partitions.single_node_tool(), log)
        out.write_text(json.dumps(results, indent=2, default=str))
    if "cluster" not in args.skip:
        from bench import cluster

        results["cluster"] = cluster.bench_cluster(args.cluster_talks, args.cluster_requests, log)
        out.write_text(json.dumps(results, indent=2, default=str))
    from bench import report

    report.write(results)
    log(f"results: {out}, {RESULTS / 'results.md'}, {RESULTS / 'latency.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
