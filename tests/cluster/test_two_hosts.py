"""Two Celery workers posing as two hosts (NOTES_HOST) against the cluster at RF 3, LOCAL_QUORUM:
re-imports sent at once share the run lease (one runs, the others are skipped naming the holder;
the history's runs never overlap), and the run's document tasks are spread over both hosts (the
run record counts each host's documents). Real Redis (databases 9 and 10, no other test's), real
workers. Skip by hand with `-m "not cluster"`.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from celery import Celery

from archive import storage
from archive.domain.runs import recent_months
from tests.cluster.replicas import wait_until

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_DB, BACKEND_DB = 9, 10  # test_git_sources uses 11 and 12, test_jobs 13 and 14
HOSTS = ("host-a", "host-b")
DOCUMENTS = 16
SENT_AT_ONCE = 4


@pytest.fixture(scope="module")
def workers(keyspace, tmp_path_factory):
    """Two workers (two processes each) whose NOTES_HOST differ, on the cluster keyspace; a Celery client."""
    tmp = tmp_path_factory.mktemp("two-hosts")
    notes = tmp / "notes"
    notes.mkdir()
    for i in range(DOCUMENTS):
        (notes / f"talk_{i:03d}.md").write_text(f"# Talk number {i} about clusters\n\nPresenter: Speaker {chr(65 + i)}ann"
                                                f"\n\nNotes on replicas, hints and repair ({i}).\n")
    sources = tmp / "sources.toml"
    sources.write_text(f'[[source]]\nname = "hosts"\npath = "{notes}"\n[source.conference]\nid = "hostconf-2024"\n'
                       'name = "HostConf 2024"\nstart = 2024-06-01\nend = 2024-06-03\n')
    env = {**os.environ, "NOTES_KEYSPACE": keyspace.keyspace, "NOTES_SOURCES": str(sources),
           "NOTES_CASSANDRA_HOSTS": ",".join(keyspace.cassandra_hosts), "NOTES_CASSANDRA_PORT": str(keyspace.cassandra_port),
           "NOTES_READ_CONSISTENCY": "LOCAL_QUORUM", "NOTES_WRITE_CONSISTENCY": "LOCAL_QUORUM",
           "NOTES_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
           "NOTES_RESULT_BACKEND": f"redis://127.0.0.1:6379/{BACKEND_DB}",
           "NOTES_LEASE_TTL": "60", "PYTHONPATH": str(ROOT)}
    for db in (BROKER_DB, BACKEND_DB):
        redis.Redis(db=db).flushdb()
    procs = []
    for host in HOSTS:
        log = tmp / f"{host}.log"
        procs.append(subprocess.Popen(
            [CELERY, "-A", "jobs.celery_app", "worker", "-n", f"{host}@%h", "--concurrency", "2", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle"], cwd=ROOT, env={**env, "NOTES_HOST": host},
            stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True))
    try:
        for host in HOSTS:
            wait_until(lambda h=host: b"ready" in (tmp / f"{h}.log").read_bytes(), 120, f"worker {host} to be ready")
        yield Celery("two-hosts", broker=env["NOTES_BROKER_URL"], backend=env["NOTES_RESULT_BACKEND"])
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for db in (BROKER_DB, BACKEND_DB):
            redis.Redis(db=db).flushdb()


def reimports(store) -> list[dict]:
    return [r for r in store.list_runs(recent_months(), limit=100) if r["job"] == "reimport"]


def test_two_hosts_share_the_run_lease_and_both_import_documents(workers, keyspace):
    store = storage.connect(keyspace)
    try:
        sent = [workers.send_task("jobs.tasks.reimport") for _ in range(SENT_AT_ONCE)]
        answers = [r.get(timeout=300) for r in sent]
        started = [a for a in answers if a["status"] == "started"]
        skipped = [a for a in answers if a["status"] == "skipped"]
        assert started and len(started) + len(skipped) == SENT_AT_ONCE, answers
        assert all(a["holder"] and a["holder"].split(":")[0] in HOSTS for a in skipped), skipped
        wait_until(lambda: all(r["status"] != "running" for r in reimports(store)) and len(reimports(store)) ==
                   len(started), 600, "the started re-imports to finish", every=2)
        # a second wave once nothing changed: each run that takes the lease ends at once
        more = [workers.send_task("jobs.tasks.reimport") for _ in range(SENT_AT_ONCE)]
        [r.get(timeout=300) for r in more]
        wait_until(lambda: all(r["status"] != "running" for r in reimports(store)), 300, "the second wave to finish")
        runs = sorted(reimports(store), key=lambda r: r["started_at"])
        for earlier, later in zip(runs, runs[1:]):
            assert earlier["finished_at"] <= later["started_at"], f"two re-imports overlapped: {earlier}, {later}"
        imported = [r for r in runs if r["hosts"]]
        assert len(imported) == 1, f"the documents were imported by {len(imported)} runs"
        first = imported[0]
        assert first["status"] == "done" and first["failed"] == 0, first
        assert first["host"] in HOSTS
        hosts = dict(first["hosts"] or {})
        assert set(hosts) == set(HOSTS), f"document tasks ran on {hosts}, expected both hosts"
        assert sum(hosts.values()) == DOCUMENTS
        assert store.query("SELECT COUNT(*) AS n FROM talks")[0]["n"] == DOCUMENTS
        print(f"[two hosts] {len(started)} started, {len(skipped)} skipped at once; documents per host {hosts}; "
              f"{len(runs)} runs recorded, none overlapping", flush=True)
    finally:
        store.close()
