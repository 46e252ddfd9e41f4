"""Where a row lives when one key would make a partition too large: stable hashes, shards, buckets.

Pure functions (no session): the search postings of a common term are spread over a power-of-two
number of shards, and the documents ledger over a fixed number of buckets, both by a stable hash
(the first 8 bytes of MD5; never Python's `hash()`, which changes with each process).
"""
from __future__ import annotations

import hashlib
import math
from typing import Iterable, Sequence

MAX_SHARDS = 1024  # postings shards of one term (10 M talks at 50,000 a shard need 256)


def stable_hash(text: str) -> int:
    """Return a 64-bit hash of text that every process and release computes alike."""
    return int.from_bytes(hashlib.md5(text.encode("utf-8"), usedforsecurity=False).digest()[:8], "big")


def bucket_of(text: str, buckets: int) -> int:
    """Return the bucket (0..buckets-1) of a key."""
    return stable_hash(text) % buckets


def shard_of(talk_id: str, shards: int) -> int:
    """Return the shard (0..shards-1) of a talk's posting when its term has that many shards."""
    return stable_hash(talk_id) % shards


def shards_ever_holding(talk_id: str, shards: int) -> list[int]:
    """Return the shards a talk's posting may be in while its term has `shards` (a power of two):
    its shard under every power of two up to it, since a posting written before a split, or by a
    writer that had not yet seen it, stays where it was until moved (deletes go to all of them)."""
    h, k, out = stable_hash(talk_id), 1, set()
    while k <= shards:
        out.add(h % k)
        k *= 2
    return sorted(out)


def shards_needed(df: int, per_shard: int, current: int = 1) -> int:
    """Return the shards a term of df postings needs: the current number, doubled until each shard
    holds at most per_shard on average (never fewer than now: shards only grow)."""
    shards = max(1, current)
    while df > shards * max(1, per_shard) and shards < MAX_SHARDS:
        shards *= 2
    return shards


def first_page(limit: int, shards: int) -> int:
    """Return how many of a shard's best postings to read first when a term's best `limit` are
    wanted: each shard holds about limit/shards of them (a binomial share, the hash being blind to
    impacts), so that share plus four standard deviations and a few rows is enough nearly always
    (a shard that may hold more is read on); one shard alone reads exactly limit."""
    if shards <= 1:
        return limit
    share = limit / shards
    return min(limit, math.ceil(share + 4 * math.sqrt(share) + 4))


def _order(row: dict) -> tuple:
    return (-row["impact"], row["talk_id"])  # the clustering order: impact DESC, talk_id ASC


def merge_best(pages: Sequence[Iterable[dict]], limit: int) -> list[dict]:
    """Return the best `limit` postings of several shards' slices (each in clustering order), as one
    partition would have given them: by impact, best first; a row read twice (from two shards
    during a move) counts once."""
    seen: dict[tuple, dict] = {}
    for rows in pages:
        for row in rows:
            seen.setdefault((row["impact"], row["talk_id"]), row)
    return sorted(seen.values(), key=_order)[:limit]


def shards_to_read_on(pages: Sequence[list[dict]], more: Sequence[bool], limit: int) -> list[int]:
    """Return the shards whose next rows could still belong to the best `limit`: those with more
    rows whose last row read ranks before the limit-th best read so far (or all with more rows,
    while fewer than limit were read)."""
    merged = merge_best(pages, limit)
    cut = _order(merged[-1]) if len(merged) >= limit else None
    return [i for i, rows in enumerate(pages)
            if more[i] and (cut is None or not rows or _order(rows[-1]) < cut)]
