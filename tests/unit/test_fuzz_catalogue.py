"""Property-based (Hypothesis) tests: generated hostile pyvideo catalogue files fed to the catalogue reader.

Every field of a category.json or videos/*.json is sometimes the wrong type (numbers, dicts, lists,
bools, null), huge, negative, out of range, full of control characters, CR/LF, injections or
`javascript:` URLs; the bytes are sometimes invalid JSON, invalid UTF-8, UTF-16, BOM-prefixed or
nested thousands deep. Whatever the bytes, the only exception to escape is a DocumentError naming
the file; a talk that is read has a one-line title, in-range numbers, http(s) links only, sanitised
HTML and strings that fit the database (valid UTF-8), and passes the service's value limits
(`check_talk`) or is refused by them with a DocumentError; an event has a bounded one-line name.
The normal suite runs MIN_EXAMPLES files; NOTES_FUZZ_EXAMPLES (bin/fuzz) raises the count.
"""
from __future__ import annotations

import json
import re

from hypothesis import event, given
from hypothesis import strategies as st

from archive.domain import TALK_KINDS, DocumentError
from archive.parse.catalogue import MAX_EVENT_NAME_CHARS, event_id, is_event_file, parse_event, parse_video
from archive.talks.build import (MAX_LINKS, MAX_NAME_CHARS, MAX_SECONDS, MAX_SPEAKERS, MAX_TAG_CHARS, MAX_TAGS,
                                 MAX_TALK_NOTES_BYTES, MAX_TITLE_CHARS, MAX_URL_CHARS, check_talk)
from tests.unit.test_fuzz_parsers import (_JS_URL, CONTROL, INJECTIONS, WORD, assert_safe_html, documents,
                                          fuzz_settings, report_counts, substitutions, titles)

MIN_EXAMPLES = 600
FUZZ, TOTAL = fuzz_settings(MIN_EXAMPLES, tests=3)  # the path test is not counted: it reads no file
COUNTED = {"documents": 0, "refused": 0}
_report_count = report_counts("catalogue", COUNTED)

# --- strategies -------------------------------------------------------------------------------

HUGE_INTS = st.sampled_from([1099511627776, 2**31, 2**31 - 1, -1, -(2**63), 2**64, 10**40, 0, 1, -1800])
URLS = st.one_of(
    st.sampled_from([
        "https://www.youtube.com/watch?v=abc", "http://example.org/slides.pdf", "https://speakerdeck.com/a/b",
        "javascript:alert(1)", " javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "ftp://x/y",
        'https://x.org/"><script>alert(1)</script>', "https://x.org/ onmouseover=alert(1)", "https://",
        "http://x/\r\nSet-Cookie: a=b", "HTTPS://EXAMPLE.ORG", "https://x.org/\u202e", "https://x.org/a b",
        "mailto:a@b", "", " ", "https://x.org/" + "a" * 5000, "https://x.org/a ", "https://x.org/a\n",
    ]),
    st.builds(lambda s: "https://example.org/" + s, WORD),
)
CONTROL_TEXT = st.lists(st.one_of(WORD, CONTROL, st.sampled_from(["\r\n", "\n", "\r", "\t", "\x00", "\u2028"])),
                        max_size=10).map("".join)
HUGE_TEXT = st.builds(lambda c, n: c * n, st.sampled_from(["x", "word ", "é", "\u0301", " ", "\n"]),
                      st.sampled_from([301, 1001, 20_000, 300_000]))
ODD_TEXTS = st.one_of(titles(), WORD, CONTROL_TEXT, st.sampled_from(INJECTIONS), URLS, st.text(max_size=40),
                      st.sampled_from(["\ud83d\ude00", "\U0001F600", "null", "true", "1e999", "-0", "NaN"]))
