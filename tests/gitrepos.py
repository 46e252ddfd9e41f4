"""Real git repositories for the git source tests: a bare remote, a clone to commit and push from, a git daemon."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

# The tests' own git calls: no user or system configuration, a fixed author.
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Test",
           "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(*args: str, cwd: Path) -> str:
    """Run git in cwd and return its output (raise with git's message when it fails)."""
    proc = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, timeout=60)
    if proc.returncode:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


class Remote:
    """A bare repository (the remote) and a clone of it where the test writes, commits and pushes."""

    def __init__(self, bare: Path, work: Path):
        self.bare, self.work = bare, work
        bare.mkdir(parents=True)
        git("init", "--quiet", "--bare", "--initial-branch=main", cwd=bare)
        work.mkdir(parents=True)
        git("init", "--quiet", "--initial-branch=main", cwd=work)
        git("remote", "add", "origin", str(bare), cwd=work)

    @property
    def file_url(self) -> str:
        return self.bare.as_uri()

    def write(self, rel: str, text: str) -> "Remote":
        path = self.work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return self

    def remove(self, rel: str) -> "Remote":
        (self.work / rel).unlink()
        return self

    def push(self, message: str, branch: str = "main", force: bool = False) -> str:
        """Commit everything in the clone and push it to branch; return the commit."""
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "--quiet", *(["--force"] if force else []), "origin", f"HEAD:refs/heads/{branch}", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def rewrite(self, message: str) -> str:
        """Replace the whole history by one new commit of the clone's files and force-push it."""
        git("checkout", "--quiet", "--orphan", f"rewritten-{time.monotonic_ns()}", cwd=self.work)
        return self.push(message, force=True)


def notes(i: int, topic: str = "testing", day: int = 1) -> str:
    """Return a notes document of one talk."""
    return (f"# Notes day {day}\n\n## Talk number {i} about {topic}\n\nPresenter: Speaker {chr(65 + i % 26)}ann\n\n"
            f"Notes on {topic} and fakes.\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """`git daemon` serving a folder's repositories on 127.0.0.1, logging each request it answers."""

    def __init__(self, base: Path, log: Path):
        self.base, self.log, self.port = base, log, free_port()
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", f"--base-path={base}", "--export-all", f"--port={self.port}",
             "--listen=127.0.0.1", "--verbose", str(base)],
            stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=GIT_ENV, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"git daemon did not answer on port {self.port}: {log.read_text()}")

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def requests(self, name: str) -> int:
        """Return how many fetches (upload-pack requests) the daemon answered for a repository."""
        return self.log.read_text().count(f"Request upload-pack for '/{name}'")

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
