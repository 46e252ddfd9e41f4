"""The `notes-archive import` command, run as a user runs it, against the test keyspace."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
