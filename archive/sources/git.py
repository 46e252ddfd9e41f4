"""The git client of git sources (the shell): bring the project's working copy of a repository to its tip.

Every call runs `git` itself, never a shell, with a timeout (its whole process group is killed
when it runs over), no terminal prompt and no user or system configuration, so a fetch never
waits for a password and behaves the same on every machine. Under the git root (the settings'
git_root, `var/git`):

    <name>                 a symlink to the working copy the source's documents are read from
    .copies/<name>.<id>/   working copies: the serving one, and a fresh clone while it is made
    .locks/<name>          locked (flock) while a process runs git for that source

A fetch updates the serving copy in place and checks out the fetched tip with `checkout --force`,
so a force-push converges to the new tip. A copy that fails its health check (`rev-parse`, `fsck
--connectivity-only`), or whose checkout fails, is cloned afresh into `.copies/` and the symlink is
swapped to it (one rename) only once the clone is complete: until then, and when the clone fails,
the last good copy keeps serving.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from archive.domain import ArchiveError
from archive.sources.config import Source

TIP = "refs/notes-archive/tip"  # where a fetch puts the remote's commit; HEAD is then checked out at it
# Why a fetch failed, as the import history names it.
UNREACHABLE, AUTHENTICATION, MISSING_BRANCH = "unreachable", "authentication failed", "missing branch"
CORRUPT, TIMEOUT, BUSY, FAILED = "corrupt working copy", "timed out", "busy", "git failed"
_REASONS = (  # (words of git's message, reason), the first match wins
    (("couldn't find remote ref", "remote branch", "not found in upstream"), MISSING_BRANCH),
    (("authentication failed", "permission denied", "could not read username", "could not read password",
      "terminal prompts disabled", "returned error: 401", "returned error: 403"), AUTHENTICATION),
    (("does not appear to be a git repository", "could not read from remote", "unable to connect",
      "could not resolve host", "connection refused", "connection timed out", "unable to access",
      "no such file or directory", "repository not found", "unable to look up", "network is unreachable",
      "the remote end hung up", "not a git repository", "not exported"), UNREACHABLE),
)


class GitError(ArchiveError):
    """A git source could not be brought to its remote's tip: names the source, the URL, the reason and git's words."""

    def __init__(self, source: str, url: str, reason: str, detail: str):
        self.source, self.url, self.reason, self.detail = source, url, reason, detail
        super().__init__(f"git source {source!r} ({url}): {reason}: {detail}")


class _Failed(Exception):
    """One git command failed (its own message), or ran out of time."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class Synced:
    """A working copy at its remote's tip: the commit, when it was fetched, and why it was cloned afresh."""

    commit: str
    fetched_at: datetime
    recloned: str | None = None  # the health problem that made a fresh clone replace the copy


