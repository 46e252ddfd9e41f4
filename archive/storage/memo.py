"""Reads kept for one generation: what a page reads before its rows and what changes only with imports.

A list's months (list_buckets), the years with conferences or talks and the speaker directory's
prefixes change only when the service writes, and the service bumps the generation after its writes
(archive.storage.generation). The web's pages read them on every uncached request, one or more round
trips before the rows themselves (the timeline read one bucket list per year with talks). A
`GenerationMemo` keeps them for the generation they were read in, and empties itself when the
generation it is given changes: a page shows them as of its generation, like the render cache.

Only a store made by `StoreBase.remembering(generation)` uses one (the web's, see web.context); the
service's recounts and rebuilds read a list's months through the plain store, always from the node.
"""
from __future__ import annotations

import threading
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")

# Entries kept at most; past it the memo starts again (a list's months are a few hundred bytes, so
# this bounds a worker's memo to a few MB whatever crawls it).
MEMO_ENTRIES = 20_000


class GenerationMemo:
    """Values read in the current generation, by key; emptied when the generation changes."""

    def __init__(self, generation: Callable[[], str | None], max_entries: int = MEMO_ENTRIES):
        self._generation = generation
        self.max_entries = max_entries
        self._lock = threading.Lock()  # gthread workers share one memo
        self._of: str | None = None
        self._entries: dict[Hashable, object] = {}
        self.hits = self.misses = 0

    def _turn(self, generation: str) -> None:  # under the lock
        if generation != self._of:
            self._of, self._entries = generation, {}

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """Return key's value in the current generation, calling read() for it when it is not kept.
        Keep values immutable (tuples): every caller gets the same object."""
        return self.get_many([key], lambda _: {key: read()})[key]

    def get_many(self, keys: list[Hashable], read: Callable[[list], dict]) -> dict:
        """Return the values of many keys, reading those not kept with one read(missing keys) call
        (which returns them by key). When the generation cannot be read (None), nothing is kept."""
        generation = self._generation()
        if generation is None:
            return read(list(keys))
        with self._lock:
            self._turn(generation)
            found = {k: self._entries[k] for k in keys if k in self._entries}
            self.hits += len(found)
        missing = [k for k in keys if k not in found]
        if missing:
            got = read(missing)
            with self._lock:
                self.misses += len(missing)
                if generation == self._of:  # values read before a turn are not kept for the next generation
                    if len(self._entries) + len(got) > self.max_entries:
                        self._entries = {}
                    self._entries.update(got)
            found.update(got)
        return found


__all__ = ["GenerationMemo", "MEMO_ENTRIES"]
