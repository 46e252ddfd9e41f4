"""Reading what a user typed into a search (pure): words, "quoted phrases", a prefix, and filters.

All words must match; a quoted phrase must match as a phrase; the last word matches as a prefix
while it is being typed (no space after it). Stop words are dropped except inside phrases'
positions; a query of only stop words, an empty one or an overlong one gets a message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.search.analysis import STOP_WORDS, stem, words

MAX_QUERY_CHARS = 1000
MAX_TERMS = 12
_PHRASE = re.compile(r'"([^"]*)"?')


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to (None: anything)."""

    conference: str | None = None
    year: int | None = None
    kind: str | None = None
    tag: str | None = None
    speaker: str | None = None   # a speaker slug
    language: str | None = None
    has_notes: bool | None = None
    has_video: bool | None = None

    def accepts(self, row: dict) -> bool:
        """Tell whether a posting (or search_docs) row passes every filter."""
        return ((self.conference is None or row.get("conference_id") == self.conference)
                and (self.year is None or row.get("year") == self.year)
                and (self.kind is None or row.get("kind") == self.kind)
                and (self.tag is None or self.tag in (row.get("tags") or ()))
                and (self.speaker is None or self.speaker in (row.get("speaker_slugs") or ()))
                and (self.language is None or (row.get("language") or "").lower() == self.language.lower())
                and (self.has_notes is None or bool(row.get("has_notes")) == self.has_notes)
                and (self.has_video is None or bool(row.get("has_video")) == self.has_video))

    def is_empty(self) -> bool:
        """Tell whether nothing is filtered."""
        return self == Filters()


@dataclass(frozen=True)
class Query:
    """A parsed search: required terms, phrases (as term sequences), a prefix, filters and a sort."""

    text: str
    terms: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefix: str | None = None     # the folded last word, matched as the start of a term
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"       # or "date"
    notes: tuple[str, ...] = ()   # what the reader should know about how the query was read

    def is_empty(self) -> bool:
        """Tell whether there is nothing to match."""
        return not self.terms and not self.prefix

    def key(self) -> str:
        """Return a canonical form of the query (what a cursor is bound to)."""
        return repr((self.terms, self.phrases, self.prefix, self.filters, self.sort))


def parse_query(text: str, filters: Filters = Filters(), sort: str = "relevance") -> Query:
    """Read a query: its words (stemmed, stop words dropped), phrases, trailing prefix and filters."""
    notes = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"The query was cut to its first {MAX_QUERY_CHARS} characters.")
    phrases, loose = [], []
    position = 0
    for match in _PHRASE.finditer(text):
        loose.append(text[position:match.start()])
        phrase = [stem(w) for w in words(match.group(1)) if w not in STOP_WORDS]
        if len(phrase) > 1:
            phrases.append(tuple(phrase))
        else:
            loose.append(match.group(1))
        position = match.end()
    loose.append(text[position:])
    plain = words(" ".join(loose))
    prefix = None
    if plain and text[-1:].isalnum() and text.count('"') % 2 == 0:  # still typing the last word
        prefix = plain.pop()
    terms = [stem(w) for w in plain if w not in STOP_WORDS] + [t for p in phrases for t in p]
    if prefix is not None and (len(prefix) < 2 or (prefix in STOP_WORDS and not terms)):
        prefix = None if prefix in STOP_WORDS else prefix
        if prefix is not None:  # one character: too short to expand, so it is matched as a word
            terms.append(stem(prefix))
            prefix = None
    unique = tuple(dict.fromkeys(terms))
    if len(unique) > MAX_TERMS:
        notes.append(f"Only the first {MAX_TERMS} words of the query were used.")
        unique = unique[:MAX_TERMS]
    if not unique and not prefix and words(text):
        notes.append("The query holds only very common words (like \u201cthe\u201d or \u201cand\u201d): "
                     "add a word that says what the talk is about.")
    return Query(text=text, terms=unique, phrases=tuple(phrases), prefix=prefix, filters=filters,
                 sort=sort if sort in ("relevance", "date") else "relevance", notes=tuple(notes))
