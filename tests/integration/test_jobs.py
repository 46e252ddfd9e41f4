"""Scheduled jobs with a real Celery worker and beat, the real Redis broker and the real node."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from archive import storage
from archive.indexes.audit import INDEX_KEY_COLUMNS, audit, digest, expected_rows
from archive.domain import NotFound
from archive.service.runner import make_service
from archive.domain.runs import recent_months
from archive.sources import load_sources, read_documents

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_DB, BACKEND_DB = 13, 14
INTERVAL = 3.0
TIME_COLUMNS = {"updated_at", "imported_at"}
COMPARED_TABLES = ["talks", "source_documents", "conferences", "conferences_by_year", "timeline_years", "tag_counts",
                   *INDEX_KEY_COLUMNS]


def wait_for(predicate, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def table_digest(store) -> str:
    rows = {t: [{k: v for k, v in r.items() if k not in TIME_COLUMNS} for r in store.scan(t)] for t in COMPARED_TABLES}
    return digest(rows)


def index_audit(store):
    expected = expected_rows(store.all_stored_talks())
    return audit(expected, {t: store.index_rows(t, cols) for t, cols in INDEX_KEY_COLUMNS.items()})


def write_doc(folder: Path, i: int, extra: str = "") -> Path:
    path = folder / f"talk_{i:03d}.md"
    path.write_text(f"# Notes day 1\n\n## Talk number {i} about testing\n\nPresenter: Speaker {chr(65 + i % 26)}ann\n\n"
                    f"Notes on testing and fakes {extra}.\n")
    return path


class Jobs:
    """Starts and stops worker and beat processes for one test, with its own broker databases."""

    def __init__(self, settings, tmp_path: Path, corpus: Path):
        self.notes = tmp_path / "notes"
        self.notes.mkdir()
        self.sources = tmp_path / "sources.toml"
        self.sources.write_text(f"""
