"""What a static-site archive would serve: saved copies of the pages, read once, from memory.

`gunicorn bench.static_app:app` with BENCH_STATIC_DIR naming the folder of saved *.html pages.
"""
from __future__ import annotations

import os
from pathlib import Path

PAGES = {f"/{p.name}": p.read_bytes() for p in Path(os.environ.get("BENCH_STATIC_DIR", ".")).glob("*.html")}
PAGES["/"] = b"static copy"


def app(environ, start_response):
    body = PAGES.get(environ.get("PATH_INFO", "/"))
    if body is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
