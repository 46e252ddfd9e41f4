"""Git sources end to end: real repositories (file:// and git daemon), real Celery workers and beat, the real node."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery

from archive.domain import NotFound
from archive.domain.runs import recent_months
from tests.gitrepos import Daemon, Remote, notes
from tests.integration.test_jobs import wait_for

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
BROKER_DB, BACKEND_DB = 11, 12  # test_jobs.py uses 13 and 14
INTERVAL = 3.0
TALK = "gitconf-2024--talk-number-{}-about-{}"


def exists(store, talk_id: str) -> bool:
    try:
        store.get_talk(talk_id)
        return True
    except NotFound:
        return False


def source_entry(name: str, url: str, conference: str = "gitconf-2024", branch: str | None = None) -> str:
    return (f'[[source]]\nname = "{name}"\nkind = "git"\nurl = "{url}"\n' + (f'branch = "{branch}"\n' if branch else "")
            + f'[source.conference]\nid = "{conference}"\nname = "{conference}"\nstart = 2024-06-01\nend = 2024-06-03\n')


class Harness:
    """Celery workers and beat for one test, with its own sources file, git root and broker databases."""

    def __init__(self, settings, tmp_path: Path):
        self.tmp, self.sources = tmp_path, tmp_path / "sources.toml"
        self.env = {**os.environ, "NOTES_KEYSPACE": settings.keyspace, "NOTES_SOURCES": str(self.sources),
                    "NOTES_GIT_ROOT": str(tmp_path / "var-git"), "NOTES_GIT_TIMEOUT": "20",
                    "NOTES_BROKER_URL": f"redis://127.0.0.1:6379/{BROKER_DB}",
                    "NOTES_RESULT_BACKEND": f"redis://127.0.0.1:6379/{BACKEND_DB}",
                    "NOTES_REIMPORT_INTERVAL": str(INTERVAL), "NOTES_LEASE_TTL": "10", "NOTES_VISIBILITY_TIMEOUT": "5",
                    "NOTES_WRITE_CONSISTENCY": "ONE", "NOTES_READ_CONSISTENCY": "ONE", "PYTHONPATH": str(ROOT)}
        for db in (BROKER_DB, BACKEND_DB):
            redis.Redis(db=db).flushdb()
        self.procs: list[subprocess.Popen] = []
        self.client = Celery("git-test", broker=self.env["NOTES_BROKER_URL"], backend=self.env["NOTES_RESULT_BACKEND"])

    def configure(self, *entries: str) -> None:
        self.sources.write_text("\n".join(entries))

    def start(self, *args: str, name: str) -> subprocess.Popen:
        proc = subprocess.Popen([CELERY, "-A", "jobs.celery_app", *args], cwd=ROOT, env=self.env,
                                stdout=open(self.tmp / f"{name}.log", "ab"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def worker(self, name: str, wait: bool = True) -> subprocess.Popen:
        proc = self.start("worker", "-n", f"{name}@%h", "--concurrency", "1", "--loglevel", "INFO",
                          "--without-gossip", "--without-mingle", name=name)
        if wait:
            self.ready(name)
        return proc

    def ready(self, name: str) -> None:
        wait_for(lambda: b"ready" in (self.tmp / f"{name}.log").read_bytes(), 90, f"worker {name} to be ready")

    def reimport(self, store, timeout: float = 90) -> dict:
        """Run one re-import to its end and return the reimport task's result."""
        result = self.client.send_task("jobs.tasks.reimport").get(timeout=timeout)
        wait_for(lambda: store.lease_holder("reimport") is None, timeout, "the run to end")
        return result

    def stop(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(30)
            except ProcessLookupError:
                continue
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def harness(clean_store, settings, tmp_path):
    h = Harness(settings, tmp_path)
    yield h
    h.stop()


@pytest.fixture
def remote(tmp_path):
    return Remote(tmp_path / "served" / "notes.git", tmp_path / "work")


@pytest.fixture
def daemon(tmp_path, remote):
    d = Daemon(tmp_path / "served", tmp_path / "daemon.log")
    yield d
    d.stop()


def runs_of(store) -> list[dict]:
    return sorted((r for r in store.list_runs(recent_months()) if r["job"] == "reimport"), key=lambda r: r["started_at"])


def test_scheduled_runs_follow_a_repository_over_git_daemon(harness, clean_store, remote, daemon):
    store = clean_store
    remote.write("README.md", "# notes\n").push("start")
    harness.configure(source_entry("notes", daemon.url("notes.git")))
    harness.worker("w1")
    harness.start("beat", "-s", str(harness.tmp / "beat-schedule"), "--loglevel", "INFO", name="beat")

    added = remote.write("talk_001.md", notes(1)).push("add a talk")
    wait_for(lambda: exists(store, TALK.format(1, "testing")), INTERVAL * 3 + 20, "the added file's talk")
    wait_for(lambda: (store.source_states().get("notes") or {}).get("imported_commit") == added, 20,
             "the commit recorded as imported")
    remote.write("talk_001.md", notes(1, "queues", day=2)).push("edit it")
    wait_for(lambda: exists(store, TALK.format(1, "queues")) and not exists(store, TALK.format(1, "testing")),
             INTERVAL * 3 + 20, "the edit")
    assert str(store.get_talk(TALK.format(1, "queues")).date) == "2024-06-02"
    remote.remove("talk_001.md").write("talk_002.md", notes(2)).push("remove it, add another")
    wait_for(lambda: not exists(store, TALK.format(1, "queues")) and exists(store, TALK.format(2, "testing")),
             INTERVAL * 3 + 20, "the removal")
    rewritten = remote.remove("talk_002.md").write("talk_003.md", notes(3)).rewrite("force-push a new history")
    wait_for(lambda: exists(store, TALK.format(3, "testing")) and not exists(store, TALK.format(2, "testing")),
             INTERVAL * 3 + 20, "the force-push to converge")
    wait_for(lambda: store.source_states()["notes"].get("imported_commit") == rewritten, 20, "the new tip imported")
    state = store.source_states()["notes"]
    assert state["fetched_commit"] == rewritten and state["last_error"] is None and state["fetched_at"]
    assert {t.id for t in store.talks_of_conference("gitconf-2024")} == {TALK.format(3, "testing")}
    runs = runs_of(store)
    assert {r["trigger"] for r in runs} == {"schedule"}
    assert rewritten in {(r["git_commits"] or {}).get("notes", ("",))[0] for r in runs}


def test_fetch_failures_are_recorded_by_name_and_lose_nothing(harness, clean_store, remote, tmp_path):
    store = clean_store
    remote.write("talk_001.md", notes(1)).push("first")
    good = source_entry("notes", remote.file_url)
    harness.configure(good)
    harness.worker("w1")
    assert harness.reimport(store)["sources"]["notes"]["fetched"]
    talk = TALK.format(1, "testing")
    assert exists(store, talk)
    remote.write("talk_002.md", notes(2)).push("a second talk, not fetched while the URL is wrong")

    missing = (tmp_path / "moved-away.git").as_uri()
    checkout = tmp_path / "var-git" / "notes"
    cases = [(source_entry("notes", missing), "unreachable", missing),
             (source_entry("notes", remote.file_url, branch="nope"), "missing branch", "refs/heads/nope")]
    for entry, reason, words in cases:
        harness.configure(entry)
        result = harness.reimport(store)
        assert result["sources"]["notes"]["error"] and result["sources"]["notes"]["reads"] == 0
        run = runs_of(store)[-1]
        assert run["status"] == "failed" and run["finished_at"], run
        [error] = [e for e in run["errors"] if e.startswith("git source 'notes'")]
        assert f": {reason}: " in error and words in error, error
        assert reason in store.source_states()["notes"]["last_error"]
        assert exists(store, talk) and not exists(store, TALK.format(2, "testing"))

    # a corrupt working copy, the remote unreachable: the failure is named and the talks stay
    for obj in (checkout.resolve() / ".git" / "objects").rglob("*"):
        if obj.is_file() and obj.parent.name not in ("info", "pack"):
            obj.chmod(0o644)
            obj.write_bytes(b"")
    harness.configure(source_entry("notes", missing))
    harness.reimport(store)
    run = runs_of(store)[-1]
    assert run["status"] == "failed" and any("corrupt working copy" in e and "cloning afresh failed too" in e
                                             for e in run["errors"]), run["errors"]
    assert exists(store, talk)

    # the remote back: the corrupt copy is cloned afresh (and named in the history), the next commit lands
    harness.configure(good)
    result = harness.reimport(store)
    run = runs_of(store)[-1]
    assert any("corrupt working copy" in e and "cloned afresh" in e for e in run["errors"]), run["errors"]
    assert run["status"] == "done" and run["new"] == 1 and result["sources"]["notes"]["fetched"]
    assert exists(store, talk) and exists(store, TALK.format(2, "testing"))
    assert store.source_states()["notes"]["last_error"] is None


def test_two_workers_started_together_fetch_each_repository_once_per_run(harness, clean_store, tmp_path):
    store = clean_store
    names = ("alpha", "beta")
    remotes = {n: Remote(tmp_path / "served" / f"{n}.git", tmp_path / f"work-{n}") for n in names}
    for i, (name, r) in enumerate(remotes.items()):
        for j in range(10):
            r.write(f"talk_{j:03d}.md", notes(10 * i + j))
        r.push("notes")
    daemon = Daemon(tmp_path / "served", tmp_path / "daemon.log")
    try:
        harness.configure(*(source_entry(n, daemon.url(f"{n}.git"), f"{n}conf-2024") for n in names))
        harness.worker("w1", wait=False)
        harness.worker("w2", wait=False)
        harness.ready("w1")
        harness.ready("w2")
        sent = [harness.client.send_task("jobs.tasks.reimport") for _ in range(6)]
        results = [s.get(timeout=120) for s in sent]
        wait_for(lambda: store.lease_holder("reimport") is None and all(
            len(store.documents_of(n)) == 10 for n in names), 120, "every run to end")
        started = [r for r in results if r["status"] != "skipped"]
        assert started and any(r["status"] == "skipped" for r in results), results
        runs = runs_of(store)
        assert len(runs) == len(started)
        for earlier, later in zip(runs, runs[1:]):
            assert earlier["finished_at"] <= later["started_at"], "two re-imports overlapped"
        for name in names:
            assert daemon.requests(f"{name}.git") == len(started), (name, daemon.log.read_text())
    finally:
        daemon.stop()


def test_an_unchanged_remote_costs_one_fetch_and_no_document_read(harness, clean_store, remote, daemon, tmp_path):
    store = clean_store
    for i in range(5):
        remote.write(f"talk_{i:03d}.md", notes(i))
    commit = remote.push("five talks")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "talk_100.md").write_text(notes(100))
    harness.configure(source_entry("notes", daemon.url("notes.git")),
                      f'[[source]]\nname = "folder"\npath = "{folder}"\n[source.conference]\nid = "folderconf-2024"\n'
                      f'name = "FolderConf 2024"\nstart = 2024-06-01\n')
    harness.worker("w1")
    first = harness.reimport(store)["sources"]
    assert (first["notes"]["reads"], first["notes"]["skipped"]) == (5, False)
    assert store.source_states()["notes"]["imported_commit"] == commit
    fetches = daemon.requests("notes.git")

    again = harness.reimport(store)
    assert again["sources"]["notes"] == {**again["sources"]["notes"], "fetched": True, "skipped": True, "reads": 0,
                                         "commit": commit}
    assert again["sources"]["folder"]["reads"] == 1  # a directory source is still read to compare hashes
    assert daemon.requests("notes.git") == fetches + 1
    run = runs_of(store)[-1]
    assert (run["status"], run["seen"], run["new"], run["changed"]) == ("done", 1, 0, 0)
    assert run["git_commits"]["notes"][0] == commit and run["git_commits"]["notes"][1]


