"""The values layout inference works on: a document's outline, the source's hints, and the plan.

Parsers build an `Outline`; `archive.parse.layout.plan_document` turns it into a `Plan`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

LAYOUTS = ("auto", "talk-per-file", "talks-by-heading", "lightning-list")


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
