"""Where rows live when a key is split: stable hashes, postings shards and their merge (pure)."""
from __future__ import annotations

import random

from archive.storage.placement import (MAX_SHARDS, bucket_of, first_page, merge_best, shard_of, shards_ever_holding,
                                       shards_needed, shards_to_read_on, stable_hash)


def test_the_hash_is_stable_and_spreads_talk_ids_evenly():
    # md5("x") begins 9dd4e461268c8034: the same in every process and language, unlike hash()
    assert stable_hash("x") == stable_hash("x") == 0x9DD4E461268C8034
    assert shard_of("pycon-us-2012--fast-test-slow-test", 4) == 0x561490AAE3E691E9 % 4
    counts = [0] * 8
    for i in range(8000):
        counts[shard_of(f"conf-{i % 97}--talk-{i}", 8)] += 1
    assert min(counts) > 900 and max(counts) < 1100, counts
    assert all(0 <= bucket_of(f"videos/{i}.json", 256) < 256 for i in range(1000))


def test_a_term_doubles_its_shards_past_the_threshold_and_never_shrinks():
    assert shards_needed(0, 50) == shards_needed(50, 50) == 1
    assert shards_needed(51, 50) == 2 and shards_needed(101, 50) == 4 and shards_needed(190_000, 50_000) == 4
    assert shards_needed(10, 50, current=8) == 8  # never fewer
    assert shards_needed(10**12, 1) == MAX_SHARDS


def test_a_posting_may_be_in_its_shard_under_every_smaller_power_of_two():
    for talk in ("a", "b", "pycon--x", "ep--y"):
        h = stable_hash(talk)
        assert shards_ever_holding(talk, 1) == [0]
        assert shards_ever_holding(talk, 8) == sorted({h % 1, h % 2, h % 4, h % 8})
        assert shard_of(talk, 8) in shards_ever_holding(talk, 8)
        # a split moves a posting from s to s or s + old: its new shard is its old one mod old
        assert shard_of(talk, 8) % 4 == shard_of(talk, 4)


def _partition(n_rows: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = [{"impact": rng.randint(1, 40), "talk_id": f"t{i:04d}"} for i in range(n_rows)]
    return sorted(rows, key=lambda r: (-r["impact"], r["talk_id"]))


def _read_sharded(rows: list[dict], shards: int, limit: int) -> tuple[list[dict], int]:
    """Read like storage does: a first page per shard, then on where needed; return the merge and rows read."""
    parts = [[r for r in rows if shard_of(r["talk_id"], shards) == s] for s in range(shards)]
    parts = [p[:limit] for p in parts]  # each shard's read has LIMIT limit
    taken = [min(len(p), first_page(limit, shards)) for p in parts]
    while True:
        pages = [p[:n] for p, n in zip(parts, taken)]
        more = [n < len(p) for p, n in zip(parts, taken)]
        again = shards_to_read_on(pages, more, limit)
        if not again:
            return merge_best(pages, limit), sum(taken)
        for s in again:
            taken[s] = len(parts[s])


def test_sharded_slices_merge_into_exactly_what_one_partition_gave():
    for seed, n_rows, shards, limit in [(1, 500, 4, 100), (2, 3000, 8, 1000), (3, 50, 16, 1000), (4, 2000, 2, 7),
                                        (5, 10, 4, 3), (6, 0, 4, 10)]:
        rows = _partition(n_rows, seed)
        merged, read = _read_sharded(rows, shards, limit)
        assert merged == rows[:limit], (seed, shards, limit)
        assert read <= max(limit, n_rows) * 2, (seed, read)


def test_a_posting_read_twice_during_a_move_counts_once():
    row = {"impact": 5, "talk_id": "t1"}
    assert merge_best([[row], [dict(row)], [{"impact": 4, "talk_id": "t2"}]], 10) == [row, {"impact": 4, "talk_id": "t2"}]


def test_first_pages_are_about_a_shards_share():
    assert first_page(1000, 1) == 1000 and first_page(1000, 4) == 318 and first_page(1000, 256) == 16
    assert first_page(10, 2) == 10 and first_page(4000, 8) == 594
