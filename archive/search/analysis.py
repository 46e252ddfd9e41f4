"""Text analysis (pure): the one tokeniser and normaliser for the index and for queries.

Words are folded (case, accents: "Łukasz" and "Lukasz" are one word), split on anything that is
not a letter or digit, stripped of English stop words and stemmed with the Snowball English
stemmer. A talk's fields are weighted: each term gets one *impact*, the weighted sum of its
saturated, length-normalised (BM25) frequency in each field, stored as an integer with its
posting; a query's score is the sum of idf(term) x impact over its terms.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import snowballstemmer

from archive.domain import Talk

# Letters with no Unicode decomposition that a reader types without their accent.
_LATIN = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
                        "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th", "ı": "i", "ħ": "h"})
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
MAX_WORD_CHARS = 40
IMPACT_SCALE = 1000  # impacts are stored as integers: round(weight * IMPACT_SCALE)

STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on
once only or other our ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves
""".split())

# BM25 per field: a field's weight, its length normalisation (b) and the length it is normalised against
# (typical of the archive: a title of 8 words, a catalogue description of 80, notes of 600).
K1 = 1.2


@dataclass(frozen=True)
class Field:
    """One searchable field of a talk."""

    name: str
    weight: float
    b: float
    average_length: float


FIELDS = (Field("title", 3.0, 0.5, 8), Field("speakers", 3.0, 0.3, 3), Field("tags", 2.0, 0.3, 4),
          Field("description", 1.0, 0.75, 80), Field("notes", 1.0, 0.75, 600))


def fold_text(text: str) -> str:
    """Return text case-folded with accents stripped (letters and digits of any script kept)."""
    if text.isascii():  # nothing to strip or translate (most words): the fast path
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Return the folded words of text, in order (stop words included, nothing stemmed)."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(fold_text(text))]


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """Return the index term of one folded word (its English stem)."""
    return _stemmer().stemWord(word)


def terms(text: str) -> list[str]:
    """Return the index terms of text, in order: folded, stop words dropped, stemmed."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def plain_text(fragment: str) -> str:
    """Return the text of a (sanitised) HTML fragment."""
    return html.unescape(_TAG.sub(" ", fragment))


def talk_fields(talk: Talk) -> dict[str, str]:
    """Return the text of each searchable field of a talk."""
    return {
        "title": talk.title,
        "speakers": " ".join(f"{s.name} {s.affiliation or ''}" for s in talk.speakers),
        "tags": " ".join(t.replace("-", " ") for t in talk.tags),
        "description": plain_text(talk.summary_html),
        "notes": plain_text(talk.notes_html),
    }


def impacts(talk: Talk) -> dict[str, int]:
    """Return each term of a talk with its impact (an integer, IMPACT_SCALE = 1.0): the sum over the
    talk's fields of the field's weight times the term's BM25 term-frequency part in that field, so
    a surname in the speakers outweighs the same name said five times in the notes."""
    weighted: dict[str, float] = {}
    fields = talk_fields(talk)
    for field in FIELDS:
        found = terms(fields[field.name])
        if not found:
            continue
        norm = K1 * (1 - field.b + field.b * len(found) / field.average_length)
        for term, count in _counts(found).items():
            weighted[term] = weighted.get(term, 0.0) + field.weight * count * (K1 + 1) / (count + norm)
    return {term: max(1, round(w * IMPACT_SCALE)) for term, w in weighted.items()}


@lru_cache(maxsize=512)
def talk_impacts(talk: Talk) -> dict[str, int]:
    """Return impacts(talk), remembered for the talks of the last few writes (read-only: do not change it)."""
    return impacts(talk)


def search_terms_of(keys_rows: Iterable[tuple]) -> set[str]:
    """Return the terms of search_postings keys (term, impact, talk_id)."""
    return {key[0] for key in keys_rows}


def _counts(items: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts
