"""What keeps the web front end honest with hostile requests: headers, hosts, URLs and the admin form."""
from __future__ import annotations

import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for

SECURITY_HEADERS = {
    # No script at all: every page works without JavaScript, so none is allowed to run.
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none';"
                               " frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(),"
                          " microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

SAFE_SCHEMES = ("http", "https")


def http_url(value: object) -> str:
    """Return value if it is an absolute http(s) URL with a host, else '' (never a link)."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):  # controls or spaces hide schemes from parsers
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else ""


def base_url() -> str:
    """Return the configured public base URL, without a trailing slash."""
    return current_app.config["NOTES_SETTINGS"].base_url.rstrip("/")


def base_host() -> str:
    """Return the host name of the base URL (for calendar UIDs)."""
    return urlsplit(base_url()).hostname or "notes-archive"


def external_url(endpoint: str, **values) -> str:
    """Return the absolute URL of an endpoint under the base URL, never under the request's Host."""
    path = url_for(endpoint, **values)
    return base_url() + path.removeprefix(request.script_root if has_request_context() else "")


def trusted_hosts(app: Flask) -> list[str] | None:
    """Return the hosts the app answers for (the allowed hosts and the base URL's), or None for any."""
    settings = app.config["NOTES_SETTINGS"]
    if not settings.allowed_hosts:
        return None
    base = urlsplit(settings.base_url).hostname
    return [*settings.allowed_hosts, *([base] if base else [])]


def origin_allowed() -> bool:
    """Tell whether a POST's Origin header, when sent, is this site (the base URL or the request's own)."""
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser (browsers send Origin with every POST): nothing to forge
        return True
    own = {_origin(base_url()), _origin(f"{request.scheme}://{request.host}")}
    return origin.strip().lower().rstrip("/") in own


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class FailureLimiter:
    """Count failures per client address in a sliding window; in-process and thread-safe."""

    def __init__(self, max_failures: int, window: float, max_clients: int = 10_000):
        self.max_failures, self.window, self.max_clients = max_failures, window, max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Return the seconds until the client may try again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.max_failures:
                return 0
            return max(1, round(times[0] + self.window - now))

    def fail(self, client: str, now: float | None = None) -> None:
        """Record one failure of the client."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if client not in self._failures and len(self._failures) >= self.max_clients:
                self._prune(now)
            self._failures.setdefault(client, deque(maxlen=self.max_failures)).append(now)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(client, None)
        return times

    def _prune(self, now: float) -> None:
        for client in list(self._failures):
            self._recent(client, now)
        while len(self._failures) >= self.max_clients:  # still full: forget the oldest client
            self._failures.pop(next(iter(self._failures)))
