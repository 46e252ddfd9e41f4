"""Domain values of the archive.

Plain dataclasses and domain errors only: nothing here imports cassandra, flask or celery,
so the parsing, tagging and service layers can be unit tested without any server.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

TALK_KINDS = ("talk", "keynote", "lightning", "tutorial", "panel")
# Talks with no date of their own and a conference without dates sort under this day (clustering
# columns cannot be null); pages show them as "undated".
UNDATED = date(1970, 1, 1)


class ArchiveError(Exception):
    """Base class of the archive's domain errors."""


class NotFound(ArchiveError):
    """A talk, conference, tag or speaker that the archive does not hold."""


class Moved(NotFound):
    """A talk id that is no longer a talk's id: the talk now answers under new_id."""

    def __init__(self, old_id: str, new_id: str):
        super().__init__(f"talk {old_id!r} is now {new_id!r}")
        self.old_id, self.new_id = old_id, new_id


class DocumentError(ArchiveError):
    """A source document that cannot be imported; the message names the problem."""


class WriteRefused(ArchiveError):
    """The database refused a write for what it held (too large, a value out of range): retrying
    cannot help, so the documents behind it fail instead."""


class SchemaMissing(ArchiveError):
    """The configured keyspace does not exist: `notes-archive schema apply` has not been run."""


class BadCursor(ArchiveError):
    """A pagination cursor that is malformed or was tampered with."""


@dataclass(frozen=True)
class Speaker:
    """A person presenting a talk, with the organisation they came from when known."""

    name: str
    affiliation: str | None = None


@dataclass(frozen=True)
class Link:
    """A link of a talk: kind is 'page', 'slides', 'video' or 'other'."""

    kind: str
    url: str


@dataclass(frozen=True)
class Conference:
    """A conference (or catalogue event) whose talks the archive holds."""

    id: str
    name: str
    start: date | None = None
    end: date | None = None
    location: str | None = None
    timezone: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Talk:
    """One talk of a conference, as the archive stores and shows it."""

    id: str
    conference_id: str
    title: str
    speakers: tuple[Speaker, ...] = ()
    kind: str = "talk"
    ordinal: int = 0
    date: date | None = None
    starts_at: datetime | None = None
    links: tuple[Link, ...] = ()
    video_seconds: int | None = None
    notes_source: str = ""
    notes_format: str = ""
    notes_html: str = ""
    word_count: int = 0
    document_id: str = ""
    anchor: str = ""
    tags: tuple[str, ...] = ()
    language: str | None = None
    catalogue_id: str | None = None
    summary_html: str = ""  # the catalogue's description, rendered and sanitised

    def link(self, kind: str) -> str | None:
        """Return the first link of the given kind, if any."""
        return next((l.url for l in self.links if l.kind == kind), None)


@dataclass(frozen=True)
class ParsedTalk:
    """A talk as a parser found it in one document, before ids, tags and conference facts."""

    title: str
    speakers: tuple[Speaker, ...] = ()
    kind: str = "talk"
    ordinal: int = 0
    date: date | None = None
    links: tuple[Link, ...] = ()
    video_seconds: int | None = None
    notes_source: str = ""
    notes_html: str = ""
    word_count: int = 0
    anchor: str = ""
    keywords: tuple[str, ...] = ()
    day_hint: str = ""  # the day its notes name ("wd friday", "md 4-11"): see archive.parse.days


@dataclass(frozen=True)
class ParsedDocument:
    """What a parser returns for one document: its title, format and talks in order."""

    title: str
    format: str  # 'rst', 'markdown' or 'text'
    talks: tuple[ParsedTalk, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    layout: str = ""                      # the layout inference chose (archive.parse.layout)
    evidence: tuple[str, ...] = ()        # why it chose it
    day_hint: str = ""                    # the day the document's folders, file name or title name


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


# Latin letters that NFKD does not decompose into a base letter and an accent.
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss", "Æ": "AE",
                        "æ": "ae", "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """Return text lower-cased, accents stripped and runs of non-alphanumerics turned to spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LATIN))
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SLUG_DROP.sub(" ", ascii_text.lower()).split())


def slugify(text: str, max_length: int = 80) -> str:
    """Return a URL-safe slug of text, cut on a word boundary at max_length."""
    slug = fold(text).replace(" ", "-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "untitled"


def talk_id(conference_id: str, title: str) -> str:
    """Return the stable id of a talk: its conference and normalised title.

    A re-import of the same talk gives the same id, so it overwrites rather than duplicates.
    Long titles keep a short hash of the full folded title so that two long titles sharing a
    prefix stay distinct.
    """
    folded = fold(title)
    slug = slugify(title, 60)
    if len(folded.replace(" ", "-")) > 60:
        slug += "-" + hashlib.sha1(folded.encode()).hexdigest()[:6]
    return f"{conference_id}--{slug}"


def conference_of(talk_id_: str) -> str:
    """Return the conference id a talk id starts with (the convention of talk_id), or raise NotFound."""
    conference_id, sep, _ = talk_id_.partition("--")
    if not sep or not conference_id:
        raise NotFound(f"no talk {talk_id_!r}")
    return conference_id


def same_person(a: str, b: str) -> bool:
    """Whether two spellings name one person: same folded words, or same surname and first initial
    ("Zed Shaw" and "Zed A. Shaw", "J Page" and "Jonathan Page")."""
    x, y = fold(a).split(), fold(b).split()
    return bool(x and y) and (x == y or (len(x) > 1 and len(y) > 1 and x[-1] == y[-1] and x[0][0] == y[0][0]))


def speaker_slug(name: str) -> str:
    """Return the slug of a speaker's name as used in /speakers/<slug>.

    Latin names fold to ASCII ("Jérôme Petazzoni" -> "jerome-petazzoni"); names in other scripts
    keep their letters ("Андрей Светлов" -> "андрей-светлов"), or every such speaker would share
    one slug.
    """
    folded = fold(name)
    letters = [c for c in name if c.isalnum()]
    if letters and len(folded.replace(" ", "")) < len(letters) / 2:
        return "-".join(re.findall(r"\w+", name.casefold()))[:60].strip("-") or "untitled"
    return slugify(name, 60)


def speaker_prefix(slug: str) -> str:
    """Return the speakers directory partition of a speaker slug: its first two characters."""
    return slug[:2]


@dataclass
class SourceFacts:
    """What the sources say about one conference: its facts and each side's talks (the relink input)."""

    conference_id: str
    configured: Conference | None = None
    event: Conference | None = None
    notes: list[Talk] = field(default_factory=list)
    catalogue: list[Talk] = field(default_factory=list)
