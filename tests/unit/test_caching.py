"""The render cache and the generation clock (pure parts of web.caching)."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.domain.generation import Generation
from web.caching import MAX_ENTRY_SHARE, GenerationClock, Rendered, RenderCache


def entry(size: int) -> Rendered:
    return Rendered(200, (), b"x" * size)


def test_the_clock_reads_the_generation_at_most_once_per_interval():
    now = [0.0]
    values = iter(Generation(str(i), datetime(2026, 1, 1, tzinfo=timezone.utc)) for i in range(10))
    clock = GenerationClock(lambda: next(values), 0.5, clock=lambda: now[0])
    assert clock.current().value == "0"
    now[0] = 0.49
    assert clock.current().value == "0" and clock.reads == 1
    now[0] = 0.5
    assert clock.current().value == "1" and clock.reads == 2


def test_a_new_generation_empties_the_cache():
    cache = RenderCache(10_000)
    assert cache.put("g1", ("GET", "/", b""), entry(100))
    assert cache.get("g1", ("GET", "/", b"")) is not None
    assert cache.get("g2", ("GET", "/", b"")) is None and len(cache) == 0 and cache.used == 0


def test_least_recently_used_entries_leave_first_and_large_ones_are_not_kept():
    cache = RenderCache(3 * entry(1000).size * MAX_ENTRY_SHARE // 2)
    too_large = cache.max_bytes // MAX_ENTRY_SHARE + 1
    assert not cache.put("g", ("big",), entry(too_large))
    for name in "abcdefghijklmnop":
        cache.put("g", (name,), entry(1000))
        cache.get("g", ("a",))  # "a" stays in use
    assert cache.get("g", ("a",)) is not None and cache.get("g", ("b",)) is None
    assert cache.used <= cache.max_bytes


@settings(max_examples=200, deadline=None)
@given(st.integers(1_000, 50_000), st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 30),
                                                      st.integers(0, 8_000)), max_size=200))
def test_the_cache_never_grows_past_its_bound(max_bytes, puts):
    cache = RenderCache(max_bytes)
    for generation, key, size in puts:
        cache.put(generation, (key,), entry(size))
        assert cache.used == sum(e.size for e in cache._entries.values()) <= max_bytes


def tiny_app(read):
    """A Flask app with the caching hooks over a fake generation reader, counting view calls."""
    from flask import Flask, abort

    from web import caching

    app = Flask(__name__)
    app.calls = 0

    @app.get("/page/<name>")
    def page(name):
        app.calls += 1
        if name == "missing":
            abort(404)
        return f"page {name}"

    @app.errorhandler(404)
    def not_found(exc):  # as web.errors does: a rendered page, not werkzeug's streamed one
        return "not found", 404

    @app.get("/imports", endpoint="pages.imports")
    def imports():
        app.calls += 1
        return "history"

    caching.install(app, read, interval_ms=0, max_bytes=1 << 20, max_age=0)
    return app


def test_the_hooks_answer_304_and_cached_pages_without_running_the_view():
    generation = [Generation("a", datetime(2026, 1, 1, tzinfo=timezone.utc))]
    app = tiny_app(lambda: generation[0])
    client = app.test_client()
    first = client.get("/page/x")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and app.calls == 1 and first.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/page/x", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/page/x").get_data() == b"page x" and app.calls == 1
    assert client.get("/page/y").headers["ETag"] != etag                     # one URL, one ETag
    assert client.get("/page/missing").status_code == 404 and client.get("/page/missing").status_code == 404
    assert app.calls == 3                                                     # the 404 was cached too
    assert client.get("/imports").headers["Cache-Control"] == "private, no-store"
    client.get("/imports")
    assert app.calls == 5                                                     # never cached
    generation[0] = Generation("b", datetime(2026, 1, 2, tzinfo=timezone.utc))
    again = client.get("/page/x", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag and app.calls == 6


def test_an_archive_without_the_generations_table_is_served_uncached(caplog):
    from archive.domain import SchemaMissing

    def missing():
        raise SchemaMissing("the generations table is missing: run `notes-archive schema apply`")

    app = tiny_app(missing)
    client = app.test_client()
    response = client.get("/page/x")
    assert response.status_code == 200 and "ETag" not in response.headers and "schema apply" in caplog.text
    client.get("/page/x")
    assert app.calls == 2


def test_a_cache_hit_is_answered_before_flask_and_exactly_as_flask_answered():
    app = tiny_app(lambda: Generation("a", datetime(2026, 1, 1, tzinfo=timezone.utc)))
    app.config["TRUSTED_HOSTS"] = ["archive.example"]
    seen = []
    app.before_request(lambda: seen.append(1) and None)  # any request that reaches Flask
    client = app.test_client()
    first = client.get("/page/x", headers={"Host": "archive.example"})
    app.extensions["http_cache"].clock.interval = 60  # the generation stays fresh for the hits below
    hit = client.get("/page/x", headers={"Host": "archive.example"})
    assert len(seen) == 1 and hit.get_data() == first.get_data() and hit.status_code == 200
    assert sorted(hit.headers.items()) == sorted(first.headers.items())
    assert client.get("/page/x", headers={"Host": "evil.example"}).status_code == 400  # Flask refuses the host
    assert client.get("/page/x?other=1", headers={"Host": "archive.example"}).status_code == 200 and len(seen) == 3
