"""Layout inference on the shapes real notes take: one talk per file, days, lightning lists, metadata."""
from __future__ import annotations

from datetime import date

import pytest

from archive.domain import Conference, Speaker
from archive.parse import Hints, parse_document
from archive.parse.days import path_day_hint, resolve_day
from archive.talks.build import build_talks

MANY = Hints(documents=12, conference_name="PyCon US 2016", conference_id="pycon-us-2016")
PYCON = Conference("pycon-us-2016", "PyCon US 2016", start=date(2016, 5, 28), end=date(2016, 6, 5))


def talks(text, name, hints=MANY):
    return parse_document(text, name, hints).talks


def test_one_talk_per_file_keeps_its_sections_as_notes():
    text = ("# Docker for Data Science\n\nintro words here\n\n## Setup\n\npip install\n\n## Docker Images\n\nlayers\n\n"
            "## Fixtures\n\nmore\n\n## Questions\n\nwhy?\n\n## Conclusion\n\ndone\n")
    [talk] = talks(text, "docker-data-science.md")
    assert talk.title == "Docker for Data Science" and talk.speakers == ()
    assert "<h2>Docker Images</h2>" in talk.notes_html and "<h2>Conclusion</h2>" in talk.notes_html


def test_a_section_title_is_never_the_talk_and_never_its_speaker():
    [talk] = talks("## Setup\n\nsteps\n\n## Tweaking\n\nknobs\n", "tensorflow-tweaking.md")
    assert talk.title == "Tensorflow tweaking" and talk.speakers == ()


def test_one_file_per_day_gives_a_talk_per_second_level_heading_dated_by_the_day_heading():
    text = ("# Pycon - Friday, June 3\n\n## Keynote: Paul Graham, YCombinator\n\nstartups\n\n"
            "## Fast Python\n\n*Jane Roe*\n\n### Profiling\n\ncProfile\n\n### Caching\n\nlru\n\n"
            "## Async all the way\n\nJohn Smith, Acme\n\n### Loops\n\nevents\n")
    parsed = parse_document(text, "friday.md", MANY)
    assert parsed.layout == "talks-by-heading"
    assert [(t.title, t.kind) for t in parsed.talks] == [
        ("Keynote", "keynote"), ("Fast Python", "talk"), ("Async all the way", "talk")]
    assert [t.speakers[0].name for t in parsed.talks] == ["Paul Graham", "Jane Roe", "John Smith"]
    assert parsed.talks[0].speakers == (Speaker("Paul Graham", "YCombinator"),)
    built = build_talks(parsed, PYCON, "s:friday.md", parsed.format, lambda t: ())
    assert {t.date for t in built} == {date(2016, 6, 3)}


def test_lightning_talks_as_a_bullet_list_are_one_talk_per_top_level_bullet():
    text = ("# Lightning Talks\n\n* Pip tricks - use constraints\n  - and hashes\n* Hypothesis\n  - property tests\n"
            "* Teaching kids Python\n")
    parsed = parse_document(text, "lightning.md", MANY)
    assert parsed.layout == "lightning-list"
    assert [(t.title, t.kind) for t in parsed.talks] == [
        ("Pip tricks", "lightning"), ("Hypothesis", "lightning"), ("Teaching kids Python", "lightning")]
    assert "property tests" in parsed.talks[1].notes_html


def test_lightning_talks_one_per_line_dated_by_the_file_name():
    text = "Pip tricks - constraints - hashes\nHypothesis - property tests\nKids and Python - turtles\n"
    parsed = parse_document(text, "lightning-talks-6-1.txt", MANY)
    assert [t.title for t in parsed.talks] == ["Pip tricks", "Hypothesis", "Kids and Python"]
    built = build_talks(parsed, PYCON, "s:lightning-talks-6-1.txt", parsed.format, lambda t: ())
    assert {t.date for t in built} == {date(2016, 6, 1)} and {t.kind for t in built} == {"lightning"}


def test_a_plain_text_file_without_a_title_is_one_talk_named_by_its_file():
    text = "descriptors - __get__ - __set__\n__getattr__ - fallback - only when missing\n"
    [talk] = talks(text, "magic-attribute-access.txt")
    assert talk.title == "Magic attribute access" and talk.kind == "talk"


