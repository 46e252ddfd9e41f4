"""Linking notes talks to catalogue talks of the same conference, and merging them (pure).

A notes talk and a catalogue talk of one conference are the same talk when their titles say so,
allowing for what real notes do: "by Speaker" suffixes (the parser has already split those off),
case and punctuation, abbreviations ("JS", "BDD"), typos in long words, a shortened title
("Profiling" for "Thread Profiling in Python"), or a keynote titled with its speaker's name.

Precision comes first: a wrong link is worse than none. So a candidate needs every word of one
title inside the other (or a speaker in common and most words), talks with speakers on both sides
must share one, a notes talk whose two best candidates score alike is left alone, and each
catalogue talk links to at most one notes talk.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from difflib import SequenceMatcher
from typing import Iterable, Sequence

from archive.domain import Conference, Talk, fold, same_person

STOPWORDS = frozenset(
    "a an the to of in on at for with and or by from your you my our is are how what why into using "
    "via vs about do does it its we i s part talk".split())
ABBREVIATIONS = {
    "js": ("javascript",), "db": ("database",), "dbs": ("database",), "postgres": ("postgresql",),
    "pg": ("postgresql",), "bdd": ("behaviour", "driven", "development"), "tdd": ("test", "driven", "development"),
    "behavior": ("behaviour",), "ml": ("machine", "learning"), "ai": ("artificial", "intelligence"),
    "k8s": ("kubernetes",), "intro": ("introduction",), "apis": ("api",), "async": ("asynchronous",),
    "app": ("application",), "apps": ("application",), "docs": ("documentation",), "orm": ("orm",),
}
MIN_SCORE = 0.6
AMBIGUITY_MARGIN = 0.05


@dataclass(frozen=True)
class LinkResult:
    """Which notes talk is which catalogue talk, and the notes talks left unlinked."""

    pairs: dict[str, str] = field(default_factory=dict)  # notes talk id -> catalogue talk id
    unmatched: tuple[str, ...] = ()  # notes talk ids


def tokens(title: str) -> tuple[str, ...]:
    """Return a title's content words: folded, abbreviations expanded, plurals cut, stopwords dropped."""
    out = []
    for word in fold(title).split():
        for part in ABBREVIATIONS.get(word, (word,)):
            if len(part) > 3 and part.endswith("s") and not part.endswith("ss"):
                part = part[:-1]
            if part not in STOPWORDS:
                out.append(part)
    return tuple(out)


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return len(a) >= 6 and len(b) >= 6 and a[0] == b[0] and SequenceMatcher(None, a, b).ratio() >= 0.85


def _surname_keys(talk: Talk) -> set[str]:
    keys = set()
    for speaker in talk.speakers:
        words = fold(speaker.name).split()
        if words:
            keys.add(words[-1])
    return keys


def _is_name_title(talk: Talk) -> bool:
    """A keynote titled with its speaker's name ("Guido van Rossum")."""
    return bool(talk.speakers) and fold(talk.title) in {fold(s.name) for s in talk.speakers}


def score(notes: Talk, catalogue: Talk, catalogue_tokens: Sequence[str], token_counts: dict[str, int]) -> float:
    """Return how surely two talks of one conference are the same talk (0 when they are not)."""
    if notes.kind == "lightning" or catalogue.kind == "lightning":
        return 1.0 if fold(notes.title) == fold(catalogue.title) and notes.kind == catalogue.kind else 0.0
    shared_speaker = any(_same_word(a, b) for a in _surname_keys(notes) for b in _surname_keys(catalogue))
    if _is_name_title(notes):
        if not any(same_person(s.name, c.name) for s in notes.speakers for c in catalogue.speakers):
            return 0.0
        return 0.9 if catalogue.kind == "keynote" or "keynote" in fold(catalogue.title).split() else 0.8
    n, c = tokens(notes.title), catalogue_tokens
    if not n or not c:
        return 0.0
    if notes.speakers and catalogue.speakers and not shared_speaker:
        return 0.0  # both name their speakers and nobody is in both: not the same talk
    if sorted(n) == sorted(c):  # the same words, in any order
        return 1.0
    matched_n = sum(1 for t in n if any(_same_word(t, u) for u in c))
    matched_c = sum(1 for u in c if any(_same_word(t, u) for t in n))
    cov_n, cov_c = matched_n / len(n), matched_c / len(c)
    bonus = 0.15 if shared_speaker else 0.0
    if cov_n == 1.0:
        if len(n) == 1 and not shared_speaker:
            # One word: only when it is in this title alone, and the title is short.
            if token_counts.get(n[0], 0) != 1 or len(c) > 4 or len(n[0]) < 4:
                return 0.0
        return min(0.99, 0.6 + 0.3 * cov_c + bonus)
    if cov_c == 1.0 and matched_c >= 2:  # the notes add a subtitle: "Gevent (Ginkgo)"
        return min(0.99, 0.6 + 0.3 * cov_n + bonus)
    if shared_speaker and cov_n >= 0.5 and matched_n >= 2:
        return min(0.99, 0.45 + 0.3 * cov_n + 0.1 * cov_c + bonus)
    return 0.0


