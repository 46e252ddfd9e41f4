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

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from archive.parse.days import day_hint, is_day_heading, path_day_hint
from archive.parse.evidence import (in_catalogue, is_part_title, kind_from_path, kind_of, lead_speakers, matches_stem,
                                    names_collection, speaker_heading, stem_words, talk_evidence, title_from_path)
from archive.parse.outline import LAYOUTS, Hints, Item, Node, Outline, Plan, TalkPlan
from archive.parse.speakers import looks_like_name, split_title
from archive.parse.talks import is_lightning_section

__all__ = ["LAYOUTS", "Hints", "Item", "Node", "Outline", "Plan", "TalkPlan", "plan_document"]


@dataclass
class _Scores:
    single: int = 0
    collection: int = 0
    evidence: list[str] = field(default_factory=list)

    def add(self, side: str, points: int, why: str) -> None:
        setattr(self, side, getattr(self, side) + points)
        self.evidence.append(f"{why} ({'+' if points >= 0 else ''}{points} {side})")


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
    if top.has_meta or lead_speakers(top.lead) or outline.meta_speakers:
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
    talky = [c for c in children if talk_evidence(c)]
    parts = [c for c in children if is_part_title(c.title)]
    days = [c for c in children if is_day_heading(c.title) and c.children]
    if days and len(days) * 2 >= len(children):
        scores.add("collection", 4, f"{len(days)} of {len(children)} sections are days")
    if len(talky) >= 2 and len(talky) * 2 >= len(children):
        scores.add("collection", 3, f"{len(talky)} of {len(children)} sections read as talks "
                                    f"(e.g. {talk_evidence(talky[0])})")
    elif len(talky) == 1 and len(children) <= 2:
        scores.add("collection", 1, f"{talk_evidence(talky[0])}")
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
    if day_hint(PurePosixPath(outline.path).stem):
        scores.add("collection", 2, f"the file name {PurePosixPath(outline.path).name!r} names a day")
    _weigh_children(tops, scores, hints)
    _weigh_source(hints, scores)
    if in_catalogue(first.title, hints) and not any(in_catalogue(t.title, hints) for t in tops[1:]):
        scores.add("single", 3, f"{first.title!r} is a talk in the catalogue and the other headings are not")
    first_talky = talk_evidence(first) and not is_lightning_section(first.title)
    rest_talky = [t for t in tops[1:] if talk_evidence(t)]
    if first_talky and not rest_talky:
        scores.add("single", 3, f"only the first heading reads as a talk ({talk_evidence(first)})")
    if lead_speakers(outline.preamble) and not rest_talky:
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
            first_talky or matches_stem(first.title, outline.path) or lead_speakers(outline.preamble)):
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
        speakers = speakers or lead_speakers(lead) or lead_speakers(outline.preamble)
        talk = TalkPlan(title=title, node=node.key, more=tuple(more), speakers=speakers,
                        kind=kind_from_path(outline.path), skip=tuple(skip))
    else:
        title = outline.meta_title or title_from_path(outline.path)
        if not outline.meta_title and is_part_title(title):
            return Plan("empty", title, (), tuple(evidence) + (
                f"no title: no heading or title line, and the file name {title!r} names no talk",), doc_day)
        speakers = speakers or lead_speakers(outline.preamble)
        talk = TalkPlan(title=title, whole=True, speakers=speakers, kind=kind_from_path(outline.path))
    return Plan("talk-per-file", title, (talk,), tuple(evidence) + (f"title: {title!r}",), doc_day)


def _collection_plan(outline: Outline, nodes, doc_day, evidence, title: str | None = None) -> Plan:
    """Return the plan of a document whose given sections are talks (days and parts give none)."""
    talks: list[TalkPlan] = []
    for node in nodes:
        talks.extend(_section_talks(node, None))
    if kind_from_path(outline.path) == "lightning":  # "lightning-talks.md": every talk in it is one
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
    speakers = speakers or lead_speakers(node.lead)
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
