"""`schema apply` on a keyspace of the old layout (`documents`, `search_postings`): the ledger and the
postings are copied into `source_documents` and `search_postings_sharded`, the old tables dropped,
and a re-import of unchanged sources writes nothing while removals are still found."""
from __future__ import annotations

import dataclasses
import shutil
import uuid

import pytest

from archive import storage
from archive.browse import search
from archive.indexes.tables import SEARCH_POSTINGS
from archive.sources import Source
from archive.storage.placement import shard_of
from tests.integration.test_import import PYCON, index_audit, seed_sources, sync

pytestmark = pytest.mark.integration
# The two tables as schema.cql created them before they were bucketed and sharded.
OLD_TABLES = (
    """CREATE TABLE documents (source text, path text, content_hash text, talk_ids set<text>, conference_id text,
       title text, format text, last_error text, imported_at timestamp, PRIMARY KEY ((source), path))""",
    """CREATE TABLE search_postings (term text, impact int, talk_id text, conference_id text, year int, day date,
       kind text, language text, tags set<text>, speaker_slugs list<text>, has_notes boolean, has_video boolean,
       PRIMARY KEY ((term), impact, talk_id)) WITH CLUSTERING ORDER BY (impact DESC, talk_id ASC)""",
)
DOCUMENT_COLUMNS = ("source", "path", "content_hash", "talk_ids", "conference_id", "title", "format", "last_error",
                    "imported_at")
POSTING_COLUMNS = ("term", "impact", "talk_id", "conference_id", "year", "day", "kind", "language", "tags",
                   "speaker_slugs", "has_notes", "has_video")


def insert(store, table, columns, row):
    store.query(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(row[c] for c in columns))


def to_old_layout(store) -> None:
    """Make the keyspace what an archive of the previous release held: its rows in the old tables only."""
    for cql in OLD_TABLES:
        store.session.execute(cql.replace("CREATE TABLE ", f"CREATE TABLE {store.settings.keyspace}."), timeout=60)
    for row in store.scan("source_documents"):
        insert(store, "documents", DOCUMENT_COLUMNS, row)
    for row in store.scan(SEARCH_POSTINGS):
        insert(store, "search_postings", POSTING_COLUMNS, row)
    for table in ("source_documents", SEARCH_POSTINGS, "search_term_shards"):
        store.truncate(table)


@pytest.fixture
def old_keyspace(node_settings):
    settings = dataclasses.replace(node_settings, keyspace=f"test_layout_{uuid.uuid4().hex[:8]}",
                                   write_consistency="ONE", read_consistency="ONE", postings_per_shard=20)
    storage.apply_schema(settings)
    store = storage.connect(settings)
    yield settings, store
    store.close()
    storage.drop_keyspace(node_settings, settings.keyspace)


def test_schema_apply_moves_the_old_ledger_and_postings_and_nothing_is_reimported(old_keyspace, corpus, tmp_path):
    settings, store = old_keyspace
    work = tmp_path / "notes"
    work.mkdir()
    for name in ("fast_tests_slow_tests.rst", "apache_cassandra_and_python.rst"):
        shutil.copy(corpus / "pycon2012-notes" / name, work / name)
    sources = [*seed_sources(corpus, tmp_path), Source("edit", "notes", work, conference=PYCON)]
    for source in sources:
        assert sync(store, source).failed == 0
    ledger = sorted((r["source"], r["path"], r["content_hash"], r["imported_at"]) for r in store.scan("source_documents"))
    postings = sorted((r["term"], r["impact"], r["talk_id"]) for r in store.scan(SEARCH_POSTINGS))
    found = [r.id for r in search(store, "s", "mocking").results]
    writetimes = {r["id"]: r["w"] for r in store.query("SELECT id, writetime(title) AS w FROM talks")}
    to_old_layout(store)
    assert store.query("SELECT * FROM source_documents LIMIT 1") == [] and len(ledger) == 5

    assert storage.apply_schema(settings) == storage.apply_schema(settings)  # the second finds nothing to move
    tables = {r["table_name"] for r in store.query("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?",
                                                   (settings.keyspace,))}
    assert "source_documents" in tables and not {"documents", "search_postings"} & tables
    assert sorted((r["source"], r["path"], r["content_hash"], r["imported_at"])
                  for r in store.scan("source_documents")) == ledger
    counts = store.shard_counts(fresh=True)
    assert counts and all(n > 1 for n in counts.values())  # the vocabulary's common terms got their shards
    moved = list(store.scan(SEARCH_POSTINGS))
    assert sorted((r["term"], r["impact"], r["talk_id"]) for r in moved) == postings
    assert all(r["shard"] == shard_of(r["talk_id"], counts.get(r["term"], 1)) for r in moved)
    assert [r.id for r in search(store, "s", "mocking").results] == found and found
    assert index_audit(store).clean()

    for source in sources:  # nothing changed: the ledger says so for every document, in its bucket
        summary = sync(store, source)
        assert (summary.unchanged, summary.new, summary.talks_written, summary.talks_deleted) == (
            len(list(source.path.glob("*"))) if source.name == "edit" else 1, 0, 0, 0)
    assert {r["id"]: r["w"] for r in store.query("SELECT id, writetime(title) AS w FROM talks")} == writetimes

    (work / "apache_cassandra_and_python.rst").unlink()  # a removal is found across the buckets
    summary = sync(store, sources[-1])
    assert (summary.removed, summary.failed) == (1, 0) and summary.talks_deleted >= 1
    assert {r["path"] for r in store.scan("source_documents") if r["source"] == "edit"} == {"fast_tests_slow_tests.rst"}
    assert index_audit(store).clean()
