"""Turn domain and HTTP errors into pages (or JSON under /api/) with the right status."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, redirect, render_template, request, url_for
from flask.globals import request_ctx
from werkzeug.exceptions import BadHost, HTTPException

from archive.domain import BadCursor, Moved, NotFound
from archive.storage import RETRYABLE_ERRORS
from web.context import StoreUnavailable

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          414: "URI too long", 429: "Too many requests", 431: "Request headers too large", 500: "Server error",
          503: "Unavailable"}


def wants_json() -> bool:
    """Tell whether the request is for the JSON API."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str):
    """Return a JSON error under /api/, else the error page, with the given status."""
    if wants_json():
        return jsonify(error=message, status=status), status
    if request_ctx.url_adapter is None:  # the Host was refused: no URL can be built, so no page
        return Response(f"{TITLES.get(status, 'Error')}: {message}\n", status, mimetype="text/plain")
    return render_template("error.html", status=status, title=TITLES.get(status, "Error"), message=message), status


def register(app: Flask) -> None:
    """Install the error handlers on the app."""

    @app.errorhandler(Moved)
    def moved(exc: Moved):
        """Answer a talk id that moved with a permanent redirect to the same view of its new id."""
        args = dict(request.view_args or {})
        if request.endpoint is None or "talk_id" not in args:
            return error_response(404, str(exc))
        args["talk_id"] = exc.new_id
        return redirect(url_for(request.endpoint, **args, **request.args.to_dict(flat=True)), 301)

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return error_response(404, str(exc) or "not found")

    @app.errorhandler(BadHost)
    def bad_host(exc: BadHost):
        return error_response(400, "unknown or malformed Host header")

    @app.errorhandler(BadCursor)
    def bad_cursor(exc: BadCursor):
        return error_response(400, f"invalid cursor: {exc}")

    def unavailable(exc: Exception):
        log.warning("Cassandra unavailable: %s", exc)
        return error_response(503, "the archive's database is unavailable; try again shortly")

    for error in (*RETRYABLE_ERRORS, StoreUnavailable):
        app.register_error_handler(error, unavailable)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 500:
            log.error("server error on %s", request.path, exc_info=getattr(exc, "original_exception", None))
        return error_response(status, exc.description or TITLES.get(status, "error"))
