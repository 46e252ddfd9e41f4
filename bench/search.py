"""The search benchmark of issue 14: `bin/bench` (step `search`) or `python -m bench.search`.

At each archive size (about 2k, 20k and 200k talks) it measures, warm, on the local node:
- latency (p50/p99) of `archive.browse.search` (the read side the web calls: parse, rank, read the
  page's talks, snippets; 20 results) for a common word, a rare word, a three-word query and a
  filtered query, each in two forms: as typed in a search box (the last word is a prefix) and as
  whole words (a trailing space); beside `engine.rank` alone (no talk reads, no snippets);
- the raw-read floor: the bounded read of the best 1,000 postings of the query's most frequent
  term (`store.postings`: one partition, or each of its shards' share at once), the least any
  search must do;
- SQLite FTS5 on the same talks (the same field text, `archive.search.analysis.talk_fields`;
  tokenizer porter + unicode61 remove_diacritics 2; rank = bm25 with the same field weights),
  top 20 with a snippet;
- the top-10 overlap with FTS5 over 60 reproducible one- to three-word queries drawn from the
  catalogue titles (seed fixed).
The catalogue import against its raw ceiling and the no-op re-import are measured by bench/run.py
(step `import`); docs/search-benchmark.md reports both.

Sizes: 2k is the first catalogue events in name order, imported through the archive service into
its own keyspace; 20k is the whole catalogue with the seed notes (the keyspace of the import step
when it ran, else imported here); 200k is that plus 8 synthetic copies of every real talk (as
bench/synth.py makes them), written straight to the tables by `write_copies` below (the import path
writes one statement per posting, too slow to write 9.6M postings here); the vocabulary is then
recounted by the service's own `recount_terms`. Every keyspace is dropped at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import sys
import time
import types
from collections import defaultdict, deque
from datetime import datetime, timezone
from pathlib import Path

from cassandra import OperationTimedOut, Unavailable, WriteTimeout
from cassandra.query import BatchStatement, BatchType

from archive import browse, storage
from archive.config import PROJECT_ROOT, load_settings
from archive.domain import Conference, Talk
from archive.indexes.tables import INDEX_BY_NAME, INDEXES, SEARCH_POSTINGS, IndexKeys, card, index_day
from archive.search import engine
from archive.search.analysis import FIELDS, STOP_WORDS, impacts, talk_fields, terms, words
from archive.search.query import Filters, parse_query
from archive.service.run import recount_terms
from archive.service.runner import run_import
from archive.storage.placement import shard_of
from archive.storage.postings import posting_insert_cql, posting_values
from archive.storage.writes import index_insert_cql
from bench import synth
from bench.stats import measure

DOC = PROJECT_ROOT / "docs" / "search-benchmark.md"
RESULTS_JSON = PROJECT_ROOT / "bench" / "results" / "results.json"
SECRET = "bench-secret"
SEED = 14
PAGE = 20                 # results per search page (latency); overlap compares the top 10
COMMON_WORD = "python"
THREE_WORDS = "machine learning python"
QUERIES_PER_LENGTH = 20   # overlap queries of one, two and three words: 60 in all
COPIES = range(1, 9)      # synthetic copies of every real talk for 200k
POSTINGS_PER_BATCH = 200  # synthetic postings of one term per UNLOGGED (single-partition) batch
TARGETS = {"growth": 1.5, "floor": 5.0, "overlap": 0.7, "import": 0.7}


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# -- the peer: SQLite FTS5 over the same talks --------------------------------------------------------
def fts_build(talks: list[tuple[Talk, object]]) -> sqlite3.Connection:
    """Return an in-memory FTS5 table of the talks' search fields, ranked by bm25 with our field weights."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    columns = ", ".join(f.name for f in FIELDS)
    conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5({columns}, talk_id UNINDEXED, conference_id UNINDEXED, "
                 "year UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')")
    weights = ", ".join(str(f.weight) for f in FIELDS)
    conn.execute("INSERT INTO fts(fts, rank) VALUES ('rank', ?)", (f"bm25({weights})",))
    fts_add(conn, talks)
    return conn


def fts_add(conn: sqlite3.Connection, talks) -> int:
    """Add (talk, day) pairs to the FTS5 table; return how many."""
    names = [f.name for f in FIELDS]
    rows = ((*(fields[n] for n in names), talk.id, talk.conference_id, day.year if day else None)
            for talk, day in talks for fields in (talk_fields(talk),))
    placeholders = ", ".join("?" * (len(names) + 3))
    before = conn.total_changes
    conn.executemany(f"INSERT INTO fts VALUES ({placeholders})", rows)
    conn.commit()
    return conn.total_changes - before


def fts_expression(text: str) -> str:
    """Return the FTS5 match expression of a query: its content words, all required, the last one a
    prefix when the text is still being typed (no trailing space), as parse_query reads it."""
    content = [w for w in words(text) if w not in STOP_WORDS]
    quoted = [f'"{w}"' for w in content]
    if quoted and text[-1:].isalnum():
        quoted[-1] += "*"
    return " ".join(quoted)