[[source]]
name = "jobs"
path = "{self.notes}"
[source.conference]
id = "jobsconf-2024"
name = "JobsConf 2024"
start = 2024-06-01
end = 2024-06-03
""")
        self.tmp = tmp_path
        self.env = {
            **os.environ, "NOTES_KEYSPACE": settings.keyspace, "NOTES_SOURCES": str(self.sources),
            "NOTES_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
            "NOTES_RESULT_BACKEND": f"redis://127.0.0.1:6379/{BACKEND_DB}",
            "NOTES_REIMPORT_INTERVAL": str(INTERVAL), "NOTES_LEASE_TTL": "10", "NOTES_VISIBILITY_TIMEOUT": "5",
            "NOTES_WRITE_CONSISTENCY": "ONE", "NOTES_READ_CONSISTENCY": "ONE", "PYTHONPATH": str(ROOT),
        }
        for db in (BROKER_DB, BACKEND_DB):
            redis.Redis(db=db).flushdb()
        self.procs: list[subprocess.Popen] = []
        self.client = Celery("test-client", broker=self.env["NOTES_BROKER_URL"], backend=self.env["NOTES_RESULT_BACKEND"])

    def start(self, *args: str, name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen([CELERY, "-A", "jobs.celery_app", *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def worker(self, name: str, concurrency: int = 1) -> subprocess.Popen:
        proc = self.start("worker", "-n", f"{name}@%h", "--concurrency", str(concurrency), "--loglevel", "INFO",
                          "--without-gossip", "--without-mingle", name=name)
        wait_for(lambda: b"ready" in (self.tmp / f"{name}.log").read_bytes(), 60, f"worker {name} to be ready")
        return proc

    def beat(self) -> subprocess.Popen:
        return self.start("beat", "-s", str(self.tmp / "beat-schedule"), "--loglevel", "INFO", name="beat")

    def send(self, task: str):
        return self.client.send_task(f"jobs.tasks.{task}")

    def kill(self, proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            self.kill(proc)


@pytest.fixture
def jobs(clean_store, settings, tmp_path, corpus):
    j = Jobs(settings, tmp_path, corpus)
    yield j
    j.stop()


def test_beat_imports_dropped_edited_and_removed_notes(jobs, clean_store):
    store = clean_store
    jobs.worker("w1", concurrency=2)
    jobs.beat()
    dropped = time.monotonic()
    path = write_doc(jobs.notes, 1)
    talk_id = "jobsconf-2024--talk-number-1-about-testing"
    wait_for(lambda: _exists(store, talk_id), INTERVAL * 2 + 10, "the dropped file's talk")
    assert time.monotonic() - dropped < INTERVAL + 10  # one interval, plus the worker's own latency
    assert "testing" in store.get_talk(talk_id).tags
    wait_for(lambda: store.generation().value != "0", 20, "a generation bumped by the run")
    imported = store.generation()

    path.write_text("# Notes day 2\n\n## Talk number 1 about queues\n\nPresenter: Carla Queue\n\n"
                    "Celery workers, Celery beat and Celery retries.\n")
    new_id = "jobsconf-2024--talk-number-1-about-queues"
    wait_for(lambda: _exists(store, new_id) and not _exists(store, talk_id), INTERVAL * 2 + 10, "the edit")
    edited = store.get_talk(new_id)
    assert "celery" in edited.tags and "testing" not in edited.tags and str(edited.date) == "2024-06-02"
    wait_for(lambda: index_audit(store).clean(), 10, "a clean index")
    assert store.tag_cloud().get("testing", 0) == 0
    edited_at = store.generation()
    assert edited_at.value != imported.value and edited_at.changed_at >= imported.changed_at

    path.unlink()
    wait_for(lambda: not _exists(store, new_id), INTERVAL * 2 + 10, "the removal")
    wait_for(lambda: index_audit(store).clean() and not store.talks_by_tag("celery").rows, 10, "clean indexes")
    runs = store.list_runs(recent_months())
    assert any(r["new"] for r in runs) and any(r["changed"] for r in runs) and any(r["removed"] for r in runs)
    assert {r["trigger"] for r in runs if r["job"] == "reimport"} == {"schedule"}  # beat marks what it sends


def test_a_poison_document_fails_alone_and_the_run_still_ends_with_a_status(jobs, clean_store):
    store = clean_store
    write_doc(jobs.notes, 1)
    (jobs.notes / "poison.md").write_text("# Big notes\n\n" + "word " * 100_000 + "\n")
    jobs.worker("w1")
    jobs.send("reimport")
    wait_for(lambda: len(store.documents_of("jobs")) == 2 and store.lease_holder("reimport") is None, 90,
             "the run to end")
    [run] = [r for r in store.list_runs(recent_months()) if r["job"] == "reimport"]
    assert run["status"] == "failed" and run["finished_at"] and run["failed"] == 1 and run["trigger"] == "task"
    assert any("poison.md" in e and "KiB a talk may hold" in e for e in run["errors"])
    assert _exists(store, "jobsconf-2024--talk-number-1-about-testing")
    assert "KiB a talk may hold" in store.documents_of("jobs")["poison.md"]["last_error"]


def test_two_workers_never_run_two_reimports_at_once(jobs, clean_store):
    store = clean_store
    for i in range(40):
        write_doc(jobs.notes, i)
    jobs.worker("w1")
    jobs.worker("w2")
    results = [jobs.send("reimport") for _ in range(6)]
    outcomes = [r.get(timeout=120) for r in results]
    assert any(o["status"] == "skipped" for o in outcomes), outcomes
    assert any(o["status"] in ("started", "done") for o in outcomes), outcomes
    wait_for(lambda: len(store.documents_of("jobs")) == 40 and store.lease_holder("reimport") is None, 120,
             "every document imported and the lease released")
    runs = sorted((r for r in store.list_runs(recent_months()) if r["job"] == "reimport"),
                  key=lambda r: r["started_at"])
    assert runs and all(r["finished_at"] for r in runs)
    for earlier, later in zip(runs, runs[1:]):
        assert earlier["finished_at"] <= later["started_at"], "two re-imports overlapped"
    assert sum(r["new"] for r in runs) == 40


def test_worker_killed_mid_import_converges_to_a_clean_import(jobs, clean_store, settings):
    store = clean_store
    for i in range(80):
        write_doc(jobs.notes, i, extra="x" * 2000)
    worker = jobs.worker("w1")
    jobs.send("reimport")
    wait_for(lambda: 5 <= len(store.documents_of("jobs")) < 80, 120, "the import to be under way", every=0.05)
    jobs.kill(worker, signal.SIGKILL)
    assert len(store.documents_of("jobs")) < 80
    jobs.worker("w2")

    def converged():
        if len(store.documents_of("jobs")) == 80 and store.lease_holder("reimport") is None:
            return jobs.send("reimport").get(timeout=60).get("documents", 0) == 0
        jobs.send("reimport")
        return False

    wait_for(converged, 180, "the archive to converge after the restart", every=3)
    wait_for(lambda: store.lease_holder("reimport") is None, 30, "the last run to end")
    # the same source imported cleanly into a fresh keyspace gives the same archive
    clean_settings = __import__("dataclasses").replace(settings, keyspace=settings.keyspace + "_clean")
    storage.apply_schema(clean_settings)
    clean = storage.connect(clean_settings)
    try:
        source = load_sources(jobs.sources)[0]
        make_service(clean).sync_source(source, read_documents(source))
        assert table_digest(store) == table_digest(clean)
    finally:
        clean.close()
        storage.drop_keyspace(settings, clean_settings.keyspace)


def test_rebuild_indexes_restores_truncated_index_tables_exactly(jobs, clean_store, corpus):
    store = clean_store
    for i in range(30):
        write_doc(jobs.notes, i)
    shutil.copy(corpus / "seeds" / "004_e237335882ad1975.txt", jobs.notes / "pycon.txt")
    source = load_sources(jobs.sources)[0]
    make_service(store).sync_source(source, read_documents(source))
    before = table_digest(store)
    for table in ("talks_by_year", "talks_by_conference", "talks_by_tag", "talks_by_speaker", "list_buckets",
                  "tag_counts", "conferences_by_year", "timeline_years"):
        store.truncate(table)
    # and an orphan that no talk implies
    store.query("INSERT INTO talks_by_tag (tag, month, day, talk_id, title)"
                " VALUES ('ghost', 202001, '2020-01-01', 'x--y', 'Ghost')")
    jobs.worker("w1")
    report = jobs.send("rebuild_indexes").get(timeout=300)
    assert report["status"] == "done" and report["talks"] == 46 and report["orphans_deleted"] == 1
    [run] = [r for r in store.list_runs(recent_months()) if r["job"] == "rebuild_indexes"]
    assert (run["trigger"], run["status"], run["seen"], run["removed"]) == ("task", "done", 46, 1)
    assert table_digest(store) == before
    assert index_audit(store).clean()


def test_the_admin_forms_reimport_is_recorded_as_started_by_admin(jobs, clean_store):
    store = clean_store
    write_doc(jobs.notes, 1)
    jobs.worker("w1")
    # as the /imports form does it (web/pages.py), in a process configured like the web's
    queued = subprocess.run([sys.executable, "-c", "from jobs.tasks import enqueue_reimport; enqueue_reimport()"],
                            cwd=ROOT, env=jobs.env, capture_output=True, text=True, timeout=60)
    assert queued.returncode == 0, queued.stderr
    wait_for(lambda: len(store.documents_of("jobs")) == 1 and store.lease_holder("reimport") is None, 60,
             "the run to end")
    [run] = store.list_runs(recent_months())
    assert (run["job"], run["trigger"], run["status"], run["new"]) == ("reimport", "admin", "done", 1)


def _exists(store, talk_id: str) -> bool:
    try:
        store.get_talk(talk_id)
        return True
    except NotFound:
        return False
