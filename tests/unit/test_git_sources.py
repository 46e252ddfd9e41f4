"""Git sources' pure parts: the sources file's git entries, the scan key, what a run records (fake store)."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import pytest

from archive.domain import Talk
from archive.domain.runs import RunRecord
from archive.service.git_sources import GitCheck, note_checks, record_imported, scan_key
from archive.service.importing import PARSER_VERSION
from archive.sources import SourceConfigError, parse_sources
from archive.sources.git import MISSING_BRANCH, UNREACHABLE, reason_of
from tests.fakes import FakeStore

BASE, ROOT = Path("/srv/sources"), Path("/srv/var/git")


def git_entry(**keys) -> str:
    body = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in {"url": "https://example.org/n.git", **keys}.items())
    return f'[[source]]\nname = "notes"\nkind = "git"\n{body}[source.conference]\nname = "GitConf 2024"\n'


def parse(text: str):
    return parse_sources(text, BASE, git_root=ROOT)


def test_a_git_source_lives_in_the_projects_working_copy_and_keeps_what_a_notes_source_has():
    [source] = parse(git_entry(branch="archive", subdir="notes/2024/", include=["*.md"], layout="talk-per-file"))
    assert (source.kind, source.url, source.branch, source.subdir) == ("git", "https://example.org/n.git", "archive",
                                                                        "notes/2024")
    assert source.checkout == ROOT / "notes" and source.path == ROOT / "notes" / "notes/2024"
    assert source.include == ("*.md",) and source.layout == "talk-per-file" and source.conference.id == "gitconf-2024"
    assert source.location == "https://example.org/n.git#archive:notes/2024"
    [default] = parse(git_entry())
    assert default.branch is None and default.path == ROOT / "notes" and default.location == default.url


@pytest.mark.parametrize("url, expected", [
    ("git@github.com:org/notes.git", "git@github.com:org/notes.git"),
    ("ssh://git@host/notes.git", "ssh://git@host/notes.git"),
    ("file:///srv/notes.git", "file:///srv/notes.git"),
    ("/srv/notes.git", "/srv/notes.git"),
    ("../repos/notes.git", "/srv/repos/notes.git"),  # a local path: from the sources file's folder
])
def test_urls_are_kept_and_local_paths_made_absolute(url, expected):
    assert parse(git_entry(url=url))[0].url == expected


@pytest.mark.parametrize("entry, words", [
    (git_entry().replace('url = "https://example.org/n.git"\n', ""), "needs a 'url'"),
    (git_entry(url="--upload-pack=touch /tmp/x"), "is not a repository URL"),
    (git_entry(branch="-f"), "is not a branch name"),
    (git_entry(branch="a..b"), "is not a branch name"),
    (git_entry(subdir="../elsewhere"), "subdir must be a folder inside the repository"),
    (git_entry(path="/srv/notes"), "has a 'url', not a 'path'"),
    (git_entry().replace('name = "notes"', 'name = "../up"'), "names its working copy's folder"),
    (git_entry().replace('[source.conference]\nname = "GitConf 2024"\n', ""), "a git source needs a [source.conference]"),
])
def test_a_bad_git_entry_is_refused_by_name(entry, words):
    with pytest.raises(SourceConfigError) as refused:
        parse(entry)
    assert words in str(refused.value)


def test_gits_messages_name_the_reason():
    assert reason_of("fatal: couldn't find remote ref refs/heads/nope") == MISSING_BRANCH
    assert reason_of("fatal: unable to access 'https://x/': Could not resolve host: x") == UNREACHABLE
    assert reason_of("fatal: could not read Username for 'https://x': terminal prompts disabled") == \
        "authentication failed"
    assert reason_of("something else entirely") == "git failed"


def test_the_scan_key_changes_with_the_commit_the_parser_the_settings_and_the_catalogue():
    store = FakeStore()
    [source] = parse(git_entry())
    key = scan_key(store, source, "a" * 40)
    assert key == scan_key(store, source, "a" * 40) and len(key) == 64
    assert key != scan_key(store, source, "b" * 40)
    assert key != scan_key(store, dataclasses.replace(source, include=("*.md",)), "a" * 40)
    assert key != scan_key(store, dataclasses.replace(source, layout="talk-per-file"), "a" * 40)
    assert PARSER_VERSION  # part of the key: a new parser re-reads every commit once
    cid = source.conference.id  # a catalogue title is evidence for layout: it changes the key
    store.put_source_talks(cid, "catalogue", [Talk(f"{cid}--fast-test", cid, "Fast test, slow test")])
    assert key != scan_key(store, source, "a" * 40)


def test_a_check_skips_only_an_imported_key_and_a_run_records_commits_and_failures():
    fetched = datetime(2024, 6, 1, tzinfo=timezone.utc)
    same = GitCheck("a", "c1", fetched, "k1", "k1", fetched=True)
    new = GitCheck("b", "c2", fetched, "k2", "k1", fetched=True)
    failed = GitCheck("c", "c3", None, "k3", "k3", error="git source 'c' (u): unreachable: fatal: ...")
    gone = GitCheck("d", None, None, None, None, error="git source 'd' (u): corrupt working copy: ...")
    assert (same.skip, new.skip, failed.skip, gone.skip) == (True, False, True, True)
    assert "unchanged, scan skipped" in same.line() and "to scan" in new.line() and "not fetched" in failed.line()
    run = RunRecord("reimport")
    assert note_checks(run, {c.source: c for c in (same, new, failed, gone)}) == 2
    assert run.git_commits == {"a": ("c1", fetched), "b": ("c2", fetched), "c": ("c3", None)}
    assert run.errors == [failed.error, gone.error]
    assert RunRecord.from_json(run.to_json()).git_commits == run.git_commits


def test_a_commit_is_recorded_only_when_it_landed_and_a_no_op_records_nothing():
    store = FakeStore()
    [source] = parse(git_entry())
    record_imported(store, source, changed=False, landed=True)
    assert store.writes == 0 and store.states == {}
    record_imported(store, source, changed=True, landed=False, commit="c1", key="k1")
    assert "imported_commit" not in store.states["notes"] and store.states["notes"]["imported_at"]
    record_imported(store, source, changed=False, landed=True, commit="c1", key="k1")
    assert (store.states["notes"]["imported_commit"], store.states["notes"]["imported_key"]) == ("c1", "k1")
