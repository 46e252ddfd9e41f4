"""The web front end: pages, JSON API, feeds and calendars over the archive's index tables.

`create_app()` builds the app (flaskr's factory pattern); the Cassandra session is opened lazily
per process by web.context.StoreHolder, so importing this package or building the app never
connects.
"""
from __future__ import annotations

import hashlib
from datetime import date

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from archive.config import Settings, load_settings
from web.security import SECURITY_HEADERS, FailureLimiter, trusted_hosts

DEFAULTS = {
    "PAGE_SIZE": 20,              # talks per tag or speaker page
    "SEARCH_PAGE_SIZE": 20,       # results per search page (page and JSON)
    "TIMELINE_PAGE_SIZE": 20,     # conferences per timeline page
    "CONFERENCE_PAGE_SIZE": 200,  # talks per conference page (most conferences fit in one)
    "FEED_SIZE": 50,              # entries per Atom feed
    "NEWEST_NOTES": 8,            # talks with notes on the home page
    "SPEAKERS_PAGE_SIZE": 100,    # speakers per directory page
    "IMPORT_HISTORY_MONTHS": 3,
    "IMPORT_HISTORY_LIMIT": 50,
    "JSON_SORT_KEYS": False,
    "ADMIN_MAX_FAILURES": 5,      # wrong admin tokens a client address may send per window
    "ADMIN_FAILURE_WINDOW": 600,  # seconds
}


class IsoJSONProvider(DefaultJSONProvider):
    """JSON with ISO dates (Flask's default writes dates as HTTP dates) and sets as sorted lists."""

    @staticmethod
    def default(o):
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        return DefaultJSONProvider.default(o)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: defaults, then the environment (NOTES_*), then test_config.

    test_config may hold "NOTES_SETTINGS" (an archive.config.Settings) and "STORE" (an open
    Store to use instead of opening one, as the tests share their session's).
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config["NOTES_SETTINGS"] = load_settings()
    if test_config:
        app.config.update(test_config)
    if app.config["NOTES_SETTINGS"].secret_key == Settings().secret_key and not app.testing:
        _use_installation_secret(app)
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app)  # Flask answers 400 for any other Host
    app.extensions["admin_failures"] = FailureLimiter(app.config["ADMIN_MAX_FAILURES"],
                                                      app.config["ADMIN_FAILURE_WINDOW"])
    app.json = IsoJSONProvider(app)
    app.json.sort_keys = False

    from web.context import StoreHolder

    app.extensions["notes_store"] = StoreHolder(app.config["NOTES_SETTINGS"], app.config.get("STORE"))

    from web import api, caching, errors, feeds, filters, pages
    from web.context import store

    settings = app.config["NOTES_SETTINGS"]
    http = caching.install(app, lambda: store().generation(), settings.generation_interval_ms, settings.render_cache_bytes,
                    settings.http_max_age, build_extra=(
                        settings.base_url, hashlib.sha256(settings.secret_key.encode()).hexdigest(),
                        sorted((k, v) for k, v in app.config.items() if k in DEFAULTS)))
    app.extensions["notes_store"].generation = http.page_generation  # pages' reads, per generation
    filters.register(app)
    errors.register(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _use_installation_secret(app: Flask) -> None:
    """Sign cursors with this installation's generated key (never the public development key)."""
    import dataclasses

    from archive.formats.cursors import installation_secret

    settings = app.config["NOTES_SETTINGS"]
    app.config["NOTES_SETTINGS"] = dataclasses.replace(
        settings, secret_key=installation_secret(settings.secret_key_file))
