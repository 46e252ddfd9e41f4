"""reStructuredText parsing on the real corpus: EuroPython 2012, DjangoCon EU 2013, PyCon 2012 sources."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.domain import Speaker, fold
from archive.parse import detect_format, parse_document

CORPUS = (Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus").resolve()
EUROPYTHON = CORPUS / "seeds" / "000_5c3eeee530a0a10c.txt"
DJANGOCON = CORPUS / "seeds" / "002_4a3d1379886afc08.txt"
PYCON_NOTES = CORPUS / "pycon2012-notes"


@pytest.fixture(scope="module")
def europython():
    return parse_document(EUROPYTHON.read_text(encoding="utf-8"), EUROPYTHON.name)


@pytest.fixture(scope="module")
def djangocon():
    return parse_document(DJANGOCON.read_text(encoding="utf-8"), DJANGOCON.name)


def link(talk, kind):
    return next((l.url for l in talk.links if l.kind == kind), None)


def by_title(document, title):
    matches = [t for t in document.talks if t.title == title]
    assert len(matches) == 1, f"{title!r}: {[t.title for t in document.talks]}"
    return matches[0]


def test_seeds_are_detected_as_rst():
    assert detect_format(EUROPYTHON.read_text(encoding="utf-8"), EUROPYTHON.name) == "rst"
    assert detect_format(DJANGOCON.read_text(encoding="utf-8"), DJANGOCON.name) == "rst"


def test_europython_title_and_non_talk_sections(europython):
    assert europython.title == "EuroPython 2012"
    assert europython.format == "rst"
    titles = {fold(t.title) for t in europython.talks}
    for non_talk in ("To Do", "Other Stuff", "Questions", "Questions and Answers", "Lightning Talks"):
        assert fold(non_talk) not in titles


def test_europython_lightning_talks_are_split_one_per_talk(europython):
    source = EUROPYTHON.read_text(encoding="utf-8")
    section = source.split("Lightning Talks\n===============\n", 1)[1].split("OpenStack and OpenShift\n", 1)[0]
    # Each lightning talk is a flush-left title line followed by an indented block.
    expected = [line for line in section.splitlines() if line and not line[0].isspace()]
    lightning = [t for t in europython.talks if t.kind == "lightning"]
    assert [t.title for t in lightning] == expected
    assert len(lightning) == 30
    transifex = by_title(europython, "Transifex")
    assert "Translate into many different languages" in transifex.notes_html
    assert transifex.notes_source.startswith("Transifex\n")
    assert "How I became a bitterman" not in transifex.notes_source
    batou = by_title(europython, "batou")
    assert batou.speakers == (Speaker("Christian Theune"),)


def test_europython_keynotes_titled_by_a_name(europython):
    guido = by_title(europython, "Guido van Rossum")
    assert guido.kind == "keynote"
    assert guido.speakers == (Speaker("Guido van Rossum"),)
    assert guido.notes_source.startswith("Guido van Rossum\n================")
    assert "Questions and Answers" in guido.notes_source  # the subsection belongs to the talk
    assert "Alex Martelli" not in guido.notes_source
    # A section headed by its speaker whose first subsection is the talk's title.
    martelli = by_title(europython, "Permission or Forgiveness")
    assert martelli.kind == "keynote" and martelli.speakers == (Speaker("Alex Martelli"),)
    assert martelli.notes_source.startswith("Alex Martelli\n=============")
    febo = by_title(europython, "Let your brain talk to computers")
    assert febo.speakers == (Speaker("Febo Cincotti"),)
    # "Slides_" names a target the notes never define: it shows as plain text, not an error.
    assert "<p>Slides (" in martelli.notes_html
    for title in ("Kivy", "Logging Module", "Discovering Descriptors", "Advanced Flask Patterns"):
        assert by_title(europython, title).kind == "talk"


def test_europython_speakers_named_on_the_first_lines(europython):
    assert by_title(europython, "Lessons in Testing").speakers == (Speaker("David Cramer", "DISQUS"),)
    assert by_title(europython, "eGenix PyRun").speakers == (Speaker("Marc-Andre Lemburg"),)
    assert by_title(europython, "Python @ Layar").speakers == (Speaker("Jens de Smit"),)


def test_europython_ordinals_and_anchors(europython):
    assert [t.ordinal for t in europython.talks] == list(range(1, len(europython.talks) + 1))
    anchors = [t.anchor for t in europython.talks]
    assert len(set(anchors)) == len(anchors)
    # "eGenix, PyRun" (lightning) and "eGenix PyRun" (talk) share a slug: the second is numbered.
    assert by_title(europython, "eGenix, PyRun").anchor == "egenix-pyrun"
    assert by_title(europython, "eGenix PyRun").anchor == "egenix-pyrun-2"
    assert europython.talks[-1].title == "Kivy"


def test_europython_html_and_word_counts(europython):
    for talk in europython.talks:
        assert "<script" not in talk.notes_html
        assert "System Message" not in talk.notes_html
        assert talk.word_count > 0
    testing = by_title(europython, "Lessons in Testing")
    assert "<h3>Lessons</h3>" not in testing.notes_html  # "Lessons" is a paragraph, not a section
    assert testing.word_count > 500


def test_djangocon_talks_and_lightning_talks(djangocon):
    assert djangocon.title == "Django Circus Notes (Day 1)"
    source = DJANGOCON.read_text(encoding="utf-8")
    lightning_count = len(re.findall(r"^~{3,}$", source, re.MULTILINE))
    talk_count = len(re.findall(r"^-{3,}$", source, re.MULTILINE)) - 1  # minus "Lightning Talks"
    lightning = [t for t in djangocon.talks if t.kind == "lightning"]
    assert len(lightning) == lightning_count == 6
    assert len(djangocon.talks) == talk_count + lightning_count == 16
    assert [t.title for t in lightning] == [
        "geek girls carrots", "Don't be afraid to commit", "Elasticsearch",
        "stop writing settings files", "Teaching 2.0", "Configuring Python environments with Puppet",
    ]
    assert "Lightning Talks" not in {t.title for t in djangocon.talks}


def test_djangocon_imaginative_programmer(djangocon):
    talk = by_title(djangocon, "The Imaginative Programmer")
    assert talk.kind == "talk"
    assert talk.speakers == (Speaker("Zed Shaw"),)
    assert "I propose we hack creativity" in talk.notes_html
    assert talk.notes_source.startswith("The Imaginative Programmer\n---")


def test_pycon_notes_one_talk_per_file_and_index_has_none():
    files = sorted(p for p in PYCON_NOTES.glob("*.rst") if p.name != "index.rst")
    assert len(files) == 16
    for path in files:
        document = parse_document(path.read_text(encoding="utf-8"), path.name)
        assert len(document.talks) == 1, path.name
        talk = document.talks[0]
        assert talk.speakers, path.name
        assert any(link.kind == "video" for link in talk.links), path.name
        assert "<script" not in talk.notes_html
    index = parse_document((PYCON_NOTES / "index.rst").read_text(encoding="utf-8"), "index.rst")
    assert index.talks == ()


def test_pycon_notes_metadata():
    path = PYCON_NOTES / "stop_mocking_start_testing.rst"
    talk = parse_document(path.read_text(encoding="utf-8"), path.name).talks[0]
    assert talk.title == "Stop Mocking, Start Testing"
    assert talk.speakers == (Speaker("Augie Fackler", "Google Code"), Speaker("Nathaniel Manista", "Google Code"))
    assert link(talk, "video") == "http://pyvideo.org/video/629/stop-mocking-start-testing"
    assert link(talk, "page") == "https://us.pycon.org/2012/schedule/presentation/315/"
    assert talk.video_seconds == 34 * 60 + 53
    assert talk.notes_source.startswith("*****")


def test_pycon_notes_sphinx_markup_is_tolerated():
    path = PYCON_NOTES / "apache_cassandra_and_python.rst"
    document = parse_document(path.read_text(encoding="utf-8"), path.name)
    talk = document.talks[0]
    assert talk.speakers == (Speaker("Jeremiah Jordan", "Morningstar, Inc."),)
    # :file: renders as literal text and code-block as a literal block, not as errors.
    assert '<span class="docutils literal">conf/cassandra.yaml</span>' in talk.notes_html
    assert '<pre class="code python literal-block">' in talk.notes_html
    assert not any("Unknown" in w for w in document.warnings)


def test_pycon_notes_bare_time_codes_link_into_the_video():
    path = PYCON_NOTES / "dotcloud_zerorpc.rst"
    talk = parse_document(path.read_text(encoding="utf-8"), path.name).talks[0]
    video = "http://pyvideo.org/video/639/build-reliable-traceable-distributed-systems-wi"
    assert f'<a class="timecode" href="{video}#t=22">(00:22 / 36:22 into the video)</a>' in talk.notes_html


def test_raw_html_in_the_corpus_is_dropped_and_reported():
    path = PYCON_NOTES / "fast_tests_slow_tests.rst"
    document = parse_document(path.read_text(encoding="utf-8"), path.name)
    assert "margin-left: 150px" not in document.talks[0].notes_html
    assert any('"raw" directive disabled' in w for w in document.warnings)