def fts_search(conn: sqlite3.Connection, text: str, filters: Filters, limit: int, snippets: bool = False) -> list:
    """Return FTS5's best talk ids (with a snippet each when asked) for a query, ORDER BY rank."""
    select = "talk_id, title, snippet(fts, -1, '<mark>', '</mark>', '…', 30)" if snippets else "talk_id"
    where, params = "fts MATCH ?", [fts_expression(text)]
    if filters.year is not None:
        where, params = where + " AND year = ?", params + [filters.year]
    if filters.conference is not None:
        where, params = where + " AND conference_id = ?", params + [filters.conference]
    rows = conn.execute(f"SELECT {select} FROM fts WHERE {where} ORDER BY rank LIMIT ?", (*params, limit)).fetchall()
    return rows if snippets else [r[0] for r in rows]


# -- the queries ------------------------------------------------------------------------------------
def content_words(text: str) -> list[str]:
    """Return the distinct words of text a query would keep, in order (letters only, 3+ characters)."""
    return list(dict.fromkeys(w for w in words(text) if w not in STOP_WORDS and w.isalpha() and len(w) >= 3))


def pick_kinds(store, talks: list[tuple[Talk, object]]) -> dict:
    """Choose the timed queries once, at the first size, from its talks (reproducible):
    a common word, a rare word (a title word in exactly two talks), three words, and the common word
    filtered to the year with the most talks."""
    rng = random.Random(SEED)
    by_word: dict[str, set[str]] = defaultdict(set)
    for talk, _ in talks:
        for word in content_words(talk.title):
            by_word[word].add(talk.id)
    candidates = sorted(w for w, ids in by_word.items() if len(ids) == 2 and len(w) >= 7)
    df = store.document_frequencies(terms(w)[0] for w in candidates if terms(w))
    rare = rng.choice([w for w in candidates if terms(w) and df.get(terms(w)[0]) == 2])
    years: dict[int, int] = defaultdict(int)
    for _, day in talks:
        years[day.year] += 1
    year = max((n, y) for y, n in years.items() if y > 1900)[1]
    return {"common": {"text": COMMON_WORD, "year": None}, "rare": {"text": rare, "year": None},
            "three_words": {"text": THREE_WORDS, "year": None},
            "filtered": {"text": COMMON_WORD, "year": year}}


def overlap_queries(talks: list[tuple[Talk, object]]) -> list[dict]:
    """Return 60 reproducible queries: 20 each of one, two and three words from catalogue titles
    (half of the one-word queries from tags), words kept in title order."""
    rng = random.Random(SEED)
    real = sorted((t for t, _ in talks if t.catalogue_id), key=lambda t: t.id)
    chosen, seen = [], set()
    for length in (1, 2, 3):
        made = 0
        while made < QUERIES_PER_LENGTH:
            talk = rng.choice(real)
            source = " ".join(talk.tags).replace("-", " ") if length == 1 and made % 2 else talk.title
            pool = content_words(source)
            if len(pool) < length:
                continue
            text = " ".join(pool[i] for i in sorted(rng.sample(range(len(pool)), length)))
            if text in seen:
                continue
            seen.add(text)
            chosen.append({"text": text, "words": length, "from": talk.id})
            made += 1
    return chosen


# -- measurements -------------------------------------------------------------------------------------
def floor_term(store, text: str) -> str:
    """Return the query's term with the most postings (the biggest slice a search of it reads)."""
    found = list(dict.fromkeys(terms(text)))
    df = store.document_frequencies(found)
    return max(found, key=lambda t: (df.get(t, 0), t))


