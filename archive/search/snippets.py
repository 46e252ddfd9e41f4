"""Snippets (pure): a short passage of a talk around the words a query matched, escaped, with those
words marked. Everything from the talk is escaped; only our own <mark> elements are markup."""
from __future__ import annotations

import html
import re

from archive.domain import Talk
from archive.search.analysis import STOP_WORDS, fold_text, plain_text, stem
from archive.search.query import Query

WINDOW_WORDS = 30
_TOKEN = re.compile(r"[^\W_]+")


def _matches(word: str, query: Query) -> bool:
    folded = fold_text(word)
    if folded in STOP_WORDS:
        return False
    if stem(folded) in query.terms:
        return True
    return bool(query.prefix) and (folded.startswith(query.prefix) or stem(folded) == stem(query.prefix))


class Matcher:
    """_matches with each distinct word decided once: share one across a page's snippets (talks
    repeat their words, and each other's)."""

    def __init__(self, query: Query):
        self.query, self.seen = query, {}

    def __call__(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            found = self.seen[word] = _matches(word, self.query)
        return found


def best_window(hits: list[int], size: int = WINDOW_WORDS) -> int:
    """Return the first hit (positions ascending) that starts the window of `size` words holding most hits."""
    best, most, end = hits[0], 0, 0
    for k, start in enumerate(hits):
        while end < len(hits) and hits[end] < start + size:
            end += 1
        if end - k > most:
            best, most = start, end - k
    return best


def snippet(talk: Talk, query: Query, matches: Matcher | None = None) -> str:
    """Return an HTML-safe passage of the talk's notes or description with the matched words marked."""
    matches = matches or Matcher(query)
    for text in (plain_text(talk.notes_html), plain_text(talk.summary_html)):
        text = " ".join(text.split())
        if not text:
            continue
        tokens = list(_TOKEN.finditer(text))
        hits = [i for i, t in enumerate(tokens) if matches(t.group())]
        if not hits:
            continue
        first = max(0, best_window(hits) - 5)
        last = min(len(tokens), first + WINDOW_WORDS) - 1
        start, end = tokens[first].start(), tokens[last].end()
        return ("\u2026 " if start else "") + _marked(text[start:end], query, matches) + (
            " \u2026" if end < len(text) else "")
    fallback = " ".join(plain_text(talk.summary_html or talk.notes_html).split())
    words = fallback.split()
    return html.escape(" ".join(words[:WINDOW_WORDS]) + (" \u2026" if len(words) > WINDOW_WORDS else ""))


def _marked(text: str, query: Query, matches: Matcher | None = None) -> str:
    """Return text escaped, with the words the query matched wrapped in <mark>."""
    matches = matches or Matcher(query)
    out, position = [], 0
    for token in _TOKEN.finditer(text):
        out.append(html.escape(text[position:token.start()]))
        word = html.escape(token.group())
        out.append(f"<mark>{word}</mark>" if matches(token.group()) else word)
        position = token.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def marked_title(talk: Talk, query: Query, matches: Matcher | None = None) -> str:
    """Return the talk's title escaped, with matched words marked."""
    return _marked(talk.title, query, matches)
