"""The lists bucketed by month against the real node: pages across many buckets in both orders,
filtered walks, rows that move to another month, counts across buckets, and pruned buckets."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.browse import lists
from archive.domain import UNDATED, Conference, Link, Speaker, Talk, talk_id
from archive.indexes.tables import EMPTY_KEYS, index_day, index_keys, month_of
from archive.service import maintenance
from archive.service.run import recount_speakers, recount_tags
from tests.integration.test_import import index_audit

pytestmark = pytest.mark.integration

SECRET = "test-secret"
# Conferences a month apart from 2011-01 on (one is undated: its talks sort under UNDATED, bucket 197001).
CONFERENCES = [Conference(f"conf-{i:02d}", f"Conf {i}", date(2011 + i // 12, 1 + i % 12, 3 + i % 20),
                          date(2011 + i // 12, 1 + i % 12, 25)) for i in range(26)]
UNDATED_CONF = Conference("someday", "Someday", None, None)


def make_talk(conference: Conference, title: str, ordinal: int, day: date | None, tags=("testing",),
              speakers=("Gary Bernhardt",), kind="talk", words=2) -> Talk:
    return Talk(id=talk_id(conference.id, title), conference_id=conference.id, title=title,
                speakers=tuple(Speaker(n, "") for n in speakers), kind=kind, ordinal=ordinal, date=day,
                links=(Link("video", "https://example.org/v"),), notes_html="<p>notes</p>" if words else "",
                word_count=words, tags=tuple(sorted(tags)))


def write(store, talk: Talk, conference: Conference, old: Talk | None = None) -> None:
    day = index_day(talk, conference)
    keys = index_keys(talk, day)
    stale = index_keys(old, index_day(old, conference)).minus(keys) if old else EMPTY_KEYS
    store.write_talk(talk, conference, day, keys, stale)


def seed(store) -> list[tuple[Talk, date]]:
    """Two or three talks a month over 26 months (some on one day), every other one a lightning talk,
    one talk in three without notes, and two undated talks; return (talk, index day) pairs."""
    written = []
    for i, conf in enumerate(CONFERENCES):
        store.put_conference(conf, "test")
        for j in range(2 + i % 2):
            day = None if j == 2 else conf.start + timedelta(days=j * (i % 3))
            talk = make_talk(conf, f"Talk {i} {j}", j, day, kind="lightning" if (i + j) % 2 else "talk",
                             words=0 if (i + j) % 3 == 0 else 5)
            write(store, talk, conf)
            written.append((talk, index_day(talk, conf)))
    store.put_conference(UNDATED_CONF, "test")
    for j in range(2):
        talk = make_talk(UNDATED_CONF, f"Undated {j}", j, None)
        write(store, talk, UNDATED_CONF)
        written.append((talk, UNDATED))
    return written


def walk(read, page_size: int) -> list[tuple]:
    """Page a list to its end; assert no page is larger than asked and no page but the last is short."""
    seen, after = [], None
    while True:
        page = read(after=after, limit=page_size)
        assert len(page.rows) <= page_size
        seen += [(r["day"], r.get("ordinal"), r["talk_id"]) for r in page.rows]
        if page.next_key is None:
            return seen
        assert len(page.rows) == page_size
        after = page.next_key


@pytest.fixture
def seeded(clean_store):
    return clean_store, seed(clean_store)


@pytest.mark.parametrize("page_size", [1, 3, 7, 50])
def test_lists_spanning_many_months_page_like_brute_force(seeded, page_size):
    store, written = seeded
    newest = sorted(((d, None, t.id) for t, d in written), reverse=True)
    assert len({month_of(d) for _, d in written}) == 27  # 26 months and the undated bucket
    assert walk(lambda **kw: store.talks_by_tag("testing", **kw), page_size) == newest
    assert walk(lambda **kw: store.talks_by_speaker("gary-bernhardt", **kw), page_size) == newest
    assert walk(lambda **kw: store.talks_by_year(2012, **kw), page_size) == [k for k in newest if k[0].year == 2012]
    assert walk(lambda **kw: store.talks_by_year(1970, **kw), page_size) == [k for k in newest if k[0] == UNDATED]
    noted = sorted(((d, t.ordinal, t.id) for t, d in written if t.word_count), reverse=True)
    assert walk(lambda **kw: store.notes_by_list("tag:testing", **kw), page_size) == noted
    # in document order (a conference's notes list, read oldest month first), here across all months
    assert walk(lambda **kw: store.notes_by_list("tag:testing", in_order=True, **kw), page_size) == noted[::-1]
    # with the recounts' row counts in list_buckets, a page's first round reads as many buckets as fill it
    recount_tags(store, {"testing"})
    recount_speakers(store, {"gary-bernhardt"})
    assert sum(n for _, n in store.bucket_rows("tag:testing")) == len(written)
    assert walk(lambda **kw: store.talks_by_tag("testing", **kw), page_size) == newest
    assert walk(lambda **kw: store.talks_by_speaker("gary-bernhardt", **kw), page_size) == newest
    # the home page's newest notes: the years' lists one after another, as one plan of buckets
    by_years = [k for k in noted if k[0].year == 2012] + [k for k in noted if k[0].year == 2011]
    rows = store.notes_by_lists(["year:2012", "year:2011"], page_size).rows
    assert [(r["day"], r["ordinal"], r["talk_id"]) for r in rows] == by_years[:page_size]


@pytest.mark.parametrize("budget,limit", [(5, 2), (13, 4), (600, 20)])
def test_filtered_walks_across_buckets_skip_and_repeat_nothing(seeded, budget, limit, monkeypatch):
    store, written = seeded
    monkeypatch.setattr(lists, "SCAN_BUDGET", budget)
    for filters in (lists.ListFilters(kind="lightning"), lists.ListFilters(notes=True, kind="talk"),
                    lists.ListFilters(notes=True)):
        expected = [t.id for t, d in sorted(written, key=lambda p: (p[1], p[0].id), reverse=True)
                    if (not filters.kind or t.kind == filters.kind) and (not filters.notes or t.word_count)]
        if filters.notes:  # the notes list orders by (day, ordinal, talk_id)
            expected = [t.id for t, d in sorted(written, key=lambda p: (p[1], p[0].ordinal, p[0].id), reverse=True)
                        if (not filters.kind or t.kind == filters.kind) and t.word_count]
        got, cursor = [], None
        while True:
            page = lists.tag_page(store, SECRET, "testing", cursor, limit, filters)
            got += [r["talk_id"] for r in page.rows]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert got == expected, filters


def test_a_talk_moved_to_another_month_leaves_no_stale_row_and_its_bucket_is_pruned(clean_store):
    store = clean_store
    conf = CONFERENCES[14]  # 2012-03
    store.put_conference(conf, "test")
    other = make_talk(conf, "Stays", 1, date(2012, 3, 20), tags=("web",))
    old = make_talk(conf, "Moves", 2, date(2012, 3, 9), tags=("testing", "mocking"))
    write(store, other, conf)
    write(store, old, conf)
    new = make_talk(conf, "Moves", 2, date(2012, 5, 1), tags=("testing",))  # a re-import moved it to May
    write(store, new, conf, old)
    assert [(r["talk_id"], r["day"]) for r in store.talks_by_tag("testing", limit=10).rows] == [(new.id, date(2012, 5, 1))]
    assert store.talks_by_tag("mocking").rows == []
    assert [r["talk_id"] for r in store.talks_by_year(2012).rows] == [new.id, other.id]
    assert store.query("SELECT * FROM talks_by_tag WHERE tag = 'testing' AND month = 201203") == []
    assert store.buckets("tag:testing") == [201205, 201203]  # the emptied bucket stays until a rebuild
    assert index_audit(store).clean()
    maintenance.rebuild_indexes(store)
    assert store.buckets("tag:testing") == [201205] and store.buckets("tag:mocking") == []
    assert store.buckets("year:2012") == [201205, 201203] and store.buckets("notes:year:2012") == [201205, 201203]
    assert index_audit(store).clean() and not any(index_audit(store).orphans.values())


def test_tag_cloud_and_speakers_directory_count_across_buckets(seeded):
    store, written = seeded
    extra = make_talk(CONFERENCES[3], "Ann's talk", 9, None, tags=("web", "testing"), speakers=("Ann Smith",))
    write(store, extra, CONFERENCES[3])
    written.append((extra, CONFERENCES[3].start))
    tagged = {tag: sum(1 for t, _ in written if tag in t.tags) for tag in ("testing", "web", "nothing")}
    assert store.count_tags(tagged) == tagged and store.count_tag("testing") == len(written)
    recount_tags(store, tagged)
    assert store.tag_cloud() == {"testing": len(written), "web": 1}
    gary = [t for t, _ in written if t.speakers[0].name == "Gary Bernhardt"]
    counts = store.count_speakers(["gary-bernhardt", "ann-smith", "nobody"])
    assert counts == {"gary-bernhardt": ("Gary Bernhardt", len(gary), sum(1 for t in gary if t.word_count)),
                      "ann-smith": ("Ann Smith", 1, 1), "nobody": (None, 0, 0)}
    recount_speakers(store, {"gary-bernhardt", "ann-smith"})
    rows = {r["slug"]: (r["talk_count"], r["notes_count"]) for r in store.query("SELECT * FROM speakers_by_prefix")}
    assert rows == {"gary-bernhardt": counts["gary-bernhardt"][1:], "ann-smith": (1, 1)}
    assert store.count_notes("tag:testing") == sum(1 for t, _ in written if t.word_count)
