"""Atom feeds of talks and the iCalendar export of a conference: thin views."""
from __future__ import annotations

import dataclasses
import html
import re
from datetime import date

from flask import Blueprint, Response, current_app, g, request

from archive import browse
from archive.formats.atom import Entry, atom_feed, day_to_datetime
from archive.formats.ical import conference_calendar, talks_calendar
from web import search as searching
from web.context import secret, store
from web.security import base_host, external_url

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"


def _summary(conference: str, speakers: tuple[str, ...], day: date | None) -> str:
    return " — ".join(p for p in (conference, ", ".join(speakers), day.isoformat() if day else "") if p)


def _entry(row: dict, conference_name: str | None = None) -> Entry:
    url = external_url("pages.talk", talk_id=row["talk_id"])
    conference = conference_name or row.get("conference_name") or row.get("conference_id") or ""
    speakers = tuple(row.get("speakers") or ())
    summary = _summary(conference, speakers, browse.shown_day(row["day"]))
    return Entry(id=url, title=row["title"] or row["talk_id"], url=url, updated=day_to_datetime(row["day"]),
                 authors=speakers, summary=summary, categories=tuple(sorted(row.get("tags") or ())))


def _result_entry(result: browse.SearchResult, conference_name: str) -> Entry:
    """Return the entry of a search result: its facts, then its snippet as plain text."""
    url = external_url("pages.talk", talk_id=result.id)
    passage = html.unescape(re.sub(r"</?mark>", "", result.snippet_html))  # only our <mark>s are markup
    summary = "\n\n".join(p for p in (_summary(conference_name, tuple(result.speakers), result.day), passage) if p)
    return Entry(id=url, title=result.title or result.id, url=url, updated=day_to_datetime(result.day),
                 authors=tuple(result.speakers), summary=summary)


def _atom(title: str, alt_url: str, entries: list[Entry], params: dict[str, str] | None = None) -> Response:
    self_url = external_url(request.endpoint, **(request.view_args or {}), **(params or {}))
    body = atom_feed(feed_id=self_url, title=title, self_url=self_url, alt_url=alt_url, entries=entries)
    return Response(body, mimetype="application/atom+xml", content_type=ATOM)


@bp.get("/feeds/talks.atom")
def newest_talks():
    """Serve the Atom feed of the newest talks."""
    rows = browse.newest_talks(store(), current_app.config["FEED_SIZE"])
    return _atom("Newest talks — notes archive", external_url("pages.timeline"),
                 [_entry(r) for r in rows])


@bp.get("/feeds/tags/<tag>.atom")
def tag_talks(tag: str):
    """Serve the Atom feed of a tag's newest talks."""
    page = browse.tag_page(store(), secret(), tag, None, current_app.config["FEED_SIZE"])
    return _atom(f"Talks tagged {page.title} — notes archive", external_url("pages.tag", tag=tag),
                 [_entry(r) for r in page.rows])


@bp.get("/feeds/speakers/<slug>.atom")
def speaker_talks(slug: str):
    """Serve the Atom feed of a speaker's newest talks."""
    page = browse.speaker_page(store(), secret(), slug, None, current_app.config["FEED_SIZE"])
    return _atom(f"Talks by {page.title} — notes archive", external_url("pages.speaker", slug=slug),
                 [_entry(r | {"speakers": [r["name"]]}) for r in page.rows])


@bp.get("/feeds/conferences/<conference_id>.atom")
def conference_talks(conference_id: str):
    """Serve the Atom feed of a conference's talks."""
    conference, rows = browse.conference_talks(store(), conference_id)
    return _atom(f"{conference.name} — notes archive",
                 external_url("pages.conference", conference_id=conference_id),
                 [_entry(r, conference.name) for r in rows])


def _search_title(params: dict[str, str]) -> str:
    words = params.get("q", "").strip()
    narrowed = ", ".join(f"{name} {value}" for name, value in params.items() if name != "q")
    return ((f"Talks matching \u201c{words}\u201d" if words else "Talks found by a search")
            + (f" ({narrowed})" if narrowed else "") + " — notes archive")


@bp.get("/feeds/search.atom")
def search_talks():
    """Serve the Atom feed of a search (its filters too), newest talks first: a topic to follow."""
    args = searching.request_args(request.args)  # a bad parameter is a BadSearch: a 400 with the reason
    page = searching.run(dataclasses.replace(args, cursor=None), current_app.config["FEED_SIZE"], sort="date")
    params = dataclasses.replace(args, text=page.query.text).params(sort=False)
    names = searching.conference_names(page)
    return _atom(_search_title(params), external_url("pages.search", **params, sort="date"),
                 [_result_entry(r, names.get(r.conference_id, r.conference_id)) for r in page.results], params)


def _ics(text: str, name: str) -> Response:
    response = Response(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # never let an id shape the header
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response


def _generation_start():
    generation = g.get("generation")  # DTSTAMP: when this generation began, so equal requests get equal bytes
    return generation.changed_at if generation else None


@bp.get("/speakers/<slug>.ics")
def speaker_ics(slug: str):
    """Serve a speaker's dated talks as an iCalendar file of all-day events."""
    name, talks, conferences = browse.speaker_calendar_talks(store(), slug)
    text = talks_calendar(f"Talks by {name}", talks, conferences, lambda t: external_url("pages.talk", talk_id=t.id),
                          now=_generation_start(), domain=base_host())
    return _ics(text, slug)


@bp.get("/conferences/<conference_id>.ics")
def conference_ics(conference_id: str):
    """Serve a conference's dated talks as an iCalendar file of all-day events."""
    conference, talks = browse.conference_calendar_talks(store(), conference_id)
    text = conference_calendar(conference, talks, lambda t: external_url("pages.talk", talk_id=t.id),
                               now=_generation_start(), domain=base_host())
    return _ics(text, conference_id)
