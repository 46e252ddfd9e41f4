"""Layout inference: which parts of a notes document are talks, decided from evidence (pure).

Every parser reduces its document to an `Outline` (the heading tree with a few facts about each
section's own text); `plan_document` decides whether the document holds **one talk** (title: its
first heading, else a metadata line, else its file name), **a collection of talks** at some
heading level (day headings and sections that are not talks give none), or **a list of
lightning talks**, and returns a `Plan` with the evidence it weighed, so that `notes-archive
inspect` can show a user why. The parsers then render what the plan names.

The weights are small integers on purpose: each piece of evidence is a sentence in the plan, and
a newcomer can follow the sum.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from archive.domain import fold
from archive.parse.days import day_hint, is_day_heading, path_day_hint
from archive.parse.speakers import looks_like_name, split_speakers, split_title
from archive.parse.talks import is_lightning_section, is_non_talk

LAYOUTS = ("auto", "talk-per-file", "talks-by-heading", "lightning-list")

# Sections that are parts of a talk's notes, never talks of their own (compared folded). A talk
# may be called "Testing" or "Deployment", so only words notes use for their own structure are here.
PART_TITLES = frozenset(fold(t) for t in (
    "setup", "set up", "introduction", "intro", "overview", "background", "summary", "summary of talk",
    "conclusion", "conclusions", "questions", "q&a", "q & a", "qa", "questions and answers", "audience questions",
    "takeaways", "key takeaways", "take aways", "ideas", "key ideas", "main ideas", "notes", "my notes", "resources",
    "links", "references", "further reading", "reading", "slides", "video", "videos", "demo", "demos", "code demo",
    "example", "examples", "thoughts", "my thoughts", "other stuff", "misc", "miscellaneous", "agenda", "outline",
    "motivation", "the problem", "problem", "problems", "solution", "solutions", "the solution", "why", "how", "what",
    "goals", "requirements", "lessons", "lessons learned", "lessons learnt", "tips", "the future", "future", "next steps",
    "challenges", "challenge", "use case", "use cases", "benefits", "drawbacks", "limitations", "history",
    "definitions", "terminology", "quotes", "discussion", "abstract", "description", "bio", "about the speaker",
    "speaker", "speakers", "sources", "tl dr", "tldr", "recap", "wrap up", "final thoughts", "context", "details",
    "todo", "to do", "contents", "table of contents", "index", "now", "today", "process", "approach", "architecture",
    "implementation", "results", "outcome", "community", "tools", "tooling", "libraries", "packages", "options",
    "caveats", "gotchas", "pros and cons", "pros", "cons", "key points", "highlights", "random notes", "action items",
))
_KIND_WORDS = {"keynote": "keynote", "keynotes": "keynote", "panel": "panel", "tutorial": "tutorial",
               "workshop": "tutorial", "lightning": "lightning"}
_COLLECTION_WORDS = frozenset({"notes", "talks", "sessions", "conference", "summit", "meetup", "schedule", "recap",
                               "proceedings", "day", "days", "track", "tracks", "program", "programme"})
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_HANDLE_ONLY = re.compile(r"^@\w[\w.-]*$")
_BY_LINE = re.compile(r"^(?:by|presented by|speakers?|presenters?)\s*:?\s+(?P<who>.+)$", re.IGNORECASE)
_STEM_NOISE = frozenset({"notes", "note", "talk", "talks", "md", "rst", "txt", "the", "a", "an", "and", "of", "in",
                         "on", "to", "for", "with", "by"})


@dataclass(frozen=True)
class Item:
    """One top-level list item or "Title - point - point" line: a lightning talk candidate."""

    title: str
    body: tuple[str, ...] = ()
    line: int = 0
    key: int = 0   # the parser's handle for the item


@dataclass(frozen=True)
class Node:
    """A section of a document: its heading and what its own text (before subsections) shows."""

    key: int             # the parser's handle for the section
    title: str
    level: int
    lead: tuple[str, ...] = ()   # the first short lines of its own text, plain
    own_words: int = 0
    has_meta: bool = False       # "Presenter:", "Video:", "Slides:" ... lines in its own text
    items: tuple[Item, ...] = ()  # top-level list items of its own text
    children: tuple["Node", ...] = ()


@dataclass(frozen=True)
class Outline:
    """A document reduced to what layout inference weighs."""

    path: str
    nodes: tuple[Node, ...] = ()
    preamble: tuple[str, ...] = ()      # short lines before the first heading
    preamble_words: int = 0
    preamble_items: tuple[Item, ...] = ()
    meta_title: str | None = None       # a "title:" line or front matter
    meta_speakers: str | None = None


@dataclass(frozen=True)
class Hints:
    """What the source tells layout inference: an override, and facts about its documents."""

    layout: str = "auto"
    talk_heading_level: int | None = None
    documents: int | None = None         # notes documents in the source (None: unknown)
    conference_name: str = ""
    conference_id: str = ""
    catalogue_titles: frozenset[str] = frozenset()  # folded titles of the conference's catalogue talks

    def salt(self) -> str:
        """Return what of these hints changes a parse, for the documents' content hashes."""
        many = "?" if self.documents is None else ("1" if self.documents <= 1 else "n")
        titles = hashlib.sha1("\n".join(sorted(self.catalogue_titles)).encode()).hexdigest()[:8] \
            if self.catalogue_titles else ""
        return f"{self.layout}/{self.talk_heading_level or ''}/{many}/{self.conference_name}/{titles}"


