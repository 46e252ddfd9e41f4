"""The HTML pages: thin views over archive.browse."""
from __future__ import annotations

import dataclasses
import hmac
from datetime import datetime, timezone

from flask import Blueprint, current_app, render_template, request

from archive import browse
from web import search as searching
from web.context import secret, settings, store
from web.listing import list_filters
from web.security import origin_allowed

bp = Blueprint("pages", __name__)


def _cursor() -> str | None:
    return request.args.get("cursor") or None


@bp.get("/")
def timeline():
    """Show the conference timeline, newest first, and the newest notes on the first page."""
    page = browse.timeline(store(), secret(), _cursor(), current_app.config["TIMELINE_PAGE_SIZE"])
    notes = browse.newest_notes(store(), current_app.config["NEWEST_NOTES"]) if _cursor() is None else []
    return render_template("timeline.html", page=page, first=_cursor() is None, newest_notes=notes)


@bp.get("/conferences/<conference_id>")
def conference(conference_id: str):
    """Show a conference's talks, grouped by day (filtered to notes, a kind or a language if asked)."""
    page = browse.conference_page(store(), secret(), conference_id, _cursor(),
                                  current_app.config["CONFERENCE_PAGE_SIZE"], list_filters(request.args))
    return render_template("conference.html", page=page, conference=page.conference)


@bp.get("/years/<int:year>")
def year(year: int):
    """Show one year's talks, newest first (filtered if asked)."""
    page = browse.year_page(store(), secret(), year, _cursor(), current_app.config["PAGE_SIZE"],
                            list_filters(request.args))
    return render_template("year.html", page=page, first=_cursor() is None)


@bp.get("/speakers")
def speakers():
    """Show the speakers directory, one letter at a time, A to Z."""
    letter = (request.args.get("letter") or "").strip()[:1] or None
    directory = browse.speakers_directory(store(), secret(), letter, _cursor(),
                                          current_app.config["SPEAKERS_PAGE_SIZE"])
    return render_template("speakers.html", directory=directory, first=_cursor() is None)


@bp.get("/tags")
def tags():
    """Show the tag cloud."""
    return render_template("tags.html", cloud=browse.tag_cloud(store()))


@bp.get("/tags/<tag>")
def tag(tag: str):
    """Show a tag's talks, newest first."""
    page = browse.tag_page(store(), secret(), tag, _cursor(), current_app.config["PAGE_SIZE"],
                           list_filters(request.args))
    return render_template("tag.html", page=page, first=_cursor() is None)


@bp.get("/speakers/<slug>")
def speaker(slug: str):
    """Show a speaker's talks across conferences."""
    page = browse.speaker_page(store(), secret(), slug, _cursor(), current_app.config["PAGE_SIZE"],
                               list_filters(request.args))
    return render_template("speaker.html", page=page, first=_cursor() is None)


@bp.get("/talks/<talk_id>")
def talk(talk_id: str):
    """Show one talk with its notes."""
    page = browse.talk_page(store(), talk_id)
    return render_template("talk.html", page=page, talk=page.talk, conference=page.conference)


@bp.get("/search")
def search():
    """Show a page of search results with the filter form; a bad parameter shows the form and why (400)."""
    values = searching.cleaned(request.args)
    try:
        args = searching.parse_args(values, _cursor())
    except searching.BadSearch as exc:
        return render_template("search.html", page=None, args=None, values=values, error=exc.description,
                               search_query=values.get("q", "")[:searching.MAX_QUERY_CHARS],
                               kinds=searching.TALK_KINDS), 400
    page = searching.run(args, current_app.config["SEARCH_PAGE_SIZE"])
    args = dataclasses.replace(args, text=page.query.text)  # as the search read it (cut when too long)
    return render_template("search.html", page=page, args=args, values=args.params(), error=None,
                           conferences=searching.conference_names(page), search_query=args.text,
                           kinds=searching.TALK_KINDS)


def _imports(message: str | None = None, error: str | None = None, status: int = 200):
    runs = browse.import_history(store(), datetime.now(timezone.utc).date(),
                                 current_app.config["IMPORT_HISTORY_MONTHS"],
                                 current_app.config["IMPORT_HISTORY_LIMIT"])
    enabled = bool(settings().admin_token)
    return render_template("imports.html", runs=runs, git_sources=browse.git_sources(store()), enabled=enabled,
                           message=message, error=error), status


@bp.get("/imports")
def imports():
    """Show the import history and the re-import form."""
    return _imports()


def _too_many(wait: int):
    response = current_app.make_response(_imports(
        error=f"Too many wrong admin tokens from your address: try again in {wait} s.", status=429))
    response.headers["Retry-After"] = str(wait)
    return response


def _refusal():
    """Return the response refusing this admin POST (disabled, foreign Origin, throttled, wrong token), or None."""
    expected = settings().admin_token
    if not expected:
        return _imports(error="Re-import is disabled: no admin token is configured (NOTES_ADMIN_TOKEN).",
                        status=403)
    if not origin_allowed():
        return _imports(error="Refused: the form was posted from another site (Origin header).", status=403)
    limiter, client = current_app.extensions["admin_failures"], request.remote_addr or "unknown"
    wait = limiter.retry_after(client)
    if wait:
        return _too_many(wait)
    if not hmac.compare_digest(request.form.get("token", "").encode("utf-8"), expected.encode("utf-8")):
        limiter.fail(client)
        return _imports(error="Wrong admin token.", status=403)
    return None


@bp.post("/imports")
def reimport():
    """Queue a re-import of every source, if the admin token matches."""
    refused = _refusal()
    if refused is not None:
        return refused
    try:
        # Imported here: jobs.tasks pulls in Celery, which page views never need.
        from jobs.tasks import enqueue_reimport
    except ImportError:  # also raised when the module exists without that function
        return _imports(error="Re-import is unavailable: the task queue (jobs.tasks.enqueue_reimport)"
                              " is not installed.", status=503)
    try:
        result = enqueue_reimport()
    except Exception as exc:  # noqa: BLE001 - broker down or misconfigured: say so, do not 500
        current_app.logger.warning("enqueue_reimport failed: %s", exc)
        return _imports(error=f"Could not queue the re-import: {exc}", status=503)
    ident = getattr(result, "id", None) or (result if isinstance(result, str) else None)
    note = f" (task {ident})" if ident else ""
    return _imports(message=f"Re-import queued{note}. Refresh this page to follow it.", status=202)
