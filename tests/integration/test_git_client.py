"""The git client against real repositories (a bare one by file:// and one over git daemon); no database."""
from __future__ import annotations

import dataclasses
import socket
import threading
import time
from pathlib import Path

import pytest

from archive.sources import list_documents, parse_sources, read_document
from archive.sources.git import (CORRUPT, MISSING_BRANCH, TIMEOUT, UNREACHABLE, GitError, WorkingCopies,
                                 git_environment)
from tests.gitrepos import Daemon, Remote, git, notes


def git_source(tmp_path: Path, url: str, extra: str = ""):
    text = (f'[[source]]\nname = "repo"\nkind = "git"\nurl = "{url}"\n{extra}\n'
            f'[source.conference]\nid = "gitconf-2024"\nname = "GitConf 2024"\nstart = 2024-06-01\n')
    return parse_sources(text, tmp_path, git_root=tmp_path / "var" / "git")[0]


@pytest.fixture
def remote(tmp_path):
    r = Remote(tmp_path / "served" / "notes.git", tmp_path / "work")
    r.write("talk_001.md", notes(1)).write("README.md", "# Our notes\n").push("first notes")
    return r


def test_a_fetch_follows_added_edited_removed_and_force_pushed_files(tmp_path, remote):
    source, copies = git_source(tmp_path, remote.file_url), WorkingCopies(30)
    first = copies.sync(source)
    assert first.commit == git("rev-parse", "HEAD", cwd=remote.work) and first.recloned is None
    assert list_documents(source) == ["talk_001.md"]  # README is furniture, .git is hidden
    assert source.checkout.is_symlink() and source.checkout.resolve().parent.name == ".copies"

    added = remote.write("talk_002.md", notes(2)).push("second")
    assert copies.sync(source).commit == added and list_documents(source) == ["talk_001.md", "talk_002.md"]
    remote.write("talk_002.md", notes(2, "queues")).push("edit")
    copies.sync(source)
    assert b"queues" in read_document(source, "talk_002.md").data
    remote.remove("talk_001.md").push("remove")
    copies.sync(source)
    assert list_documents(source) == ["talk_002.md"]

    (source.path / "stray.md").write_text("a file nobody committed")
    rewritten = remote.write("talk_003.md", notes(3)).rewrite("history rewritten")
    synced = copies.sync(source)
    assert synced.commit == rewritten and copies.head(source) == rewritten
    assert list_documents(source) == ["talk_002.md", "talk_003.md"]  # the stray file is cleaned away


def test_a_branch_and_a_subdir_limit_the_documents(tmp_path, remote):
    remote.write("2024/talk_009.md", notes(9)).push("on a branch", branch="archive")
    source = git_source(tmp_path, remote.file_url, 'branch = "archive"\nsubdir = "2024"')
    WorkingCopies(30).sync(source)
    assert list_documents(source) == ["talk_009.md"]
    assert source.location == f"{remote.file_url}#archive:2024"


def test_failures_are_named_and_the_last_good_copy_keeps_serving(tmp_path, remote):
    source, copies = git_source(tmp_path, remote.file_url), WorkingCopies(30)
    good = copies.sync(source).commit
    cases = [(dataclasses.replace(source, url=(tmp_path / "absent.git").as_uri()), UNREACHABLE, "absent.git"),
             (dataclasses.replace(source, url="git://127.0.0.1:1/notes.git"), UNREACHABLE, "Connection refused"),
             (dataclasses.replace(source, branch="nope"), MISSING_BRANCH, "couldn't find remote ref")]
    for broken, reason, words in cases:
        with pytest.raises(GitError) as failed:
            copies.sync(broken)
        error = failed.value
        assert (error.reason, error.source, error.url) == (reason, "repo", broken.url), str(error)
        assert words in str(error) and "'repo'" in str(error) and broken.url in str(error)
        assert copies.head(source) == good and list_documents(source) == ["talk_001.md"]


def test_a_corrupt_working_copy_is_cloned_afresh_and_swapped_in_only_when_complete(tmp_path, remote):
    source, copies = git_source(tmp_path, remote.file_url), WorkingCopies(30)
    good = copies.sync(source).commit
    old = source.checkout.resolve()
    for obj in (old / ".git" / "objects").rglob("*"):
        if obj.is_file() and obj.parent.name not in ("info", "pack"):
            obj.chmod(0o644)
            obj.write_bytes(b"")  # every loose object emptied
    assert copies.head(source) is None

    unreachable = dataclasses.replace(source, url=(tmp_path / "absent.git").as_uri())
    with pytest.raises(GitError) as failed:
        copies.sync(unreachable)
    assert failed.value.reason == CORRUPT and "cloning afresh failed too (unreachable" in str(failed.value)
    assert source.checkout.resolve() == old and list_documents(source) == ["talk_001.md"]  # still serving

    synced = copies.sync(source)
    assert synced.commit == good and synced.recloned and "empty" in synced.recloned
    assert source.checkout.resolve() != old and not old.exists() and copies.head(source) == good
    assert [p.name for p in (source.checkout.parent / ".copies").iterdir()] == [source.checkout.resolve().name]


def test_a_git_daemon_remote_and_its_default_branch(tmp_path, remote):
    daemon = Daemon(tmp_path / "served", tmp_path / "daemon.log")
    try:
        git("symbolic-ref", "HEAD", "refs/heads/trunk", cwd=remote.bare)  # the remote's default is not main
        trunk = remote.write("talk_005.md", notes(5)).push("trunk", branch="trunk")
        source = git_source(tmp_path, daemon.url("notes.git"))
        assert WorkingCopies(30).sync(source).commit == trunk and "talk_005.md" in list_documents(source)
        assert daemon.requests("notes.git") == 1  # one fetch, one request
    finally:
        daemon.stop()


def test_a_remote_that_never_answers_times_out(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts connections, never says a word
    try:
        source = git_source(tmp_path, f"git://127.0.0.1:{silent.getsockname()[1]}/notes.git")
        started = time.monotonic()
        with pytest.raises(GitError) as failed:
            WorkingCopies(2).sync(source)
        assert failed.value.reason == TIMEOUT and time.monotonic() - started < 15
        assert "took more than 2 s" in str(failed.value)
    finally:
        silent.close()


def test_one_process_at_a_time_runs_git_in_a_working_copy(tmp_path, remote):
    source, copies = git_source(tmp_path, remote.file_url), WorkingCopies(1)
    copies.sync(source)
    held, release = threading.Event(), threading.Event()

    def hold():
        with copies.locked(source):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    try:
        with pytest.raises(GitError) as failed:
            copies.sync(source)
        assert failed.value.reason == "busy"
    finally:
        release.set()
        thread.join()
    assert copies.sync(source).commit


def test_git_runs_without_prompts_or_user_configuration(monkeypatch):
    monkeypatch.setenv("GIT_DIR", "/somewhere/else")
    env = git_environment()
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and "GIT_DIR" not in env and "BatchMode=yes" in env["GIT_SSH_COMMAND"]
