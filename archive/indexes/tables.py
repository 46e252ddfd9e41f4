"""Which index rows a talk implies: the pure half of denormalisation.

Storage writes what this module computes; the archive service diffs the rows of a talk's old and
new versions so that a re-import deletes exactly the index rows that no longer apply.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from archive.domain import Conference, Talk, speaker_slug

# Talks with no date of their own and a conference without dates sort under this day
# (clustering columns cannot be null); pages show them as "undated".
UNDATED = date(1970, 1, 1)

INDEX_TABLES = ("talks_by_year", "talks_by_conference", "talks_by_tag", "talks_by_speaker")


@dataclass(frozen=True)
class IndexKeys:
    """The primary keys of every index row of one talk, per index table."""

    by_year: frozenset[tuple]
    by_conference: frozenset[tuple]
    by_tag: frozenset[tuple]
    by_speaker: frozenset[tuple]

    def table(self, name: str) -> frozenset[tuple]:
        """Return the keys of one index table by its name."""
        return {
            "talks_by_year": self.by_year,
            "talks_by_conference": self.by_conference,
            "talks_by_tag": self.by_tag,
            "talks_by_speaker": self.by_speaker,
        }[name]

    def minus(self, other: "IndexKeys") -> "IndexKeys":
        """Return the keys present here and absent from other (the stale rows)."""
        return IndexKeys(
            self.by_year - other.by_year,
            self.by_conference - other.by_conference,
            self.by_tag - other.by_tag,
            self.by_speaker - other.by_speaker,
        )

    def is_empty(self) -> bool:
        """Tell whether there is no key at all."""
        return not (self.by_year or self.by_conference or self.by_tag or self.by_speaker)


EMPTY_KEYS = IndexKeys(frozenset(), frozenset(), frozenset(), frozenset())


def index_day(talk: Talk, conference: Conference | None) -> date:
    """Return the day a talk sorts under: its own date, else its conference's start, else UNDATED."""
    if talk.date:
        return talk.date
    if conference and conference.start:
        return conference.start
    return UNDATED


def index_keys(talk: Talk, day: date) -> IndexKeys:
    """Return the primary keys of all index rows of talk when it sorts under day."""
    speakers = {speaker_slug(s.name) for s in talk.speakers if s.name.strip()}
    return IndexKeys(
        by_year=frozenset({(day.year, day, talk.id)}),
        by_conference=frozenset({(talk.conference_id, day, talk.ordinal, talk.id)}),
        by_tag=frozenset((tag, day, talk.id) for tag in talk.tags),
        by_speaker=frozenset((slug, day, talk.id) for slug in speakers if slug != "untitled"),
    )


def has_notes(talk: Talk) -> bool:
    """Tell whether a talk carries notes worth a badge."""
    return talk.word_count > 0


def has_video(talk: Talk) -> bool:
    """Tell whether a talk links a video."""
    return talk.link("video") is not None
