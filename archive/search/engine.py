"""Ranking a parsed query over bounded posting slices (pure: the reads are injected).

Each term's postings are read best first, at most SLICE of them, so a query costs the same
whatever the archive's size. The term with the fewest postings drives: its talks are the
candidates; another term's slice either holds the candidate (its impact counts), or is complete
(the candidate lacks the term), or was cut, and then the candidate's own terms (search_docs,
only the terms in question) decide. Scores are BM25 with field weights: the sum over terms of idf(term) x impact. A prefix is the best of the
vocabulary terms it starts. Phrases are checked against the candidates' text, best first, only
as far as the page needs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

from archive.domain import Talk
from archive.search.analysis import IMPACT_SCALE, stem, talk_fields, terms
from archive.search.query import Query

SLICE = 1000            # postings read per term (per prefix expansion: SLICE // 4)
FILTERED_SLICE = 4000   # with filters, more of each slice is read: filtered-out talks do not count
MAX_EXPANSIONS = 24     # vocabulary terms a prefix may stand for
MAX_CHECKED = 200       # candidates checked against their own terms when a slice was cut (best first)


class SearchReads(Protocol):
    """What a search reads (archive.storage.Store has them)."""

    def postings(self, terms: Iterable[str], limit: int, filters: bool = True) -> dict[str, list[dict]]: ...
    def terms_with_prefix(self, prefix: str, limit: int = 50) -> dict[str, int]: ...
    def document_frequencies(self, terms: Iterable[str]) -> dict[str, int]: ...
    def term_impacts(self, talk_ids: Iterable[str], terms: Iterable[str]) -> dict[str, dict[str, int]]: ...
    def get_stored_talks(self, talk_ids: Iterable[str]) -> dict[str, tuple[Talk, date]]: ...


@dataclass(frozen=True)
class Hit:
    """One matching talk, its score and the day it sorts under."""

    talk_id: str
    score: float
    day: date | None

    def sort_key(self, sort: str) -> tuple:
        """Return the key results are ordered by (ascending)."""
        if sort == "date":
            return (-(self.day.toordinal() if self.day else 0), self.talk_id)
        return (-round(self.score * 1_000_000), self.talk_id)


@dataclass(frozen=True)
class Group:
    """One required word of a query: a term, or the terms a prefix stands for."""

    alternatives: tuple[str, ...]
    limit: int


def idf(df: int, total: int) -> float:
    """Return BM25's inverse document frequency."""
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return value.date()


