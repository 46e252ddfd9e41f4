"""Property-based (Hypothesis) tests: generated hostile documents fed to the notes parsers.

Whatever the bytes, the only exception to escape is a DocumentError naming the file; every talk
has a non-empty title of bounded length, and its HTML holds no script, event attribute or
javascript: URL. The normal suite runs MIN_EXAMPLES documents split over the tests below;
NOTES_FUZZ_EXAMPLES=10000 (what bin/fuzz sets) raises the total.
"""
from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from archive.domain import DocumentError
from archive.service.runner import parse_bytes
from archive.parse import Hints, parse_document
from archive.parse.layout import LAYOUTS
from archive.parse.limits import MAX_TITLE_CHARS

MIN_EXAMPLES = 520


def fuzz_settings(minimum: int, tests: int, per_example: int = 1) -> tuple[settings, int]:
    """Return the Hypothesis settings of a fuzz file's tests and its total of generated documents.

    The total is NOTES_FUZZ_EXAMPLES (what bin/fuzz sets) or the file's minimum for the normal
    suite, split evenly over its tests; per_example is how many documents one example holds on average.
    """
    total = max(int(os.environ.get("NOTES_FUZZ_EXAMPLES") or minimum), tests * per_example)
    return settings(
        max_examples=total // (tests * per_example), deadline=None, print_blob=True,
        database=DirectoryBasedExampleDatabase(str(Path(__file__).resolve().parents[2] / "var" / "hypothesis")),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                               HealthCheck.function_scoped_fixture],
    ), total


def report_counts(label: str, counted: dict[str, int]):
    """Return a module fixture that appends "label documents refused" to NOTES_FUZZ_COUNT_FILE (bin/fuzz sums them)."""

    @pytest.fixture(scope="module", autouse=True)
    def _report_count():
        yield
        if os.environ.get("NOTES_FUZZ_COUNT_FILE"):
            with open(os.environ["NOTES_FUZZ_COUNT_FILE"], "a", encoding="utf-8") as out:
                out.write(f"{label} {counted['documents']} {counted['refused']}\n")

    return _report_count


FUZZ, TOTAL = fuzz_settings(MIN_EXAMPLES, tests=4)
COUNTED = {"documents": 0, "refused": 0}
_report_count = report_counts("parsers", COUNTED)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "poster", "background", "cite",
                            "xlink:href", "srcset", "longdesc", "usemap", "manifest", "codebase"})
_JS_URL = re.compile(r"^[\x00-\x20]*j[\s\x00]*a[\s\x00]*v[\s\x00]*a[\s\x00]*s[\s\x00]*c[\s\x00]*r[\s\x00]*i[\s\x00]*p"
                     r"[\s\x00]*t[\s\x00]*:", re.IGNORECASE)

# --- strategies -------------------------------------------------------------------------------

INJECTIONS = (
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>", "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "![i](javascript:alert(1))",
    "<javascript:alert(1)>", "`x <javascript:alert(1)>`_", ".. image:: javascript:alert(1)",
    '<a href="jav&#x09;ascript:alert(1)">t</a>', "<iframe src=//evil>", "<style>*{x:y}</style>",
    "<<script>script>alert(1)<</script>/script>", '"><script>alert(1)</script>', "&lt;script&gt;",
    '<div style="background:url(javascript:alert(1))">', "<object data=javascript:alert(1)>",
    "[a]: javascript:alert(1)\n\n[a]", "<details open ontoggle=alert(1)>", "<body onload=alert(1)>",
)
DIRECTIVES = (
    ".. include:: /etc/passwd", ".. raw:: html\n\n   <script>alert(1)</script>",
    ".. csv-table:: t\n   :file: /etc/passwd", ".. csv-table:: t\n   :url: http://127.0.0.1/",
    ".. literalinclude:: /etc/passwd", ".. role:: raw-html(raw)\n   :format: html\n\n:raw-html:`<script>x</script>`",
    ".. default-role:: literal", ".. role:: ref(literal)", ".. code-block:: python\n\n   print(1)",
    ".. toctree::\n\n   a\n   b", ".. image:: /etc/passwd", ".. figure:: x.png\n\n   caption",
    ".. unicode:: U+202E", ".. |x| date::", ".. math::\n\n   x^2", ".. sectnum::", ".. contents::",
    ".. meta::\n   :keywords: x", ".. header:: h", ".. title:: T", ".. class:: x", ".. note:: |sub|",
    ".. [1] footnote", "[1]_ [#]_ [*]_", ".. _target: javascript:alert(1)", "target_ `a`__", "__ http://x",
    ":unknown:`x`", "`unclosed", "*a **b", "|undefined|", ".. |a| replace:: |a|", ".. |b| replace:: |c|",
    "Presenter: Ann Lee", "Speaker: <script>x</script>", "Slides: javascript:alert(1)", "Video: http://v/x",
    "Video running time: 99999:99:99", "title: Hostile", "---\ntitle: x\n---",
)
CONTROL = st.sampled_from("\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u2028\u2029\ufeff\u202e\u200b\r\t")
WORD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=12)


