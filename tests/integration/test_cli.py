"""The `notes-archive import` command, run as a user runs it, against the test keyspace."""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from archive.domain.runs import RunRecord, recent_months

pytestmark = pytest.mark.integration
CLI = [str(Path(sys.executable).with_name("notes-archive"))]


def run(settings, sources: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NOTES_KEYSPACE": settings.keyspace, "NOTES_SOURCES": str(sources),
           "NOTES_WRITE_CONSISTENCY": "ONE", "NOTES_READ_CONSISTENCY": "ONE"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


def test_import_prints_a_summary_and_strict_fails_on_bad_documents(clean_store, settings, corpus, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Day 2 notes\n\n##Testing with fakes\n\nPresenter: Ann Smith\n\nFakes, not mocks.\n")
    (notes / "broken.md").write_bytes(b"\xff\xfe\x00broken")
    sources = tmp_path / "sources.toml"
    sources.write_text(f"""
[[source]]
name = "mine"
path = "{notes}"
[source.conference]
id = "testconf-2024"
name = "TestConf 2024"
start = 2024-05-01
end = 2024-05-03
""")
    proc = run(settings, sources, "import", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "documents: 2 seen, 1 new, 0 changed, 0 unchanged, 0 removed, 1 failed; talks: 1 written" in proc.stdout
    assert "failed: mine:broken.md:" in proc.stdout
    talk = clean_store.get_talk("testconf-2024--testing-with-fakes")
    assert talk.speakers[0].name == "Ann Smith" and str(talk.date) == "2024-05-02"
    strict = run(settings, sources, "import", "--quiet", "--strict")
    assert strict.returncode == 1 and "1 unchanged" in strict.stdout and "1 failed" in strict.stdout
    assert "unchanged since it failed" in strict.stdout
    unknown = run(settings, sources, "import", "--source", "nope")
    assert unknown.returncode == 2 and "unknown source 'nope'" in unknown.stderr
    outside = run(settings, sources, "import", str(tmp_path))
    assert outside.returncode == 2 and "not inside any configured source" in outside.stderr
    only = run(settings, sources, "import", "--quiet", str(notes / "good.md"))
    assert only.returncode == 0 and "1 seen" in only.stdout


def test_missing_sources_file_is_named(settings, tmp_path):
    proc = run(settings, tmp_path / "absent.toml", "import")
    assert proc.returncode == 2 and "absent.toml" in proc.stderr


def test_import_escapes_control_characters_in_the_names_it_prints(clean_store, settings, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "evil\x1b[2Jname.md").write_bytes(b"\xff\xfe\x00broken")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "mine"\npath = "{notes}"\n[source.conference]\nname = "EscCon 2024"\n')
    proc = run(settings, sources, "import", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "failed: mine:evil\\x1b[2Jname.md:" in proc.stdout


def write_notes(tmp_path: Path) -> tuple[Path, Path]:
    """Write a source of one good and one broken document; return its folder and sources file."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Day 2 notes\n\n##Testing with fakes\n\nPresenter: Ann Smith\n\nFakes.\n")
    (notes / "broken.md").write_bytes(b"\xff\xfe\x00broken")
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "mine"\npath = "{notes}"\n[source.conference]\nid = "histconf-2024"\n'
                       f'name = "HistConf 2024"\nstart = 2024-05-01\nend = 2024-05-03\n')
    return notes, sources


def test_a_cli_import_is_recorded_in_the_history_and_listed_on_the_imports_page(clean_store, settings, tmp_path):
    from web import create_app

    _, sources = write_notes(tmp_path)
    proc = run(settings, sources, "import", "--quiet")
    assert proc.returncode == 0, proc.stderr
    [recorded] = clean_store.list_runs(recent_months())
    assert (recorded["job"], recorded["trigger"], recorded["status"]) == ("import", "cli", "failed")  # one failed
    counts = [recorded[k] for k in ("seen", "new", "changed", "unchanged", "removed", "failed", "talks_written",
                                    "talks_deleted")]
    assert counts == [2, 1, 0, 0, 0, 1, 1, 0]
    assert recorded["host"] == socket.gethostname() and recorded["finished_at"] >= recorded["started_at"]
    assert [e for e in recorded["errors"] if e.startswith("mine:broken.md: ")]
    assert clean_store.lease_holder("reimport") is None
    # a run recorded before runs named their trigger still shows
    clean_store.record_run(RunRecord("reimport", host="older-host", status="done"), 3600)
    app = create_app({"TESTING": True, "NOTES_SETTINGS": dataclasses.replace(settings, secret_key="cli-test"),
                      "STORE": clean_store})
    page = app.test_client().get("/imports")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "No import ran" not in html
    assert '<span class="trigger trigger-cli">cli</span>' in html and "mine:broken.md" in html
    assert "older-host" in html and "recorded before runs named what started them" in html


def test_a_cli_import_that_fails_part_way_is_recorded_as_failed_with_the_reason(clean_store, settings, tmp_path):
    notes, sources = write_notes(tmp_path)
    proc = run(settings, sources, "import", "--quiet", str(notes / "good.md"), str(tmp_path))
    assert proc.returncode == 2 and "not inside any configured source" in proc.stderr
    assert clean_store.get_talk("histconf-2024--testing-with-fakes")  # the first path was imported
    [recorded] = clean_store.list_runs(recent_months())
    assert (recorded["trigger"], recorded["status"], recorded["seen"], recorded["new"]) == ("cli", "failed", 1, 1)
    assert recorded["talks_written"] == 1 and recorded["finished_at"]
    reason = recorded["errors"][-1]
    assert reason.startswith("SourceConfigError: ") and "not inside any configured source" in reason
    assert clean_store.lease_holder("reimport") is None


def test_a_cli_import_is_refused_while_a_reimport_holds_the_lease(clean_store, settings, tmp_path):
    _, sources = write_notes(tmp_path)
    assert clean_store.acquire_lease("reimport", "worker-host:4242:abcd1234", 60)
    try:
        proc = run(settings, sources, "import", "--quiet")
    finally:
        clean_store.release_lease("reimport", "worker-host:4242:abcd1234")
    assert proc.returncode == 2 and "import not started" in proc.stderr and "worker-host:4242:abcd1234" in proc.stderr
    assert clean_store.list_runs(recent_months()) == [] and not clean_store.documents_of("mine")
    assert run(settings, sources, "import", "--quiet").returncode == 0
    assert [r["trigger"] for r in clean_store.list_runs(recent_months())] == ["cli"]
