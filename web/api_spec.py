"""The OpenAPI 3.1 description of /api/v1/, written by hand (the API is small and stable)."""
from __future__ import annotations

from typing import Any

from archive.domain import TALK_KINDS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


CURSOR = {"name": "cursor", "in": "query", "required": False,
          "description": "Opaque signed cursor from a previous page's next_cursor.", "schema": {"type": "string"}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _ok(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


ERROR_400 = {"description": "Malformed or tampered cursor.",
             "content": {"application/json": {"schema": _ref("Error")}}}
ERROR_404 = {"description": "No such resource.", "content": {"application/json": {"schema": _ref("Error")}}}

STR, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
URL = {"type": "string", "format": "uri-reference"}


def _paged(item_key: str, item: dict, extra: dict | None = None) -> dict:
    props = {item_key: {"type": "array", "items": item}, "next_cursor": _nullable(STR), "next": _nullable(URL)}
    props.update(extra or {})
    return {"type": "object", "required": list(props), "properties": props}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": STR, "status": INT}},
    "SpeakerRef": {"type": "object", "properties": {
        "name": STR, "slug": _nullable(STR), "affiliation": _nullable(STR), "url": _nullable(URL),
        "api_url": _nullable(URL)}},
    "TalkSummary": {"type": "object", "required": ["id", "title", "url"], "properties": {
        "id": STR, "title": STR, "kind": STR, "day": _nullable(DATE),
        "speakers": {"type": "array", "items": _ref("SpeakerRef")},
        "conference": {"type": "object", "properties": {"id": STR, "name": _nullable(STR)}},
        "tags": {"type": "array", "items": STR}, "has_notes": BOOL, "has_video": BOOL, "language": _nullable(STR),
        "url": URL, "api_url": URL}},
    "ConferenceSummary": {"type": "object", "properties": {
        "id": STR, "name": STR, "year": INT, "start_date": _nullable(DATE), "end_date": _nullable(DATE),
        "location": _nullable(STR), "talk_count": _nullable(INT), "notes_count": INT, "url": URL, "api_url": URL}},
    "Timeline": _paged("conferences", _ref("ConferenceSummary")),
    "ConferencePage": _paged("talks", _ref("TalkSummary"), {"conference": {"type": "object", "properties": {
        "id": STR, "name": STR, "start_date": _nullable(DATE), "end_date": _nullable(DATE),
        "location": _nullable(STR), "timezone": _nullable(STR), "url": _nullable(URL), "talk_count": INT,
        "notes_count": INT, "page_url": URL, "calendar_url": URL, "feed_url": URL}}}),
    "TagCloud": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "object", "properties": {
        "tag": STR, "label": STR, "count": INT, "size": {"type": "integer", "minimum": 1, "maximum": 5},
        "url": URL, "api_url": URL}}}}},
    "TagPage": _paged("talks", _ref("TalkSummary"), {"tag": {"type": "object", "properties": {
        "tag": STR, "label": STR, "url": URL, "feed_url": URL}}}),
    "SpeakerPage": _paged("talks", _ref("TalkSummary"), {"speaker": {"type": "object", "properties": {
        "slug": STR, "name": STR, "url": URL, "feed_url": URL, "calendar_url": URL}}}),
    "SpeakerDirectory": _paged("speakers", {"type": "object", "properties": {
        "slug": STR, "name": STR, "talk_count": INT, "notes_count": INT, "url": URL, "api_url": URL}}, {
        "letter": STR, "letters": {"type": "array", "items": STR}}),
    "YearPage": _paged("talks", _ref("TalkSummary"), {"year": INT, "url": URL}),
    "Talk": {"type": "object", "required": ["talk", "previous", "next"], "properties": {
        "talk": {"type": "object", "properties": {
            "id": STR, "title": STR, "kind": STR, "day": _nullable(DATE),
            "starts_at": _nullable({"type": "string", "format": "date-time"}),
            "speakers": {"type": "array", "items": _ref("SpeakerRef")},
            "conference": {"type": "object", "properties": {"id": STR, "name": _nullable(STR), "url": URL}},
            "tags": {"type": "array", "items": {"type": "object", "properties": {"tag": STR, "label": STR, "url": URL}}},
            "links": {"type": "array", "items": {"type": "object", "properties": {"kind": STR, "url": STR}}},
            "videos": {"type": "array", "description": "Each video once, those that play first (a page that plays "
                                                       "nothing is left out when one that plays is known).",
                       "items": {"type": "object", "properties": {
                           "url": URL, "host": STR, "label": STR, "plays": BOOL, "seconds": _nullable(INT)}}},
            "video_seconds": _nullable(INT), "word_count": INT, "language": _nullable(STR),
            "notes_html": {"type": "string", "description": "Sanitised HTML of the notes."},
            "summary_html": {"type": "string", "description": "Sanitised HTML of the catalogue's description."},
            "catalogue_id": _nullable({"type": "string"}), "url": URL}},
        "previous": _nullable(_ref("TalkSummary")), "next": _nullable(_ref("TalkSummary"))}},
}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


