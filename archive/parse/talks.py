"""What the three parsers share: which sections are talks, talk metadata, kinds, safe HTML.

Each parser finds the talks of its format and hands the pieces (raw title, body HTML and text,
metadata lines) to build_talk, so that titles, speakers, links and kinds come out the same
whichever format a conference's notes were written in.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archive.domain import Link, ParsedTalk, Speaker, fold, slugify
from archive.formats.html import clean_html
from archive.parse.speakers import looks_like_name, split_speakers, split_title
from archive.parse.timecodes import link_timecodes, parse_duration

# Section titles that hold no talk (compared folded); a section holding a toctree is skipped too.
NON_TALK_TITLES = frozenset(fold(title) for title in (
    "To Do", "Todo", "Other Stuff", "Questions", "Questions and Answers", "Q&A", "Q & A",
    "Indices and tables", "Contents", "Table of Contents", "Index", "Search", "Notes", "Links",
    "Introduction", "About", "About these notes", "Misc", "Miscellaneous", "Schedule", "Sponsors",
    "Sprints", "Announcements",
))
_LIGHTNING = re.compile(r"^lightning(?: talks?)?(?: day \d+| \d+)?$")

_META_LINE = re.compile(
    r"^[*_\s]*(?P<key>presenters?|speakers?|(?:pycon \d{4} )?presentation page|slides|"
    r"video running time|running time|video|tutorial)"
    r"[*_]*\s*(?:\([^)]*\)\s*)?[*_]*\s*:[*_]*\s*(?P<value>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_LINK_KINDS = {"presentation page": "page", "slides": "slides", "video": "video", "tutorial": "other"}
_URL = re.compile(r"https?://[^\s<>\"'\]]+")
_OTHERS = re.compile(r"\b(?:others|et al)\b", re.IGNORECASE)
_HANDLE = re.compile(r"@\w[\w.-]*")
_WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")
# "Title (Very useful)", "Title (Panel)", "Title (Microsoft Keynote)": the note-taker's aside.
_ASIDE = re.compile(r"^(?P<title>.*\S)\s*\((?P<aside>[^()]{1,40})\)$")
# "Keynote - Fostering Community", "Keynote: Paul Graham, YCombinator".
_KIND_PREFIX = re.compile(r"^(?P<kind>keynote|panel|tutorial|lightning talk)\s*(?:[:\-\u2013\u2014|]\s*)(?P<rest>\S.*)$",
                          re.IGNORECASE)
# Words that name a kind of talk, and the kind they name (headings, asides, file names).
KIND_WORDS = {"keynote": "keynote", "keynotes": "keynote", "panel": "panel", "tutorial": "tutorial",
              "workshop": "tutorial", "lightning": "lightning"}
# "Title - point - point": a lightning talk on one line (the title ends on a non-space, so a long
# run of spaces cannot make the match backtrack quadratically).
_DASH_LINE = re.compile(r"^\s*(?:[-*\u2022]\s+)?(?P<title>[^-\u2013\s](?:[^\n]*?\S)?)\s+[-\u2013]\s+(?P<rest>\S.*)$")
_POINT_SEP = re.compile(r"\s+[-\u2013]\s+")
# "title: ...", "speaker: ..." lines at the top of a document, or in its front matter.
_META_TOP = re.compile(r"^\s*(?P<key>title|speakers?|presenters?|day|date)\s*:\s*(?P<value>\S.*)$", re.IGNORECASE)
_FRONT_MATTER_KEY = re.compile(r"^[\w-]+\s*:")


@dataclass
class Meta:
    """Metadata read from a talk's lines: who presented it, its links and its video's length."""

    speakers_text: str | None = None
    links: list[Link] = field(default_factory=list)
    video_seconds: int | None = None

    def add_link(self, kind: str, url: str) -> None:
        """Add a link unless the same kind and URL is already there."""
        if url and not any(l.kind == kind and l.url == url for l in self.links):
            self.links.append(Link(kind, url))


def kind_word(text: str) -> str | None:
    """Return the kind of talk a text names ("Keynote: ...", "(Panel)", "lightning_sat"), if any."""
    return next((KIND_WORDS[w] for w in fold(text).split() if w in KIND_WORDS), None)


def dash_line(line: str) -> tuple[str, tuple[str, ...]] | None:
    """Return (title, points) of a "Title - point - point" line, or None."""
    match = _DASH_LINE.match(line)
    if not match:
        return None
    return match.group("title").strip(), tuple(_POINT_SEP.split(match.group("rest")))


def dash_lines(lines: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Return the (title, points) of a block made only of "Title - point" lines (two or more), else []."""
    found = [dash_line(line) for line in lines]
    return found if len(lines) >= 2 and all(found) else []