def groups_of(query: Query, reads: SearchReads) -> list[Group]:
    """Return the query's required groups (one per term, one for the prefix)."""
    limit = SLICE if query.filters.is_empty() else FILTERED_SLICE
    groups = [Group((term,), limit) for term in query.terms]
    if query.prefix:
        expansions = sorted(reads.terms_with_prefix(query.prefix, 200).items(), key=lambda kv: (-kv[1], kv[0]))
        alternatives = {stem(query.prefix)} | {term for term, _ in expansions[:MAX_EXPANSIONS]}
        groups.append(Group(tuple(sorted(alternatives)), max(limit // 4, 100)))
    return groups


def rank(query: Query, reads: SearchReads) -> tuple[list[Hit], bool]:
    """Return every candidate that matches all words (phrases not yet checked), best first, and
    whether some slice was cut (the result may then miss talks where a common word is weak)."""
    groups = groups_of(query, reads)
    if not groups:
        return [], False
    postings: dict[str, list[dict]] = {}
    for limit in sorted({g.limit for g in groups}):
        postings.update(reads.postings([t for g in groups if g.limit == limit for t in g.alternatives], limit,
                                       filters=not query.filters.is_empty()))
    frequencies = reads.document_frequencies(postings)
    total = max(frequencies.get("", 0), max((len(rows) for rows in postings.values()), default=0), 1)
    weight = {t: idf(frequencies.get(t, len(rows)), total) / IMPACT_SCALE
              for t, rows in postings.items()}
    tables, complete = [], []
    for group in groups:
        table: dict[str, tuple[float, dict]] = {}
        for term in group.alternatives:
            for row in postings.get(term, ()):
                score = weight[term] * row["impact"]
                if row["talk_id"] not in table or table[row["talk_id"]][0] < score:
                    table[row["talk_id"]] = (score, row)
        tables.append(table)
        complete.append(all(len(postings.get(t, ())) < group.limit for t in group.alternatives))
    driver = min(range(len(groups)), key=lambda i: len(tables[i]))
    scores: dict[str, float] = {}
    days: dict[str, date | None] = {}
    unsure: dict[str, list[int]] = {}
    for talk_id, (score, row) in tables[driver].items():
        if not query.filters.accepts(row):
            continue
        missing: list[int] = []
        for i, table in enumerate(tables):
            if i == driver:
                continue
            if talk_id in table:
                score += table[talk_id][0]
            elif complete[i]:
                break
            else:
                missing.append(i)
        else:
            scores[talk_id], days[talk_id] = score, _day(row.get("day"))
            if missing:
                unsure[talk_id] = missing
    cut = not all(complete)
    _settle_unsure(groups, weight, unsure, scores, reads)
    hits = [Hit(t, s, days[t]) for t, s in scores.items()]
    hits.sort(key=lambda h: h.sort_key(query.sort))
    return hits, cut


def _settle_unsure(groups: list[Group], weight: dict[str, float], unsure: dict[str, list[int]],
                   scores: dict[str, float], reads: SearchReads) -> None:
    """Decide candidates a cut slice did not show, from their own terms (the best MAX_CHECKED)."""
    if not unsure:
        return
    ordered = sorted(unsure, key=lambda t: -scores.get(t, 0.0))
    checked = set(ordered[:MAX_CHECKED])
    wanted = {t for talk_id in checked for i in unsure[talk_id] for t in groups[i].alternatives}
    docs = reads.term_impacts(checked, wanted)
    for talk_id in unsure:
        own = docs.get(talk_id) or {}
        found = [max((weight.get(t, 0.0) * own[t] for t in groups[i].alternatives if t in own), default=None)
                 for i in unsure[talk_id]]
        if talk_id not in checked or any(f is None for f in found):
            scores.pop(talk_id, None)
        else:
            scores[talk_id] = scores.get(talk_id, 0.0) + sum(found)


def has_phrase(talk: Talk, phrase: tuple[str, ...]) -> bool:
    """Tell whether one field of a talk holds the phrase's terms in a row (stop words skipped)."""
    size = len(phrase)
    for text in talk_fields(talk).values():
        found = terms(text)
        if any(tuple(found[i:i + size]) == phrase for i in range(len(found) - size + 1)):
            return True
    return False


def page(query: Query, reads: SearchReads, after: tuple | None, limit: int) -> tuple[list[tuple[Hit, Talk]], bool, bool]:
    """Return one page of (hit, talk) after a sort key, whether another page follows, and whether a
    slice was cut. Phrases are checked on the candidates in order, as far as the page needs."""
    hits, cut = rank(query, reads)
    if after is not None:
        hits = [h for h in hits if h.sort_key(query.sort) > tuple(after)]
    out: list[tuple[Hit, Talk]] = []
    step = max(limit * 2, 20) if query.phrases else limit + 1  # phrases reject some candidates
    for start in range(0, len(hits), step):
        chunk = hits[start:start + step]
        talks = reads.get_stored_talks(h.talk_id for h in chunk)
        for hit in chunk:
            talk = talks.get(hit.talk_id, (None,))[0]
            if talk is None or not all(has_phrase(talk, p) for p in query.phrases):
                continue
            out.append((hit, talk))
            if len(out) > limit:
                return out[:limit], True, cut
    return out, False, cut
