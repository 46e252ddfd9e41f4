"""Deterministic tagging of talks from a vocabulary of tags, aliases and keywords.

A talk gets: its conference's tag (the conference id), its kind's tag (the kind itself:
"talk", "keynote", "lightning" or "tutorial"), the vocabulary tags whose keywords occur in its
title (once is enough) or notes (often enough, see body_hits_needed), and any extra tags (from
a catalogue), normalised and mapped onto the vocabulary's keys through its aliases.
No randomness, no model: the same talk and vocabulary always give the same tags.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from archive.domain import fold

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.toml")
BODY_MIN_HITS = 2          # a keyword met once in the notes may be an aside: ask for two
BODY_WORDS_PER_HIT = 300   # long notes mention everything: one more hit needed per 300 words
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")


@dataclass(frozen=True)
class TagEntry:
    """One tag of the vocabulary: canonical key, label, aliases and the keyword pattern."""

    key: str
    label: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Vocabulary:
    """The tag vocabulary, with every alias (and key) mapped to its canonical key."""

    entries: tuple[TagEntry, ...]
    canonical: dict[str, str]

    def canonical_key(self, tag: str) -> str:
        """Return the vocabulary key for a tag or alias, or the normalised tag if unknown."""
        normal = normalise_tag(tag)
        return self.canonical.get(normal, normal)


def normalise_tag(tag: str) -> str:
    """Return a tag in canonical form: folded, words joined by hyphens ("Data Science" -> "data-science")."""
    return fold(tag).replace(" ", "-")


def _pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """Return a regex matching any keyword as whole words of folded text."""
    folded = sorted({fold(k) for k in keywords if fold(k)}, key=len, reverse=True)
    if not folded:
        return None
    alternatives = "|".join(re.escape(k) for k in folded)
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


def parse_vocabulary(text: str) -> Vocabulary:
    """Return the vocabulary described by TOML text ([[tag]] tables with key, label, aliases, keywords)."""
    data = tomllib.loads(text)
    entries, canonical = [], {}
    for raw in data.get("tag", []):
        key = normalise_tag(raw["key"])
        if not key or key in {e.key for e in entries}:
            raise ValueError(f"vocabulary: missing or duplicate tag key {raw.get('key')!r}")
        aliases = tuple(normalise_tag(a) for a in raw.get("aliases", ()) if normalise_tag(a))
        keywords = tuple(raw.get("keywords", ()))
        entries.append(TagEntry(key, raw.get("label", key), aliases, keywords, _pattern(keywords)))
    for entry in entries:
        canonical[entry.key] = entry.key
    for entry in entries:
        for alias in entry.aliases:
            canonical.setdefault(alias, entry.key)  # a key always wins over another tag's alias
    return Vocabulary(tuple(entries), canonical)


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    """Return the vocabulary read from path (by default the one shipped with the package)."""
    return parse_vocabulary(Path(path).read_text(encoding="utf-8"))


def body_hits_needed(word_count: int) -> int:
    """Return how many keyword occurrences notes of this length need to earn a tag."""
    return max(BODY_MIN_HITS, word_count // BODY_WORDS_PER_HIT)


def keyword_tags(title: str, notes_text: str, vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """Return the vocabulary keys whose keywords occur in the title or often enough in the notes."""
    vocabulary = vocabulary or load_vocabulary()
    folded_title = fold(title)
    folded_notes = fold(_URL.sub(" ", notes_text))
    needed = body_hits_needed(len(folded_notes.split()))
    found = []
    for entry in vocabulary.entries:
        if entry.pattern is None:
            continue
        if entry.pattern.search(folded_title) or len(entry.pattern.findall(folded_notes)) >= needed:
            found.append(entry.key)
    return tuple(found)


def tag_talk(title: str, notes_text: str, conference_id: str, kind: str,
             extra_tags: Iterable[str] = (), vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """Return the sorted, unique tags of a talk: conference, kind, keyword and extra tags."""
    vocabulary = vocabulary or load_vocabulary()
    tags = {normalise_tag(conference_id), normalise_tag(kind)}
    tags.update(keyword_tags(title, notes_text, vocabulary))
    tags.update(vocabulary.canonical_key(tag) for tag in extra_tags)
    tags.discard("")
    return tuple(sorted(tags))
