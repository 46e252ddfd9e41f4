"""The speakers directory (A to Z, paged across slug-prefix partitions) and a speaker's calendar."""
from __future__ import annotations

from dataclasses import dataclass

from archive.formats.cursors import decode_cursor, encode_cursor
from archive.domain import Conference, NotFound, Talk


@dataclass(frozen=True)
class SpeakerDirectory:
    """A page of the speakers directory: one initial's speakers A to Z, and the initials there are."""

    letter: str
    letters: list[str]
    rows: list[dict]  # slug, name, talk_count, notes_count
    next_cursor: str | None = None


PREFIXES_AT_ONCE = 8


def initial(prefix: str) -> str:
    """Return the directory letter of a slug prefix (upper-cased first character)."""
    return prefix[:1].upper()


def speakers_directory(store, secret: str, letter: str | None = None, cursor: str | None = None,
                       limit: int = 100) -> SpeakerDirectory:
    """Return a page of the speakers whose slug starts with a letter (the first letter by default), A to Z."""
    prefixes = store.speaker_prefixes()
    letters = sorted({initial(p) for p in prefixes})
    letter = (letter or (letters[0] if letters else "A"))[:1].upper()
    mine = [p for p in prefixes if initial(p) == letter]
    if cursor:
        prefix, slug = decode_cursor(cursor, secret, f"speakers:{letter}", (str, str))
        plan = [(prefix, (slug,))] + [(p, None) for p in mine if p > prefix]
    else:
        plan = [(p, None) for p in mine]
    rows: list[dict] = []
    for start in range(0, len(plan), PREFIXES_AT_ONCE):  # a few prefix partitions per round trip
        for (prefix, _), page in zip(plan[start:start + PREFIXES_AT_ONCE],
                                     store.speakers_by_prefixes(plan[start:start + PREFIXES_AT_ONCE],
                                                                limit + 1 - len(rows))):
            rows += page.rows[:limit + 1 - len(rows)]
        if len(rows) > limit:
            break
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        nxt = encode_cursor((rows[-1]["prefix"], rows[-1]["slug"]), secret, f"speakers:{letter}")
    return SpeakerDirectory(letter, letters, rows, nxt)


def speaker_calendar_talks(store, slug: str, limit: int = 500) -> tuple[str, list[Talk], dict[str, Conference]]:
    """Return a speaker's name, their talks (newest first, up to limit) and those talks' conferences (calendar)."""
    rows = store.talks_by_speaker(slug, limit=limit).rows
    if not rows:
        raise NotFound(f"no speaker {slug!r}")
    stored = store.get_stored_talks([r["talk_id"] for r in rows])
    talks = [stored[r["talk_id"]][0] for r in rows if r["talk_id"] in stored]
    return rows[0]["name"], talks, store.get_conferences({t.conference_id for t in talks})
