"""Markdown parsing: headings without a space, talk splitting, metadata, lightning talks."""
from __future__ import annotations

from archive.domain import Link, Speaker
from archive.parse import detect_format, parse_document
from archive.parse.markdown import fix_headings

NOTES = """\
#PyData Notes 2015

Some words about the conference.

##Keynote: The Future of Data

**Speaker**: Jane Doe of Acme Corp

**Video**: https://www.youtube.com/watch?v=abc123

**Video running time**: 45:00

(05:30) the intro, then [the slides][s].

```python
##not a heading
print("hi")
```

### Questions

Why?

## Pandas Tricks by John Smith

Notes (1:02:03) without a video.

## Lightning Talks

### One

first lightning talk

### Two

second lightning talk

## To Do

- read the docs

[s]: https://example.com/slides
"""


def parse(text=NOTES, name="notes.md"):
    return parse_document(text, name)


def test_headings_without_space_are_headings_but_not_in_code():
    fixed = fix_headings("##Title\n```\n##code\n```\n# Already\n#####Deep\n~~~~\n#x\n~~~~\n")
    assert fixed.splitlines() == ["## Title", "```", "##code", "```", "# Already", "##### Deep",
                                  "~~~~", "#x", "~~~~"]


def test_document_title_and_talks():
    document = parse()
    assert document.format == "markdown"
    assert document.title == "PyData Notes 2015"
    assert [(t.title, t.kind) for t in document.talks] == [
        ("The Future of Data", "keynote"),  # "Keynote:" is the kind, not the title
        ("Pandas Tricks", "talk"),
        ("One", "lightning"),
        ("Two", "lightning"),
    ]
    assert [t.ordinal for t in document.talks] == [1, 2, 3, 4]
    assert [t.anchor for t in document.talks] == ["the-future-of-data", "pandas-tricks", "one", "two"]


def test_metadata_and_notes():
    keynote, pandas, one, _ = parse().talks
    assert keynote.speakers == (Speaker("Jane Doe", "Acme Corp"),)
    assert keynote.links == (Link("video", "https://www.youtube.com/watch?v=abc123"),)
    assert keynote.video_seconds == 45 * 60
    html = keynote.notes_html
    assert '<a class="timecode" href="https://www.youtube.com/watch?v=abc123&amp;t=330s">(05:30)</a>' in html
    assert '<a href="https://example.com/slides">the slides</a>' in html  # reference defined at the end
    assert "##not a heading" in html
    assert "<h3>Questions</h3>" in html  # a subsection stays in its talk
    assert keynote.notes_source.startswith("##Keynote: The Future of Data\n")
    assert keynote.notes_source.rstrip().endswith("Why?")
    assert pandas.speakers == (Speaker("John Smith"),)
    assert "(1:02:03)" in pandas.notes_html and "timecode" not in pandas.notes_html
    assert one.notes_source == "### One\n\nfirst lightning talk"
    assert one.word_count == 3


def test_single_talk_file_with_metadata():
    text = "# Scaling Django by Ann Lee\n\n**Presenter**: Ann Lee\n\n## Part one\n\ntext\n\n## Part two\n\nmore\n"
    document = parse(text, "scaling.md")
    assert [t.title for t in document.talks] == ["Scaling Django"]
    assert document.talks[0].speakers == (Speaker("Ann Lee"),)
    assert "<h2>Part two</h2>" in document.talks[0].notes_html


def test_several_top_headings_are_talks():
    document = parse("# First talk\n\ntext\n\n# Second talk\n\nmore\n", "day1.md")
    assert document.title == "day1"
    assert [t.title for t in document.talks] == ["First talk", "Second talk"]


def test_no_headings_one_talk_titled_by_its_file_name():
    document = parse("just some text\n", "magic-attribute_access.md")
    assert [t.title for t in document.talks] == ["Magic attribute access"]
    assert document.talks[0].notes_html == "<p>just some text</p>"


def test_no_headings_and_a_file_name_that_names_no_talk_give_none_and_say_why():
    document = parse("just some text\n", "notes.md")
    assert document.talks == ()
    assert "names no talk" in document.evidence[-1]


def test_markdown_is_detected_from_content():
    assert detect_format("##Title\n\ntext\n", "notes.txt") == "markdown"
    assert detect_format("# Title\n\ntext\n", "notes") == "markdown"
