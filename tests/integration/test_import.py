"""Importing real notes into the real node: seeds, idempotence, edits, removals and bad input."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from archive.indexes.audit import INDEX_KEY_COLUMNS, audit, digest, expected_rows
from archive.domain import Conference, talk_id
from archive.service.runner import make_service
from archive.sources import Source, read_documents

pytestmark = pytest.mark.integration

PYCON = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15), "Santa Clara")
EUROPYTHON = Conference("europython-2012", "EuroPython 2012", date(2012, 7, 2), date(2012, 7, 8), "Florence")
DJANGOCON = Conference("djangocon-eu-2013", "DjangoCon Europe 2013", date(2013, 5, 15), date(2013, 5, 19), "Warsaw")


def sync(store, source):
    return make_service(store).sync_source(source, read_documents(source))


def index_audit(store):
    expected = expected_rows(store.all_stored_talks())
    actual = {t: store.index_rows(t, cols) for t, cols in INDEX_KEY_COLUMNS.items()}
    return audit(expected, actual)


def table_digest(store):
    tables = ["talks", "source_documents", "conferences", "conferences_by_year", "tag_counts", *INDEX_KEY_COLUMNS]
    return digest({t: list(store.scan(t)) for t in tables})


def seed_sources(corpus, tmp_path):
    return [
        Source("ep", "notes", corpus / "seeds", include=("000_*.txt",), conference=EUROPYTHON),
        Source("dj", "notes", corpus / "seeds", include=("002_*.txt",), conference=DJANGOCON),
        Source("py", "notes", corpus / "seeds", include=("004_*.txt",), conference=PYCON),
    ]


def test_seed_documents_give_their_talks(clean_store, corpus, tmp_path):
    store = clean_store
    for source in seed_sources(corpus, tmp_path):
        summary = sync(store, source)
        assert summary.failed == 0 and summary.new == 1, summary
    pycon = {t.title: t for t in store.talks_of_conference("pycon-us-2012")}
    assert len(pycon) == 16
    assert [s.name for s in pycon["Fast test, slow test"].speakers] == ["Gary Bernhardt"]
    assert [s.name for s in pycon["Apache Cassandra and Python"].speakers] == ["Jeremiah Jordan"]
    assert pycon["Stop Mocking, Start Testing"].video_seconds == 34 * 60 + 53
    assert "timecode" in pycon["Stop Mocking, Start Testing"].notes_html
    dj = {t.title: t for t in store.talks_of_conference("djangocon-eu-2013")}
    assert "The Imaginative Programmer" in dj
    assert sum(t.kind == "lightning" for t in dj.values()) == 6
    assert {t.date for t in dj.values()} == {date(2013, 5, 15)}  # "Day 1" of the conference
    ep = {t.title for t in store.talks_of_conference("europython-2012")}
    assert not {"To Do", "Other Stuff", "Lightning Talks"} & ep
    assert len(ep) == 55
    # every list page has its rows: tag, speaker, conference and year indexes
    assert store.talks_by_speaker("gary-bernhardt").rows[0]["title"] == "Fast test, slow test"
    assert store.count_conference_talks("pycon-us-2012") == store.count_notes("conference:pycon-us-2012") == 16
    cloud = store.tag_cloud()  # topics only: a talk's conference and kind are not tags
    assert cloud and not {"pycon-us-2012", "europython-2012", "djangocon-eu-2013", "lightning", "talk"} & set(cloud)
    assert sum(store.count_notes(f"tag:{tag}") for tag in cloud) == sum(cloud.values())  # every talk has notes
    assert index_audit(store).clean()


def test_second_import_of_unchanged_sources_writes_nothing(clean_store, corpus, tmp_path):
    store = clean_store
    sources = seed_sources(corpus, tmp_path)
    for source in sources:
        sync(store, source)
    before = table_digest(store)
    writetimes = {r["id"]: r["w"] for r in store.query("SELECT id, writetime(title) AS w FROM talks")}
    for source in sources:
        summary = sync(store, source)
        assert (summary.unchanged, summary.talks_written, summary.talks_deleted) == (1, 0, 0)
    assert table_digest(store) == before
    after = {r["id"]: r["w"] for r in store.query("SELECT id, writetime(title) AS w FROM talks")}
    assert after == writetimes  # not even an identical overwrite


def test_rst_sources_give_the_same_talk_ids_as_the_text_export(clean_store, corpus):
    store = clean_store
    sync(store, Source("py", "notes", corpus / "seeds", include=("004_*.txt",), conference=PYCON))
    from_text = {t.id for t in store.talks_of_conference("pycon-us-2012")}
    store.truncate("talks")
    summary = sync(store, Source("rst", "notes", corpus / "pycon2012-notes", conference=PYCON))
    assert summary.failed == 0, summary.errors
    from_rst = {t.id for t in store.talks_of_conference("pycon-us-2012")}
    assert from_rst == from_text and len(from_rst) == 16


def test_edits_leave_no_stale_index_row_and_removal_cleans_everything(clean_store, corpus, tmp_path):
    store = clean_store
    work = tmp_path / "notes"
    work.mkdir()
    shutil.copy(corpus / "pycon2012-notes" / "fast_tests_slow_tests.rst", work / "fast.rst")
    shutil.copy(corpus / "pycon2012-notes" / "apache_cassandra_and_python.rst", work / "cassandra.rst")
    source = Source("edit", "notes", work, conference=PYCON)
    sync(store, source)
    old_id = talk_id("pycon-us-2012", "Fast test, slow test")
    assert store.get_talk(old_id).title == "Fast test, slow test"
    old_tags = set(store.get_talk(old_id).tags)
    assert "testing" in old_tags

    # retitle the talk, change its speaker and rewrite its notes: id, tags and speaker all change
    (work / "fast.rst").write_text(
        "Boundaries and Values\n=====================\n\nPresenter: Ann Smith\n\n"
        "Notes about Cassandra: wide rows, Cassandra keyspaces and the Cassandra driver.\n"
    )
    summary = sync(store, source)
    assert (summary.changed, summary.unchanged) == (1, 1), summary
    new = {t.title: t for t in store.talks_of_conference("pycon-us-2012")}
    assert "Boundaries and Values" in new and "Fast test, slow test" not in new
    assert "testing" not in new["Boundaries and Values"].tags and "cassandra" in new["Boundaries and Values"].tags
    assert store.talks_by_speaker("gary-bernhardt").rows == []
    assert [r["title"] for r in store.talks_by_speaker("ann-smith").rows] == ["Boundaries and Values"]
    assert index_audit(store).clean()
    counts = store.tag_cloud()
    assert counts.get("testing", 0) == store.count_tag("testing")

    # removing the document removes its talks from every table
    (work / "fast.rst").unlink()
    summary = sync(store, source)
    assert summary.removed == 1 and summary.talks_deleted == 1
    assert [t.title for t in store.talks_of_conference("pycon-us-2012")] == ["Apache Cassandra and Python"]
    audit_result = index_audit(store)
    assert audit_result.clean(), audit_result
    assert store.get_document("edit", "fast.rst") is None
    assert store.talks_by_speaker("ann-smith").rows == []


def test_bad_documents_are_recorded_and_the_rest_still_lands(clean_store, corpus, tmp_path):
    store = clean_store
    work = tmp_path / "bad"
    work.mkdir()
    shutil.copy(corpus / "pycon2012-notes" / "fast_tests_slow_tests.rst", work / "good.rst")
    (work / "empty.md").write_text("")
    (work / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (work / "latin1.rst").write_bytes("Caf\xe9 talk\n=========\n\nNotes \xe9t\xe9.\n".encode("latin-1"))
    with open(work / "huge.txt", "wb") as fh:
        fh.write(b"A line of notes.\n" * (20 * 1024 * 1024 // 17))
    (work / "include.rst").write_text("Include talk\n============\n\n.. include:: /etc/passwd\n\nSome notes.\n")
    (work / "raw.rst").write_text("Raw talk\n========\n\n.. raw:: html\n\n   <script>alert(1)</script>\n\nText.\n")
    source = Source("bad", "notes", work, conference=PYCON)
    summary = sync(store, source)
    errors = dict(summary.errors)
    assert set(errors) == {"bad:empty.md", "bad:binary.txt", "bad:latin1.rst", "bad:huge.txt"}, errors
    assert "empty" in errors["bad:empty.md"].lower()
    assert "binary" in errors["bad:binary.txt"].lower()
    assert "utf-8" in errors["bad:latin1.rst"].lower()
    assert "MB" in errors["bad:huge.txt"]
    titles = {t.title: t for t in store.talks_of_conference("pycon-us-2012")}
    assert "Fast test, slow test" in titles
    for title in ("Include talk", "Raw talk"):  # neutralised, not failed
        if title in titles:
            html = titles[title].notes_html + titles[title].notes_source
            assert "root:" not in html and "<script" not in titles[title].notes_html
    docs = store.documents_of("bad")
    assert docs["huge.txt"]["last_error"] and docs["good.rst"]["last_error"] is None