def measure_latency(store, conn, kinds: dict, n: int) -> dict:
    """Time every kind in both forms: ours (browse.search, engine.rank), FTS5, and the raw-read floor."""
    out = {}
    for kind, spec in kinds.items():
        filters = Filters(year=spec["year"])
        term = floor_term(store, spec["text"])
        row = {"text": spec["text"], "year": spec["year"], "floor_term": term,
               "floor": measure(lambda: store.postings([term], 1000), n, warmup=10)}
        for form, text in (("typed", spec["text"]), ("words", spec["text"] + " ")):
            page = browse.search(store, SECRET, text, filters, limit=PAGE)
            query = parse_query(text, filters)
            row[form] = {
                "results": len(page.results), "more": page.next_cursor is not None, "messages": page.messages,
                "search": measure(lambda: browse.search(store, SECRET, text, filters, limit=PAGE), n, warmup=10,
                                  budget_s=60),
                "rank": measure(lambda: engine.rank(query, store), max(n // 2, 20), warmup=5, budget_s=30),
                "fts5": measure(lambda: fts_search(conn, text, filters, PAGE, snippets=True), n, warmup=10),
                "fts5_results": len(fts_search(conn, text, filters, PAGE)),
            }
            log(f"    {kind} ({form}) {text!r}{' year ' + str(spec['year']) if spec['year'] else ''}: "
                f"search {row[form]['search']['p50_ms']:.1f}/{row[form]['search']['p99_ms']:.1f} ms, "
                f"rank {row[form]['rank']['p50_ms']:.1f}, fts5 {row[form]['fts5']['p50_ms']:.1f}/"
                f"{row[form]['fts5']['p99_ms']:.1f}, floor {row['floor']['p50_ms']:.1f}/{row['floor']['p99_ms']:.1f}"
                f" ({term}); {row[form]['results']} results")
        out[kind] = row
    return out


_COPY = re.compile(r"-s\d+--")


def base_id(talk_id: str) -> str:
    """Return the real talk a synthetic copy was made from (the id itself for a real talk)."""
    return _COPY.sub("--", talk_id, count=1)


def top_overlap(ours: list[str], theirs: list[str], k: int = 10) -> float | None:
    """Return |ours ∩ theirs| over min(k, the longer list) for the top k of each, counting copies of
    one real talk as that talk (a multiset), or None when both are empty."""
    ours, theirs = [base_id(t) for t in ours[:k]], [base_id(t) for t in theirs[:k]]
    denominator = min(k, max(len(ours), len(theirs)))
    if not denominator:
        return None
    left = list(theirs)
    common = 0
    for talk_id in ours:
        if talk_id in left:
            left.remove(talk_id)
            common += 1
    return common / denominator


def measure_overlap(store, conn, queries: list[dict]) -> dict:
    """Return the top-10 overlap of engine.rank with FTS5 (whole words), overall and per query length."""
    rows = []
    for q in queries:
        text = q["text"] + " "
        theirs = fts_search(conn, text, Filters(), 10)
        try:
            hits, cut = engine.rank(parse_query(text), store)
        except Exception as exc:  # noqa: BLE001 - an engine fault is reported with its query, scored 0
            rows.append({**q, "ours": 0, "fts5": len(theirs), "cut": None, "overlap": 0.0 if theirs else None,
                         "error": f"{type(exc).__name__}: {exc}"})
            continue
        ours = [h.talk_id for h in hits[:10]]
        rows.append({**q, "ours": len(hits), "fts5": len(theirs), "cut": cut, "overlap": top_overlap(ours, theirs)})
    scored = [r for r in rows if r["overlap"] is not None]
    by_length = {}
    for length in (1, 2, 3):
        some = [r["overlap"] for r in scored if r["words"] == length]
        by_length[str(length)] = round(sum(some) / len(some), 3) if some else None
    mean = sum(r["overlap"] for r in scored) / len(scored) if scored else 0.0
    full = [r["overlap"] for r in scored if r["ours"] >= 10 and r["fts5"] >= 10]
    return {"queries": len(rows), "scored": len(scored), "mean": round(mean, 3), "by_words": by_length,
            "full_pages": len(full), "full_mean": round(sum(full) / len(full), 3) if full else None,
            "errors": [r for r in rows if r.get("error")], "rows": rows}


class TimedReads:
    """The store, with the time spent in each search read added up (what `breakdown` splits)."""

    READS = ("terms_with_prefix", "postings", "document_frequencies", "term_impacts", "get_stored_talks")

    def __init__(self, store):
        self.store, self.spent = store, dict.fromkeys(self.READS, 0.0)

    def __getattr__(self, name):
        attribute = getattr(self.store, name)
        if name not in self.READS:
            return attribute

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.spent[name] += time.perf_counter() - started
        return timed


def breakdown(store, text: str, filters: Filters, n: int) -> dict:
    """Return where a search's time goes, in mean ms over n calls of browse.search: the reads rank
    makes (prefix expansion, posting slices, document frequencies, search_docs of unsure candidates),
    the page's talk reads, ranking in Python (engine.page minus its reads) and the rest of
    browse.search (snippets, marked titles, result records)."""
    timed = TimedReads(store)
    page_seconds = [0.0]

    def page(*args, **kwargs):
        started = time.perf_counter()
        try:
            return engine.page(*args, **kwargs)
        finally:
            page_seconds[0] += time.perf_counter() - started

    for _ in range(3):
        browse.search(store, SECRET, text, filters, limit=PAGE)
    browse.engine = types.SimpleNamespace(page=page)  # bench only: time engine.page inside browse.search
    try:
        started = time.perf_counter()
        for _ in range(n):
            browse.search(timed, SECRET, text, filters, limit=PAGE)
        total = time.perf_counter() - started
    finally:
        browse.engine = engine
    ms = {k: round(v / n * 1000, 2) for k, v in timed.spent.items()}
    rank_reads = sum(ms[k] for k in ("terms_with_prefix", "postings", "document_frequencies", "term_impacts"))
    page_ms = page_seconds[0] / n * 1000
    query = parse_query(text, filters)
    groups = engine.groups_of(query, store)
    return {"calls": n, "search": round(total / n * 1000, 2), **ms, "rank_reads": round(rank_reads, 2),
            "ranking_python": round(page_ms - rank_reads - ms["get_stored_talks"], 2),
            "snippets_and_results": round((total / n * 1000) - page_ms, 2),
            "posting_slices": sum(len(g.alternatives) for g in groups)}


def measure_size(store, conn, label: str, kinds: dict, queries: list[dict], n: int, breakdown_n: int = 0) -> dict:
    talks = store.count_talks()
    log(f"search {label}: {talks} talks; latency ...")
    result = {"label": label, "talks": talks, "fts5_talks": conn.execute("SELECT COUNT(*) FROM fts").fetchone()[0]}
    result["latency"] = measure_latency(store, conn, kinds, n)
    log(f"search {label}: top-10 overlap with FTS5 over {len(queries)} queries ...")
    result["overlap"] = measure_overlap(store, conn, queries)
    log(f"search {label}: overlap {result['overlap']['mean']:.2f} {result['overlap']['by_words']}")
    if breakdown_n:
        result["breakdown"] = {}
        for kind, spec in kinds.items():
            for form, text in (("typed", spec["text"]), ("words", spec["text"] + " ")):
                result["breakdown"][f"{kind}/{form}"] = breakdown(store, text, Filters(year=spec["year"]), breakdown_n)
                log(f"    breakdown {kind} ({form}): {result['breakdown'][f'{kind}/{form}']}")
    return result


# -- growing to 200k ----------------------------------------------------------------------------------
class Writes:
    """Idempotent writes sent without waiting, DEPTH in flight; one that times out is sent again
    (the node shares two cores with everything else, and a pause past the client's timeout must
    not lose a 25-minute build)."""

    DEPTH, ATTEMPTS = 48, 5

    def __init__(self, session):
        self.session, self.inflight, self.retried = session, deque(), 0

    def submit(self, statement) -> None:
        self.inflight.append((statement, self.session.execute_async(statement), 1))
        while len(self.inflight) > self.DEPTH:
            self._settle(*self.inflight.popleft())

    def _settle(self, statement, future, attempt: int) -> None:
        try:
            future.result()
        except (OperationTimedOut, WriteTimeout, Unavailable) as exc:
            if attempt >= self.ATTEMPTS:
                raise RuntimeError(f"a synthetic write failed {attempt} times: {exc}") from exc
            self.retried += 1
            time.sleep(attempt)
            self._settle(statement, self.session.execute_async(statement), attempt + 1)

    def flush(self) -> None:
        while self.inflight:
            self._settle(*self.inflight.popleft())


def write_copies(store, talks: list[tuple[Talk, object]], conferences: dict[str, Conference], copies: range,
                 chunk: int = 500, on_progress=None) -> tuple[int, int]:
    """Write synthetic copies of talks (bench/synth.py's ids, conferences and fields) straight to the
    tables: per copy one UNLOGGED batch of the talk row and its list-index rows and one search_docs
    row; postings grouped by term into single-partition UNLOGGED batches. Each real talk is analysed
    once (a copy has the same text). Rows are the ones store.write_talk would write. Returns the
    number of talks written and of writes sent again after a timeout."""
    postings, docs = INDEX_BY_NAME[SEARCH_POSTINGS], INDEX_BY_NAME["search_docs"]
    insert_posting, insert_doc = store._p(posting_insert_cql(postings)), store._p(index_insert_cql(docs))
    shards = store.shard_counts(fresh=True)
    counts: dict[str, int] = defaultdict(int)
    made: dict[str, Conference] = {}
    written, writes = 0, Writes(store.session)
    for start in range(0, len(talks), chunk):
        by_term: dict[tuple, list[tuple]] = defaultdict(list)  # (term, shard): one partition
        for talk, _ in talks[start:start + chunk]:
            weights = impacts(talk)
            for copy, conference in synth.synthetic_copies([talk], conferences, copies):
                day = index_day(copy, conference)
                shown = card(copy, conference, day)
                keys = IndexKeys.of({t.name: t.keys_of(copy, day) for t in INDEXES if t.batched})
                batch = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=store.write_cl)
                for stmt, values in store.talk_rows(copy, conference, day, keys, batched=True):
                    batch.add(stmt, values)
                writes.submit(batch)
                doc = {"terms": weights}
                writes.submit(insert_doc.bind((copy.id, *(doc[c] if c in doc else shown[c] for c in docs.columns))))
                for term, impact in weights.items():
                    shard = shard_of(copy.id, shards.get(term, 1))
                    by_term[(term, shard)].append(posting_values(
                        postings.values(copy, conference, (term, impact, copy.id), shown), shard))
                made[conference.id] = conference
                counts[conference.id] += 1
                written += 1
        for rows in by_term.values():
            for i in range(0, len(rows), POSTINGS_PER_BATCH):
                batch = BatchStatement(batch_type=BatchType.UNLOGGED, consistency_level=store.write_cl)
                for values in rows[i:i + POSTINGS_PER_BATCH]:
                    batch.add(insert_posting, values)
                writes.submit(batch)
        if on_progress:
            on_progress(written)
    writes.flush()
    for conference_id, conference in made.items():
        store.put_conference(conference, "synthetic", talk_count=counts[conference_id])
    return written, writes.retried


# -- the run ------------------------------------------------------------------------------------------
def grow(store, talks: list[tuple[Talk, object]], conferences: dict[str, Conference]) -> dict:
    """Grow the whole-catalogue keyspace to ~200k talks with synthetic copies, then recount the
    vocabulary with the service's recount_terms (as rebuild_indexes does). If the recount fails,
    that is reported and the exact document frequencies are written instead: every term's df times
    len(COPIES) + 1, since each copy holds the same terms."""
    before = {r["term"]: r["df"] for r in store.scan_by_token("search_vocabulary", "prefix", ("prefix", "term", "df"))}
    log(f"search 200k: writing {len(COPIES)} synthetic copies of {len(talks)} talks ...")
    started = time.monotonic()
    written, retried = write_copies(store, talks, conferences, COPIES,
                                    on_progress=lambda w: w % 20000 < len(COPIES) * 500 and log(f"  {w} written"))
    seconds = time.monotonic() - started
    build = {"how": "synthetic copies written straight to the tables (write_copies)", "talks_written": written,
             "retried_writes": retried, "seconds": round(seconds, 1), "talks_per_s": round(written / seconds, 1)}
    log(f"  {written} synthetic talks in {seconds:.0f}s ({retried} writes sent again); recounting the vocabulary ...")
    terms_now = store.posting_terms()
    started = time.monotonic()
    try:
        build["recount_terms"] = recount_terms(store, terms_now)
    except Exception as exc:  # noqa: BLE001 - a finding: reported, then the exact counts are written
        build["recount_error"] = f"{type(exc).__name__}: {exc}"
        log(f"  recount_terms failed after {time.monotonic() - started:.0f}s: {build['recount_error']}")
        counts = {term: df * (len(COPIES) + 1) for term, df in before.items() if term}
        counts[""] = store.count_talks()
        store.put_vocabulary(counts)
        build["vocabulary"] = f"written by the benchmark: {len(counts) - 1} terms, df x{len(COPIES) + 1}"
    build["recount_seconds"] = round(time.monotonic() - started, 1)
    log(f"  vocabulary: {build.get('recount_terms', build.get('vocabulary'))} in {build['recount_seconds']}s")
    return build


def bench_search(sizes: list[str], n: int = 200, full_keyspace: str | None = None, save=lambda result: None) -> dict:
    """Measure search at each size; full_keyspace holds the whole catalogue already (the import step's).
    save(result) is called after each size (results so far survive a later failure)."""
    from bench.run import FULL_SOURCES, first_events, fresh_store, settings_for, subset_sources

    result = {"sizes": [], "builds": {}, "errors": {}, "page": PAGE, "requests": n, "seed": SEED}
    kinds = queries = None
    dropped = []
    try:
        if "2k" in sizes:
            store = fresh_store("bench_search_2k")
            dropped.append(("bench_search_2k", store))
            events = first_events(2000)
            log(f"search 2k: importing {len(events)} catalogue events through the archive service ...")
            started = time.monotonic()
            run_import(store, subset_sources(events))
            seconds = time.monotonic() - started
            talks = list(store.all_stored_talks())
            result["builds"]["2k"] = {"how": "archive service import", "seconds": round(seconds, 1),
                                      "talks_per_s": round(len(talks) / seconds, 1)}
            kinds, queries = pick_kinds(store, talks), overlap_queries(talks)
            result["kinds"], result["queries"] = kinds, queries
            conn = fts_build(talks)
            result["sizes"].append(measure_size(store, conn, "2k", kinds, queries, n,
                                                breakdown_n=40 if sizes == ["2k"] else 0))
            conn.close()
            save(result)
        if "20k" not in sizes and "200k" not in sizes:
            return result
        if full_keyspace:
            store = storage.connect(settings_for(full_keyspace))
            result["builds"]["20k"] = {"how": f"the import step's keyspace ({full_keyspace})"}
        else:
            full_keyspace = "bench_search_full"
            store = fresh_store(full_keyspace)
            log("search 20k: importing the whole catalogue through the archive service ...")
            started = time.monotonic()
            run_import(store, FULL_SOURCES)
            seconds = time.monotonic() - started
            result["builds"]["20k"] = {"how": "archive service import", "seconds": round(seconds, 1),
                                       "talks_per_s": round(store.count_talks() / seconds, 1)}
        dropped.append((full_keyspace, store))
        talks = list(store.all_stored_talks())
        if kinds is None:
            kinds, queries = pick_kinds(store, talks), overlap_queries(talks)
            result["kinds"], result["queries"] = kinds, queries
        conn = fts_build(talks)
        if "20k" in sizes:
            result["sizes"].append(measure_size(store, conn, "20k", kinds, queries, n,
                                                breakdown_n=0 if "200k" in sizes else 40))
            save(result)
        if "200k" in sizes:
            conferences = {c.id: c for c, _ in store.all_conferences()}
            try:
                result["builds"]["200k"] = grow(store, talks, conferences)
            except Exception as exc:  # noqa: BLE001 - reported; the sizes measured so far stand
                result["errors"]["200k"] = f"{type(exc).__name__}: {exc}"
                log(f"search 200k: not measured: {result['errors']['200k']}")
            else:
                log("search 200k: FTS5 copies ...")
                fts_add(conn, ((copy, day) for talk, day in talks
                               for copy, _ in synth.synthetic_copies([talk], conferences, COPIES)))
                result["sizes"].append(measure_size(store, conn, "200k", kinds, queries, n, breakdown_n=40))
                save(result)
        conn.close()
    finally:
        for keyspace, store in dropped:
            store.close()
            storage.drop_keyspace(settings_for(keyspace), keyspace)
            log(f"dropped keyspace {keyspace}")
    return result


# -- the report ---------------------------------------------------------------------------------------
KIND_NAMES = {"common": "common word", "rare": "rare word", "three_words": "three words", "filtered": "filtered"}


def _pp(m: dict) -> str:
    return f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f}"