CLI = [sys.executable, "-m", "archive.cli"]


def test_the_command_line_fetches_lists_the_sources_and_the_imports_page_shows_them(clean_store, settings, remote,
                                                                                    tmp_path):
    store = clean_store
    remote.write("talk_001.md", notes(1)).push("first")
    sources = tmp_path / "sources.toml"
    sources.write_text(source_entry("notes", remote.file_url))
    env = {**os.environ, "NOTES_KEYSPACE": settings.keyspace, "NOTES_SOURCES": str(sources), "PYTHONPATH": str(ROOT),
           "NOTES_GIT_ROOT": str(tmp_path / "var-git"), "NOTES_WRITE_CONSISTENCY": "ONE",
           "NOTES_READ_CONSISTENCY": "ONE"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    first = cli("import", "--quiet")
    assert first.returncode == 0 and "git notes: fetched" in first.stdout and "1 new" in first.stdout, first
    assert exists(store, TALK.format(1, "testing"))
    commit = remote.write("talk_002.md", notes(2)).push("second")
    offline = cli("import", "--quiet", "--no-fetch")
    assert offline.returncode == 0 and "git notes: not fetched" in offline.stdout and "scan skipped" in offline.stdout
    assert not exists(store, TALK.format(2, "testing"))
    fetched = cli("import", "--quiet")
    assert fetched.returncode == 0 and "1 new" in fetched.stdout and exists(store, TALK.format(2, "testing"))
    unchanged = cli("import", "--quiet")
    assert "unchanged, scan skipped" in unchanged.stdout and "0 seen" in unchanged.stdout

    listing = cli("sources")
    assert listing.returncode == 0, listing.stderr
    [line] = [l for l in listing.stdout.splitlines() if l.startswith("notes ")]
    assert " git " in line and commit[:12] in line and remote.file_url in line and "never" not in line
    runs = cli("runs")
    assert f"git notes: {commit[:12]}, fetched" in runs.stdout

    from web import create_app

    app = create_app({"TESTING": True, "NOTES_SETTINGS": settings, "STORE": store})
    page = app.test_client().get("/imports").get_data(as_text=True)
    assert "Git sources" in page and commit[:12] in page and remote.file_url in page
    assert f'notes at <code title="{commit}">{commit[:12]}</code>, fetched' in page