FLAG = {"type": "string", "enum": ["0", "1"]}
SEARCH_PARAMETERS = [
    _query("q", "Words to find; every one must match (titles, speakers, tags, descriptions, notes). \"Quoted "
                "words\" match as a phrase; the last word also matches as a prefix unless a space follows it; "
                "stop words (the, and, ...) are ignored. Up to 1,000 characters are read.", STR),
    _query("conference", "Only talks of this conference (its id, e.g. pycon-us-2012).", STR),
    _query("year", "Only talks of this year.", {"type": "integer", "minimum": 0, "maximum": 9999}),
    _query("kind", "Only talks of this kind.", {"type": "string", "enum": list(TALK_KINDS)}),
    _query("tag", "Only talks with this tag (its key, e.g. testing).", STR),
    _query("speaker", "Only talks by this speaker (the slug of /speakers/{slug}; a name is turned into it).", STR),
    _query("language", "Only talks in this language (the catalogue's code, e.g. eng).", STR),
    _query("notes", "1: only talks with notes; 0: only talks without.", FLAG),
    _query("video", "1: only talks with a video; 0: only talks without.", FLAG),
    _query("sort", "relevance (best match first, the default) or date (newest first).",
           {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}),
]
LIST_FILTERS = [
    _query("notes", "1: only talks with notes.", FLAG),
    _query("kind", "Only talks of this kind.", {"type": "string", "enum": list(TALK_KINDS)}),
    _query("language", "Only talks in this language (the catalogue's code, e.g. eng).", STR),
]
ERROR_400_SEARCH = {"description": "A parameter that cannot be used (the error names it and why), or a malformed "
                                   "or tampered cursor.", "content": {"application/json": {"schema": _ref("Error")}}}
SCHEMAS |= {
    "SearchResult": {"type": "object", "required": ["id", "title", "speakers", "conference_id", "day", "score"],
                     "properties": {
        "id": STR, "title": STR,
        "title_html": {"type": "string", "description": "The title, HTML-escaped, matched words in <mark>."},
        "speakers": {"type": "array", "items": _ref("SpeakerRef")}, "conference_id": STR,
        "conference": {"type": "object", "properties": {"id": STR, "name": STR}},
        "day": _nullable(DATE), "kind": STR, "language": _nullable(STR), "has_notes": BOOL, "has_video": BOOL,
        "score": {"type": "number", "description": "Relevance (field-weighted BM25): higher is better."},
        "snippet_html": {"type": "string", "description": "A passage of the notes or description, HTML-escaped, "
                                                         "matched words in <mark>."},
        "url": URL, "api_url": URL}},
    "SearchPage": _paged("results", _ref("SearchResult"), {
        "query": {"type": "object", "description": "How the query was read.", "properties": {
            "q": STR, "terms": {"type": "array", "items": STR},
            "phrases": {"type": "array", "items": {"type": "array", "items": STR}}, "prefix": _nullable(STR),
            "filters": {"type": "object"}, "sort": {"type": "string", "enum": ["relevance", "date"]}}},
        "messages": {"type": "array", "items": STR, "description": "What the reader should know (an empty or "
                                                                     "cut query, no match, ...)."},
        "page_url": URL, "feed_url": URL}),
}


def _search() -> dict:
    return {"get": {"summary": "Talks matching words and filters, best match first or newest first.",
                    "parameters": SEARCH_PARAMETERS + [CURSOR],
                    "responses": {"200": _ok("SearchPage", "A page of results."), "400": ERROR_400_SEARCH}}}


def _get(summary: str, schema: str, params: list[dict], paged: bool, not_found: bool) -> dict:
    responses: dict[str, Any] = {"200": _ok(schema, summary)}
    if paged:
        responses["400"] = ERROR_400
    if not_found:
        responses["404"] = ERROR_404
    return {"get": {"summary": summary, "parameters": params + ([CURSOR] if paged else []), "responses": responses}}


def openapi_document(server_url: str = "/api/v1") -> dict:
    """Return the OpenAPI 3.1 document of the JSON API served under server_url."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Conference talk notes archive", "version": "1.0.0",
                 "description": "Read-only API over the archive. Lists are newest first (conference talks in "
                                "order) and paged with opaque signed cursors: pass a response's next_cursor "
                                "back as ?cursor= until it is null."},
        "servers": [{"url": server_url}],
        "paths": {
            "/timeline": _get("Conferences, newest first.", "Timeline", [], True, False),
            "/conferences/{conference_id}": _get(
                "A conference and its talks in day and document order.", "ConferencePage",
                [_path_param("conference_id", "Conference id, e.g. pycon-us-2012."), *LIST_FILTERS], True, True),
            "/tags": _get("Every tag with its talk count.", "TagCloud", [], False, False),
            "/tags/{tag}": _get("A tag's talks, newest first.", "TagPage",
                                [_path_param("tag", "Tag key."), *LIST_FILTERS], True, True),
            "/speakers": _get("The speakers directory: one initial's speakers A to Z, with their counts.",
                              "SpeakerDirectory", [_query("letter", "The initial (default: the first).", STR)],
                              True, False),
            "/speakers/{slug}": _get("A speaker's talks, newest first.", "SpeakerPage",
                                     [_path_param("slug", "Slug of the speaker's name."), *LIST_FILTERS], True, True),
            "/years/{year}": _get("One year's talks, newest first.", "YearPage",
                                  [_path_param("year", "The year, e.g. 2012."), *LIST_FILTERS], True, True),
            "/talks/{talk_id}": _get("One talk with its notes and its neighbours in its conference.", "Talk",
                                     [_path_param("talk_id", "Talk id: <conference id>--<title slug>.")],
                                     False, True),
            "/search": _search(),
        },
        "components": {"schemas": SCHEMAS},
    }