def _verdict(ok: bool, miss: str = "") -> str:
    return "met" if ok else f"MISSED{' ' + miss if miss else ''}"


def targets(results: dict) -> list[tuple[str, str, str]]:
    """Return (target, measured, verdict) rows of the issue's search targets."""
    s = results.get("search") or {}
    rows = []
    sizes = s.get("sizes") or []
    if sizes:
        small, big = sizes[0], sizes[-1]
        for kind in big["latency"]:
            for form in ("typed", "words"):
                p99, p99_small = big["latency"][kind][form]["search"]["p99_ms"], small["latency"][kind][form]["search"]["p99_ms"]
                growth = p99 / p99_small
                name = f"{KIND_NAMES[kind]} ({form})"
                rows.append((f"{name}: p99 at {big['label']} <= {TARGETS['growth']}x at {small['label']}",
                             f"{p99:.1f} / {p99_small:.1f} ms = {growth:.2f}x",
                             _verdict(growth <= TARGETS["growth"], f"by {growth / TARGETS['growth']:.2f}x")))
                floor = big["latency"][kind]["floor"]["p99_ms"]
                rows.append((f"{name}: p99 at {big['label']} <= {TARGETS['floor']:.0f}x the raw-read floor",
                             f"{p99:.1f} / {floor:.1f} ms = {p99 / floor:.1f}x",
                             _verdict(p99 / floor <= TARGETS["floor"], f"by {p99 / floor / TARGETS['floor']:.2f}x")))
        for size in sizes:
            o = size["overlap"]
            rows.append((f"top-10 overlap with FTS5 >= {TARGETS['overlap']} at {size['label']} "
                         f"({o['scored']} queries)", f"{o['mean']:.2f}",
                         _verdict(o["mean"] >= TARGETS["overlap"], f"by {TARGETS['overlap'] - o['mean']:.2f}")))
    imp, noop = results.get("import"), results.get("noop_reimport")
    if imp:
        ratio = imp["ratio_to_raw"]
        rows.append((f"import with postings >= {TARGETS['import']:.0%} of the raw ceiling (same rows)",
                     f"{imp['talks_per_s']:.0f} / {imp['raw_ceiling']['talks_per_s']:.0f} talks/s = {ratio:.0%}",
                     _verdict(ratio >= TARGETS["import"], f"by {TARGETS['import'] - ratio:.0%} points")))
    if noop:
        rows.append(("no-op re-import: 0 writes", f"{noop['node_writes']} writes in {noop['seconds']} s",
                     _verdict(noop["node_writes"] == 0)))
    return rows


