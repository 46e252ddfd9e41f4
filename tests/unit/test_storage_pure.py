"""The pure helpers of the storage and config modules."""
from __future__ import annotations

import pytest

from archive.config import load_settings
from archive.domain import NotFound, talk_id
from archive.storage import conference_of, schema_statements, split_cql


def test_split_cql_honours_quotes_and_comments():
    text = "-- a; comment\nCREATE TABLE t (a int PRIMARY KEY) WITH comment = 'x; y -- z';\n/* b; */ USE k;"
    assert split_cql(text) == ["CREATE TABLE t (a int PRIMARY KEY) WITH comment = 'x; y -- z'", "USE k"]
    assert split_cql("SELECT 'it''s; fine' FROM t") == ["SELECT 'it''s; fine' FROM t"]


def test_schema_statements_substitute_keyspace_and_replication():
    stmts = schema_statements("CREATE KEYSPACE IF NOT EXISTS notes_archive WITH replication = {};\nUSE notes_archive;",
                              "other_ks", "{'class': 'NetworkTopologyStrategy', 'dc1': 3}")
    assert stmts == ["CREATE KEYSPACE IF NOT EXISTS other_ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
                     "USE other_ks"]
    with pytest.raises(ValueError):
        schema_statements("", "bad-name; DROP", "{}")


def test_talk_ids_are_stable_and_name_their_conference():
    a = talk_id("pycon-us-2012", "Fast test, slow test")
    assert a == talk_id("pycon-us-2012", "  FAST Test -- slow test! ")
    assert conference_of(a) == "pycon-us-2012"
    long_a = talk_id("c", "word " * 30 + "alpha")
    long_b = talk_id("c", "word " * 30 + "beta")
    assert long_a != long_b and len(long_a) < 90
    with pytest.raises(NotFound):
        conference_of("no-separator")


def test_settings_come_from_the_environment_with_defaults():
    s = load_settings({"NOTES_CASSANDRA_HOSTS": "10.0.0.1, 10.0.0.2", "NOTES_CASSANDRA_PORT": "9142",
                       "NOTES_KEYSPACE": "k", "NOTES_READ_CONSISTENCY": "local_quorum"})
    assert s.cassandra_hosts == ("10.0.0.1", "10.0.0.2") and s.cassandra_port == 9142
    assert s.keyspace == "k" and s.read_consistency == "LOCAL_QUORUM"
    d = load_settings({})
    assert d.cassandra_hosts == ("127.0.0.1",) and d.cassandra_port == 9042 and d.keyspace == "notes_archive"
    assert d.sources.name == "sources.toml"


def test_schema_keys_are_read_from_every_form_of_primary_key():
    from archive.storage.schema import PrimaryKey, changed_keys, declared_key

    assert declared_key("CREATE TABLE IF NOT EXISTS a (id text PRIMARY KEY, n int) WITH comment = 'Q: x'") == \
        ("a", PrimaryKey(("id",), ()))
    assert declared_key("CREATE TABLE IF NOT EXISTS b (t text, m int, d date, i text, PRIMARY KEY ((t, m), d, i))"
                        " WITH CLUSTERING ORDER BY (d DESC, i DESC) AND comment = 'Q: y'") == \
        ("b", PrimaryKey(("t", "m"), (("d", "desc"), ("i", "desc"))))
    assert declared_key("CREATE TABLE IF NOT EXISTS c (s text, p text, PRIMARY KEY (s, p))") == \
        ("c", PrimaryKey(("s",), (("p", "asc"),)))
    assert declared_key("ALTER TABLE c ADD IF NOT EXISTS x int") is None
    old = {"b": PrimaryKey(("t",), (("d", "desc"), ("i", "desc"))), "c": PrimaryKey(("s",), (("p", "asc"),))}
    new = {"b": PrimaryKey(("t", "m"), (("d", "desc"), ("i", "desc"))), "c": old["c"], "new_table": old["c"]}
    assert changed_keys(new, old) == ["b"]  # a table not created yet has nothing to migrate


def test_derived_tables_are_the_ones_the_rebuild_refills():
    from archive.indexes.tables import INDEX_TABLES
    from archive.storage import DERIVED_TABLES

    assert set(INDEX_TABLES) <= DERIVED_TABLES and "list_buckets" in DERIVED_TABLES
    assert not {"talks", "documents", "source_talks", "conferences", "import_runs", "run_leases",
                "source_states", "talk_redirects", "generations"} & DERIVED_TABLES