TEXTS = st.one_of(ODD_TEXTS, ODD_TEXTS, ODD_TEXTS, HUGE_TEXT)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE_INTS, st.floats(allow_nan=True, allow_infinity=True),
                    TEXTS, st.sampled_from(["\ud800", "a\udfffb", "\udc00x",  # lone surrogates: no UTF-8 for them
                                            "{}", "[]", "0", "false", "None", "undefined", "\x00", "\ufeff", "\u202e"]))
# Any JSON value at all: what a hostile file puts where a field should be.
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
NAMES = st.one_of(
    st.sampled_from(["Ann Lee", "Ann Lee and Bo Chen", "Chu, Hua-Rong", "Ann Lee, Bo Chen & Cy Dee", "Various speakers",
                     "Dillon R. Gardner, PhD", "Fireside Chat with: A B and C D", "Lightning Talks, DAY 1", "R2D2",
                     "Андрей Светлов", "蘇羿豪", "  Lynn  Root ", "Title by Ann Lee", "...", ";;;", "a und b y c et d",
                     "<script>alert(1)</script>", "Ann\r\nLee", "Ann\x00Lee", "Zed A. Shaw", "J Page"]),
    ODD_TEXTS,
)
DATES = st.one_of(st.dates().map(str), st.none(),
                  st.builds(lambda d, spec: d.isoformat(timespec=spec),
                            st.datetimes(timezones=st.one_of(st.none(), st.timezones())),
                            st.sampled_from(["seconds", "minutes"])))
ODD_DATES = st.sampled_from([
    "2013-05-15T09:30:00Z", "2013-05-15 09:30", "2013-02-30", "2013-05-15T25:00:00", "0001-01-01T00:00:00+14:00",
    "0001-01-01", "9999-12-31T23:59:59-10:00", "9999-12-31", "2013-05-15T09:30:00+24:00", "2013-05-15T09:30:00+2359",
    "\uff12\uff10\uff11\uff13-05-15", "2013-05-15\n", " 2013-05-15 ", "15/05/2013", "yesterday", "",
    "2013-05-15T09:30:00.999999+02:00", "2013-05-15T09:30:00+02:00junk", "2013-13-01", "2013-05-15T09:30:00+05:30:15",
])
DESCRIPTIONS = st.one_of(
    documents(), st.sampled_from(INJECTIONS), substitutions(), ODD_TEXTS,
    st.just("Why mocks:\r\n\r\n* fast\r\n* isolated\r\n\r\n.. raw:: html\r\n\r\n   <script>x()</script>"),
    st.just(".. role:: ref(literal)\n\n.. default-role:: strong\n\n`leaks` :ref:`x`"),
)
SLOW_DESCRIPTIONS = st.builds(lambda word, n: "\n".join([(word + " ") * 50] * n),
                              st.sampled_from(["word", "*a", "`x`_", "|s|", "**b", "*a **b"]),
                              st.sampled_from([40, 400]))
LINK_ITEMS = st.one_of(
    st.fixed_dictionaries({"url": URLS}, optional={"type": st.sampled_from(["youtube", "vimeo", ""]),
                                                   "label": st.one_of(ODD_TEXTS, VALUES)}),
    URLS, st.fixed_dictionaries({}, optional={"url": VALUES, "label": VALUES}), SCALARS,
)
MANY_LINKS = st.builds(lambda n: [{"url": f"https://example.org/{i}"} for i in range(n)], st.sampled_from([199, 201]))

