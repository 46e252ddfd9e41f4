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
