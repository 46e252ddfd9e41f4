"""Evidence about headings, lines and file names that layout inference weighs (pure).

Each function answers one small question ("does this heading name a day or the conference?",
"is this line only a speaker?") so that `archive.parse.layout` reads as the sum of the answers.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from archive.domain import fold
from archive.parse.days import day_hint, is_day_heading
from archive.parse.outline import Hints, Node
from archive.parse.speakers import looks_like_name, split_speakers, split_title
from archive.parse.talks import KIND_WORDS, is_lightning_section, is_non_talk, kind_word

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
_COLLECTION_WORDS = frozenset({"notes", "talks", "sessions", "conference", "summit", "meetup", "schedule", "recap",
                               "proceedings", "day", "days", "track", "tracks", "program", "programme"})
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_HANDLE_ONLY = re.compile(r"^@\w[\w.-]*$")
_BY_LINE = re.compile(r"^(?:by|presented by|speakers?|presenters?)\s*:?\s+(?P<who>.+)$", re.IGNORECASE)
_STEM_NOISE = frozenset({"notes", "note", "talk", "talks", "md", "rst", "txt", "the", "a", "an", "and", "of", "in",
                         "on", "to", "for", "with", "by"})



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
    if _YEAR.search(title) and len(words) <= 3 and not lead_speakers((title,)):
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


def lead_speakers(lines: tuple[str, ...]) -> str | None:
    """Return the speakers of the first short line that only names presenters."""
    for line in lines[:3]:
        found = speaker_line(line)
        if found:
            return found
    return None


def talk_evidence(node: Node) -> str | None:
    """Return why a section reads as a talk of its own, or None."""
    title, by = split_title(node.title)
    if by:
        return f"{node.title!r} names its speakers"
    if node.has_meta:
        return f"{node.title!r} has a speaker or video line"
    if lead_speakers(node.lead):
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
    return kind_word(title)


def kind_from_path(path: str) -> str | None:
    """Return the kind a file name gives its one talk ("keynote1.md", "lightning_sat.rst")."""
    words = stem_words(path)
    return next((KIND_WORDS[w] for w in words if w in KIND_WORDS),
                next((KIND_WORDS[k] for w in words for k in KIND_WORDS if w.startswith(k)), None))


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