# Each field: (ok, edgy). ok values are odd but meant to be read (injections, CR/LF, odd names, far dates);
# edgy ones are too large, out of range or malformed. Any field may also be hostile: any JSON at all.
VIDEO_FIELDS = {
    "title": (st.one_of(st.sampled_from(["A fine talk", "DjangoCon EU 2013: Ann Lee - A Talk", "Keynote",
                                         "Lightning talks", "A\r\nTalk", "PyCon US 2012: Keynote: Ann Lee",
                                         "Ann Lee and Bo Chen: A Talk", "Zed Shaw - The Talk"]), ODD_TEXTS),
              st.one_of(HUGE_TEXT, st.sampled_from(["", "   ", "\r\n"]))),
    "speakers": (st.one_of(st.lists(NAMES, max_size=6), NAMES),
                 st.one_of(st.builds(lambda n: [f"Person Number{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}"
                                                for i in range(n)], st.sampled_from([99, 101, 400])),
                           st.sampled_from([["x" * 400], ["Ann " * 5000]]), HUGE_TEXT)),
    "recorded": (DATES, ODD_DATES),
    "description": (DESCRIPTIONS, st.one_of(SLOW_DESCRIPTIONS, HUGE_TEXT)),
    "summary": (DESCRIPTIONS, st.one_of(SLOW_DESCRIPTIONS, HUGE_TEXT)),
    "duration": (st.one_of(st.integers(0, 20_000), st.floats(0, 100_000)),
                 st.one_of(HUGE_INTS, st.floats(allow_nan=True, allow_infinity=True),
                           st.sampled_from([-1, 0.5, 1e10, -0.0, True, "1800", "30:00"]))),
    "language": (st.one_of(st.sampled_from(["eng", "deu", "", "English\r\n"]), WORD),
                 st.one_of(HUGE_TEXT, CONTROL_TEXT)),
    "tags": (st.one_of(st.lists(ODD_TEXTS, max_size=8), ODD_TEXTS),
             st.one_of(HUGE_TEXT, st.builds(lambda n, size: [f"t{i}" + "x" * size for i in range(n)],
                                            st.sampled_from([3, 201]), st.sampled_from([1, 101])))),
    "videos": (st.lists(LINK_ITEMS, max_size=5), st.one_of(MANY_LINKS, URLS, st.lists(VALUES, max_size=3))),
    "related_urls": (st.lists(LINK_ITEMS, max_size=5), st.one_of(MANY_LINKS, URLS, st.lists(VALUES, max_size=3))),
    "thumbnail_url": (URLS, VALUES),
}
EVENT_FIELDS = {
    "title": (st.one_of(st.sampled_from(["PyCon US 2012", "  DjangoCon\r\nEurope  ", "x" * 300]), ODD_TEXTS),
              st.one_of(HUGE_TEXT, st.sampled_from(["x" * 301, "", " "]))),
    "url": (URLS, st.one_of(HUGE_TEXT, st.just("https://" + "x" * 4000))),
    "description": (DESCRIPTIONS, SLOW_DESCRIPTIONS),
}


@st.composite
def json_objects(draw, fields: dict, bad_fields: int | None = None) -> dict:
    """Return an object of the given fields, sometimes with stray keys.

    Without bad_fields each field is independently ok, edgy, hostile or absent; with it, up to that
    many fields are edgy or hostile and the others ok or absent (so most objects read to a talk).
    """
    if bad_fields is None:
        tiers = {name: draw(st.sampled_from(["ok"] * 6 + ["edgy", "edgy", "hostile", "absent"])) for name in fields}
    else:
        bad = set(draw(st.lists(st.sampled_from(list(fields)), max_size=bad_fields, unique=True)))
        tiers = {name: draw(st.sampled_from(["edgy", "edgy", "hostile"] if name in bad else ["ok"] * 4 + ["absent"]))
                 for name in fields}
    value = {}
    for name, tier in tiers.items():
        if tier == "absent" and name != "title":
            continue
        ok, edgy = fields[name]
        value[name] = draw({"ok": ok, "absent": ok, "edgy": edgy, "hostile": VALUES}[tier])
    if draw(st.integers(0, 3)) == 3:
        value.update(draw(st.dictionaries(st.text(max_size=10), VALUES, max_size=2)))
    return value


