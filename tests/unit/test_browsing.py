"""The read side's pure pieces: list filters and scanning pages, talk identities across ids."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings, strategies as st

from archive.browse import lists
from archive.browse.lists import ListFilters
from archive.domain import Talk
from archive.storage.rows import Page
from archive.talks.identity import moved_ids

KINDS = ("talk", "keynote", "lightning")
LANGUAGES = ("eng", "spa", None)


class FakeList:
    """A talk list partition: rows newest first, read by (day, talk_id) key like the store does."""

    def __init__(self, rows):
        self.rows = sorted(rows, key=lambda r: (r["day"], r["talk_id"]), reverse=True)
        self.reads = 0

    def read(self, after=None, limit=25):
        self.reads += 1
        rows = [r for r in self.rows if after is None or (r["day"], r["talk_id"]) < after]
        page = rows[:limit]
        return Page(page, (page[-1]["day"], page[-1]["talk_id"]) if len(rows) > limit else None)


rows_strategy = st.lists(st.tuples(st.integers(0, 30), st.sampled_from(KINDS), st.sampled_from(LANGUAGES)),
                         max_size=80).map(lambda items: [
    {"day": date(2012, 1, 1) + timedelta(days=d), "talk_id": f"c--t{i}", "kind": k, "language": lang}
    for i, (d, k, lang) in enumerate(items)])


@settings(max_examples=200, deadline=None)
@given(rows=rows_strategy, kind=st.sampled_from((None,) + KINDS), language=st.sampled_from(("eng", "SPA", None)),
       limit=st.integers(1, 7), budget=st.integers(1, 40))
def test_walking_a_filtered_list_gives_exactly_its_matching_rows_in_order(rows, kind, language, limit, budget):
    filters = ListFilters(kind=kind, language=language)
    source = FakeList(rows)
    expected = [r["talk_id"] for r in source.rows if filters.keeps(r)]
    old, lists.SCAN_BUDGET = lists.SCAN_BUDGET, budget
    try:
        got, after, pages = [], None, 0
        while True:
            page, after, scanned = lists._scan(source.read, after, limit, filters, ("day", "talk_id"))
            assert len(page) <= limit and scanned <= budget  # never more rows read than the budget, a page
            got += [r["talk_id"] for r in page]
            pages += 1
            if after is None:
                break
            assert pages < 500
    finally:
        lists.SCAN_BUDGET = old
    assert got == expected


def test_filters_read_from_and_give_back_their_parameters():
    filters = ListFilters(notes=True, kind="keynote", language="spa")
    assert filters.params() == {"notes": "1", "kind": "keynote", "language": "spa"}
    assert filters.scans() and not filters.is_empty() and ListFilters().params() == {}
    assert ListFilters(notes=True).key() != ListFilters().key() != ListFilters(kind="talk").key()
    assert filters.keeps({"kind": "keynote", "language": "SPA"}) and not filters.keeps({"kind": "keynote"})


def talk(tid, document_id="", anchor="", catalogue_id=None, notes=True):
    return Talk(id=tid, conference_id="c", title=tid, document_id=document_id, anchor=anchor,
                catalogue_id=catalogue_id, notes_format="rst" if notes else "")


def test_a_gone_talk_moves_to_the_one_talk_that_continues_it():
    notes = talk("c--notes-title", "notes:a.rst", "fast")
    linked = talk("c--catalogue", "notes:a.rst", "fast", catalogue_id="c--catalogue")
    assert moved_ids({notes.id: notes}, [linked]) == {"c--notes-title": "c--catalogue"}
    # unlinked again: the catalogue id moves back to the notes talk
    assert moved_ids({linked.id: linked}, [notes]) == {"c--catalogue": "c--notes-title"}
    # a catalogue-only talk that left has nobody to continue it; two candidates: no guess
    gone = talk("c--x", catalogue_id="c--x", notes=False)
    assert moved_ids({gone.id: gone}, [notes]) == {}
    twins = [talk("c--one", "notes:a.rst", "fast"), talk("c--two", "notes:a.rst", "fast")]
    assert moved_ids({notes.id: notes}, twins) == {}
