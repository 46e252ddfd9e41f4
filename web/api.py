"""The JSON API (/api/v1/): the pages' data, with the same signed cursors."""
from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, jsonify, request, url_for

from archive import browse
from web import search as searching
from web.api_spec import openapi_document
from web.context import secret, store
from web.filters import speaker_link_slug
from web.listing import list_filters
from web.security import base_url, http_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _cursor() -> str | None:
    return request.args.get("cursor") or None


def _speaker(name: str, affiliation: str | None = None) -> dict:
    slug = speaker_link_slug(name)
    out = {"name": name, "slug": slug or None,
           "url": url_for("pages.speaker", slug=slug) if slug else None,
           "api_url": url_for("api.speaker", slug=slug) if slug else None}
    if affiliation is not None:
        out["affiliation"] = affiliation
    return out


def _talk_summary(row: dict, conference_name: str | None = None) -> dict:
    """Return the JSON of an index row (any talks_by_* table)."""
    out = {
        "id": row["talk_id"],
        "title": row["title"],
        "kind": row.get("kind"),
        "day": browse.shown_day(row["day"]),
        "speakers": [_speaker(n) for n in ([row["name"]] if "name" in row else row.get("speakers") or ())],
        "has_notes": bool(row.get("has_notes")),
        "has_video": bool(row.get("has_video")),
        "language": row.get("language"),
        "url": url_for("pages.talk", talk_id=row["talk_id"]),
        "api_url": url_for("api.talk", talk_id=row["talk_id"]),
    }
    conference_id = row.get("conference_id")
    if conference_id:
        out["conference"] = {"id": conference_id, "name": conference_name or row.get("conference_name")}
    if "tags" in row:
        out["tags"] = sorted(row["tags"] or ())
    return out


def _paged(key: str, items: list, next_cursor: str | None, endpoint: str, **args) -> dict:
    return {key: items, "next_cursor": next_cursor,
            "next": url_for(endpoint, cursor=next_cursor, **args) if next_cursor else None}


@bp.get("/timeline")
def timeline():
    """Return a page of the conference timeline."""
    page = browse.timeline(store(), secret(), _cursor(), current_app.config["TIMELINE_PAGE_SIZE"])
    items = [{
        "id": r["conference_id"], "name": r["name"], "year": year, "start_date": browse.shown_day(r["start_date"]),
        "end_date": browse.shown_day(r["end_date"]), "location": r["location"], "talk_count": r["talk_count"],
        "notes_count": r.get("notes_count") or 0,
        "url": url_for("pages.conference", conference_id=r["conference_id"]),
        "api_url": url_for("api.conference", conference_id=r["conference_id"]),
    } for year, rows in page.years for r in rows]
    return jsonify(_paged("conferences", items, page.next_cursor, "api.timeline"))


@bp.get("/conferences/<conference_id>")
def conference(conference_id: str):
    """Return a conference and a page of its talks in order."""
    filters = list_filters(request.args)
    page = browse.conference_page(store(), secret(), conference_id, _cursor(),
                                  current_app.config["CONFERENCE_PAGE_SIZE"], filters)
    c = page.conference
    talks = [_talk_summary(r | {"conference_id": c.id}, c.name) for _, rows in page.days for r in rows]
    body = {"conference": {
        "id": c.id, "name": c.name, "start_date": c.start, "end_date": c.end, "location": c.location,
        "timezone": c.timezone, "url": http_url(c.url) or None, "talk_count": page.talk_count,
        "notes_count": page.notes_count,
        "page_url": url_for("pages.conference", conference_id=c.id),
        "calendar_url": url_for("feeds.conference_ics", conference_id=c.id),
        "feed_url": url_for("feeds.conference_talks", conference_id=c.id),
    }}
    return jsonify(body | _paged("talks", talks, page.next_cursor, "api.conference", conference_id=c.id,
                                 **filters.params()))


@bp.get("/tags")
def tags():
    """Return every tag with its talk count."""
    return jsonify({"tags": [{
        "tag": t.tag, "label": t.label, "count": t.count, "size": t.size,
        "url": url_for("pages.tag", tag=t.tag), "api_url": url_for("api.tag", tag=t.tag),
    } for t in browse.tag_cloud(store())]})


@bp.get("/tags/<tag>")
def tag(tag: str):
    """Return a page of a tag's talks, newest first."""
    filters = list_filters(request.args)
    page = browse.tag_page(store(), secret(), tag, _cursor(), current_app.config["PAGE_SIZE"], filters)
    body = {"tag": {"tag": tag, "label": page.title, "url": url_for("pages.tag", tag=tag),
                    "feed_url": url_for("feeds.tag_talks", tag=tag)}}
    items = [_talk_summary(r) for r in page.rows]
    return jsonify(body | _paged("talks", items, page.next_cursor, "api.tag", tag=tag, **filters.params()))