def git_environment() -> dict[str, str]:
    """Return the environment git runs in: no prompt, no user or system config, C messages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in ("GIT_SSH", "GIT_SSH_COMMAND")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", GIT_ASKPASS="",
               SSH_ASKPASS="", LC_ALL="C", LANG="C")
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")  # an ssh URL fails instead of asking
    return env


def run_git(args: list[str], cwd: Path, timeout: float) -> str:
    """Run one git command in cwd and return its output; raise _Failed with git's message or on timeout."""
    proc = subprocess.Popen(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=cwd, env=git_environment(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own group: a timeout kills ssh and helpers too
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise _Failed(f"git {args[0]} took more than {timeout:g} s (NOTES_GIT_TIMEOUT)", timed_out=True) from None
    if proc.returncode != 0:
        words = " ".join(err.decode("utf-8", "replace").split()) or f"exit status {proc.returncode}"
        raise _Failed(words[:500])
    return out.decode("utf-8", "replace").strip()


def reason_of(message: str) -> str:
    """Return the reason a failed fetch's message names."""
    lowered = message.lower()
    return next((reason for words, reason in _REASONS if any(w in lowered for w in words)), FAILED)


class WorkingCopies:
    """The working copies of git sources, each beside its source's symlink (Source.checkout)."""

    def __init__(self, timeout: float):
        self.timeout = timeout

    @staticmethod
    def _link(source: Source) -> Path:
        if source.checkout is None:
            raise ValueError(f"source {source.name!r} is not a git source")
        return source.checkout

    @contextmanager
    def locked(self, source: Source) -> Iterator[None]:
        """Hold the source's lock: one process at a time runs git in its working copies on this machine."""
        locks = self._link(source).parent / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / source.name, "a") as handle:
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise GitError(source.name, source.url or "", BUSY, "another process kept the working "
                                       f"copy locked for {self.timeout:g} s") from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def current(self, source: Source) -> Path | None:
        """Return the serving working copy's folder, or None when there is none yet."""
        link = self._link(source)
        return link.resolve() if link.is_dir() else None

    def problem(self, copy: Path) -> str | None:
        """Return why a working copy is unusable (git's words), or None when it is healthy."""
        try:
            run_git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], copy, self.timeout)
            run_git(["fsck", "--connectivity-only", "--no-dangling", "--no-progress"], copy, self.timeout)
        except _Failed as exc:
            return str(exc) or "HEAD is not a commit"
        return None

    def head(self, source: Source) -> str | None:
        """Return the commit the serving working copy is at, or None when it is missing or unusable."""
        with self.locked(source):
            copy = self.current(source)
            if copy is None or self.problem(copy):
                return None
            return run_git(["rev-parse", "HEAD"], copy, self.timeout)

    def sync(self, source: Source) -> Synced:
        """Fetch the source's branch (or the remote's default) and check its tip out; raise GitError naming why not."""
        with self.locked(source):
            copy = self.current(source)
            problem = self.problem(copy) if copy is not None else None
            if copy is not None and problem is None:
                try:
                    return Synced(self._update(source, copy), datetime.now(timezone.utc))
                except _Failed as exc:
                    problem = self.problem(copy)  # a healthy copy: the remote is what failed
                    if problem is None:
                        raise self._error(source, exc) from None
            commit = self._reclone(source, problem)
            return Synced(commit, datetime.now(timezone.utc), recloned=problem)

    def _error(self, source: Source, exc: _Failed) -> GitError:
        return GitError(source.name, source.url or "", TIMEOUT if exc.timed_out else reason_of(str(exc)), str(exc))

    def _update(self, source: Source, copy: Path) -> str:
        """Fetch the tip into copy (one request to the remote) and check it out; return the commit."""
        ref = f"refs/heads/{source.branch}" if source.branch else "HEAD"
        run_git(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--depth=1", "--", source.url or "",
                 f"+{ref}:{TIP}"], copy, self.timeout)
        tip = run_git(["rev-parse", "--verify", f"{TIP}^{{commit}}"], copy, self.timeout)
        run_git(["checkout", "--quiet", "--force", "--detach", tip], copy, self.timeout)
        run_git(["clean", "-ffdxq"], copy, self.timeout)  # a file left behind would be read as a document
        return tip

    def _reclone(self, source: Source, problem: str | None) -> str:
        """Clone into a new folder and swap it in when complete; the old copy serves until then, and on failure."""
        copies = self._link(source).parent / ".copies"
        copies.mkdir(parents=True, exist_ok=True)
        old = self.current(source)
        for stale in copies.glob(f"{source.name}.*"):  # left by a clone that died part-way
            if stale != old:
                shutil.rmtree(stale, ignore_errors=True)
        fresh = copies / f"{source.name}.{uuid.uuid4().hex[:12]}"
        fresh.mkdir()
        try:
            run_git(["init", "--quiet"], fresh, self.timeout)
            commit = self._update(source, fresh)
        except _Failed as exc:
            shutil.rmtree(fresh, ignore_errors=True)
            error = self._error(source, exc)
            if problem:
                raise GitError(source.name, source.url or "", CORRUPT,
                               f"{problem}; cloning afresh failed too ({error.reason}: {exc})") from None
            raise error from None
        self._swap(source, fresh)
        if old is not None and old.parent == copies:
            shutil.rmtree(old, ignore_errors=True)
        return commit

    def _swap(self, source: Source, fresh: Path) -> None:
        """Point the source's symlink at fresh in one rename (readers see the old copy or the new one)."""
        link = self._link(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() and not link.is_symlink():  # a folder someone put there: keep it out of the way
            link.rename(link.with_name(f".{link.name}.moved-{uuid.uuid4().hex[:8]}"))
        temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
        os.symlink(os.path.relpath(fresh, link.parent), temporary)
        os.replace(temporary, link)
