"""The `notes-archive` command: node, schema, import and job control."""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from archive.config import load_settings, settings_table
from archive.tooling.node import LocalNode, NodeError
from archive.sources import SourceConfigError


def _cluster_env(cluster) -> dict[str, str]:
    """The NOTES_* variables that point the archive at a local cluster (LocalCluster.client_settings)."""
    client = cluster.client_settings()
    return {"NOTES_CASSANDRA_HOSTS": ",".join(client.cassandra_hosts), "NOTES_CASSANDRA_PORT": str(client.cassandra_port),
            "NOTES_REPLICATION": client.replication, "NOTES_READ_CONSISTENCY": client.read_consistency,
            "NOTES_WRITE_CONSISTENCY": client.write_consistency}


def _cluster(args, settings) -> int:
    from archive.tooling.cluster import LocalCluster

    cluster = LocalCluster(settings, args.nodes)
    if args.action == "start":
        seconds = cluster.start()
        print(f"{cluster.size} nodes up and normal after {seconds:.0f} s; use them with:")
        print("  " + " ".join(f"{name}={shlex.quote(value)}" for name, value in _cluster_env(cluster).items()))
        print("(or: eval \"$(notes-archive cluster env)\"; bin/run --cluster does both)")
    elif args.action == "env":
        # Shell exports pointing every process of the archive (web, worker, beat, the CLI) at the cluster.
        for name, value in _cluster_env(cluster).items():
            print(f"export {name}={shlex.quote(value)}")
    elif args.action == "stop":
        cluster.stop()
    else:
        rows = cluster.status()
        print(f"{'address':11} {'state':5} {'load':>12} {'cql':4} {'pid':>7} {'rss':>8}")
        for r in rows:
            print(f"{r.address:11} {r.state:5} {r.load:>12} {'yes' if r.answering else 'no':4} {r.pid or '-':>7} "
                  f"{f'{r.rss_mb:.0f} MiB' if r.rss_mb else '-':>8}")
        return 0 if all(r.state == "UN" and r.answering for r in rows) else 1
    return 0


def _node(args, settings) -> int:
    node = LocalNode(settings)
    if args.action == "start":
        seconds = node.start()
        st = node.status()
        if st.pid:
            print(f"Cassandra {st.release_version} answering on 127.0.0.1:{settings.cassandra_port} "
                  f"(pid {st.pid}, ready after {seconds:.1f}s, RSS {st.rss_mb or 0:.0f} MiB)")
    elif args.action == "stop":
        node.stop()
    elif args.action == "status":
        st = node.status()
        if st.answering:
            owner = f"pid {st.pid}, RSS {st.rss_mb:.0f} MiB" if st.pid else "not started by this project"
            print(f"Cassandra {st.release_version} answering on 127.0.0.1:{settings.cassandra_port} ({owner})")
        else:
            print(f"no Cassandra answering on 127.0.0.1:{settings.cassandra_port}"
                  + (f" (pid {st.pid} is starting)" if st.pid else ""))
            return 1
    elif args.action == "logs":
        print(node.log_tail(args.lines))
    elif args.action == "provision":
        node.provision()
        print(f"Cassandra jars ready in {node.lib}")
    return 0


def _schema(args, settings) -> int:
    from archive import storage

    try:
        tables = storage.apply_schema(settings)
    except storage.SchemaConflict as exc:
        print(f"schema not applied: {exc}", file=sys.stderr)
        return 1
    print(f"schema applied to keyspace {settings.keyspace}: {len(tables)} tables")
    if tables.recreated:
        print(f"recreated with their new primary key: {', '.join(tables.recreated)}; rebuilding the indexes"
              " from the talks (if this stops, run `notes-archive rebuild-indexes --now`)", flush=True)
        report = _rebuild_now(settings)
        print(f"rebuilt the indexes of {report.talks} talks ({report.tags} tags, {report.speakers} speakers)")
    return 0


def _rebuild_now(settings):
    """Rebuild every index table and count in this process, recorded in the history, under the rebuild lease."""
    from archive import storage
    from archive.domain.runs import RunRecord, RunStatus, RunTrigger, run_history_ttl
    from archive.service import maintenance
    from archive.service.runner import recorded_run

    store = storage.connect(settings)
    lease = maintenance.Lease(store, "rebuild", settings.lease_ttl)
    run = RunRecord("rebuild_indexes", trigger=RunTrigger.CLI.value)
    with recorded_run(store, run, run_history_ttl(settings.run_history_days), lease):
        report = maintenance.rebuild_indexes(store, lease)
        run.finish(RunStatus.DONE, seen=report.talks, removed=report.orphans_deleted, talks_written=report.talks)
    return report


