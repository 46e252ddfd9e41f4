"""Fixtures of the web tests: a seeded archive, the Flask app and client, and a live gunicorn server.

Test modules import the fixtures they use (`from tests.web_fixtures import app, client, seeded`).
Other test modules TRUNCATE every table (the `clean_store` fixture), so `seeded` is module-scoped
and truncates then writes its own data at the start of each module that uses it.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.domain.runs import RunRecord
from archive.indexes.tables import EMPTY_KEYS, has_notes, index_day, index_keys
from archive.domain import Conference, Link, Speaker, Talk, talk_id
from archive.service.run import recount_speakers, recount_terms

ROOT = Path(__file__).resolve().parents[1]
SECRET = "web-test-secret"
ADMIN_TOKEN = "web-test-admin-token"

PYCON = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15),
                   "Santa Clara, California, USA", "America/Los_Angeles", "https://us.pycon.org/2012/")
EUROPYTHON = Conference("europython-2012", "EuroPython 2012", date(2012, 7, 2), date(2012, 7, 8),
                        "Florence, Italy", "Europe/Rome")
DJANGOCON = Conference("djangocon-europe-2013", "DjangoCon Europe 2013", date(2013, 5, 15), date(2013, 5, 18),
                       "Warsaw, Poland", "Europe/Warsaw")
UNDATED_CONF = Conference("assorted-notes", "Assorted notes")
CONFERENCES = (DJANGOCON, EUROPYTHON, PYCON, UNDATED_CONF)  # newest first, as the timeline shows them

# Payloads that must never run; the browser test sets window.__pwned / opens dialogs if one does.
XSS_NOTES = (
    '<p>Before.</p><script>alert(1)</script><script>window.__pwned=1</script>'
    '<img src=x onerror=alert(1)><img src=x onerror="window.__pwned=1">'
    '<a href="javascript:alert(1)">js link</a> <a href="JaVaScRiPt:window.__pwned=1">js link 2</a>'
    '<svg onload="window.__pwned=1"></svg><iframe src="javascript:window.__pwned=1"></iframe>'
    '<p onclick="window.__pwned=1" style="background:url(javascript:alert(1))">Click me</p>'
    '<div id="__pwned">clobber</div><form action="javascript:alert(1)"><button>go</button></form>'
    '<a href="#t=1m30s">01:30</a> <a href="https://example.org/slides">slides</a><p>After.</p>'
)


def make_talk(conf: Conference, title: str, ordinal: int, day: date | None, tags=(), speakers=(),
              notes_html: str = "", links=(), kind: str = "talk", video_seconds: int | None = None) -> Talk:
    """Build a talk of the seed."""
    return Talk(
        id=talk_id(conf.id, title), conference_id=conf.id, title=title,
        speakers=tuple(Speaker(*s) if isinstance(s, tuple) else Speaker(s) for s in speakers), kind=kind,
        ordinal=ordinal, date=day, links=tuple(Link(k, u) for k, u in links), video_seconds=video_seconds,
        notes_source=notes_html, notes_format="rst", notes_html=notes_html,
        word_count=len(notes_html.split()), document_id=f"seed:{conf.id}", anchor=str(ordinal),
        tags=tuple(sorted(tags)),
    )


def seed_talks() -> list[tuple[Conference, Talk]]:
    """Return every talk of the seed with its conference."""
    talks = [
        (PYCON, make_talk(PYCON, "Fast test, slow test", 1, date(2012, 3, 9), ("testing", "mocking"),
                          (("Gary Bernhardt", "Destroy All Software"),),
                          "<h2>Boundaries</h2><p>Keep the <em>core</em> pure.</p><pre><code>def f(): pass</code></pre>"
                          '<p>See <a href="#t=2m05s">02:05</a>.</p>',
                          (("video", "https://example.org/video/1"), ("slides", "https://example.org/slides/1")),
                          video_seconds=1860)),
        (PYCON, make_talk(PYCON, "Stop Mocking, Start Testing", 2, date(2012, 3, 10), ("testing", "mocking"),
                          ("Augie Fackler", "Nathaniel Manista"), "<p>Fakes over mocks.</p>")),
        (PYCON, make_talk(PYCON, "Injection attempts", 3, date(2012, 3, 11), ("security",), ("Mallory Evil",),
                          XSS_NOTES)),
    ]
    # Enough talks in one tag for several pages (the app's page size is 10 in test_web, 20 in e2e).
    for i in range(25):
        talks.append((PYCON, make_talk(PYCON, f"Testing talk {i:02d}", 10 + i, date(2012, 3, 7) + timedelta(days=i % 5),
                                       ("testing",), (f"Speaker {i % 4}",), f"<p>Notes {i}.</p>" if i % 2 else "")))
    talks += [
        (EUROPYTHON, make_talk(EUROPYTHON, "Guido van Rossum", 1, date(2012, 7, 3), ("python",),
                               ("Guido van Rossum",), "<p>Keynote notes.</p>", kind="keynote")),
        (EUROPYTHON, make_talk(EUROPYTHON, "Flask for fun and profit", 2, None, ("flask", "web", "testing"),
                               ("Armin Ronacher",), "<p>Micro &amp; macro.</p><table><tr><th>a</th><td>b</td></tr></table>")),
        (DJANGOCON, make_talk(DJANGOCON, "Class-based views, revisited", 1, date(2013, 5, 16), ("django", "web"),
                              (("José Müller", "Ünïcode Ltd"),), "<ul><li>one</li><li>two</li></ul>",
                              (("video", "https://example.org/video/2"),))),
        (DJANGOCON, make_talk(DJANGOCON, "Testing Django apps", 2, date(2013, 5, 17), ("django", "testing"),
                              ("José Müller", "Gary Bernhardt"), "<p>Django test client.</p>")),
        (DJANGOCON, make_talk(DJANGOCON, "Lightning talks", 3, date(2013, 5, 17), (), (), "", kind="lightning")),
        (UNDATED_CONF, make_talk(UNDATED_CONF, "An undated talk", 1, None, ("misc",), (), "<p>Whenever.</p>")),
    ]
    return talks


@dataclass(frozen=True)
class Seed:
    """What the seeded archive holds, for asserts."""

    talks: list[tuple[Conference, Talk]]
    tag_counts: dict[str, int]

    def talk(self, title: str) -> Talk:
        """Return the seeded talk with the given title."""
        return next(t for _, t in self.talks if t.title == title)

    def tagged(self, tag: str) -> list[str]:
        """Return the ids of a tag's talks, newest first (the order of talks_by_tag)."""
        keyed = [(index_day(t, c), t.id) for c, t in self.talks if tag in t.tags]
        return [tid for _, tid in sorted(keyed, reverse=True)]