def item_title(first_line: str) -> tuple[str, tuple[str, ...]]:
    """Return the title of a list item and the points its first line adds ("Pip tricks - hashes")."""
    found = dash_line(first_line)
    return found if found and len(found[0]) >= 3 else (first_line.strip(), ())


def split_meta_lines(lines: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Return lines with a leading front matter block or "title:" lines blanked, and their values
    (keys: title, speaker, presenter, day, date)."""
    meta: dict[str, str] = {}
    out = list(lines)
    first = next((i for i, l in enumerate(lines) if l.strip()), None)
    if first is None:
        return out, meta
    block = range(first, first + 1)
    if lines[first].strip() == "---":
        close = next((i for i in range(first + 1, min(len(lines), first + 60))
                      if lines[i].strip() in ("---", "...")), None)
        if close is not None and all(not l.strip() or _FRONT_MATTER_KEY.match(l) or l.startswith((" ", "-"))
                                     for l in lines[first + 1:close]):
            block = range(first, close + 1)
    if len(block) == 1:
        end = first
        while end < len(lines) and _META_TOP.match(lines[end]):
            end += 1
        block = range(first, end)
    for i in block:
        match = _META_TOP.match(lines[i])
        if match:
            meta.setdefault(match.group("key").lower().rstrip("s"), match.group("value").strip().strip("'\""))
        out[i] = ""
    return out, meta


def is_non_talk(title: str) -> bool:
    """Return whether a section with this title holds no talk ("To Do", "Questions", ...)."""
    return fold(title) in NON_TALK_TITLES


def is_lightning_section(title: str) -> bool:
    """Return whether a section with this title holds lightning talks."""
    return bool(_LIGHTNING.match(fold(title)))


def read_metadata(blocks: Iterable[tuple[str, Sequence[str]]], meta: Meta | None = None) -> Meta:
    """Return the metadata found in (text, link targets) blocks: "Presenter:", "Slides:", ..."""
    meta = meta or Meta()
    for text, hrefs in blocks:
        match = _META_LINE.match(" ".join(text.split()))
        if not match:
            continue
        key, value = fold(match.group("key")), match.group("value").strip()
        if key in ("presenter", "presenters", "speaker", "speakers"):
            if meta.speakers_text is None and value:
                meta.speakers_text = value
        elif key.endswith("running time"):
            if meta.video_seconds is None:
                meta.video_seconds = parse_duration(value)
        else:
            kind = _LINK_KINDS["presentation page" if key.endswith("presentation page") else key]
            found = _URL.search(value)
            url = found.group(0).rstrip(".,;:)>") if found else next(
                (h for h in hrefs if h.startswith(("http://", "https://"))), None)
            if url:
                meta.add_link(kind, url)
    return meta


def resolve_speakers(presenter: str | None, by_title: str | None) -> tuple[Speaker, ...]:
    """Return the speakers of a talk: the Presenter line wins, the title's "by ..." fills gaps."""
    stated, titled = split_speakers(presenter), split_speakers(by_title)
    if not stated:
        return titled
    known = {fold(s.name): s for s in titled}
    # "Fernando Pérez and others": the title names everyone, so it is the better list.
    if (_OTHERS.search(presenter or "") and len(titled) > len(stated)
            and all(fold(s.name) in known for s in stated)):
        return titled
    return tuple(
        s if s.affiliation or fold(s.name) not in known else Speaker(s.name, known[fold(s.name)].affiliation)
        for s in stated
    )


def intro_speakers(lines: Iterable[str]) -> tuple[Speaker, ...]:
    """Return the speaker named by a whole line "Name" or "Name, Org" among a talk's first lines."""
    for line in lines:
        line = " ".join(line.split()).strip(" |")
        if "@" in line or "://" in line:
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) <= 2 and looks_like_name(parts[0]):
            org = parts[1] if len(parts) == 2 else None
            if org is not None and not (org[:1].isupper() and len(org.split()) <= 4):
                continue
            return (Speaker(parts[0], org),)
    return ()


