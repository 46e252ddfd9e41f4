"""The `notes-archive` command: node, schema, import and job control."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive.config import load_settings, settings_table
from archive.node import LocalNode, NodeError
from archive.sources import SourceConfigError


def _node(args, settings) -> int:
    node = LocalNode(settings)
    if args.action == "start":
        seconds = node.start()
        st = node.status()
        print(f"Cassandra {st.release_version} answering on 127.0.0.1:{settings.cassandra_port} "
              f"(pid {st.pid}, started in {seconds:.1f}s, RSS {st.rss_mb or 0:.0f} MiB)")
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

    tables = storage.apply_schema(settings)
    print(f"schema applied to keyspace {settings.keyspace}: {len(tables)} tables")
    return 0


def _import(args, settings) -> int:
    import time

    from tqdm import tqdm

    from archive import storage
    from archive.importer import run_import

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
        summary = run_import(store, settings.sources, names=args.source or (), paths=args.paths,
                             progress=progress, on_source=on_source)
    finally:
        if bar is not None:
            bar.close()
        store.close()
    summary.seconds = time.monotonic() - started
    print(summary.line())
    for where, error in summary.errors:
        print(f"  failed: {where}: {error}")
    return 1 if args.strict and summary.failed else 0


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
    schema = sub.add_parser("schema", help="apply schema.cql")
    schema.add_argument("action", choices=["apply"])
    schema.set_defaults(func=_schema)
    imp = sub.add_parser("import", help="import notes from the configured sources (NOTES_SOURCES)")
    imp.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    imp.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="only the documents under these paths")
    imp.add_argument("--strict", action="store_true", help="exit 1 when any document failed")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=_import)
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