def markdown(results: dict) -> str:
    s = results.get("search") or {}
    machine = s.get("machine") or results.get("machine") or {}
    out = ["# Search benchmark (issue 14)", "",
           "Generated by `bin/bench` (step `search`; `python -m bench.search`) from `bench/search.py`; do not edit.", "",
           f"Machine: {machine.get('cores')} cores, {machine.get('cpu', '')}, Python {machine.get('python')}, "
           f"SQLite {machine.get('sqlite')}, node heap {machine.get('heap')}; run {str(machine.get('date', ''))[:16]} "
           "UTC. The node, the client and other work share the two cores, so expect ±30 % between runs.", "",
           "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    out += [f"| {t} | {m} | {v} |" for t, m, v in targets(results)]
    for label, error in (s.get("errors") or {}).items():
        out += ["", f"**{label} not measured**: {error}."]
    sizes = s.get("sizes") or []
    if sizes:
        kinds = s["kinds"]
        out += ["", "## Sizes and builds", "", "| size | talks | FTS5 rows | built by | seconds | talks/s |",
                "|---|---|---|---|---|---|"]
        for size in sizes:
            b = s["builds"].get(size["label"], {})
            out.append(f"| {size['label']} | {size['talks']} | {size['fts5_talks']} | {b.get('how', '')} | "
                       f"{b.get('seconds', '')} | {b.get('talks_per_s', '')} |")
        b200 = s["builds"].get("200k")
        if b200 and b200.get("recount_error"):
            out += ["", f"**At 200k the vocabulary recount failed**: `recount_terms` over every term (as "
                        f"`rebuild_indexes` does) raised `{b200['recount_error']}` after {b200['recount_seconds']} s "
                        f"(with the fallback). The benchmark then wrote the exact document frequencies itself "
                        f"({b200['vocabulary']}, since every copy holds its talk's terms) and measured search on them."]
        elif b200:
            out += ["", f"At 200k the vocabulary recount (`recount_terms` over every term, as `rebuild_indexes` "
                        f"does) took {b200['recount_seconds']} s for {b200['recount_terms']} terms."]
        out += ["", "## Latency (warm, ms, p50 / p99)", "",
                f"`search` is `archive.browse.search(store, secret, text, filters, limit={s['page']})`: parse, "
                "`engine.page` (rank over bounded posting slices, read the page's talks), snippets; `rank` is "
                "`engine.rank` alone. `typed` is the query as a search box sends it (the last word a prefix, "
                "FTS5: `\"word\"*`); `words` ends with a space (every word whole). FTS5 returns the top "
                f"{s['page']} by `bm25` with a snippet each. The floor is one read of "
                "the best 1,000 postings of the query's most frequent term (`store.postings`: "
                "`SELECT * FROM search_postings_sharded WHERE term = ? AND shard = ? LIMIT ?` for each shard). "
                f"{s['requests']} timed calls each (rank: half as many).", "",
                "Queries: " + "; ".join(f"{KIND_NAMES[k]} `{v['text']}`" + (f" in {v['year']}" if v['year'] else "")
                                        for k, v in kinds.items()) + ".", "",
                "| size | query | form | search | rank | FTS5 | floor (term) | search p99 / floor p99 | results (ours / FTS5) |",
                "|---|---|---|---|---|---|---|---|---|"]
        for size in sizes:
            for kind, row in size["latency"].items():
                for form in ("typed", "words"):
                    r = row[form]
                    ratio = r["search"]["p99_ms"] / row["floor"]["p99_ms"]
                    out.append(f"| {size['label']} | {KIND_NAMES[kind]} | {form} | {_pp(r['search'])} | "
                               f"{_pp(r['rank'])} | {_pp(r['fts5'])} | {_pp(row['floor'])} ({row['floor_term']}) | "
                               f"{ratio:.1f}x | {r['results']}{'+' if r['more'] else ''} / {r['fts5_results']} |")
        out += ["", "p99 growth from the first to the last size (search):", "",
                "| query | typed | words |", "|---|---|---|"]
        for kind in sizes[-1]["latency"]:
            cells = [f"{sizes[-1]['latency'][kind][f]['search']['p99_ms'] / sizes[0]['latency'][kind][f]['search']['p99_ms']:.2f}x"
                     for f in ("typed", "words")]
            out.append(f"| {KIND_NAMES[kind]} | " + " | ".join(cells) + " |")
        out += ["", "## Top-10 overlap with FTS5", "",
                f"{len(s['queries'])} queries (seed {s['seed']}): {QUERIES_PER_LENGTH} each of one, two and three "
                "content words of a random catalogue talk's title (half the one-word ones from its tags), whole "
                "words, all required on both sides. Overlap = |ours ∩ FTS5| in the top 10 / min(10, the longer "
                "list); queries neither side answers are left out. Ours is `engine.rank`. At 200k the eight "
                "synthetic copies of a talk tie with it, so a copy counts as its real talk.", "",
                "| size | queries scored | mean | one word | two words | three words | queries FTS5 answers and we do not | we answer and FTS5 does not |",
                "|---|---|---|---|---|---|---|---|"]
        for size in sizes:
            o = size["overlap"]
            only_fts = sum(1 for r in o["rows"] if r["fts5"] and not r["ours"])
            only_ours = sum(1 for r in o["rows"] if r["ours"] and not r["fts5"])
            out.append(f"| {size['label']} | {o['scored']} | {o['mean']:.2f} | {o['by_words']['1']} | "
                       f"{o['by_words']['2']} | {o['by_words']['3']} | {only_fts} | {only_ours} |")
        out += ["", "Over only the queries where both sides return at least 10 talks (the top 10 is a choice "
                    "among many): " + "; ".join(f"{size['label']}: {size['overlap']['full_mean']} over "
                                                f"{size['overlap']['full_pages']} queries" for size in sizes) + "."]
        errors = {(r["text"], r["error"]) for size in sizes for r in size["overlap"].get("errors", [])}
        if errors:
            out += ["", "Queries the engine failed on (scored 0 when FTS5 answers): " + "; ".join(
                f"`{t}` ({e})" for t, e in sorted(errors)) + "."]
        worst = sorted((r for r in sizes[-1]["overlap"]["rows"] if r["overlap"] is not None),
                       key=lambda r: (r["overlap"], r["text"]))[:8]
        out += ["", f"Lowest-overlap queries at {sizes[-1]['label']}: " + "; ".join(
            f"`{r['text']}` {r['overlap']:.1f} ({r['ours']} / {r['fts5']} results)" for r in worst) + "."]
        last = next((size for size in reversed(sizes) if size.get("breakdown")), None)
        if last:
            out += ["", f"## Where the time goes ({last['label']}, mean ms per `browse.search`, "
                        f"{next(iter(last['breakdown'].values()))['calls']} calls each)", "",
                    "Reads are timed around the store's methods: `rank reads` = prefix expansion in the vocabulary "
                    "+ posting slices + document frequencies + `term_impacts` (search_docs) of candidates a cut slice left unsure; "
                    "`talk reads` = the page's talks (`get_stored_talks`); `ranking (Python)` = `engine.page` minus "
                    "those reads; `snippets` = `browse.search` minus `engine.page` (snippets, marked titles, "
                    "result records). The driver decodes rows on its own thread, so decoding counts as reads.", "",
                    "| query | form | posting slices | rank reads (postings / search_docs) | ranking (Python) | "
                    "talk reads | snippets | search |", "|---|---|---|---|---|---|---|---|"]
            for key, b in last["breakdown"].items():
                kind, form = key.split("/")
                out.append(f"| {KIND_NAMES[kind]} | {form} | {b['posting_slices']} | {b['rank_reads']:.1f} "
                           f"({b['postings']:.1f} / {b.get('term_impacts', b.get('search_docs', 0.0)):.1f}) | {b['ranking_python']:.1f} | "
                           f"{b['get_stored_talks']:.1f} | {b['snippets_and_results']:.1f} | {b['search']:.1f} |")
    imp, noop = results.get("import"), results.get("noop_reimport")
    if imp:
        raw = imp["raw_ceiling"]
        out += ["", "## Import with postings against the raw ceiling", "",
                "| what | talks | rows | seconds | talks/s |", "|---|---|---|---|---|",
                f"| archive service (parse, tag, link, LOGGED batches, search rows beside them, vocabulary recount) | "
                f"{imp['talks']} | | {imp['seconds']} | {imp['talks_per_s']} |",
                f"| raw driver ceiling (the same rows, vocabulary included, execute_concurrent x{raw['concurrency']}) | "
                f"{raw['talks']} | {raw['rows']} | {raw['seconds']} | {raw['talks_per_s']} |"]
        if raw.get("search_rows") is not None:
            out += ["", f"Of the ceiling's rows {raw['search_rows']} are search rows (postings and search_docs) and "
                        f"{raw.get('vocabulary_rows')} vocabulary rows."]
        if imp.get("recount_seconds") is not None:
            out += ["", f"The vocabulary recount alone (`recount_terms` over every term, timed again after the import) "
                        f"takes {imp['recount_seconds']} s of the import."]
    if noop:
        out += ["", f"No-op re-import: {noop['documents']} documents, {noop['unchanged']} unchanged, "
                    f"{noop['seconds']} s, {noop['node_writes']} writes counted by the node "
                    "(`system_views.local_write_latency`)."]
    notes = s.get("notes")
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cores": os.cpu_count(), "cpu": cpu, "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
            "heap": load_settings().node_heap, "date": datetime.now(timezone.utc).isoformat()}


def write_doc(results: dict) -> None:
    DOC.write_text(markdown(results))


def save(results: dict, search: dict, started: float) -> None:
    """Put the search results so far into results.json and docs/search-benchmark.md."""
    results["search"] = search
    search["machine"] = machine()
    search["seconds"] = round(time.monotonic() - started, 1)
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=2, default=str))
    write_doc(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2k,20k,200k")
    parser.add_argument("--requests", type=int, default=200, help="timed calls per query, form and size")
    parser.add_argument("--full-keyspace", help="a keyspace holding the whole catalogue already (e.g. bench_import "
                        "from bin/bench's import step); grown to 200k and dropped")
    parser.add_argument("--doc-only", action="store_true", help="rewrite docs/search-benchmark.md from results.json")
    args = parser.parse_args(argv)
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    if not args.doc_only:
        started = time.monotonic()
        results["search"] = bench_search([s.strip() for s in args.sizes.split(",")], args.requests,
                                         full_keyspace=args.full_keyspace, save=lambda r: save(results, r, started))
        save(results, results["search"], started)
    write_doc(results)
    log(f"results: {RESULTS_JSON}, {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
