"""Search postings in shards on the real node: terms split (and split again) as imports grow them,
searches give the same ranked results before and after each split, a word leaving a talk leaves no
posting in any shard, and a reader during a move sees every posting.

Two stores share the test keyspace: `wide` never splits a term (NOTES_POSTINGS_PER_SHARD of a
million), `narrow` splits past 20 postings a shard; imports go through `wide`, so the results
before a split are read before `narrow`'s recount splits it.
"""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from archive import storage
from archive.browse import search
from archive.domain import talk_id
from archive.indexes.tables import SEARCH_POSTINGS
from archive.search.analysis import impacts
from archive.search.query import Filters
from archive.service.run import recount_terms
from archive.sources import Source
from archive.storage.placement import shard_of, stable_hash
from tests.integration.test_import import PYCON, index_audit, sync

pytestmark = pytest.mark.integration
SECRET = "shards-test-secret"
QUERIES = [("testing", Filters()), ("python testing", Filters()), ("speaker", Filters(has_notes=True)),
           ("zq7x", Filters()), ("fakes pyth", Filters()), ("testing", Filters(year=2012))]
HEAVY = 8  # talks whose ids all fall in shard 0 of 8, with `testing` many times: one shard holds the best


def heavy_titles(count: int) -> list[str]:
    """Return titles whose talk ids hash to shard 0 of 8 (so the best postings crowd one shard)."""
    titles, j = [], 0
    while len(titles) < count:
        title = f"Heavy talk {j} on fakes"
        if shard_of(talk_id(PYCON.id, title), HEAVY) == 0:
            titles.append(title)
        j += 1
    return titles