def in_catalogue(title: str, hints: Hints) -> bool:
    """Return whether a heading names a talk of the conference's catalogue (same words, or all of a
    title of three words or more inside the other)."""
    if not hints.catalogue_titles:
        return False
    words = fold(split_title(title)[0])
    if words in hints.catalogue_titles:
        return True
    if len(words.split()) < 3:
        return False
    padded = f" {words} "
    return any(padded in f" {t} " or (len(t.split()) >= 3 and f" {t} " in padded) for t in hints.catalogue_titles)


@dataclass(frozen=True)
class TalkPlan:
    """One talk the plan found: where its notes are and what layout learnt about it."""

    title: str
    node: int | None = None          # section whose body (after its heading) is the notes
    more: tuple[int, ...] = ()       # whole sections appended to the notes
    whole: bool = False              # the whole document is the notes
    item: Item | None = None         # a lightning talk from a list item
    speakers: str | None = None      # speakers text layout found (speaker heading, lead line)
    kind: str | None = None
    day: str | None = None
    skip: tuple[int, ...] = ()       # sections that are only speaker lines, left out of the notes


@dataclass(frozen=True)
class Plan:
    """What a document holds, and why."""

    layout: str
    title: str
    talks: tuple[TalkPlan, ...] = ()
    evidence: tuple[str, ...] = ()
    day: str | None = None


@dataclass
class _Scores:
    single: int = 0
    collection: int = 0
    evidence: list[str] = field(default_factory=list)

    def add(self, side: str, points: int, why: str) -> None:
        setattr(self, side, getattr(self, side) + points)
        self.evidence.append(f"{why} ({'+' if points >= 0 else ''}{points} {side})")


# -- small facts about headings -------------------------------------------------------------------------

def is_part_title(title: str) -> bool:
    """Return whether a heading names a part of a talk's notes ("Setup", "Questions", "Why?")."""
    folded = fold(title)
    return folded in PART_TITLES or is_non_talk(title) or (folded.rstrip("s") in PART_TITLES)


def stem_words(path: str) -> list[str]:
    """Return the content words of a file name ("lightning_sat.rst" -> ["lightning", "sat"])."""
    return [w for w in fold(PurePosixPath(path).stem.replace("_", " ")).split() if w not in _STEM_NOISE]


def title_from_path(path: str) -> str:
    """Return a file name turned into a title: "magic-attribute-access.txt" -> "Magic attribute access"."""
    words = fold_keep_case(PurePosixPath(path).stem)
    return (words[:1].upper() + words[1:]) if words else "Untitled"


def fold_keep_case(text: str) -> str:
    """Return text with separators (-, _, .) turned into spaces, case kept."""
    return " ".join(re.split(r"[\s_\-.]+", text)).strip()


