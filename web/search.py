"""What the search page, its JSON and its feed share: reading a search's query parameters (a bad
value is a 400 that says what is wrong), running it, and the names of the results' conferences.

The parameters: q, conference, year, kind, tag, speaker (a slug or a name), language, notes and
video (1: has them, 0: has none), sort (relevance | date) and cursor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from archive import browse
from archive.domain import TALK_KINDS, Conference, fold, speaker_slug
from archive.search.query import MAX_QUERY_CHARS, Filters
from web.context import secret, store

SORTS = ("relevance", "date")
TEXT_FILTERS = ("conference", "tag", "speaker", "language")
PARAMETERS = ("q", "conference", "year", "kind", "tag", "speaker", "language", "notes", "video", "sort")
MAX_VALUE_CHARS = 200
# Control characters (C0, DEL, C1) never reach a query, a page or a feed: they become spaces.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_YEAR = re.compile(r"[0-9]{1,4}")
FLAGS = {"1": True, "0": False}


class BadSearch(BadRequest):
    """A search parameter whose value cannot be used (answered with 400 and the reason)."""


def _shown(value: str) -> str:
    """Return a value quoted for an error message, cut so a long one cannot flood the answer."""
    return "\u201c" + (value if len(value) <= 40 else value[:40] + "\u2026") + "\u201d"


def cleaned(args: MultiDict) -> dict[str, str]:
    """Return the search parameters as sent (first value of each), control characters made spaces,
    trimmed; the query is kept up to twice the length a query may have (the rest is never used)."""
    out = {}
    for name in PARAMETERS:
        value = _CONTROL.sub(" ", args.get(name, "", type=str)[:MAX_QUERY_CHARS * 2])
        # the query keeps its spaces: a space after the last word says the word is complete
        value = value.lstrip() if name == "q" else " ".join(value.split())
        if value.strip():
            out[name] = value
    return out


@dataclass(frozen=True)
class SearchArgs:
    """A search as the request asked for it: the text, the filters, the order and the page."""

    text: str = ""
    filters: Filters = Filters()
    sort: str = "relevance"
    cursor: str | None = None

    def params(self, sort: bool = True) -> dict[str, str]:
        """Return the canonical query parameters of this search (no cursor), for links and forms."""
        f = self.filters
        values = {"q": self.text, "conference": f.conference, "year": f.year, "kind": f.kind, "tag": f.tag,
                  "speaker": f.speaker, "language": f.language,
                  "notes": None if f.has_notes is None else int(f.has_notes),
                  "video": None if f.has_video is None else int(f.has_video),
                  "sort": self.sort if sort and self.sort != "relevance" else None}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _flag(values: dict[str, str], name: str) -> bool | None:
    value = values.get(name)
    if value is None:
        return None
    if value not in FLAGS:
        raise BadSearch(f"{name} must be 1 (talks with {name}) or 0 (talks without), not {_shown(value)}.")
    return FLAGS[value]


def _year(value: str | None) -> int | None:
    if value is None:
        return None
    if not _YEAR.fullmatch(value):
        raise BadSearch(f"year must be a number such as 2012, not {_shown(value)}.")
    return int(value)


def _text_filters(values: dict[str, str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in TEXT_FILTERS:
        value = values.get(name)
        if value is not None and len(value) > MAX_VALUE_CHARS:
            raise BadSearch(f"{name} is {len(value)} characters long; at most {MAX_VALUE_CHARS} are allowed.")
        out[name] = value
    if out["language"] is not None and not _LANGUAGE.fullmatch(out["language"]):
        raise BadSearch(f"language must be a language code such as eng or ita, not {_shown(out['language'])}.")
    if out["tag"] is not None:
        out["tag"] = fold(out["tag"]).replace(" ", "-") or out["tag"]
    if out["speaker"] is not None:
        slug = speaker_slug(out["speaker"])
        out["speaker"] = out["speaker"] if slug == "untitled" else slug
    return out


def parse_args(values: dict[str, str], cursor: str | None = None) -> SearchArgs:
    """Return the search the cleaned parameters ask for, or raise BadSearch naming the bad value."""
    sort = values.get("sort", "relevance")
    if sort not in SORTS:
        raise BadSearch(f"sort must be relevance or date, not {_shown(sort)}.")
    kind = values.get("kind")
    if kind is not None and kind not in TALK_KINDS:
        raise BadSearch(f"kind must be one of {', '.join(TALK_KINDS)}, not {_shown(kind)}.")
    text = _text_filters(values)
    filters = Filters(conference=text["conference"], year=_year(values.get("year")), kind=kind, tag=text["tag"],
                      speaker=text["speaker"], language=text["language"], has_notes=_flag(values, "notes"),
                      has_video=_flag(values, "video"))
    return SearchArgs(values.get("q", ""), filters, sort, cursor)


def request_args(args: MultiDict) -> SearchArgs:
    """Return the search a request's query string asks for, or raise BadSearch."""
    return parse_args(cleaned(args), args.get("cursor") or None)


def run(search: SearchArgs, limit: int, sort: str | None = None) -> browse.SearchPage:
    """Run a search on this app's archive (a bad cursor raises BadCursor, a 400)."""
    return browse.search(store(), secret(), search.text, search.filters, sort or search.sort, search.cursor, limit)


def conference_names(page: browse.SearchPage) -> dict[str, str]:
    """Return the name of each conference of a page of results (its id when the archive lacks it)."""
    ids = {r.conference_id for r in page.results}
    found: dict[str, Conference] = store().get_conferences(ids) if ids else {}
    return {i: found[i].name if i in found else i for i in ids}
