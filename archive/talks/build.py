"""From what a notes document says to archive talks (pure): ids, days, tags and the value limits.

The archive service calls these for every changed document; nothing here reads or writes a store.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Callable, Iterable

from archive.domain import Conference, DocumentError, ParsedDocument, ParsedTalk, Talk, fold, talk_id
from archive.parse.days import day_number_hint, resolve_day

Tagger = Callable[[Talk], tuple[str, ...]]

# Titles that name a kind of talk rather than a talk: their ids also carry a speaker or the file name.
_WEAK_TITLES = frozenset({"keynote", "keynote talk", "lightning talk", "lightning talks", "panel", "tutorial", "talk",
                          "workshop", "opening keynote", "closing keynote"})

# A talk row is one mutation (alone when it does not fit in a batch under Cassandra's stock 50 KiB
# guardrail, see archive.storage.writes); its notes (source + HTML) are bounded so that a row stays
# far below the largest mutation a node accepts (half its 32 MiB commit log segment) and pages
# stay readable.
MAX_TALK_NOTES_BYTES = 400 * 1024


def build_talks(parsed: ParsedDocument, conference: Conference, document_id: str, notes_format: str,
                tagger: Tagger) -> list[Talk]:
    """Turn a parsed document into archive talks: ids, conference, dates and tags (pure)."""
    doc_day = resolve_day(parsed.day_hint, conference.start, conference.end) or document_day(parsed.title, conference)
    talks, used = [], set()
    for parsed_talk in parsed.talks:
        tid = _talk_id(conference.id, parsed_talk, document_id)
        if tid in used:  # two talks of one document with one title: keep both, stably
            tid = f"{tid}-{parsed_talk.ordinal}"
        used.add(tid)
        day = resolve_day(parsed_talk.day_hint, conference.start, conference.end)
        talk = Talk(
            id=tid, conference_id=conference.id, title=parsed_talk.title, speakers=parsed_talk.speakers,
            kind=parsed_talk.kind, ordinal=parsed_talk.ordinal, date=parsed_talk.date or day or doc_day,
            links=parsed_talk.links, video_seconds=parsed_talk.video_seconds, notes_source=parsed_talk.notes_source,
            notes_format=notes_format, notes_html=parsed_talk.notes_html, word_count=parsed_talk.word_count,
            document_id=document_id, anchor=parsed_talk.anchor, tags=parsed_talk.keywords,
        )
        talks.append(replace(talk, tags=tagger(talk)))
    return talks


def _talk_id(conference_id: str, talk: ParsedTalk, document_id: str) -> str:
    """Return a notes talk's id; a title such as "Keynote" also takes its speaker or its file name,
    so that two files' keynotes stay two talks."""
    if fold(talk.title) not in _WEAK_TITLES:
        return talk_id(conference_id, talk.title)
    who = talk.speakers[0].name if talk.speakers else document_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return talk_id(conference_id, f"{talk.title} {who}")


# What one talk may hold, checked before anything reaches a statement: Cassandra refuses a batch or
# a message past its limits, and one refused write must never stop the import of the others.
MAX_TITLE_CHARS = 1000
MAX_NAME_CHARS = 300
MAX_SPEAKERS = 100
MAX_TAGS = 200
MAX_TAG_CHARS = 100
MAX_LINKS = 200
MAX_URL_CHARS = 4000
MAX_SECONDS = 2**31 - 1


def check_talk(talk: Talk) -> None:
    """Raise DocumentError naming the talk and the field whose value is too large or out of range."""
    def fail(field: str, why: str) -> None:
        raise DocumentError(f"talk {talk.title[:80]!r}: {field} {why}")

    if len(talk.title) > MAX_TITLE_CHARS:
        fail("title", f"is {len(talk.title)} characters, over the {MAX_TITLE_CHARS} a title may hold")
    if len(talk.speakers) > MAX_SPEAKERS:
        fail("speakers", f"names {len(talk.speakers)} people, over {MAX_SPEAKERS}")
    for speaker in talk.speakers:
        if len(speaker.name) > MAX_NAME_CHARS or len(speaker.affiliation or "") > MAX_NAME_CHARS:
            fail("speakers", f"holds a name or affiliation over {MAX_NAME_CHARS} characters")
    if len(talk.tags) > MAX_TAGS or any(len(tag) > MAX_TAG_CHARS for tag in talk.tags):
        fail("tags", f"are more than {MAX_TAGS} or one is over {MAX_TAG_CHARS} characters")
    if len(talk.links) > MAX_LINKS or any(len(link.url) > MAX_URL_CHARS for link in talk.links):
        fail("links", f"are more than {MAX_LINKS} or one is over {MAX_URL_CHARS} characters")
    if talk.video_seconds is not None and not 0 <= talk.video_seconds <= MAX_SECONDS:
        fail("video_seconds", f"{talk.video_seconds} is out of range (0 to {MAX_SECONDS})")
    if len(talk.language or "") > MAX_TAG_CHARS:
        fail("language", f"is over {MAX_TAG_CHARS} characters")
    size = sum(len(text.encode()) for text in (talk.notes_source, talk.notes_html, talk.summary_html))
    if size > MAX_TALK_NOTES_BYTES:
        fail("notes", f"are {size // 1024} KiB, over the {MAX_TALK_NOTES_BYTES // 1024} KiB a talk may hold; "
                      "split the document")


def check_sizes(talks: Iterable[Talk]) -> None:
    """Raise DocumentError naming the first talk that holds a value too large or out of range."""
    for talk in talks:
        check_talk(talk)



def document_day(title: str, conference: Conference) -> date | None:
    """Return the day a document covers when its title says "Day N" of a dated conference."""
    return resolve_day(day_number_hint(title or ""), conference.start, conference.end)
