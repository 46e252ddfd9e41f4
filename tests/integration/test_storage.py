"""Storage round trips and clustering-key paging against the real Cassandra node."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from archive.indexes.tables import EMPTY_KEYS, index_day, index_keys
from archive.domain import Conference, Link, NotFound, Speaker, Talk, talk_id
from tests.integration.test_import import index_audit

pytestmark = pytest.mark.integration

CONF = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15), "Santa Clara, CA",
                  "America/Los_Angeles")


def make_talk(title: str, ordinal: int, day: date | None, tags=("testing",), speakers=("Gary Bernhardt",)) -> Talk:
    return Talk(
        id=talk_id(CONF.id, title), conference_id=CONF.id, title=title,
        speakers=tuple(Speaker(n, "Destroy All Software") for n in speakers), kind="talk", ordinal=ordinal,
        date=day, links=(Link("video", "https://example.org/v"),), video_seconds=1800,
        notes_source="Some *notes*", notes_format="rst", notes_html="<p>Some <em>notes</em></p>", word_count=2,
        document_id="seeds:004.txt", anchor="t", tags=tuple(sorted(tags)),
    )


def write(store, talk: Talk, old: Talk | None = None) -> None:
    day = index_day(talk, CONF)
    keys = index_keys(talk, day)
    stale = index_keys(old, index_day(old, CONF)).minus(keys) if old else EMPTY_KEYS
    store.write_talk(talk, CONF, day, keys, stale)


def test_node_reports_cassandra_5(store):
    row = store.session.execute("SELECT release_version FROM system.local").one()
    assert row["release_version"].startswith("5.0.")


def test_talk_round_trip_and_not_found(clean_store):
    store = clean_store
    talk = make_talk("Fast test, slow test", 2, date(2012, 3, 9))
    store.put_conference(CONF, "seeds")
    write(store, talk)
    assert store.get_talk(talk.id) == talk
    assert store.get_conference(CONF.id) == CONF
    with pytest.raises(NotFound):
        store.get_talk(talk_id(CONF.id, "No such talk"))
    with pytest.raises(NotFound):
        store.get_talk("not-a-talk-id")
    with pytest.raises(NotFound):
        store.get_conference("nope")


def test_index_rows_follow_edits_without_stale_rows(clean_store):
    store = clean_store
    old = make_talk("Fast test, slow test", 2, date(2012, 3, 9), tags=("testing", "mocking"),
                    speakers=("Gary Bernhardt", "Someone Else"))
    write(store, old)
    new = make_talk("Fast test, slow test", 3, date(2012, 3, 10), tags=("testing", "tdd"))
    write(store, new, old)
    assert [r["talk_id"] for r in store.talks_by_tag("testing").rows] == [new.id]
    assert store.talks_by_tag("tdd").rows[0]["day"] == date(2012, 3, 10)
    assert store.talks_by_tag("mocking").rows == []
    assert store.talks_by_speaker("someone-else").rows == []
    assert [r["ordinal"] for r in store.talks_by_conference(CONF.id).rows] == [3]
    assert len(store.talks_by_year(2012).rows) == 1
    # deleting removes the talk from every table
    store.delete_talk(new.conference_id, new.id, index_keys(new, index_day(new, CONF)))
    for table in ("talks", "talks_by_year", "talks_by_conference", "talks_by_tag", "talks_by_speaker"):
        assert list(store.scan(table)) == [], table


@pytest.mark.parametrize("page_size", [1, 7, 10, 50])
def test_cursor_paging_crosses_page_boundaries(clean_store, page_size):
    store = clean_store
    start = date(2012, 1, 1)
    talks = [make_talk(f"Talk number {i:02d}", i, start + timedelta(days=i // 3)) for i in range(23)]
    for t in talks:
        write(store, t)
    # newest first by (day, id), all in one tag partition
    expected = sorted(((index_day(t, CONF), t.id) for t in talks), reverse=True)
    seen, after, pages = [], None, 0
    while True:
        page = store.talks_by_tag("testing", after=after, limit=page_size)
        pages += 1
        assert len(page.rows) <= page_size
        seen += [(r["day"], r["talk_id"]) for r in page.rows]
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == expected
    assert pages == -(-len(talks) // page_size) or pages == len(talks) // page_size + 1
    # ascending order on the conference index, with (day, ordinal, talk_id) cursors
    seen, after = [], None
    while True:
        page = store.talks_by_conference(CONF.id, after=after, limit=page_size)
        seen += [r["ordinal"] for r in page.rows]
        if page.next_key is None:
            break
        after = page.next_key
    assert seen == list(range(23))


def test_conference_timeline_moves_with_its_dates(clean_store):
    store = clean_store
    store.put_conference(CONF, "seeds", talk_count=16)
    moved = Conference(CONF.id, CONF.name, date(2013, 3, 7), date(2013, 3, 15))
    store.put_conference(moved, "seeds", talk_count=16, old=CONF)
    assert store.conferences_by_year(2012).rows == []
    assert [r["conference_id"] for r in store.conferences_by_year(2013).rows] == [CONF.id]
    assert 2013 in store.timeline_years()


def test_documents_and_tag_counts(clean_store):
    store = clean_store
    store.put_document("seeds", "004.txt", "abc", ["t1", "t2"], CONF.id, "Notes", "text", None)
    doc = store.get_document("seeds", "004.txt")
    assert doc["content_hash"] == "abc" and doc["talk_ids"] == {"t1", "t2"}
    assert set(store.documents_of("seeds")) == {"004.txt"}
    store.delete_document("seeds", "004.txt")
    assert store.get_document("seeds", "004.txt") is None
    write(store, make_talk("A", 1, date(2012, 3, 9), tags=("testing", "web")))
    write(store, make_talk("B", 2, date(2012, 3, 9), tags=("testing",)))
    store.put_tag_counts({t: store.count_tag(t) for t in ("testing", "web", "gone")})
    assert store.tag_cloud() == {"testing": 2, "web": 1}


def test_token_range_scan_sees_every_partition_once(clean_store):
    store = clean_store
    for i in range(40):
        store.put_conference(Conference(f"conf-{i:02d}", f"Conf {i}", date(2000 + i % 20, 1, 1)), "s")
    ids = [r["id"] for r in store.scan_by_token("conferences", "id", "id")]
    assert sorted(ids) == [f"conf-{i:02d}" for i in range(40)]
    assert len(store.token_ranges()) >= 2


def test_leases_exclude_each_other_and_release_only_by_owner(clean_store):
    store = clean_store
    assert store.acquire_lease("reimport", "a", 30)
    assert not store.acquire_lease("reimport", "b", 30)
    assert store.renew_lease("reimport", "a", 30)
    assert not store.renew_lease("reimport", "b", 30)
    assert not store.release_lease("reimport", "b")
    assert store.lease_holder("reimport")["owner"] == "a"
    assert store.release_lease("reimport", "a")
    assert store.lease_holder("reimport") is None
    assert store.acquire_lease("reimport", "b", 1)
    import time
    time.sleep(2.2)  # a crashed holder's lease expires by TTL
    assert store.acquire_lease("reimport", "c", 30)


def test_the_node_keeps_cassandras_stock_batch_guardrails(store):
    # A cluster run by someone else keeps these; the local node must not hide a batch that only it accepts.
    rows = {r["name"]: r["value"] for r in store.query(
        "SELECT name, value FROM system_views.settings WHERE name IN ('batch_size_fail_threshold', "
        "'batch_size_warn_threshold')")}
    assert rows == {"batch_size_fail_threshold": "50KiB", "batch_size_warn_threshold": "5KiB"}


def test_a_talk_far_over_one_batch_is_written_whole_and_edited_and_deleted_cleanly(clean_store, caplog):
    store = clean_store
    notes = "<p>" + "word " * 75_000 + "</p>"  # 375 KiB: the talk row alone is seven times the guardrail
    big = dataclasses.replace(
        make_talk("Near every limit", 1, date(2012, 3, 9), tags=[f"tag-{i:03d}-" + "y" * 90 for i in range(190)],
                  speakers=[f"Person {i:02d} " + "x" * 280 for i in range(99)]),
        notes_source=notes, notes_html=notes, word_count=75_000)
    assert sum(len(t) for t in big.tags) * len(big.speakers) > 50 * 1024  # the index rows alone are far over too
    write(store, big)
    assert store.get_talk(big.id) == big
    assert index_audit(store).clean()
    smaller = dataclasses.replace(big, tags=big.tags[:3], speakers=big.speakers[:2], notes_html="<p>short</p>")
    write(store, smaller, old=big)
    assert store.get_talk(big.id) == smaller and index_audit(store).clean()
    keys = index_keys(smaller, index_day(smaller, CONF))
    store.delete_talk(CONF.id, smaller.id, keys)
    with pytest.raises(NotFound):
        store.get_talk(big.id)
    assert index_audit(store).clean() and not store.talks_by_tag(big.tags[0]).rows
    assert not [r for r in caplog.records if "Batch" in r.getMessage()]  # the expected size warnings are quiet


def tombstone_cells(store, talk: Talk) -> int:
    """The tombstone cells the node read for one talks row, as its trace says ("Read 1 live rows and
    N tombstone cells"); memtable and sstables alike."""
    result = store.session.execute(store._bound("SELECT * FROM talks WHERE conference_id = ? AND id = ?",
                                                (talk.conference_id, talk.id)), trace=True)
    events = [e.description for e in result.get_query_trace(max_wait_sec=10).events]
    counts = [int(d.split(" and ")[1].split()[0]) for d in events if d.startswith("Read ") and "tombstone cells" in d]
    assert counts, events
    return sum(counts)


def test_a_talks_empty_columns_write_no_tombstones_unless_they_held_a_value(clean_store):
    store = clean_store
    store.put_conference(CONF, "test")
    bare = dataclasses.replace(make_talk("Bare", 1, date(2012, 3, 9)), video_seconds=None)
    day = index_day(bare, CONF)
    store.write_talk(bare, CONF, day, index_keys(bare, day), EMPTY_KEYS)  # previous not known: nulls written
    assert tombstone_cells(store, bare) == 4  # starts_at, video_seconds, language, catalogue_id

    fresh = dataclasses.replace(bare, id=talk_id(CONF.id, "Fresh"), title="Fresh")
    store.write_talk(fresh, CONF, day, index_keys(fresh, day), EMPTY_KEYS, previous=None)  # a new talk
    assert tombstone_cells(store, fresh) == 0
    assert store.get_talk(fresh.id) == fresh

    spoken = dataclasses.replace(fresh, language="fr", video_seconds=60)
    store.write_talk(spoken, CONF, day, index_keys(spoken, day), EMPTY_KEYS, previous=fresh)
    assert tombstone_cells(store, spoken) == 0 and store.get_talk(fresh.id) == spoken
    silent = dataclasses.replace(spoken, language=None)  # a value removed: the one null written
    store.write_talk(silent, CONF, day, index_keys(silent, day), EMPTY_KEYS, previous=spoken)
    assert store.get_talk(fresh.id) == silent and tombstone_cells(store, silent) == 1
    store.write_talk(silent, CONF, day, index_keys(silent, day), EMPTY_KEYS, previous=silent)
    assert store.get_talk(fresh.id) == silent and tombstone_cells(store, silent) == 1