@st.composite
def titles(draw) -> str:
    """Return a heading's text: words, odd characters, injections, sometimes huge or empty."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return ""
    if kind == 1:
        return draw(st.sampled_from(["word ", "x", "*", "`", "|s|", "#", "="])) * draw(st.integers(300, 4000))
    if kind == 2:
        return draw(st.sampled_from(INJECTIONS))
    words = draw(st.lists(st.one_of(WORD, CONTROL, st.sampled_from(("by", "Ann Lee", "Keynote:", "Day 2", "-"))),
                          max_size=8))
    return " ".join(words)


@st.composite
def headings(draw) -> str:
    """Return a heading in one of the styles the parsers know (ATX, setext, reST, TOC line)."""
    title = draw(titles()).replace("\n", " ")
    style = draw(st.integers(0, 5))
    if style == 0:
        return "#" * draw(st.integers(1, 7)) + draw(st.sampled_from(["", " ", "  "])) + title
    char = draw(st.sampled_from("=-~^\"'`:+*#<>._"))
    rule = char * max(len(title) + draw(st.integers(-2, 3)), draw(st.integers(0, 5)))
    if style == 1:
        return f"{title}\n{rule}"
    if style == 2:
        return f"{rule}\n{title}\n{rule}"
    if style == 3:
        return f"{draw(st.integers(0, 99))}\t{title}\t{draw(st.integers(0, 999))}"
    if style == 4:
        return f"{title}\n{draw(st.sampled_from('=-'))}"
    return f"{draw(st.integers(1, 9))}.{draw(st.integers(1, 9))} {title}"


@st.composite
def substitutions(draw) -> str:
    """Return reST substitution definitions that nest (and fan out) and a reference to the first."""
    depth, fan = draw(st.integers(1, 14)), draw(st.integers(1, 6))
    defs = [f".. |s{i}| replace:: {' '.join([f'|s{i + 1}|'] * fan)}" for i in range(depth)]
    return "\n".join([f"|s0| and |S0|", ""] + defs + [f".. |s{depth}| replace:: end"])


@st.composite
def nesting(draw) -> str:
    """Return deeply nested lists, quotes or indented blocks."""
    depth = draw(st.integers(1, 400))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return "".join("  " * i + "- item\n" for i in range(depth))
    if kind == 1:
        return "".join(">" * i + " quote\n" for i in range(1, depth))
    if kind == 2:
        return "- " * depth + "x"
    if kind == 3:
        return "".join(("  " * i) + f"level {i}\n\n" for i in range(depth))
    return "[" * depth + "x" + "](" * depth


@st.composite
def blocks(draw) -> str:
    """Return one block of a hostile document."""
    return draw(st.one_of(
        headings(), headings(), st.sampled_from(INJECTIONS), st.sampled_from(DIRECTIVES),
        st.lists(st.one_of(WORD, CONTROL), max_size=30).map(" ".join),
        substitutions(), nesting(),
        st.builds(lambda c, n: c * n, st.sampled_from(["a", "\t", "a "]), st.sampled_from([2000, 10_001])),
        st.builds(lambda c, n: c * n, st.sampled_from(["*`_|:", "`x`_ ", "[", "<", "*a "]), st.integers(100, 2000)),
        st.builds(lambda n: "".join(f"# H{i}\n" for i in range(n)), st.sampled_from([0, 60, 5001])),
        st.just("```\n# not a heading\n<script>x</script>\n```"),
    ))


@st.composite
def documents(draw, max_blocks: int = 12) -> str:
    """Return a document's text: hostile blocks separated by blank lines (or not)."""
    parts = draw(st.lists(blocks(), min_size=1, max_size=max_blocks))
    return "".join(part + draw(st.sampled_from(["\n\n", "\n", "\r\n", ""])) for part in parts)


