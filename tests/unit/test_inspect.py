"""`notes-archive inspect`: a dry run that shows layouts, evidence and talks, and never writes."""
from __future__ import annotations

import json

from archive import cli


def run(capsys, monkeypatch, sources, *args):
    monkeypatch.setenv("NOTES_SOURCES", str(sources))
    # Nothing may connect: a keyspace and hosts that do not exist would fail any write.
    monkeypatch.setenv("NOTES_CASSANDRA_HOSTS", "127.0.0.254")
    monkeypatch.setenv("NOTES_KEYSPACE", "no_such_keyspace")
    code = cli.main(["inspect", *map(str, args)])
    return code, capsys.readouterr().out


def notes(tmp_path):
    folder = tmp_path / "repo"
    (folder / "friday").mkdir(parents=True)
    (folder / "friday" / "fast-python.md").write_text("# Fast Python\n\n*Jane Roe*\n\n## Setup\n\nx\n\n## Profiling\n\ny\n")
    (folder / "friday" / "async.md").write_text("## Introduction\n\nloops\n\n## Demo\n\ncode\n")
    (folder / "broken.md").write_bytes(b"\xff\xfe\x00binary")
    return folder


def test_inspect_prints_layout_evidence_and_talks_and_names_unreadable_documents(tmp_path, capsys, monkeypatch):
    folder = notes(tmp_path)
    code, out = run(capsys, monkeypatch, tmp_path / "none.toml", folder)
    assert code == 1  # a document could not be read
    assert "repo:friday/fast-python.md  [markdown, talk-per-file] 'Fast Python'" in out
    assert "talk: 'Fast Python' by Jane Roe (talk, wd friday)" in out
    assert "talk: 'Async' by no speaker named (talk, wd friday)" in out
    assert "the file name gives the title" in out
    assert "repo:broken.md\n  error: broken.md: the document is UTF-16 encoded" in out
    assert out.rstrip().endswith("3 documents, 2 talks, 1 unreadable; nothing was written")


def test_inspect_json_and_a_configured_source_with_dates_and_a_layout(tmp_path, capsys, monkeypatch):
    folder = notes(tmp_path)
    (folder / "broken.md").unlink()
    sources = tmp_path / "sources.toml"
    sources.write_text(f"""
[[source]]
name = "pycon"
path = "{folder}"
layout = "talks-by-heading"
[source.conference]
id = "pycon-us-2016"
name = "PyCon US 2016"
start = 2016-05-28
end = 2016-06-05
""")
    code, out = run(capsys, monkeypatch, sources, folder / "friday", "--json")
    assert code == 0
    reports = {r["path"]: r for r in json.loads(out)}
    assert set(reports) == {"friday/fast-python.md", "friday/async.md"}
    fast = reports["friday/fast-python.md"]
    assert fast["source"] == "pycon" and fast["layout"] == "talks-by-heading"
    assert [t["title"] for t in fast["talks"]] == ["Profiling"]  # the setting wins: "Setup" is a part
    assert fast["talks"][0]["day"] == "2016-06-03"


def test_inspect_escapes_control_characters_in_file_names(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "evil\x1b[31mname.md").write_text("# A talk\n\ntext\n")
    code, out = run(capsys, monkeypatch, tmp_path / "none.toml", folder)
    assert code == 0 and "\x1b" not in out and "evil\\x1b[31mname.md" in out
