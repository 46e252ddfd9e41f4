"""HTTP caching keyed by the archive's generation: ETags, 304s and a per-worker render cache.

Pages change only when the archive's content does, and every change ends by bumping the archive's
generation (archive.storage.generation). So a response is a function of (generation, build, URL):
- `GenerationClock` reads the generation at most every `generation_interval_ms`, so a change shows
  within that bound and a request in between reads nothing to learn it;
- every GET or HEAD of a page, API response, feed or calendar gets a strong ETag and a
  Last-Modified made from the generation, and `If-None-Match` / `If-Modified-Since` are answered 304
  before the view runs (no read of the archive);
- `RenderCache` keeps whole responses (200s and the 4xx a view gave, such as a missing talk) per
  worker, bounded in bytes, and drops them all when the generation changes.
Responses that depend on who asks or on the moment (the imports page and its admin form) are never
cached by anyone (`private, no-store`), and neither are 5xx answers.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, Response, g, has_request_context, request
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.utils import host_is_trusted

from archive.domain import SchemaMissing
from archive.domain.generation import Generation

NEVER_CACHED = frozenset({"pages.imports", "pages.reimport"})  # the import history and the admin form
CACHED_STATUSES = frozenset({200, 301, 308, 400, 404, 410})   # what a view answers from the archive alone
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
MAX_ENTRY_SHARE = 8      # no single response takes more than 1/8 of the cache

log = logging.getLogger(__name__)


class GenerationClock:
    """The archive's generation as this process last read it, read again once `interval` seconds passed."""

    def __init__(self, read: Callable[[], Generation], interval: float, clock: Callable[[], float] = time.monotonic):
        self._read, self.interval, self._clock = read, interval, clock
        self._value: Generation | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()
        self.reads = 0

    def fresh(self) -> Generation | None:
        """Return the generation if it was read less than `interval` ago, else None (never reads)."""
        value = self._value
        return value if value is not None and self._clock() - self._read_at < self.interval else None

    def current(self) -> Generation:
        """Return the generation, reading it when the last read is older than the interval."""
        if self._value is None or self._clock() - self._read_at >= self.interval:
            with self._lock:
                if self._value is None or self._clock() - self._read_at >= self.interval:
                    self._value = self._read()
                    self._read_at = self._clock()
                    self.reads += 1
        return self._value


@dataclass(frozen=True)
class Rendered:
    """A response as the cache keeps it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        """Return the bytes this entry holds (body, headers and a fixed overhead)."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200

    def response(self) -> Response:
        """Return a new response with this status, these headers and this body."""
        return Response(self.body, status=self.status, headers=list(self.headers))