def write_talks(folder, start: int, stop: int, heavy: list[str]) -> None:
    """Write one notes document a talk; every third talk is a heavy one (many `testing`)."""
    for i in range(start, stop):
        title = heavy[i // 3] if i % 3 == 0 else f"Talk number {i} on fakes"
        words = " ".join(["testing"] * (8 if i % 3 == 0 else 1 + i % 4) + ["python"] * (1 + i % 3) + [f"zq{i}x"])
        (folder / f"talk_{i:03d}.md").write_text(
            f"# Notes day 1\n\n## {title}\n\nPresenter: Speaker {chr(65 + i % 26)}ann\n\n{words} and notes"
            f" {'word ' * (i % 7)}\n")


def expected_postings(store) -> dict[str, list[tuple[int, str]]]:
    """Return every term's postings as one partition would hold them, from the stored talks."""
    out: dict[str, list[tuple[int, str]]] = {}
    for talk, _ in store.all_stored_talks():
        for term, impact in impacts(talk).items():
            out.setdefault(term, []).append((impact, talk.id))
    return {t: sorted(rows, key=lambda r: (-r[0], r[1])) for t, rows in out.items()}


def results(store) -> list:
    return [[(r.id, r.score) for r in search(store, SECRET, text, filters=f, sort=sort, limit=200).results]
            for text, f in QUERIES for sort in ("relevance", "date")]


def check_placement_and_slices(store, expected) -> dict[str, int]:
    """Every posting is in its shard, and every term's best slices are what one partition gave."""
    counts = store.shard_counts(fresh=True)
    for row in store.scan(SEARCH_POSTINGS, "term, shard, talk_id"):
        assert row["shard"] == shard_of(row["talk_id"], counts.get(row["term"], 1)), row
    for term in ("test", "python", "fake", "speaker", "zq7x"):
        for limit in (1, 5, 24, 40, 60, 1000):
            got = [(r["impact"], r["talk_id"]) for r in store.postings([term], limit)[term]]
            assert got == expected[term][:limit], (term, limit)
    return counts


@pytest.fixture(scope="module")
def stores(store, settings):
    for table in store.tables():
        store.truncate(table)
    wide = storage.connect(dataclasses.replace(settings, postings_per_shard=1_000_000, shard_map_ttl=0.05))
    narrow = storage.connect(dataclasses.replace(settings, postings_per_shard=20, shard_map_ttl=0.05))
    yield wide, narrow
    wide.close()
    narrow.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("shards")


def test_terms_split_and_split_again_with_the_same_results(stores, folder):
    wide, narrow = stores
    source = Source("gen", "notes", folder, conference=PYCON)
    heavy = heavy_titles(40)
    write_talks(folder, 0, 30, heavy)
    assert sync(wide, source).failed == 0
    assert wide.shard_counts(fresh=True) == {}
    before = results(wide)
    recount_terms(narrow, narrow.posting_terms())  # `test`, `python`, ... have 30 postings: 2 shards
    counts = check_placement_and_slices(narrow, expected_postings(narrow))
    assert counts["test"] == counts["python"] == 2 and "zq7x" not in counts
    assert results(narrow) == results(wide) == before and before[0]
    assert narrow.count_postings(["test", "zq7x"]) == {"test": 30, "zq7x": 1}

    write_talks(folder, 30, 90, heavy)  # written by `wide` into the 2 shards it now reads
    assert sync(wide, source).new == 60
    before = results(wide)
    recount_terms(narrow, narrow.posting_terms())  # 90 postings: 8 shards
    expected = expected_postings(narrow)
    counts = check_placement_and_slices(narrow, expected)
    assert counts["test"] == counts["python"] == 8
    assert results(narrow) == results(wide) == before
    assert narrow.count_postings(["test"]) == {"test": 90} == {"test": len(expected["test"])}
    assert narrow.document_frequencies(["test"])["test"] == 90
    sizes = [narrow.query(f"SELECT COUNT(*) AS n FROM {SEARCH_POSTINGS} WHERE term = ? AND shard = ?", ("test", s))[0]
             ["n"] for s in range(8)]
    assert sum(sizes) == 90 and max(sizes) >= 30  # the heavy talks crowd shard 0: reads go on there
    assert index_audit(narrow).clean()


def test_a_word_leaving_a_talk_leaves_no_posting_in_any_shard(stores, folder):
    wide, narrow = stores
    source = Source("gen", "notes", folder, conference=PYCON)
    path = next(p for p in sorted(folder.glob("*.md")) if "Heavy" not in p.read_text()
                and shard_of(talk_id(PYCON.id, p.read_text().split("## ")[1].splitlines()[0]), 8) >= 4)
    tid = talk_id(PYCON.id, path.read_text().split("## ")[1].splitlines()[0])
    [(impact, _)] = [r for r in expected_postings(narrow)["python"] if r[1] == tid]
    h = stable_hash(tid)
    for shard in {h % 2, h % 4}:  # copies a split or a writer with an old shard count left behind
        narrow.query(f"INSERT INTO {SEARCH_POSTINGS} (term, shard, impact, talk_id, has_notes) VALUES (?, ?, ?, ?, ?)",
                     ("python", shard, impact, tid, True))
    path.write_text(path.read_text().replace("python", "ocaml"))
    assert sync(wide, source).changed == 1
    left = [r for r in narrow.scan(SEARCH_POSTINGS, "term, shard, talk_id") if r["talk_id"] == tid]
    assert left and not [r for r in left if r["term"] == "python"]
    assert tid not in {r["talk_id"] for r in narrow.postings(["python"], 1000)["python"]}
    assert narrow.document_frequencies(["python"])["python"] == 89
    assert index_audit(narrow).clean()


def test_a_reader_during_a_move_sees_every_posting(stores, settings):
    wide, narrow = stores
    expected = expected_postings(narrow)
    mover = storage.connect(dataclasses.replace(settings, postings_per_shard=3, shard_map_ttl=0.3))
    reader = storage.connect(dataclasses.replace(settings, shard_map_ttl=0.1))
    reads, wrong, done = [0], [], threading.Event()

    def read():
        while not done.is_set():
            got = reader.postings(["test", "python"], 1000)
            for term in ("test", "python"):
                rows = [(r["impact"], r["talk_id"]) for r in got[term]]
                if rows != expected[term]:
                    wrong.append((term, len(rows)))
            reads[0] += 1

    thread = threading.Thread(target=read)
    thread.start()
    try:
        time.sleep(0.3)
        grown = mover.grow_shards(mover.count_postings(["test", "python"]))
    finally:
        done.set()
        thread.join()
        mover.close()
    assert grown == {"test": 32, "python": 32}
    assert not wrong and reads[0] > 10, (wrong[:5], reads[0])
    assert check_placement_and_slices(reader, expected)["test"] == 32
    reader.close()