@st.composite
def encoded(draw, values) -> bytes:
    """Return a JSON file's bytes: valid JSON of the value, or broken in one of many ways."""
    value = draw(values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True)
    kind = draw(st.sampled_from(["as is"] * 10 + ["deep", "not an object", "cut", "numbers"]))
    if kind == "deep":  # deep nesting, around the value or instead of it
        depth = draw(st.sampled_from([50, 1_000, 100_000]))
        text = draw(st.sampled_from(["[" * depth + text + "]" * depth,
                                     '{"title": ' + '{"a": ' * depth + "1" + "}" * depth + "}"]))
    elif kind == "not an object":  # not an object
        text = draw(st.sampled_from(["[" + text + "]", '"a string"', "42", "null", "true", "[]", ""]))
    elif kind == "cut":  # truncated or with trailing garbage
        text = text[:draw(st.integers(0, max(len(text) - 1, 0)))] + draw(st.sampled_from(["", "}", "x", "\x00"]))
    elif kind == "numbers":  # numbers Python's int() refuses, NaN, duplicate keys
        text = text.rstrip("}") + (", " if len(text) > 2 else "") + draw(st.sampled_from([
            '"duration": ' + "9" * 5000, '"duration": NaN', '"duration": -Infinity', '"title": 1, "title": "x"',
            '"duration": 1e999', '"recorded": ' + "1" * 4400])) + "}"
    data = text.encode("utf-8", errors="surrogatepass")  # a lone surrogate becomes invalid UTF-8
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["bom", "byte", "other", "crlf"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "byte":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\x80", b"\xf4\x90"])) + data[at:]
    elif encoding == "other":
        data = data.decode("utf-8", errors="replace").encode(draw(st.sampled_from(["utf-16", "utf-16-le", "latin-1"])),
                                                             errors="replace")
    elif encoding == "crlf":
        data = data.replace(b", ", b",\r\n")
    return data


EVENTS = st.one_of(st.sampled_from(["pycon-us-2012", "ev", "djangocon-eu-2013", "a b", "é", "-", "..", "x" * 200]),
                   st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="/"),
                           min_size=1, max_size=20))