def link_talks(notes: Iterable[Talk], catalogue: Iterable[Talk]) -> LinkResult:
    """Return the links between the notes and catalogue talks of one conference."""
    notes, catalogue = list(notes), list(catalogue)
    cat_tokens = {c.id: tokens(c.title) for c in catalogue}
    token_counts: dict[str, int] = {}
    for toks in cat_tokens.values():
        for t in set(toks):
            token_counts[t] = token_counts.get(t, 0) + 1
    best: list[tuple[float, str, str]] = []
    for talk in notes:
        scored = sorted(((score(talk, c, cat_tokens[c.id], token_counts), c.id) for c in catalogue), reverse=True)
        scored = [s for s in scored if s[0] >= MIN_SCORE]
        if not scored:
            continue
        if len(scored) > 1 and scored[0][0] - scored[1][0] < AMBIGUITY_MARGIN:
            continue  # two candidates alike: no link rather than a guess
        best.append((scored[0][0], talk.id, scored[0][1]))
    pairs: dict[str, str] = {}
    taken: dict[str, float] = {}
    contested: set[str] = set()
    for value, notes_id, cat_id in sorted(best, key=lambda b: (-b[0], b[1])):
        if cat_id in taken:
            if taken[cat_id] - value < AMBIGUITY_MARGIN:
                contested.add(cat_id)
            continue
        taken[cat_id] = value
        pairs[notes_id] = cat_id
    pairs = {n: c for n, c in pairs.items() if c not in contested}
    unmatched = tuple(t.id for t in notes if t.id not in pairs)
    return LinkResult(pairs, unmatched)


def merge_talk(notes: Talk, catalogue: Talk) -> Talk:
    """Return the one archive talk of a linked pair.

    The catalogue gives the id, title, speakers, date and time, video and duration; the notes give
    the body and their own links (slides, pages), and keep their kind when it says more (a
    lightning talk or a keynote). Tags are the union of both.
    """
    seen = {l.url for l in catalogue.links}
    links = catalogue.links + tuple(l for l in notes.links if l.url not in seen)
    kind = notes.kind if notes.kind in ("keynote", "lightning", "tutorial") else catalogue.kind
    return replace(
        catalogue,
        speakers=catalogue.speakers or notes.speakers,
        kind=kind,
        date=catalogue.date or notes.date,
        links=links,
        video_seconds=catalogue.video_seconds or notes.video_seconds,
        notes_source=notes.notes_source, notes_format=notes.notes_format, notes_html=notes.notes_html,
        word_count=notes.word_count, document_id=notes.document_id, anchor=notes.anchor,
        tags=tuple(sorted(set(catalogue.tags) | set(notes.tags))),
    )


def merge_talks(notes: Sequence[Talk], catalogue: Sequence[Talk], result: LinkResult) -> list[Talk]:
    """Return the archive talks of a conference: linked pairs merged, the rest as their source gives them."""
    by_id = {c.id: c for c in catalogue}
    linked_catalogue = set(result.pairs.values())
    merged = [merge_talk(t, by_id[result.pairs[t.id]]) if t.id in result.pairs else t for t in notes]
    merged += [c for c in catalogue if c.id not in linked_catalogue]
    ids: set[str] = set()
    unique = []
    for talk in merged:  # a notes id equal to a catalogue id of another talk: keep the first
        if talk.id not in ids:
            ids.add(talk.id)
            unique.append(talk)
    return unique


def merge_conference(conference_id: str, configured: Conference | None, event: Conference | None,
                     talk_dates: Iterable[date | None]) -> Conference | None:
    """Return a conference's facts: the sources file's where it gives them, else the catalogue's.

    Dates the sources file does not give come from the catalogue talks' recorded dates.
    """
    if configured is None and event is None:
        return None
    days = sorted(d for d in talk_dates if d)
    base = configured or event
    start = (configured.start if configured else None) or (days[0] if days else None)
    end = (configured.end if configured and configured.start else None) or (days[-1] if days else start)
    return Conference(
        id=conference_id, name=base.name or (event.name if event else conference_id), start=start, end=end,
        location=(configured.location if configured else None), timezone=(configured.timezone if configured else None),
        url=(configured.url if configured and configured.url else (event.url if event else None)),
    )


def unmatched_titles(notes: Sequence[Talk], result: LinkResult) -> list[str]:
    """Return the titles of the notes talks left unlinked, in document order."""
    left = set(result.unmatched)
    return [t.title for t in notes if t.id in left]