def matches_stem(title: str, path: str) -> bool:
    """Return whether a heading and the file name share most of the file name's content words."""
    stem = [w for w in stem_words(path) if not day_hint(w) and not w.isdigit()]
    words = set(fold(title).split())
    if not stem or not words:
        return False
    hits = sum(1 for w in stem if w in words or any(x.startswith(w) or w.startswith(x) for x in words if len(x) > 3))
    return hits >= max(1, (len(stem) + 1) // 2)


def names_collection(title: str, hints: Hints) -> str | None:
    """Return why a heading reads as the title of a collection of talks (a day, the conference, "Notes")."""
    folded = fold(title)
    words = folded.split()
    if is_lightning_section(title) or folded in ("lightning talks", "lightnings"):
        return None
    if day_hint(title) and (is_day_heading(title) or len(words) <= 8):
        return f"{title!r} names a day"
    conference = [w for w in fold(hints.conference_name).split() if not w.isdigit() and len(w) > 2]
    conference += [w for w in fold(hints.conference_id.replace("-", " ")).split() if not w.isdigit() and len(w) > 2]
    if conference and sum(1 for w in set(conference) if w in words) >= 1 and (
            _YEAR.search(title) or any(w in _COLLECTION_WORDS for w in words) or len(words) <= 3):
        return f"{title!r} names the conference"
    if any(w in _COLLECTION_WORDS for w in words) and (_YEAR.search(title) or len(words) <= 5):
        return f"{title!r} names a collection"
    if _YEAR.search(title) and len(words) <= 3 and not _lead_speakers((title,)):
        return f"{title!r} names an event and its year"
    return None


def speaker_line(text: str, strict: bool = True) -> str | None:
    """Return the speakers text of a line that only names presenters ("by A & B", "Name, Company", "@handle").

    strict (for lines of text rather than headings): what follows the name must read as roles or
    companies (short, capitalised), so "Jacob Burch Basically, getting commits ..." names nobody.
    """
    text = " ".join(text.split()).strip(" *_|")
    if not text or len(text) > (100 if strict else 160) or "://" in text:
        return None
    by = _BY_LINE.match(text)
    if by and split_speakers(by.group("who")):
        return by.group("who")
    if _HANDLE_ONLY.match(text):  # a bare handle names a speaker only as a heading of its own
        return None if strict else text
    first = re.split(r"\s*(?:,|\band\b|&| - | \u2013 )\s*", text)[0].strip(" .")
    if not (looks_like_name(first, 1 if "," in text else 2, 5) and split_speakers(text)):
        return None
    if len(first.split()) == 1 and "," not in text:
        return None
    rest = [p.strip() for p in text.split(",")[1:] if p.strip()]
    if strict and any(len(p.split()) > 4 or not (p[:1].isupper() or p[:1] in "@(") for p in rest):
        return None
    return text


def speaker_heading(node: Node) -> str | None:
    """Return the speakers a heading holds when it is a speaker line (empty headings name nobody)."""
    if not node.title.strip():
        return ""
    if is_part_title(node.title) or kind_of(node.title):
        return None
    return speaker_line(node.title, strict=False)


def _lead_speakers(lines: tuple[str, ...]) -> str | None:
    """Return the speakers of the first short line that only names presenters."""
    for line in lines[:3]:
        found = speaker_line(line)
        if found:
            return found
    return None


def _talk_evidence(node: Node) -> str | None:
    """Return why a section reads as a talk of its own, or None."""
    title, by = split_title(node.title)
    if by:
        return f"{node.title!r} names its speakers"
    if node.has_meta:
        return f"{node.title!r} has a speaker or video line"
    if _lead_speakers(node.lead):
        return f"{node.title!r} has a speaker line under it"
    if kind_of(node.title):
        return f"{node.title!r} names a kind of talk"
    if node.children and speaker_heading(node.children[0]) and not node.own_words:
        return f"{node.title!r} has a speaker heading"
    if (looks_like_name(node.title) and node.children and not node.own_words
            and not is_part_title(node.children[0].title)):
        return f"{node.title!r} is a speaker whose talk is its first section"
    return None


def kind_of(title: str) -> str | None:
    """Return the kind a heading names ("Keynote: ...", "(Panel)", "Tutorial"), if any."""
    words = fold(title).split()
    return next((_KIND_WORDS[w] for w in words if w in _KIND_WORDS), None)


# -- the decision -----------------------------------------------------------------------------------------

def plan_document(outline: Outline, hints: Hints = Hints()) -> Plan:
    """Return which talks a document holds and the evidence for that layout."""
    doc_day = path_day_hint(outline.path)
    layout = hints.layout if hints.layout in LAYOUTS else "auto"
    if layout == "lightning-list" or (layout == "auto" and _is_lightning_document(outline)):
        return _lightning_plan(outline, doc_day, forced=layout != "auto")
    if not outline.nodes:
        return _single_plan(outline, None, [], doc_day, ["no headings: one talk"])
    if layout == "talks-by-heading" or (layout == "auto" and hints.talk_heading_level):
        level = hints.talk_heading_level
        nodes = _at_level(outline.nodes, level) if level else _top_talk_level(outline)
        why = f"talks are the level-{level} headings (source setting)" if level else "talks by heading (source setting)"
        return _collection_plan(outline, nodes, doc_day, [why])
    if layout == "talk-per-file":
        return _single_plan(outline, _title_node(outline), [], doc_day, ["one talk per file (source setting)"])
    scores = _Scores()
    tops = outline.nodes
    if len(tops) == 1:
        return _decide_single_top(outline, tops[0], hints, doc_day, scores)
    return _decide_many_tops(outline, hints, doc_day, scores)


def _is_lightning_document(outline: Outline) -> bool:
    """Whether the whole document is a list of lightning talks."""
    named = any(w == "lightning" for w in stem_words(outline.path))
    if outline.nodes:
        top = outline.nodes[0]
        if len(outline.nodes) == 1 and is_lightning_section(top.title):
            return not top.children and len(top.items) >= 2
        return False
    return named and len(outline.preamble_items) >= 2


def _decide_single_top(outline: Outline, top: Node, hints: Hints, doc_day, scores: _Scores) -> Plan:
    """One top heading: it is either the talk's title or the title of a collection below it."""
    children = list(top.children)
    if is_lightning_section(top.title) and (children or len(top.items) >= 2):
        return _collection_plan(outline, [top], doc_day, [f"{top.title!r} holds lightning talks"])
    if not children:
        return _single_plan(outline, top, [], doc_day, [f"one heading {top.title!r}, nothing under it: one talk"])
    first = children[0]
    if speaker_heading(first) is not None and not top.own_words and not split_title(top.title)[1]:
        if len(children) == 1:
            return _single_plan(outline, top, [], doc_day,
                                [f"{top.title!r} is followed by the speaker heading {first.title!r}: one talk"])
        if not names_collection(top.title, hints):
            scores.add("single", 3, f"{top.title!r} is followed by the speaker heading {first.title!r}")
    _weigh_title(top, outline, hints, scores)
    _weigh_children(children, scores, hints)
    _weigh_source(hints, scores)
    if scores.collection > scores.single:
        return _collection_plan(outline, children, doc_day, scores.evidence, title=top.title)
    return _single_plan(outline, top, [], doc_day, scores.evidence)


def _weigh_title(top: Node, outline: Outline, hints: Hints, scores: _Scores) -> None:
    """Weigh what the top heading itself says."""
    collection = names_collection(top.title, hints)
    if collection:
        scores.add("collection", 3, collection)
    _, by = split_title(top.title)
    if by:
        scores.add("single", 3, f"{top.title!r} names its speakers")
    if top.has_meta or _lead_speakers(top.lead) or outline.meta_speakers:
        scores.add("single", 3, f"{top.title!r} has a speaker or video line")
    if kind_of(top.title) and not is_lightning_section(top.title):
        scores.add("single", 2, f"{top.title!r} names a kind of talk")
    if matches_stem(top.title, outline.path):
        scores.add("single", 2, f"{top.title!r} matches the file name")
    if in_catalogue(top.title, hints):
        scores.add("single", 3, f"{top.title!r} is a talk in the catalogue")


def _weigh_children(children: list[Node], scores: _Scores, hints: Hints = Hints()) -> None:
    """Weigh whether the sections below read as talks or as parts of one talk's notes."""
    listed = [c for c in children if in_catalogue(c.title, hints)]
    if len(listed) >= 2:
        scores.add("collection", 3, f"{len(listed)} of {len(children)} sections are talks in the catalogue "
                                    f"(e.g. {listed[0].title!r})")
    talky = [c for c in children if _talk_evidence(c)]
    parts = [c for c in children if is_part_title(c.title)]
    days = [c for c in children if is_day_heading(c.title) and c.children]
    if days and len(days) * 2 >= len(children):
        scores.add("collection", 4, f"{len(days)} of {len(children)} sections are days")
    if len(talky) >= 2 and len(talky) * 2 >= len(children):
        scores.add("collection", 3, f"{len(talky)} of {len(children)} sections read as talks "
                                    f"(e.g. {_talk_evidence(talky[0])})")
    elif len(talky) == 1 and len(children) <= 2:
        scores.add("collection", 1, f"{_talk_evidence(talky[0])}")
    if parts:
        points = 3 if len(parts) * 3 >= len(children) else 2 if len(parts) * 5 >= len(children) else 1
        scores.add("single", points, f"{len(parts)} of {len(children)} sections are parts of notes "
                                     f"({', '.join(repr(p.title) for p in parts[:3])})")


def _weigh_source(hints: Hints, scores: _Scores) -> None:
    """Weigh the source's shape: many files are mostly one talk each; a lone file mostly holds many."""
    if hints.documents is None:
        return
    if hints.documents >= 3:
        scores.add("single", 1, f"the source has {hints.documents} documents")
    elif hints.documents == 1:
        scores.add("collection", 1, "the source is a single document")


def _decide_many_tops(outline: Outline, hints: Hints, doc_day, scores: _Scores) -> Plan:
    """Several top headings: talks of a collection, or sections of one talk titled by the first or the file."""
    tops = list(outline.nodes)
    first = tops[0]
    if doc_day and any(day_hint(w) for w in [PurePosixPath(outline.path).stem]):
        scores.add("collection", 2, f"the file name {PurePosixPath(outline.path).name!r} names a day")
    _weigh_children(tops, scores, hints)
    _weigh_source(hints, scores)
    if in_catalogue(first.title, hints) and not any(in_catalogue(t.title, hints) for t in tops[1:]):
        scores.add("single", 3, f"{first.title!r} is a talk in the catalogue and the other headings are not")
    first_talky = _talk_evidence(first) and not is_lightning_section(first.title)
    rest_talky = [t for t in tops[1:] if _talk_evidence(t)]
    if first_talky and not rest_talky:
        scores.add("single", 3, f"only the first heading reads as a talk ({_talk_evidence(first)})")
    if _lead_speakers(outline.preamble) and not rest_talky:
        scores.add("single", 3, "a speaker line stands before the first heading")
    if outline.meta_title and names_collection(outline.meta_title, hints):
        scores.add("collection", 3, f"the title line {names_collection(outline.meta_title, hints)}")
    elif outline.meta_title:
        scores.add("single", 3, f"a title line {outline.meta_title!r}")
    if "lightning" in stem_words(outline.path):
        scores.add("collection", 3, f"the file name {PurePosixPath(outline.path).name!r} says lightning talks")
    if matches_stem(first.title, outline.path) and not any(matches_stem(t.title, outline.path) for t in tops[1:]):
        scores.add("single", 2, f"{first.title!r} matches the file name")
    if scores.collection > scores.single:
        return _collection_plan(outline, tops, doc_day, scores.evidence, title=outline.meta_title)
    # One talk: titled by its first heading when that heading is a title, else by the file name.
    if outline.meta_title or is_part_title(first.title) or not (
            first_talky or matches_stem(first.title, outline.path) or _lead_speakers(outline.preamble)):
        return _single_plan(outline, None, [], doc_day, scores.evidence
                            + ["the first heading is a section, not a title: the file name gives the title"])
    return _single_plan(outline, first, [t.key for t in tops[1:]], doc_day,
                        scores.evidence + [f"{first.title!r} titles the talk; the other headings are its sections"])


# -- plans ------------------------------------------------------------------------------------------------

def _title_node(outline: Outline) -> Node | None:
    """Return the heading that titles a one-talk document, or None when the file name must."""
    if outline.meta_title or not outline.nodes:
        return None
    first = outline.nodes[0]
    return None if is_part_title(first.title) else first


def _single_plan(outline: Outline, node: Node | None, more: list[int], doc_day, evidence: list[str]) -> Plan:
    """Return the plan of a document that is one talk, titled by node (or its metadata, or its file name)."""
    speakers = outline.meta_speakers
    skip: list[int] = []
    if node is not None and is_part_title(node.title) and not more:
        evidence = [*evidence, f"{node.title!r} names a part of notes, not a talk: the file name gives the title"]
        node = None
    if node is not None:
        title = node.title
        first = node.children[0] if node.children else None
        heading_speakers = speaker_heading(first) if first is not None and not node.own_words else None
        if heading_speakers is not None:
            speakers = speakers or heading_speakers or None
            if not first.own_words and not first.children:
                skip.append(first.key)
        lead = node.lead or (first.lead if first is not None and not node.own_words else ())
        speakers = speakers or _lead_speakers(lead) or _lead_speakers(outline.preamble)
        if more or outline.nodes[0] is not node:
            whole, key = False, node.key
        else:
            whole, key = False, node.key
        talk = TalkPlan(title=title, node=key, more=tuple(more), whole=whole, speakers=speakers,
                        kind=_kind_from_path(outline.path), day=None, skip=tuple(skip))
    else:
        title = outline.meta_title or title_from_path(outline.path)
        if not outline.meta_title and is_part_title(title):
            return Plan("empty", title, (), tuple(evidence) + (
                f"no title: no heading or title line, and the file name {title!r} names no talk",), doc_day)
        speakers = speakers or _lead_speakers(outline.preamble)
        talk = TalkPlan(title=title, whole=True, speakers=speakers, kind=_kind_from_path(outline.path))
    return Plan("talk-per-file", title, (talk,), tuple(evidence) + (f"title: {title!r}",), doc_day)


def _kind_from_path(path: str) -> str | None:
    """Return the kind a file name gives its one talk ("keynote1.md", "lightning_sat.rst")."""
    return next((_KIND_WORDS[w] for w in stem_words(path) if w in _KIND_WORDS),
                next((_KIND_WORDS[k] for w in stem_words(path) for k in _KIND_WORDS if w.startswith(k)), None))


def _collection_plan(outline: Outline, nodes, doc_day, evidence, title: str | None = None) -> Plan:
    """Return the plan of a document whose given sections are talks (days and parts give none)."""
    talks: list[TalkPlan] = []
    for node in nodes:
        talks.extend(_section_talks(node, None))
    if _kind_from_path(outline.path) == "lightning":  # "lightning-talks.md": every talk in it is one
        talks = [replace(t, kind="lightning") for t in talks]
    doc_title = title or (outline.nodes[0].title if len(outline.nodes) == 1 else PurePosixPath(outline.path).stem)
    layout = "lightning-list" if talks and all(t.kind == "lightning" for t in talks) else "talks-by-heading"
    return Plan(layout, doc_title, tuple(talks), tuple(evidence) + (f"{len(talks)} talks",), doc_day)


def _section_talks(node: Node, day: str | None) -> list[TalkPlan]:
    """Return the talks of one section of a collection."""
    if is_part_title(node.title) and not node.has_meta:
        return []
    if not node.own_words and not node.children and names_collection(node.title, Hints()):
        return []  # an empty "Notes 2012" heading titles the collection, it is no talk
    if is_day_heading(node.title):  # a day gives no talk; the sections inside it do
        hint = day_hint(node.title)
        return [t for child in node.children for t in _section_talks(child, hint)]
    if is_lightning_section(node.title):
        inner = [c for c in node.children if not is_part_title(c.title)]
        if inner:
            return [TalkPlan(title=c.title, node=c.key, kind="lightning", day=day) for c in inner]
        if len(node.items) >= 2:
            return [TalkPlan(title=i.title, item=i, kind="lightning", day=day) for i in node.items]
        return [TalkPlan(title=node.title, node=node.key, kind="lightning", day=day)]
    first = node.children[0] if node.children else None
    if (first is not None and not node.own_words and looks_like_name(node.title)
            and not is_part_title(first.title) and speaker_heading(first) is None):
        # "Alex Martelli" / "Permission or Forgiveness": the speaker heads the section, the talk is below.
        # Notes head a section by its speaker's name for keynotes, as for a name-only title.
        return [TalkPlan(title=first.title, node=node.key, speakers=node.title, kind="keynote", day=day)]
    speakers = None
    if first is not None and not node.own_words and speaker_heading(first):
        speakers = speaker_heading(first)
    speakers = speakers or _lead_speakers(node.lead)
    return [TalkPlan(title=node.title, node=node.key, speakers=speakers, day=day)]


def _lightning_plan(outline: Outline, doc_day, forced: bool) -> Plan:
    """Return the plan of a document that is a list of lightning talks."""
    if outline.nodes:
        top = outline.nodes[0]
        items, title = top.items, top.title
    else:
        items, title = outline.preamble_items, title_from_path(outline.path)
    talks = tuple(TalkPlan(title=i.title, item=i, kind="lightning") for i in items)
    why = "lightning list (source setting)" if forced else f"{title!r} is a list of {len(items)} lightning talks"
    return Plan("lightning-list", title, talks, (why,), doc_day)


def _at_level(nodes, level: int) -> list[Node]:
    """Return the sections at a heading level, in document order."""
    found: list[Node] = []
    for node in nodes:
        if node.level == level:
            found.append(node)
        elif node.level < level:
            found.extend(_at_level(node.children, level))
    return found


def _top_talk_level(outline: Outline) -> list[Node]:
    """Return the sections a forced collection splits into: below a lone title, else the top ones."""
    tops = list(outline.nodes)
    return list(tops[0].children) if len(tops) == 1 and tops[0].children else tops
