"""Atom feeds of talks and the iCalendar export of a conference: thin views."""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request, url_for

from archive import browse
from archive.atom import Entry, atom_feed, day_to_datetime
from archive.ical import conference_calendar
from web.context import secret, store

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"


def _entry(row: dict, conference_name: str | None = None) -> Entry:
    url = url_for("pages.talk", talk_id=row["talk_id"], _external=True)
    conference = conference_name or row.get("conference_name") or row.get("conference_id") or ""
    speakers = tuple(row.get("speakers") or ())
    day = browse.shown_day(row["day"])
    summary = " — ".join(p for p in (conference, ", ".join(speakers), day.isoformat() if day else "") if p)
    return Entry(id=url, title=row["title"] or row["talk_id"], url=url, updated=day_to_datetime(row["day"]),
                 authors=speakers, summary=summary, categories=tuple(sorted(row.get("tags") or ())))


def _atom(title: str, alt_url: str, entries: list[Entry]) -> Response:
    body = atom_feed(feed_id=request.url, title=title, self_url=request.url, alt_url=alt_url, entries=entries)
    return Response(body, mimetype="application/atom+xml", content_type=ATOM)


@bp.get("/feeds/talks.atom")
def newest_talks():
    """Serve the Atom feed of the newest talks."""
    rows = browse.newest_talks(store(), current_app.config["FEED_SIZE"])
    return _atom("Newest talks — notes archive", url_for("pages.timeline", _external=True),
                 [_entry(r) for r in rows])


@bp.get("/feeds/tags/<tag>.atom")
def tag_talks(tag: str):
    """Serve the Atom feed of a tag's newest talks."""
    page = browse.tag_page(store(), secret(), tag, None, current_app.config["FEED_SIZE"])
    return _atom(f"Talks tagged {page.title} — notes archive", url_for("pages.tag", tag=tag, _external=True),
                 [_entry(r) for r in page.rows])


@bp.get("/feeds/conferences/<conference_id>.atom")
def conference_talks(conference_id: str):
    """Serve the Atom feed of a conference's talks."""
    conference, rows = browse.conference_talks(store(), conference_id)
    return _atom(f"{conference.name} — notes archive",
                 url_for("pages.conference", conference_id=conference_id, _external=True),
                 [_entry(r, conference.name) for r in rows])


@bp.get("/conferences/<conference_id>.ics")
def conference_ics(conference_id: str):
    """Serve a conference's dated talks as an iCalendar file of all-day events."""
    conference, talks = browse.conference_calendar_talks(store(), conference_id)
    text = conference_calendar(conference, talks,
                               lambda t: url_for("pages.talk", talk_id=t.id, _external=True),
                               domain=request.host.split(":")[0] or "notes-archive")
    response = Response(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", conference_id)  # never let an id shape the header
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response