class RenderCache:
    """Whole responses of one generation, least recently used dropped first, at most max_bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.generation: str | None = None
        self.used = 0
        self._entries: OrderedDict[tuple, Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _turn(self, generation: str) -> None:
        if generation != self.generation:
            self._entries.clear()
            self.used, self.generation = 0, generation

    def get(self, generation: str, key: tuple) -> Rendered | None:
        """Return the entry of key in this generation, or None (a new generation empties the cache)."""
        with self._lock:
            self._turn(generation)
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, generation: str, key: tuple, entry: Rendered) -> bool:
        """Keep an entry of this generation unless it is too large; tell whether it was kept."""
        if entry.size * MAX_ENTRY_SHARE > self.max_bytes:
            return False
        with self._lock:
            self._turn(generation)
            old = self._entries.pop(key, None)
            if old is not None:
                self.used -= old.size
            while self._entries and self.used + entry.size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.used -= dropped.size
            self._entries[key] = entry
            self.used += entry.size
            return True


def key_of(environ: dict) -> tuple:
    """Return the render cache's key of a request: its raw path and query (HEAD shares GET's)."""
    return ("GET", environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))


class CachedPages:
    """WSGI middleware that answers a plain GET the render cache holds before Flask sees it.

    Only what Flask's hooks stored is served, so only cacheable responses; a request with
    conditional headers, a stale generation, a Host outside TRUSTED_HOSTS or anything but GET goes
    to Flask, which answers it as before (304s included). This skips Flask's request context,
    routing and hooks on a hit: about three times the rate of a hit served through Flask.
    """

    def __init__(self, app: Flask, http: "HttpCache"):
        self.app, self.http, self.wsgi_app = app, http, app.wsgi_app

    def __call__(self, environ, start_response):
        entry = self._hit(environ)
        if entry is None:
            return self.wsgi_app(environ, start_response)
        start_response(f"{entry.status} {HTTP_STATUS_CODES.get(entry.status, '')}".rstrip(), list(entry.headers))
        return [entry.body]

    def _hit(self, environ) -> Rendered | None:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ \
                or "HTTP_IF_MODIFIED_SINCE" in environ:
            return None
        generation = self.http.clock.fresh()
        if generation is None:
            return None
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if trusted and not host_is_trusted(environ.get("HTTP_HOST", ""), trusted):
            return None
        return self.http.cache.get(generation.value, key_of(environ))


def build_id(app: Flask, extra: tuple = ()) -> str:
    """Return a digest of what shapes a response besides the archive: templates, static files, settings.

    Every worker of one deployment computes the same value, so their ETags agree; a deployment that
    changes a template or a setting changes every ETag.
    """
    digest = hashlib.sha256()
    root = Path(app.root_path)
    for folder in ("templates", "static"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for part in extra:
        digest.update(repr(part).encode() + b"\0")
    return digest.hexdigest()[:16]


class HttpCache:
    """The request hooks: conditional GETs, the render cache and the Cache-Control of every response."""

    def __init__(self, clock: GenerationClock, cache: RenderCache, build: str, max_age: int):
        self.clock, self.cache, self.build = clock, cache, build
        self.shared = f"public, max-age={max_age}" if max_age > 0 else "public, no-cache"
        self.warned = False

    def cacheable(self) -> bool:
        """Tell whether this request's response is a function of the generation and the URL."""
        return (request.method in CACHEABLE_METHODS and request.endpoint is not None
                and request.endpoint not in NEVER_CACHED and request.endpoint != "static")

    def etag(self, generation: Generation) -> str:
        """Return the ETag of this URL's response in a generation."""
        digest = hashlib.sha256(f"{self.build}\0{generation.value}\0{request.full_path}".encode())
        return digest.hexdigest()[:24]

    def page_generation(self) -> str | None:
        """Return the generation the current page is made in (the one its ETag names), for the
        store's per-generation reads (archive.storage.memo); None when it cannot be read."""
        generation = g.get("generation") if has_request_context() else None
        if generation is None:
            try:
                generation = self.clock.current()
            except SchemaMissing:
                return None
        return generation.value

    def before(self) -> Response | None:
        """Answer 304 or a cached response, or let the view run (noting the generation for `after`)."""
        if not self.cacheable():
            return None
        try:
            generation = self.clock.current()
        except SchemaMissing as exc:  # an archive not upgraded yet: serve it, uncached, and say why
            if not self.warned:
                log.error("HTTP caching is off: %s", exc)
                self.warned = True
            return None
        g.generation = generation
        etag = self.etag(generation)
        if request.if_none_match:
            if request.if_none_match.contains_weak(etag):
                return self._not_modified(etag, generation)
        elif request.if_modified_since and request.if_modified_since >= generation.changed_at:
            return self._not_modified(etag, generation)
        entry = self.cache.get(generation.value, self._key())
        if entry is not None:
            g.cached = True
            return entry.response()
        return None

    def after(self, response: Response) -> Response:
        """Add the caching headers, and keep the response if it is one the archive alone decides."""
        if request.endpoint in NEVER_CACHED:
            response.headers["Cache-Control"] = "private, no-store"
            return response
        generation = g.get("generation")
        if generation is None or g.get("cached") or response.status_code == 304:
            if response.status_code >= 500:  # e.g. the generation could not be read: the node is down
                response.headers["Cache-Control"] = "no-store"
            return response
        if response.status_code not in CACHED_STATUSES or "Set-Cookie" in response.headers \
                or response.is_streamed:
            response.headers["Cache-Control"] = "no-store"
            return response
        response.headers["Cache-Control"] = self.shared
        if response.status_code == 200:
            response.set_etag(self.etag(generation))
            response.last_modified = generation.changed_at
        self.cache.put(generation.value, self._key(),
                       Rendered(response.status_code, tuple(response.headers.items()), response.get_data()))
        return response

    def _key(self) -> tuple:
        return key_of(request.environ)

    def _not_modified(self, etag: str, generation: Generation) -> Response:
        response = Response(status=304)
        response.set_etag(etag)
        response.last_modified = generation.changed_at
        response.headers["Cache-Control"] = self.shared
        g.cached = True
        return response


def install(app: Flask, read_generation: Callable[[], Generation], interval_ms: int, max_bytes: int,
            max_age: int, build_extra: tuple = ()) -> HttpCache:
    """Install the caching hooks on app (before the security headers are added) and return them."""
    http = HttpCache(GenerationClock(read_generation, interval_ms / 1000), RenderCache(max_bytes),
                     build_id(app, build_extra), max_age)
    app.before_request(http.before)
    app.after_request(http.after)
    app.extensions["http_cache"] = http
    app.wsgi_app = CachedPages(app, http)  # type: ignore[method-assign]
    return http