@bp.get("/speakers/<slug>")
def speaker(slug: str):
    """Return a page of a speaker's talks, newest first."""
    filters = list_filters(request.args)
    page = browse.speaker_page(store(), secret(), slug, _cursor(), current_app.config["PAGE_SIZE"], filters)
    body = {"speaker": {"slug": slug, "name": page.title, "url": url_for("pages.speaker", slug=slug),
                        "feed_url": url_for("feeds.speaker_talks", slug=slug),
                        "calendar_url": url_for("feeds.speaker_ics", slug=slug)}}
    items = [_talk_summary({k: v for k, v in r.items() if k != "name"} | {"speakers": [r["name"]]})
             for r in page.rows]
    return jsonify(body | _paged("talks", items, page.next_cursor, "api.speaker", slug=slug, **filters.params()))


@bp.get("/speakers")
def speakers():
    """Return a page of the speakers directory: one initial's speakers A to Z, with their counts."""
    letter = (request.args.get("letter") or "").strip()[:1] or None
    directory = browse.speakers_directory(store(), secret(), letter, _cursor(),
                                          current_app.config["SPEAKERS_PAGE_SIZE"])
    items = [{"slug": r["slug"], "name": r["name"], "talk_count": r["talk_count"], "notes_count": r["notes_count"],
              "url": url_for("pages.speaker", slug=r["slug"]), "api_url": url_for("api.speaker", slug=r["slug"])}
             for r in directory.rows]
    return jsonify({"letter": directory.letter, "letters": directory.letters}
                   | _paged("speakers", items, directory.next_cursor, "api.speakers", letter=directory.letter))


@bp.get("/years/<int:year>")
def year(year: int):
    """Return a page of one year's talks, newest first."""
    filters = list_filters(request.args)
    page = browse.year_page(store(), secret(), year, _cursor(), current_app.config["PAGE_SIZE"], filters)
    items = [_talk_summary(r) for r in page.rows]
    return jsonify({"year": year, "url": url_for("pages.year", year=year)}
                   | _paged("talks", items, page.next_cursor, "api.year", year=year, **filters.params()))


@bp.get("/talks/<talk_id>")
def talk(talk_id: str):
    """Return one talk with its sanitised notes and its neighbours."""
    page = browse.talk_page(store(), talk_id)
    t, c = page.talk, page.conference
    body = {"talk": {
        "id": t.id, "title": t.title, "kind": t.kind, "day": t.date, "starts_at": t.starts_at,
        "speakers": [_speaker(s.name, s.affiliation) for s in t.speakers],
        "conference": {"id": t.conference_id, "name": c.name if c else None,
                       "url": url_for("pages.conference", conference_id=t.conference_id)},
        "tags": [{"tag": tag, "label": label, "url": url_for("pages.tag", tag=tag)}
                 for tag, label in page.tag_labels.items()],
        "links": [{"kind": link.kind, "url": http_url(link.url)} for link in t.links if http_url(link.url)],
        "videos": [{"url": v.url, "host": v.host, "label": v.label, "plays": v.plays, "seconds": v.seconds}
                   for v in page.videos if http_url(v.url)],
        "video_seconds": t.video_seconds, "word_count": t.word_count, "language": t.language,
        "notes_html": page.notes_html, "summary_html": page.summary_html, "catalogue_id": t.catalogue_id,
        "url": url_for("pages.talk", talk_id=t.id),
    }}
    side = {name: _talk_summary(row | {"conference_id": t.conference_id}, c.name if c else None) if row else None
            for name, row in (("previous", page.previous), ("next", page.next))}
    return jsonify(body | side)


def _search_result(r: browse.SearchResult, conference_name: str) -> dict:
    return {"id": r.id, "title": r.title, "title_html": r.title_html, "speakers": [_speaker(n) for n in r.speakers],
            "conference_id": r.conference_id, "conference": {"id": r.conference_id, "name": conference_name},
            "day": r.day, "kind": r.kind, "language": r.language, "has_notes": r.has_notes, "has_video": r.has_video,
            "score": r.score, "snippet_html": r.snippet_html,
            "url": url_for("pages.talk", talk_id=r.id), "api_url": url_for("api.talk", talk_id=r.id)}


@bp.get("/search")
def search():
    """Return a page of search results, best first or newest first, with what the reader should know."""
    args = searching.request_args(request.args)  # a bad parameter is a BadSearch: a 400 with the reason
    page = searching.run(args, current_app.config["SEARCH_PAGE_SIZE"])
    args = dataclasses.replace(args, text=page.query.text)
    names, q = searching.conference_names(page), page.query
    body = {"query": {"q": q.text, "terms": list(q.terms), "phrases": [list(p) for p in q.phrases],
                      "prefix": q.prefix, "filters": dataclasses.asdict(q.filters), "sort": q.sort},
            "messages": page.messages,
            "page_url": url_for("pages.search", **args.params()),
            "feed_url": url_for("feeds.search_talks", **args.params(sort=False))}
    results = [_search_result(r, names.get(r.conference_id, r.conference_id)) for r in page.results]
    return jsonify(body | _paged("results", results, page.next_cursor, "api.search", **args.params()))


@bp.get("/openapi.json")
def openapi():
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(base_url() + bp.url_prefix))
