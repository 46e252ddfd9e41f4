"""Search results as pages and the API show them: ranked talks with marked titles and snippets."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.search import engine
from archive.search.query import Filters, Query, parse_query
from archive.search.snippets import Matcher, marked_title, snippet
from archive.browse.common import shown_day


@dataclass(frozen=True)
class SearchResult:
    """One talk found by a search: what a result list shows, with its score and an escaped snippet."""

    id: str
    title: str
    title_html: str      # escaped, matched words in <mark>
    speakers: list[str]
    conference_id: str
    day: date | None
    kind: str
    language: str | None
    has_notes: bool
    has_video: bool
    score: float
    snippet_html: str    # escaped, matched words in <mark>


@dataclass(frozen=True)
class SearchPage:
    """A page of search results, the cursor of the next page, and what the reader should know."""

    query: Query
    results: list[SearchResult]
    next_cursor: str | None
    messages: list[str]


def search(store, secret: str, text: str, filters: Filters = Filters(), sort: str = "relevance",
           cursor: str | None = None, limit: int = 20) -> SearchPage:
    """Run a search: all words, "phrases", the last word as a prefix, filters; ranked or by date."""
    query = parse_query(text or "", filters, sort)
    messages = list(query.notes)
    if query.is_empty():
        if not messages:
            messages.append("Type a few words to search the talks' titles, speakers, tags, descriptions and notes.")
        return SearchPage(query, [], None, messages)
    scope = "search:" + hashlib.sha256(query.key().encode()).hexdigest()[:16]
    after = decode_cursor(cursor, secret, scope, (int, str)) if cursor else None
    found, more, cut = engine.page(query, store, after, limit)
    matches = Matcher(query)  # one page's snippets share their words' verdicts
    results = [SearchResult(
        id=talk.id, title=talk.title, title_html=marked_title(talk, query, matches),
        speakers=[s.name for s in talk.speakers],
        conference_id=talk.conference_id, day=shown_day(hit.day), kind=talk.kind, language=talk.language,
        has_notes=talk.word_count > 0, has_video=talk.link("video") is not None, score=round(hit.score, 4),
        snippet_html=snippet(talk, query, matches)) for hit, talk in found]
    if not results and not cursor:
        messages.append("No talk matches all of these words" + (" with these filters." if not filters.is_empty()
                                                                else "."))
    if cut and results:
        messages.append("Some words of this query are very common: the results are the talks where they matter most.")
    next_cursor = encode_cursor(found[-1][0].sort_key(query.sort), secret, scope) if more and found else None
    return SearchPage(query, results, next_cursor, messages)