def truncate_all(store) -> None:
    """Empty every table of the test keyspace (the clean_store fixture's pattern)."""
    for table in store.tables():
        store.truncate(table)


def write_seed(store) -> Seed:
    """Write the seed through Store.write_talk, put_conference and put_tag_counts, and count the
    search vocabulary (document frequencies, prefixes) as an import would."""
    talks = seed_talks()
    for conf, talk in talks:
        day = index_day(talk, conf)
        store.write_talk(talk, conf, day, index_keys(talk, day), EMPTY_KEYS)
    for conf in CONFERENCES:
        store.put_conference(conf, "seed", talk_count=sum(1 for c, _ in talks if c.id == conf.id),
                             notes_count=sum(1 for c, t in talks if c.id == conf.id and has_notes(t)))
    recount_speakers(store, store.all_speakers())
    recount_terms(store, store.posting_terms())  # write_talk writes postings; only a recount counts them
    counts: dict[str, int] = {}
    for _, talk in talks:
        for tag in talk.tags:
            counts[tag] = counts.get(tag, 0) + 1
    store.put_tag_counts(counts)
    started = datetime.now(timezone.utc).replace(microsecond=0)
    store.record_run(RunRecord("reimport", run_id=uuid.uuid1(), started_at=started,
                               finished_at=started + timedelta(seconds=12), status="ok", host="test-host",
                               seen=4, new=4, talks_written=len(talks), errors=["broken.rst: title missing"]),
                     ttl_seconds=3600)
    store.bump_generation()  # as an import does after its writes: the web's caches start afresh
    return Seed(talks, counts)


@pytest.fixture(scope="module")
def seeded(store) -> Seed:
    """Empty the test keyspace and write the web seed (once per module)."""
    truncate_all(store)
    return write_seed(store)


@pytest.fixture(scope="module")
def web_settings(settings):
    """The test run's settings with a known cursor secret and admin token."""
    return dataclasses.replace(settings, secret_key=SECRET, admin_token=ADMIN_TOKEN)


@pytest.fixture(scope="module")
def app(web_settings, store, seeded):
    """The Flask app over the seeded test keyspace, sharing the session's Store."""
    from web import create_app

    return create_app({"TESTING": True, "NOTES_SETTINGS": web_settings, "STORE": store,
                       "PAGE_SIZE": 10, "TIMELINE_PAGE_SIZE": 2})


@pytest.fixture(scope="module")
def client(app):
    """A test client of the app."""
    return app.test_client()


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broken_app(environ, start_response):
    """A WSGI app that fails before answering, so that gunicorn writes the 500 itself."""
    raise RuntimeError("broken on purpose")


def server_env(web_settings, **extra: str) -> dict[str, str]:
    """Return the environment of a gunicorn serving the test keyspace."""
    return dict(os.environ, NOTES_KEYSPACE=web_settings.keyspace, NOTES_SECRET_KEY=SECRET,
                NOTES_ADMIN_TOKEN=ADMIN_TOKEN, NOTES_READ_CONSISTENCY="ONE", NOTES_WRITE_CONSISTENCY="ONE",
                NOTES_CASSANDRA_HOSTS=",".join(web_settings.cassandra_hosts),
                NOTES_CASSANDRA_PORT=str(web_settings.cassandra_port), **extra)


@contextmanager
def gunicorn(env: dict[str, str], log: Path, app: str = "wsgi:app", probe: str = "/"):
    """Run gunicorn with the project's config (web/gunicorn_conf.py) on a free port; yield its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "web/gunicorn_conf.py",
                                 "--bind", f"127.0.0.1:{port}", app], cwd=ROOT, env=dict(env, NOTES_BASE_URL=base),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_served(proc, base + probe, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_served(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=10):
                return
        except urllib.error.HTTPError:  # an answer, even an error, means it serves
            return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not answer on {url} within 60 s:\n{log.read_text()}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def live_server(web_settings, seeded, tmp_path_factory):
    """Serve the app with gunicorn as the Procfile does (web/gunicorn_conf.py) on a free port; yield its URL."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn(server_env(web_settings), log) as base:
        yield base
