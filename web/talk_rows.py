"""The rows of a talk list (conference, tag and speaker pages), built in Python, and the badges and
speaker links that search results share with them.

A conference page lists up to 200 talks. As a Jinja macro a row cost about 70 us (nested macro
calls, url_for, filters): 11 ms for a 161-talk page, more than the page's reads. Here a row is a few
escaped f-strings. Every value from the archive goes through `escape`; links use the same quoting
as url_for (web.filters.row_url).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

from flask import request
from markupsafe import Markup, escape

from archive.browse import shown_day, tag_labels
from web.filters import row_url, short_day, speaker_link_slug


@lru_cache(maxsize=65536)
def _speaker(name: str, root: str) -> str:
    slug = speaker_link_slug(name)
    return f'<a href="{escape(row_url(root, "/speakers/", slug))}">{escape(name)}</a>' if slug else str(escape(name))


@lru_cache(maxsize=16384)
def _tag(tag: str, root: str) -> str:
    """Return a tag's <li> (tags repeat from row to row: each is built once)."""
    return f'<li><a href="{escape(row_url(root, "/tags/", tag))}">{escape(tag_labels().get(tag, tag))}</a></li>'


def _badges(kind: str | None, has_notes: bool, has_video: bool) -> str:
    """Return the badges of a talk, each after a space (they are inline blocks without margins)."""
    out = ""
    if kind and kind != "talk":
        out += f' <span class="badge badge-{escape(kind)}">{escape(kind)}</span>'
    if has_notes:
        out += ' <span class="badge badge-notes" title="Has notes">notes</span>'
    if has_video:
        out += ' <span class="badge badge-video" title="Has a video">video</span>'
    return out


def _speakers(names: Sequence[str], root: str) -> str:
    return ", ".join(_speaker(n, root) for n in names)


def badges(kind: str | None, has_notes: bool = False, has_video: bool = False) -> Markup:
    """Return a talk's badges (a template global)."""
    return Markup(_badges(kind, has_notes, has_video))


def speaker_links(names: Sequence[str]) -> Markup:
    """Return speakers' names, each linked to their page when it has one (a template global)."""
    return Markup(_speakers(names, request.script_root))


def talk_item(row: dict, root: str, show_conference: bool = True, show_day: bool = True,
              speakers: Sequence[str] | None = None) -> str:
    """Return one <li> of a talk list."""
    names = (row.get("speakers") or ()) if speakers is None else speakers
    conference_id = row.get("conference_id")
    meta = ""
    if names:
        meta += f'<span class="speakers">{_speakers(names, root)}</span>'
    if show_conference and conference_id:
        meta += (f'<span class="conference"><a href="{escape(row_url(root, "/conferences/", conference_id))}">'
                 f'{escape(row.get("conference_name") or conference_id)}</a></span>')
    language = row.get("language")
    if language and language != "eng":  # most talks are in English: name the others
        meta += f'<span class="language" title="language">{escape(language)}</span>'
    if show_day:
        day = shown_day(row.get("day"))
        shown = f'<time datetime="{day.isoformat()}">{escape(short_day(day))}</time>' if day else "undated"
        meta += f'<span class="day">{shown}</span>'
    foot = f'<div class="meta">{meta}</div>' if meta else ""
    tags = sorted(row.get("tags") or ())
    if tags:
        foot += f'<ul class="tags" aria-label="Tags">{"".join(_tag(t, root) for t in tags)}</ul>'
    return (f'<li class="talk"><div class="talk-head"><a class="talk-title" '
            f'href="{escape(row_url(root, "/talks/", row["talk_id"]))}">{escape(row.get("title") or "")}</a>'
            f'{_badges(row.get("kind"), row.get("has_notes"), row.get("has_video"))}</div>'
            f'<div class="talk-foot">{foot}</div></li>')


def talk_items(rows: Iterable[dict], show_conference: bool = True, show_day: bool = True,
               speakers: Sequence[str] | None = None) -> Markup:
    """Return the <li> of every row (a template global)."""
    root = request.script_root
    return Markup("".join(talk_item(r, root, show_conference, show_day, speakers) for r in rows))