@st.composite
def encoded(draw, max_blocks: int = 12) -> bytes:
    """Return a document's bytes: UTF-8, sometimes with a BOM, CRLF, invalid bytes or UTF-16."""
    data = draw(documents(max_blocks)).encode("utf-8", errors="surrogatepass")
    kind = draw(st.integers(0, 7))
    if kind == 0:
        data = b"\xef\xbb\xbf" + data
    elif kind == 1:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\x80", b"\xf4\x90"])) + data[at:]
    elif kind == 2:
        data = data.decode("utf-8", errors="replace").encode("utf-16")
    elif kind == 3:
        data = data.replace(b"\n", b"\r\n")
    return data


FILENAMES = st.one_of(
    st.sampled_from(["notes.rst", "notes.md", "notes.txt", "README", "day-2/friday.md", "lightning-talks-4-11.md",
                     "2014-04-11-keynote.rst", "index.rst", "x.markdown", "talks/.hidden.md", "a b/c d.txt"]),
    st.builds(lambda stem, ext: stem + ext, st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                                    min_size=1, max_size=40),
              st.sampled_from([".rst", ".md", ".txt", ""])),
)
HINTS = st.builds(Hints, layout=st.sampled_from(LAYOUTS), talk_heading_level=st.sampled_from([None, 1, 2, 3]),
                  documents=st.sampled_from([None, 1, 40]), conference_name=st.sampled_from(["", "PyCon US 2014"]))

# --- properties -------------------------------------------------------------------------------


class _Markup(HTMLParser):
    """Collects the tags and attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        """Keep a start tag and its attributes."""
        self.found.append((tag, attrs))


def assert_safe_html(fragment: str) -> None:
    """Assert an HTML fragment holds no script, event attribute or javascript: URL."""
    assert "<script" not in fragment.lower()
    markup = _Markup()
    markup.feed(fragment)
    markup.close()
    for tag, attrs in markup.found:
        assert tag not in ("script", "iframe", "object", "embed", "style"), fragment
        for name, value in attrs:
            assert not name.lower().startswith("on"), (tag, name, fragment)
            if name.lower() in URL_ATTRIBUTES:  # alt="javascript:..." is only text
                assert not _JS_URL.match(value or ""), (tag, name, value)


def check_document(parse, text_or_bytes, filename: str, hints: Hints) -> None:
    """Parse one document and assert the properties every result (or refusal) must have."""
    COUNTED["documents"] += 1
    try:
        document = parse(text_or_bytes, filename, hints)
    except DocumentError as exc:
        COUNTED["refused"] += 1
        assert filename in str(exc), str(exc)
        event("refused: " + re.sub(r"\d+|'.*'", "N", str(exc).replace(filename, ""))[:60])
        return
    event(f"parsed: {document.format}, {min(len(document.talks), 3)} talks")
    assert document.title.strip() and len(document.title) <= MAX_TITLE_CHARS
    for talk in document.talks:
        assert talk.title.strip() and len(talk.title) <= MAX_TITLE_CHARS, talk.title
        assert_safe_html(talk.notes_html)
    if not document.talks:
        assert document.warnings, document


@FUZZ
@given(data=encoded(), filename=FILENAMES, hints=HINTS)
def test_parse_bytes_only_raises_named_document_errors(data, filename, hints):
    check_document(parse_bytes, data, filename, hints)


@FUZZ
@given(text=documents(), name=st.sampled_from(["notes.rst", "n.rest"]), hints=HINTS)
def test_rst_documents(text, name, hints):
    check_document(parse_document, text, name, hints)


@FUZZ
@given(text=documents(), name=st.sampled_from(["notes.md", "n.markdown"]), hints=HINTS)
def test_markdown_documents(text, name, hints):
    check_document(parse_document, text, name, hints)


@FUZZ
@given(text=documents(), name=st.sampled_from(["notes.txt", "notes", "export.text"]), hints=HINTS)
def test_text_and_detected_documents(text, name, hints):
    check_document(parse_document, text, name, hints)
