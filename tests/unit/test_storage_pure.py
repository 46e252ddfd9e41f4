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