def _import(args, settings) -> int:
    import time

    from tqdm import tqdm

    from archive import storage
    from archive.domain.runs import run_history_ttl
    from archive.service.runner import LeaseHeld, run_recorded_import
    from archive.service.inspect import printable

    store = storage.connect(settings)
    bar = None

    def on_source(source, count):
        nonlocal bar
        if bar is not None:
            bar.close()
        bar = tqdm(total=count, desc=source.name, unit="doc", disable=args.quiet, file=sys.stderr)

    def progress(source, outcome):
        if bar is not None and outcome.status != "removed":
            bar.update(1)

    started = time.monotonic()
    try:
        # Recorded in the import history, under the lease the scheduled re-import takes too.
        summary = run_recorded_import(store, settings.sources, run_history_ttl(settings.run_history_days),
                                      settings.lease_ttl, names=args.source or (), paths=args.paths,
                                      progress=progress, on_source=on_source, fetch=not args.no_fetch,
                                      git_timeout=settings.git_timeout)
    except LeaseHeld as exc:
        print(f"notes-archive: import not started: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
        store.close()
    summary.seconds = time.monotonic() - started
    for note in summary.notes:
        print(printable(note))
    print(summary.line())
    if summary.linked or summary.unmatched:
        print(f"linking: {summary.linked} notes talks linked to the catalogue, {len(summary.unmatched)} left unmatched")
        for where in summary.unmatched:
            print(f"  unmatched: {printable(where)}")
    if summary.errors:
        print(f"rejected: {len(summary.errors)} documents")
    for where, error in summary.errors:  # file names and errors may hold terminal escapes
        print(f"  failed: {printable(where)}: {printable(error)}")
    return 1 if args.strict and summary.failed else 0


def _inspect(args, settings) -> int:
    from archive.service.runner import parse_bytes
    from archive.service.inspect import inspect_document, pick_source, render_json, render_text
    from archive.sources import load_sources

    configured = load_sources(settings.sources) if settings.sources.exists() or args.source else []
    reports = []
    for path in args.paths:
        source, docs = pick_source(path, configured, args.source)
        reports += [inspect_document(source, rel, parse_bytes) for rel in docs]
    print(render_json(reports) if args.json else render_text(reports))
    return 1 if any(r.error for r in reports) else 0


def _runs(args, settings) -> int:
    from archive import storage
    from archive.domain.runs import recent_months

    store = storage.connect(settings)
    try:
        runs = store.list_runs(recent_months(count=args.months), limit=args.limit)
    finally:
        store.close()
    if not runs:
        print("no import runs recorded")
        return 0
    print(f"{'started (UTC)':19}  {'job':15} {'trigger':8} {'status':8} {'seen':>5} {'new':>4} {'chg':>4} {'rm':>4} "
          f"{'fail':>4} {'written':>7} {'deleted':>7}  host")
    for r in runs:
        print(f"{r['started_at']:%Y-%m-%d %H:%M:%S}  {r['job']:15} {r.get('trigger') or '-':8} "
              f"{r['status'] or '':8} {r['seen'] or 0:5} "
              f"{r['new'] or 0:4} {r['changed'] or 0:4} {r['removed'] or 0:4} {r['failed'] or 0:4} "
              f"{r['talks_written'] or 0:7} {r['talks_deleted'] or 0:7}  {r['host'] or ''}")
        for name, (commit, fetched) in sorted((r.get("git_commits") or {}).items()):
            print(f"    git {name}: {commit[:12]}, fetched {f'{fetched:%Y-%m-%d %H:%M:%S}' if fetched else 'never'}")
        for error in (r["errors"] or [])[: args.errors]:
            print(f"    {error}")
    return 0


def _sources(args, settings) -> int:
    """List the configured sources: kind, location, last fetched commit and last import."""
    from archive import storage
    from archive.sources import load_sources

    configured = load_sources(settings.sources)
    store = storage.connect(settings)
    try:
        states = store.source_states()
    finally:
        store.close()

    def when(value) -> str:
        return f"{value:%Y-%m-%d %H:%M:%S}" if value else "never"

    print(f"{'source':24} {'kind':9} {'commit':12} {'fetched (UTC)':19}  {'imported (UTC)':19}  location")
    for source in configured:
        state = states.get(source.name) or {}
        commit = (state.get("fetched_commit") or "")[:12] if source.kind == "git" else ""
        fetched = when(state.get("fetched_at")) if source.kind == "git" else ""
        print(f"{source.name:24} {source.kind:9} {commit or '-':12} {fetched or '-':19}  "
              f"{when(state.get('imported_at')):19}  {source.location}")
        if source.kind == "git" and state.get("imported_commit") and state["imported_commit"] != state.get(
                "fetched_commit"):
            print(f"    imported at {state['imported_commit'][:12]}")
        if state.get("last_error"):
            print(f"    last fetch failed {when(state.get('error_at'))}: {state['last_error']}")
    return 0


def _enqueue(args, settings) -> int:
    from jobs import tasks

    task = {"reimport": tasks.reimport, "rebuild-indexes": tasks.rebuild_indexes,
            "refresh-tag-counts": tasks.refresh_tag_counts}[args.command]
    if not args.now:
        print(f"nothing done: `notes-archive {args.command} --now` queues a run without waiting for beat")
        return 2
    result = task.delay()
    print(f"queued {task.name} as task {result.id}")
    if args.wait:
        print(result.get(timeout=args.wait))
    return 0


def _raw_talks(sources_file: Path):
    """Yield the talks of every configured source as parsed, their tags still the raw ones."""
    from archive.domain import DocumentError
    from archive.parse.catalogue import event_id, is_event_file, parse_video
    from archive.service.runner import parse_bytes
    from archive.sources import counted_hints, list_documents, load_sources, read_document
    from archive.talks.build import build_talks

    for source in load_sources(sources_file):
        hints = counted_hints(source) if source.kind != "catalogue" else None
        for rel in list_documents(source):
            doc = read_document(source, rel)
            if doc.data is None or (source.kind == "catalogue" and is_event_file(doc.path)):
                continue
            try:
                if source.kind == "catalogue":
                    yield parse_video(doc.data, doc.path, event_id(doc.path).replace("-", " "))[0]
                else:
                    parsed = parse_bytes(doc.data, doc.path, hints)
                    yield from build_talks(parsed, source.conference, doc.path, parsed.format, lambda t: t.tags)
            except DocumentError:
                continue  # `notes-archive import` reports these


def _tags(args, settings) -> int:
    """Print the largest tags, and the raw tags that tagging merged or dropped."""
    from archive.talks.tag_report import build_report, largest, render_json, render_text

    sources_file = args.sources or settings.sources
    report = build_report(_raw_talks(sources_file))
    if args.from_sources:
        counts, counted_from = report.counts, f"tagged from {sources_file}"
    else:
        from archive import storage

        store = storage.connect(settings)
        try:
            counts, counted_from = store.tag_cloud(), "the archive's tag counts"
        finally:
            store.close()
    top = largest(counts, args.top)
    print(render_json(report, top, counted_from) if args.json else render_text(report, top, counted_from))
    return 0


def _config(args, settings) -> int:
    for name, default in settings_table():
        print(f"{name}={default}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `notes-archive`."""
    parser = argparse.ArgumentParser(prog="notes-archive", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    node = sub.add_parser("node", help="run the local Cassandra node")
    node.add_argument("action", choices=["start", "stop", "status", "logs", "provision"])
    node.add_argument("--lines", type=int, default=40, help="lines of log to show (logs)")
    node.set_defaults(func=_node)
    cluster = sub.add_parser("cluster", help="run a local cluster of N nodes on 127.0.0.1..N (RF 3)")
    cluster.add_argument("action", choices=["start", "stop", "status", "env"],
                         help="env prints shell exports that point the archive at the cluster")
    cluster.add_argument("--nodes", type=int, default=None, help="how many nodes (default NOTES_CLUSTER_NODES, 3)")
    cluster.set_defaults(func=_cluster)
    schema = sub.add_parser("schema", help="apply schema.cql")
    schema.add_argument("action", choices=["apply"])
    schema.set_defaults(func=_schema)
    imp = sub.add_parser("import", help="import notes from the configured sources (NOTES_SOURCES)")
    imp.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    imp.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="only the documents under these paths")
    imp.add_argument("--strict", action="store_true", help="exit 1 when any document failed")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.add_argument("--no-fetch", action="store_true",
                     help="do not fetch git sources: import their working copies as they are")
    imp.set_defaults(func=_import)
    listing = sub.add_parser("sources", help="list the configured sources: kind, location, last commit, last import")
    listing.set_defaults(func=_sources)
    inspect = sub.add_parser("inspect", help="show what importing documents would give, and why (writes nothing)")
    inspect.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="notes files or folders")
    inspect.add_argument("--source", metavar="NAME", help="read them with this configured source's settings")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(func=_inspect)

    runs = sub.add_parser("runs", help="list the import history")
    runs.add_argument("--limit", type=int, default=20)
    runs.add_argument("--months", type=int, default=3, help="how many monthly buckets to read")
    runs.add_argument("--errors", type=int, default=5, help="errors shown per run")
    runs.set_defaults(func=_runs)
    for name, text in (("reimport", "queue a re-import of every source"),
                       ("rebuild-indexes", "queue a rebuild of every index table from the talks"),
                       ("refresh-tag-counts", "queue a recount of the tag cloud")):
        job = sub.add_parser(name, help=text)
        job.add_argument("--now", action="store_true", help="queue it now (needs Redis and a running worker)")
        job.add_argument("--wait", type=float, metavar="SECONDS", help="wait for its result")
        job.set_defaults(func=_enqueue)
    tags = sub.add_parser("tags", help="list the largest tags and the raw tags merged or dropped, and why")
    tags.add_argument("--top", type=int, default=20, metavar="N", help="how many of the largest tags (20)")
    tags.add_argument("--sources", type=Path, metavar="FILE", help="sources file (default: NOTES_SOURCES)")
    tags.add_argument("--from-sources", action="store_true",
                      help="count the tags by tagging the sources, without the database")
    tags.add_argument("--json", action="store_true", help="print JSON")
    tags.set_defaults(func=_tags)
    config = sub.add_parser("config", help="print the settings' environment variables and defaults")
    config.set_defaults(func=_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    try:
        return args.func(args, settings) or 0
    except (NodeError, SourceConfigError) as exc:
        print(f"notes-archive: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