def test_bucket_rounds_read_as_many_buckets_as_the_page_still_needs():
    from archive.storage.lists import MOST_BUCKETS, next_width

    assert next_width(rows=21, buckets=2, limit=20) == 1          # full: (the loop stops before)
    assert next_width(rows=2, buckets=2, limit=20) == 19          # one row a bucket: 19 more
    assert next_width(rows=10, buckets=2, limit=20) == 3          # five a bucket: 11 rows in 3
    assert next_width(rows=0, buckets=2, limit=20) == MOST_BUCKETS  # empty buckets say nothing
    assert next_width(rows=1, buckets=30, limit=500) == MOST_BUCKETS


def test_a_talk_keys_its_lists_by_month_and_names_their_buckets():
    from datetime import date

    from archive.domain import UNDATED, Speaker, Talk
    from archive.indexes.tables import index_keys, month_of

    talk = Talk(id="c--t", conference_id="c", title="T", speakers=(Speaker("Ann Smith", ""),), ordinal=3,
                tags=("web",), word_count=5)
    keys = index_keys(talk, date(2012, 3, 9))
    assert keys.table("talks_by_tag") == {("web", 201203, date(2012, 3, 9), "c--t")}
    assert keys.table("talks_by_year") == {(2012, 201203, date(2012, 3, 9), "c--t")}
    assert keys.table("talks_by_speaker") == {("ann-smith", 201203, date(2012, 3, 9), "c--t")}
    assert ("year:2012", 201203, date(2012, 3, 9), 3, "c--t") in keys.table("notes_by_list")
    assert keys.table("list_buckets") == {(name, 201203) for name in (
        "tag:web", "speaker:ann-smith", "year:2012", "notes:tag:web", "notes:speaker:ann-smith",
        "notes:conference:c", "notes:year:2012")}
    assert keys.table("talks_by_conference") == {("c", date(2012, 3, 9), 3, "c--t")}  # not bucketed
    # undated talks sort under UNDATED, the oldest bucket of every list
    assert month_of(UNDATED) == 197001 < month_of(date(1971, 1, 1))
    moved = index_keys(talk, date(2012, 5, 1))
    assert ("tag:web", 201203) in keys.minus(moved).table("list_buckets")  # stale, but kept by the writes


def test_the_first_round_reads_as_many_buckets_as_their_counts_fill_a_page():
    from archive.storage.lists import FIRST_BUCKETS, MOST_BUCKETS, first_width

    assert first_width([5409, 4203], 20) == 1                  # the newest bucket fills the page
    assert first_width([1] * 40, 20) == 21                     # one talk a month: 21 buckets at once
    assert first_width([None, 3], 20) == FIRST_BUCKETS         # never counted: the newest two
    assert first_width([3, 0, None, 50], 20) == 3              # up to the first bucket never counted
    assert first_width([2, 2], 20) == 2 and first_width([1] * 90, 500) == MOST_BUCKETS


def test_a_generation_memo_keeps_reads_for_their_generation_only():
    from archive.storage.memo import GenerationMemo

    generation = ["g1"]
    reads: list[str] = []

    def read(key):
        reads.append(key)
        return (key, generation[0])

    memo = GenerationMemo(lambda: generation[0], max_entries=3)
    assert memo.get("a", lambda: read("a")) == ("a", "g1")
    assert memo.get("a", lambda: read("a")) == ("a", "g1") and reads == ["a"]  # kept
    assert memo.get_many(["a", "b"], lambda keys: {k: read(k) for k in keys}) == {"a": ("a", "g1"), "b": ("b", "g1")}
    assert reads == ["a", "b"] and (memo.hits, memo.misses) == (2, 2)
    generation[0] = "g2"  # an import bumped the generation: everything is read again
    assert memo.get("a", lambda: read("a")) == ("a", "g2") and reads == ["a", "b", "a"]
    for key in "bcde":  # past its bound the memo starts again instead of growing
        memo.get(key, lambda key=key: read(key))
        assert len(memo._entries) <= 3
    generation[0] = None  # the generation cannot be read: read every time, keep nothing
    memo.get("a", lambda: read("a"))
    memo.get("a", lambda: read("a"))
    assert reads[-2:] == ["a", "a"]


def test_a_remembering_store_leaves_the_store_it_was_made_from_alone():
    from archive.storage.session import StoreBase

    class FakeSettings:
        write_consistency = "LOCAL_QUORUM"

    base = StoreBase(session=None, settings=FakeSettings())
    view = base.remembering(lambda: "g1")
    assert base.memo is None and view.memo is not None and view.session is base.session
    assert view._kept("k", lambda: (1,)) == (1,) and view._kept("k", lambda: (2,)) == (1,)
    assert base._kept("k", lambda: (2,)) == (2,)
