"""Plain-text export (seed 004, PyCon US 2012) parsing, and agreement with the reST sources."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.domain import Speaker, fold, talk_id
from archive.parse import detect_format, parse_document
from archive.parse.text import render_text

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()
EXPORT = CORPUS / "seeds" / "004_e237335882ad1975.txt"
PYCON_NOTES = CORPUS / "pycon2012-notes"

TITLES = [
    "Stop Mocking, Start Testing",
    "Fast test, slow test",
    "Speedily Practical Large-Scale Tests",
    "Fake It Til You Make It: Unit Testing Patterns With Mocks And Fakes",
    "Throwing Together Distributed Services With Gevent (Ginkgo)",
    "Django Templating: More Than Just Blocks",
    "Django Forms Deep Dive",
    "Testing and Django",
    "RESTful APIs with Tastypie",
    "Build reliable, traceable, distributed systems with ZeroMQ (ZeroRPC)",
    "Python, Linkers, and Virtual Memory",
    "Scalability at YouTube",
    "web2py: ideas we stole and ideas we had",
    "IPython: Python at your fingertips",
    "Apache Cassandra and Python",
    "Practicing Continuous Deployment",
]


@pytest.fixture(scope="module")
def export():
    return parse_document(EXPORT.read_text(encoding="utf-8"), EXPORT.name)


def link(talk, kind):
    return next((l.url for l in talk.links if l.kind == kind), None)


def by_title(document, title):
    return next(t for t in document.talks if t.title == title)


def test_export_is_detected_as_text():
    assert detect_format(EXPORT.read_text(encoding="utf-8"), EXPORT.name) == "text"


def test_export_gives_the_sixteen_talks_in_order(export):
    assert export.format == "text"
    assert export.title == "Marc's PyCon 2012 Notes Documentation"
    assert [t.title for t in export.talks] == TITLES
    assert [t.ordinal for t in export.talks] == list(range(1, 17))
    assert all(t.kind == "talk" for t in export.talks)


def test_export_speakers(export):
    assert by_title(export, "Fast test, slow test").speakers[0].name == "Gary Bernhardt"
    # The title has no "by": the body's Presenters line names him.
    assert by_title(export, "Apache Cassandra and Python").speakers == (Speaker("Jeremiah Jordan", "Morningstar, Inc."),)
    assert by_title(export, "Stop Mocking, Start Testing").speakers == (
        Speaker("Augie Fackler", "Google Code"), Speaker("Nathaniel Manista", "Google Code"))
    assert by_title(export, "Scalability at YouTube").speakers == (
        Speaker("J.J. Behrens", "Google"), Speaker("Mike Solomon", "Google"))
    assert by_title(export, "Practicing Continuous Deployment").speakers == (Speaker("David Cramer", "DISQUS"),)
    assert by_title(export, "Django Forms Deep Dive").speakers == (Speaker("Nathan Yergler", "Eventbrite"),)
    # "Fernando Pérez and others": the title lists all four.
    assert [s.name for s in by_title(export, "IPython: Python at your fingertips").speakers] == [
        "Fernando Pérez", "Min Ragan-Kelley", "Brian E. Granger", "Thomas Kluyver"]
    assert all(t.speakers for t in export.talks)


def test_export_links_and_running_times(export):
    mocking = by_title(export, "Stop Mocking, Start Testing")
    assert link(mocking, "video") == "http://pyvideo.org/video/629/stop-mocking-start-testing"
    assert link(mocking, "slides") == "https://code.google.com/a/google.com/p/stop-mocking-start-testing/"
    assert link(mocking, "page") == "https://us.pycon.org/2012/schedule/presentation/315/"
    assert mocking.video_seconds == 34 * 60 + 53
    fast = by_title(export, "Fast test, slow test")
    assert link(fast, "slides") is None  # "Slides: ???"
    assert fast.video_seconds == 31 * 60 + 50
    cassandra = by_title(export, "Apache Cassandra and Python")
    assert link(cassandra, "video").startswith("https://www.youtube.com/watch?v=188mXjwdkak")
    assert cassandra.video_seconds == 31 * 60
    speedily = by_title(export, "Speedily Practical Large-Scale Tests")
    assert [l.kind for l in speedily.links].count("slides") == 2  # Keynote and HTML versions
    assert speedily.video_seconds is None


def test_export_notes_html(export):
    mocking = by_title(export, "Stop Mocking, Start Testing")
    html = mocking.notes_html
    assert '<a class="timecode" href="http://pyvideo.org/video/629/stop-mocking-start-testing#t=258">(04:18)</a>' in html
    assert "<pre><code>class Real(object):" in html
    assert "<li>Users are not a test infrastructure.</li>" in html
    assert "<h3>Modern Mocking</h3>" in html
    assert mocking.notes_source.startswith("Stop Mocking, Start Testing by Augie Fackler")
    assert "Fast test, slow test by Gary Bernhardt" not in mocking.notes_source
    cassandra = by_title(export, "Apache Cassandra and Python")
    assert "&amp;t=24s" in cassandra.notes_html  # YouTube video: the time code is a t= parameter
    assert all("<script" not in t.notes_html for t in export.talks)


def test_sub_entries_and_indices_are_not_talks(export):
    titles = {t.title for t in export.talks}
    assert "Modern Mocking" not in titles
    assert "Indices and tables" not in titles


def test_export_and_rst_sources_give_the_same_titles(export):
    rst_titles = set()
    for path in sorted(PYCON_NOTES.glob("*.rst")):
        for talk in parse_document(path.read_text(encoding="utf-8"), path.name).talks:
            rst_titles.add(fold(talk.title))
    text_titles = {fold(t.title) for t in export.talks}
    assert len(text_titles) == 16
    assert rst_titles == text_titles
    # Hence the same talk ids, so a re-import from either source overwrites rather than duplicates.
    assert {talk_id("pycon-us-2012", t) for t in rst_titles} == {talk_id("pycon-us-2012", t) for t in text_titles}


def test_render_text_escapes_and_structures():
    html = render_text(["<b>bold</b> see <http://x.org/a?b=1&c=2>", "", "- one", "- two", "",
                        "```", "if a < b:", "```"])
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<a href="http://x.org/a?b=1&amp;c=2">' in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<pre><code>if a &lt; b:</code></pre>" in html