def clean_title(title: str) -> tuple[str, str | None, str | None]:
    """Return (title, kind, speakers text) of a heading without its aside or its kind prefix.

    "Accelerating AI (Microsoft Keynote)" -> ("Accelerating AI", "keynote", None);
    "Keynote - Fostering Community" -> ("Fostering Community", "keynote", None);
    "Keynote: Paul Graham, YCombinator" -> ("Keynote", "keynote", "Paul Graham, YCombinator").
    """
    kind = speakers = None
    aside = _ASIDE.match(title)
    if aside:
        words = aside.group("aside").split()
        kind = kind_word(aside.group("aside"))
        # "(Very useful)", "(interesting)" read as comments; "(ZeroRPC)", "(Ginkgo)" name things.
        comment = len(words) <= 3 and any(w[:1].islower() for w in words[1:] or words)
        if kind or comment:
            title = aside.group("title").rstrip(" -:")
    prefix = _KIND_PREFIX.match(title)
    if prefix:
        kind = KIND_WORDS[fold(prefix.group("kind")).split()[0]]
        rest = prefix.group("rest").strip()
        people = split_speakers(rest)
        first = re.split(r"\s*,\s*", rest)[0]
        if people and looks_like_name(first, 2, 4):
            title, speakers = prefix.group("kind").title(), rest
        else:
            title = rest
    return title, kind, speakers


def talk_kind(title: str, lightning: bool = False) -> str:
    """Return the kind of a talk from its title: lightning, keynote, tutorial or talk.

    A title that is only a person's name (2-4 capitalised name words, none of them a common
    title word, see speakers.looks_like_name) is taken as a keynote by that person, as in the
    EuroPython notes whose keynotes are headed "Guido van Rossum".
    """
    words = set(fold(title).split())
    if lightning or _LIGHTNING.match(fold(title)):
        return "lightning"
    if "keynote" in words or "keynotes" in words or looks_like_name(title):
        return "keynote"
    if "tutorial" in words:
        return "tutorial"
    if "panel" in words:
        return "panel"
    return "talk"


def count_words(text: str) -> int:
    """Return the number of words in plain text."""
    return len(_WORD.findall(text))


def safe_html(fragment: str, video_url: str | None) -> str:
    """Return the fragment with time codes linked and anything unsafe (scripts, events) removed."""
    # The pages' own allow-list (formats/html.py), so what is stored is what is shown.
    return clean_html(link_timecodes(fragment, video_url), link_rel=None).strip()


def build_talk(raw_title: str, *, body_html: str, body_text: str, source: str, meta: Meta,
               lightning: bool = False, intro: Iterable[str] = (), speakers_text: str | None = None,
               kind: str | None = None, day_hint: str | None = None) -> ParsedTalk:
    """Return the talk for a raw heading, its rendered body and the metadata found in it.

    speakers_text, kind and day_hint are what layout inference learnt around the heading (a
    speaker heading or line, a lightning list, a day heading); the talk's own lines win.
    """
    raw_title = " ".join(raw_title.split())
    title, by_title = split_title(raw_title)
    title, title_kind, prefix_speakers = clean_title(title or raw_title)
    title = title or raw_title
    kind = "lightning" if lightning else (kind or title_kind or talk_kind(title))
    if kind == "talk" and talk_kind(title) != "talk":
        kind = talk_kind(title)
    by_title = by_title or prefix_speakers
    # The talk's own "Presenter:" line, then its title, then what layout found around it.
    speakers = resolve_speakers(meta.speakers_text or (None if by_title else speakers_text), by_title)
    if not speakers and speakers_text and _HANDLE.fullmatch(speakers_text.strip()):
        speakers = (Speaker(speakers_text.strip()),)
    if not speakers and kind == "keynote" and looks_like_name(title):
        speakers = (Speaker(title),)
    if not speakers:
        speakers = intro_speakers(intro)
    video = next((l.url for l in meta.links if l.kind == "video"), None)
    return ParsedTalk(
        title=title,
        speakers=speakers,
        kind=kind,
        links=tuple(meta.links),
        video_seconds=meta.video_seconds,
        notes_source=source,
        notes_html=safe_html(body_html, video),
        word_count=count_words(body_text),
        day_hint=day_hint or "",
    )


def number_talks(talks: Iterable[ParsedTalk]) -> tuple[ParsedTalk, ...]:
    """Return the talks with 1-based ordinals and anchors unique within the document."""
    used: set[str] = set()
    numbered = []
    for ordinal, talk in enumerate(talks, start=1):
        base = slugify(talk.title)
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        numbered.append(dataclasses.replace(talk, ordinal=ordinal, anchor=anchor))
    return tuple(numbered)


def source_slice(lines: Sequence[str], start: int, end: int) -> str:
    """Return lines[start:end] joined, without the blank lines at either end."""
    chunk = list(lines[start:end])
    while chunk and not chunk[-1].strip():
        chunk.pop()
    while chunk and not chunk[0].strip():
        chunk.pop(0)
    return "\n".join(chunk)