STEMS = st.one_of(st.sampled_from(["a-talk", "pycon-us-2012-ann-lee-a-talk", "café-talk", "蘇嘉冠-python", "",
                                   "x" * 300, "..", "-", "a.b.c"]),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
VIDEO_PATHS = st.one_of(st.builds(lambda e, s: f"{e}/videos/{s}.json", EVENTS, STEMS),
                        st.sampled_from(["a.json", "", "videos/x.json", "ev/x.json", "ev/videos/deeper/x.json"]))
EVENT_PATHS = st.one_of(st.builds(lambda e: f"{e}/category.json", EVENTS), st.sampled_from(["category.json", ""]))

# --- properties -------------------------------------------------------------------------------


def utf8(text: str | None) -> bool:
    """Tell whether a string can be written as UTF-8 (a lone surrogate cannot)."""
    try:
        (text or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def one_line(text: str) -> bool:
    """Tell whether text is non-empty, stripped, with its whitespace collapsed (no CR, LF, tab)."""
    return bool(text) and text == " ".join(text.split())


def refused(exc: DocumentError, path: str) -> None:
    """Count a refusal and check that it names the file."""
    COUNTED["refused"] += 1
    assert path in str(exc), str(exc)
    event("refused: " + re.sub(r"\d+|'.*'|\".*\"", "N", str(exc).replace(path, ""))[:60])


def check_video(data: bytes, path: str, event_name: str = "") -> None:
    """Read one video file and assert what every talk (or refusal) must satisfy."""
    COUNTED["documents"] += 1
    try:
        talk, description = parse_video(data, path, event_name)
    except DocumentError as exc:
        refused(exc, path)
        return
    assert one_line(talk.title) and utf8(talk.title), talk.title[:200]
    assert talk.conference_id == event_id(path) and talk.id.startswith(talk.conference_id + "--")
    assert talk.id == talk.catalogue_id and talk.document_id == path and talk.kind in TALK_KINDS
    assert talk.video_seconds is None or 0 < talk.video_seconds <= MAX_SECONDS, talk.video_seconds
    for link in talk.links:
        assert link.kind in ("video", "slides", "other") and utf8(link.url)
        assert link.url.startswith(("http://", "https://")) and not _JS_URL.match(link.url), link.url
    for speaker in talk.speakers:
        assert speaker.name.strip() and utf8(speaker.name) and not any(c.isdigit() for c in speaker.name)
    assert all(isinstance(tag, str) and tag.strip() and utf8(tag) for tag in talk.tags), talk.tags
    assert talk.language is None or (one_line(talk.language) and utf8(talk.language))
    assert talk.starts_at is None or talk.starts_at.tzinfo is None
    assert talk.starts_at is None or talk.date is not None
    assert "\r" not in description and utf8(description) and utf8(talk.summary_html)
    assert_safe_html(talk.summary_html)
    try:
        check_talk(talk)
    except DocumentError as exc:  # the service records the document as failed with this reason
        COUNTED["refused"] += 1
        event("over a value limit: " + str(exc).split(": ", 1)[-1].split(" ", 1)[0])
        return
    assert len(talk.title) <= MAX_TITLE_CHARS and len(talk.speakers) <= MAX_SPEAKERS
    assert all(len(s.name) <= MAX_NAME_CHARS for s in talk.speakers)
    assert len(talk.tags) <= MAX_TAGS and all(len(t) <= MAX_TAG_CHARS for t in talk.tags)
    assert len(talk.links) <= MAX_LINKS and all(len(l.url) <= MAX_URL_CHARS for l in talk.links)
    assert len(talk.summary_html.encode()) <= MAX_TALK_NOTES_BYTES
    event(f"read: {min(len(talk.speakers), 3)} speakers, {min(len(talk.links), 2)} links, "
          f"{'dated' if talk.date else 'undated'}")


def check_event(data: bytes, path: str) -> None:
    """Read one category.json and assert what every conference (or refusal) must satisfy."""
    COUNTED["documents"] += 1
    assert is_event_file(path) or not path
    try:
        conference = parse_event(data, path)
    except DocumentError as exc:
        refused(exc, path)
        return
    event("read an event")
    assert conference.id == event_id(path)
    assert one_line(conference.name) and utf8(conference.name) and len(conference.name) <= MAX_EVENT_NAME_CHARS
    assert conference.url is None or (conference.url.startswith(("http://", "https://")) and utf8(conference.url)
                                      and len(conference.url) <= MAX_URL_CHARS)


@FUZZ
@given(data=encoded(json_objects(VIDEO_FIELDS)), path=VIDEO_PATHS,
       event_name=st.sampled_from(["", "djangocon eu 2013", "PyCon US 2012"]))
def test_video_files_only_raise_named_document_errors(data, path, event_name):
    check_video(data, path, event_name)


@FUZZ
@given(value=json_objects(VIDEO_FIELDS, bad_fields=2),
       path=st.builds(lambda s: f"hostilecon-2024/videos/{s}.json", STEMS))
def test_valid_json_video_files_read_to_bounded_talks(value, path):
    check_video(json.dumps(value, allow_nan=True).encode("utf-8", errors="surrogatepass"), path)


@FUZZ
@given(data=encoded(json_objects(EVENT_FIELDS)), path=EVENT_PATHS)
def test_event_files_only_raise_named_document_errors(data, path):
    check_event(data, path)


@FUZZ
@given(path=st.one_of(VIDEO_PATHS, EVENT_PATHS, st.text(max_size=30)))
def test_catalogue_paths_give_an_event_or_a_named_error(path):
    try:
        event_id(path)
    except DocumentError as exc:
        assert path in str(exc)
    assert isinstance(is_event_file(path), bool)