@pytest.mark.parametrize("text, title, speaker", [
    ("title: Scaling Celery\n\nSome notes.\n\n## Queues\n\nmany\n\n## Workers\n\nmore\n", "Scaling Celery", None),
    ("# Scaling Celery\n\n**Presenter:** Ann Lee, Acme Corp\n\n## Queues\n\nmany\n", "Scaling Celery", "Ann Lee"),
    ("# Scaling Celery\n\n*Ann Lee*\n\n## Queues\n\nmany\n\n## Workers\n\nmore\n", "Scaling Celery", "Ann Lee"),
    ("# Scaling Celery\n\nAnn Lee\n\n## Queues\n\nmany\n\n## Workers\n\nmore\n", "Scaling Celery", "Ann Lee"),
    ("Scaling Celery\n==============\n\nby Ann Lee & Bo Chen\n\nQueues\n------\n\nmany\n", "Scaling Celery", "Ann Lee"),
    ('# "Scaling Celery" by [Ann Lee, Acme](https://example.com/ann)\n\n## Queues\n\nmany\n', "Scaling Celery",
     "Ann Lee"),
    ("# Scaling Celery\n## Ann Lee, Staff Engineer, Acme\n### Ideas\n\nx\n### Queues\n\ny\n", "Scaling Celery",
     "Ann Lee"),
])
def test_titles_and_speakers_from_metadata_lines(text, title, speaker):
    name = "celery.rst" if "====" in text else "celery.md"
    [talk] = talks(text, name)
    assert talk.title == title
    assert (talk.speakers[0].name if talk.speakers else None) == speaker


def test_a_speaker_heading_with_its_talk_below_gives_the_talk_its_title():
    text = ("==========\nNotes 2012\n==========\n\nJane Roe\n========\n\nMaking Things Fast\n------------------\n\nnotes\n\n"
            "Other Talk\n==========\n\nby John Smith\n\nmore\n")
    parsed = parse_document(text, "notes.rst", Hints(documents=1))
    assert [(t.title, t.speakers[0].name) for t in parsed.talks] == [
        ("Making Things Fast", "Jane Roe"), ("Other Talk", "John Smith")]


def test_day_folders_and_dated_file_names():
    assert resolve_day(path_day_hint("notes/friday/keynote.md"), PYCON.start, PYCON.end) == date(2016, 6, 3)
    assert resolve_day(path_day_hint("day2/talk.md"), PYCON.start, PYCON.end) == date(2016, 5, 29)
    assert resolve_day(path_day_hint("2016-05-30-lightning.md"), PYCON.start, PYCON.end) == date(2016, 5, 30)
    assert resolve_day(path_day_hint("python-3-11.md"), PYCON.start, PYCON.end) is None  # not a day of it
    assert resolve_day(path_day_hint("friday/x.md"), None, None) is None


def test_source_overrides_win_over_inference():
    text = "# Setup\n\nx\n\n# Deploying\n\ny\n"
    assert [t.title for t in talks(text, "deploy.md", Hints(layout="talks-by-heading"))] == ["Deploying"]
    assert [t.title for t in talks(text, "deploy.md", Hints(layout="talk-per-file"))] == ["Deploy"]
    nested = "# Day one\n\n## Talk A\n\n### Part\n\nx\n\n## Talk B\n\ny\n"
    by_level = talks(nested, "d.md", Hints(layout="talks-by-heading", talk_heading_level=3))
    assert [t.title for t in by_level] == ["Part"]


def test_layout_settings_change_the_documents_hash():
    from archive.service.importing import document_hash
    from archive.sources import DocumentInput, Source, source_hints

    source = Source("s", "notes", path=__import__("pathlib").Path("/tmp"))
    doc = DocumentInput("a.md", b"# A\n")
    auto = document_hash(source, doc, source_hints(source, 3))
    forced = document_hash(source, doc, source_hints(__import__("dataclasses").replace(source, layout="talk-per-file"), 3))
    assert auto != forced and auto == document_hash(source, doc, source_hints(source, 7))


def test_a_lightning_file_with_a_heading_per_talk_and_a_front_matter_day_post():
    parsed = parse_document("## Pip tricks\n\nx\n\n## Hypothesis\n\ny\n\n## Kids\n\nz\n", "lightning.md", MANY)
    assert [(t.title, t.kind) for t in parsed.talks] == [
        ("Pip tricks", "lightning"), ("Hypothesis", "lightning"), ("Kids", "lightning")]
    post = ("---\nlayout: post\ntitle: \"PyCon 2016 - Day 2\"\n---\n\n## Fast Python\n\nby Jane Roe\n\nnotes\n\n"
            "## Async all the way\n\nby John Smith\n\nmore\n")
    parsed = parse_document(post, "2016-05-29-pycon.md", MANY)
    assert parsed.title == "PyCon 2016 - Day 2"
    assert [t.title for t in parsed.talks] == ["Fast Python", "Async all the way"]
    built = build_talks(parsed, PYCON, "s:post.md", parsed.format, lambda t: ())
    assert {t.date for t in built} == {date(2016, 5, 29)}


def test_headings_that_name_catalogue_talks_are_talks():
    text = "## Fast Python\n\nnotes\n\n## Async all the way\n\nmore\n"
    assert [t.title for t in talks(text, "speed.md")] == ["Speed"]  # no evidence: one talk, as most files are
    listed = Hints(documents=12, catalogue_titles=frozenset({"fast python", "async all the way", "other"}))
    parsed = parse_document(text, "speed.md", listed)
    assert [t.title for t in parsed.talks] == ["Fast Python", "Async all the way"]
    assert any("in the catalogue" in e for e in parsed.evidence)
    assert listed.salt() != Hints(documents=12).salt()
