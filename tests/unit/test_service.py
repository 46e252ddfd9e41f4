"""The archive service's decisions, against a fake store (no server), with a tiny fake parser."""
from __future__ import annotations

from datetime import date

from archive.domain import Conference, DocumentError, ParsedDocument, ParsedTalk, Speaker, WriteRefused
from archive.talks.build import build_talks, document_day
from archive.service.importing import ArchiveService
from archive.sources import DocumentInput, Source
from tests.fakes import FakeStore

CONF = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15))
SOURCE = Source("notes", "notes", path=None, conference=CONF)  # type: ignore[arg-type]


def fake_parse(data: bytes, filename: str, hints=None) -> ParsedDocument:
    """Parse 'Title|Speaker|tag,tag' lines into talks; 'BROKEN' raises DocumentError."""
    text = data.decode()
    if "BROKEN" in text:
        raise DocumentError("broken on purpose")
    talks = []
    for i, line in enumerate(l for l in text.splitlines() if l.strip()):
        title, speaker, tags = line.split("|")
        talks.append(ParsedTalk(title=title, speakers=(Speaker(speaker),), ordinal=i + 1,
                                keywords=tuple(t for t in tags.split(",") if t), word_count=3))
    return ParsedDocument(title="Notes Day 3", format="text", talks=tuple(talks))


def fake_tag(talk):
    return tuple(sorted(set(talk.tags) | {talk.conference_id}))


def service():
    store = FakeStore()
    return ArchiveService(store, fake_parse, fake_tag), store


def docs(**files):
    return [DocumentInput(p, d.encode() if isinstance(d, str) else d) for p, d in files.items()]


def test_first_import_writes_talks_and_every_index_row():
    svc, store = service()
    summary = svc.sync_source(SOURCE, docs(a="One|Ann Smith|web\nTwo|Bob Jones|db"))
    assert (summary.seen, summary.new, summary.talks_written) == (1, 1, 2)
    assert {t.title for t, _ in store.talks.values()} == {"One", "Two"}
    assert {k[0] for k in store.index["talks_by_tag"]} == {"web", "db", "pycon-us-2012"}
    assert {k[0] for k in store.index["talks_by_speaker"]} == {"ann-smith", "bob-jones"}
    # "Day 3" in the document title dates undated talks to the conference's third day
    assert {d for _, d in store.talks.values()} == {date(2012, 3, 9)}
    assert store.tag_counts == {"web": 1, "db": 1, "pycon-us-2012": 2}
    assert store.talk_counts["pycon-us-2012"] == 2


def test_second_import_of_unchanged_sources_writes_nothing():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    before = store.writes
    summary = svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    assert store.writes == before
    assert (summary.unchanged, summary.talks_written) == (1, 0)


def test_the_generation_moves_when_an_import_changes_the_archive_and_only_then():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    first = store.generation
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    assert first == 1 and store.generation == first            # a no-op run starts no generation
    svc.sync_source(SOURCE, docs(a="One, renamed|Ann Smith|web"))
    assert store.generation == first + 1
    svc.sync_source(SOURCE, docs())                             # the document left: its talk goes
    assert store.generation == first + 2 and not store.talks


def test_edit_leaves_no_stale_index_row_and_dropped_talks_go():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web,db\nTwo|Bob Jones|db"))
    summary = svc.sync_source(SOURCE, docs(a="One|Carl Winter|web"))
    assert (summary.changed, summary.talks_deleted) == (1, 1)
    assert {k[0] for k in store.index["talks_by_tag"]} == {"web", "pycon-us-2012"}
    assert {k[0] for k in store.index["talks_by_speaker"]} == {"carl-winter"}
    assert store.tag_counts == {"web": 1, "pycon-us-2012": 1}


def test_removed_document_takes_its_talks_everywhere():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web", b="Two|Bob Jones|db"))
    summary = svc.sync_source(SOURCE, docs(b="Two|Bob Jones|db"))
    assert (summary.removed, summary.talks_deleted) == (1, 1)
    assert [t.title for t, _ in store.talks.values()] == ["Two"]
    assert all(k[-1].endswith("two") for table, rows in store.index.items() if table != "list_buckets" for k in rows)
    # a month bucket keeps its row when its talks leave (readers skip it; the rebuild prunes it)
    assert ("tag:web", 201203) in store.index["list_buckets"]
    assert ("notes", "a") not in store.documents


def test_bad_document_is_recorded_and_the_others_still_land():
    svc, store = service()
    inputs = docs(a="One|Ann Smith|web", b="BROKEN") + [DocumentInput("c", None, "file is 20.0 MB, over the limit")]
    summary = svc.sync_source(SOURCE, inputs)
    assert (summary.seen, summary.new, summary.failed) == (3, 1, 2)
    assert [t.title for t, _ in store.talks.values()] == ["One"]
    assert store.documents[("notes", "b")]["last_error"] == "broken on purpose"
    assert "20.0 MB" in store.documents[("notes", "c")]["last_error"]
    assert dict(summary.errors)["notes:b"] == "broken on purpose"
    # a second run reports the still-broken documents again, without writing anything
    writes = store.writes
    again = svc.sync_source(SOURCE, inputs)
    assert (again.unchanged, again.failed, store.writes) == (1, 2, writes)


def test_broken_edit_keeps_the_last_good_talks():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    summary = svc.sync_source(SOURCE, docs(a="BROKEN"))
    assert summary.failed == 1
    assert [t.title for t, _ in store.talks.values()] == ["One"]
    # the talks stay owned by the document, so deleting it later still removes them
    svc.sync_source(SOURCE, [])
    assert store.talks == {}


def test_duplicate_titles_in_one_document_get_distinct_ids():
    parsed = ParsedDocument("x", "text", (ParsedTalk("Same", ordinal=1), ParsedTalk("Same", ordinal=2)))
    talks = build_talks(parsed, CONF, "s:x", "text", fake_tag)
    assert len({t.id for t in talks}) == 2


def test_document_day_needs_a_dated_conference_and_stays_inside_it():
    assert document_day("Django Circus Notes (Day 1)", CONF) == date(2012, 3, 7)
    assert document_day("Notes day 30", CONF) is None
    assert document_day("Notes (Day 1)", Conference("x", "X")) is None


def test_a_talk_too_large_for_one_batch_fails_its_document_by_name():
    svc, store = service()
    huge = "Huge|Ann Smith|web"
    svc.parse = lambda data, name, hints=None: ParsedDocument("x", "text", (ParsedTalk("Huge", notes_source="x" * 500_000),))
    summary = svc.sync_source(SOURCE, docs(a=huge))
    assert summary.failed == 1 and "'Huge'" in summary.errors[0][1] and "KiB" in summary.errors[0][1]
    assert store.talks == {}


# -- catalogue and linking ----------------------------------------------------------------------
import json  # noqa: E402

CATALOGUE = Source("pyvideo", "catalogue", path=None)  # type: ignore[arg-type]


def video(title, speaker, recorded="2012-03-09", url="https://v/1"):
    return json.dumps({"title": title, "speakers": [speaker], "recorded": recorded,
                       "videos": [{"type": "youtube", "url": url}], "description": ""})


def catalogue_docs(**videos):
    files = {"pycon-us-2012/category.json": '{"title": "PyCon US 2012"}'}
    files |= {f"pycon-us-2012/videos/{name}.json": body for name, body in videos.items()}
    return docs(**files)


def talks_state(store):
    return {tid: (t.title, [s.name for s in t.speakers], t.date, [l.url for l in t.links], t.document_id)
            for tid, (t, _) in store.talks.items()}


def test_notes_and_catalogue_link_whichever_is_imported_first():
    videos = {"fast": video("Fast Test, Slow Test", "Gary Bernhardt"),
              "other": video("Stop Writing Classes", "Jack Diederich", "2012-03-10", "https://v/2")}
    notes = docs(a="Fast test, slow test|Gary Bernhardt|testing")
    first, first_store = service()
    first.sync_source(SOURCE, notes)
    first.sync_source(CATALOGUE, catalogue_docs(**videos))
    second, second_store = service()
    summary = second.sync_source(CATALOGUE, catalogue_docs(**videos))
    summary.merge(second.sync_source(SOURCE, notes))
    assert talks_state(first_store) == talks_state(second_store)
    assert talks_state(first_store)["pycon-us-2012--fast"] == (
        "Fast Test, Slow Test", ["Gary Bernhardt"], date(2012, 3, 9), ["https://v/1"], "notes:a")
    assert len(first_store.talks) == 2 and summary.linked == 1 and not summary.unmatched
    assert first_store.index == second_store.index


def test_removing_the_catalogue_talk_gives_the_notes_talk_back_its_own_id():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="Fast test, slow test|Gary Bernhardt|testing"))
    svc.sync_source(CATALOGUE, catalogue_docs(fast=video("Fast Test, Slow Test", "Gary Bernhardt")))
    assert set(store.talks) == {"pycon-us-2012--fast"}
    svc.sync_source(CATALOGUE, catalogue_docs())
    assert set(store.talks) == {"pycon-us-2012--fast-test-slow-test"}
    assert {k[-1] for k in store.index["talks_by_tag"]} == {"pycon-us-2012--fast-test-slow-test"}


def test_unmatched_notes_talks_are_listed_and_a_rejected_file_does_not_stop_the_rest():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="Fast test, slow test|Gary Bernhardt|\nKopernik|Ann Smith|"))
    summary = svc.sync_source(CATALOGUE, catalogue_docs(fast=video("Fast Test, Slow Test", "Gary Bernhardt"),
                                                        broken="{not json", empty=video("  ", "Ann Smith")))
    assert summary.failed == 2 and summary.unmatched == ["pycon-us-2012: Kopernik"]
    assert sorted(e for _, e in summary.errors) == [
        "pycon-us-2012/videos/broken.json: not valid JSON: Expecting property name enclosed in double quotes "
        "at line 1 column 2", "pycon-us-2012/videos/empty.json: the talk has no title"]
    assert "pycon-us-2012--fast" in store.talks and store.conferences["pycon-us-2012"].name == "PyCon US 2012"


def test_a_second_catalogue_import_writes_nothing():
    svc, store = service()
    inputs = catalogue_docs(fast=video("Fast Test, Slow Test", "Gary Bernhardt"))
    svc.sync_source(CATALOGUE, inputs)
    before = store.writes
    summary = svc.sync_source(CATALOGUE, inputs)
    assert store.writes == before and summary.unchanged == 2 and summary.talks_written == 0


def test_catalogue_event_dates_come_from_its_talks():
    svc, store = service()
    svc.sync_source(CATALOGUE, catalogue_docs(a=video("One", "Ann Smith", "2012-03-11"),
                                              b=video("Two", "Bob Jones", "2012-03-09", "https://v/2")))
    conference = store.conferences["pycon-us-2012"]
    assert (conference.start, conference.end) == (date(2012, 3, 9), date(2012, 3, 11))


class RefusingStore(FakeStore):
    """A store whose database refuses any talk titled "Poison", as a node refuses a batch too large."""

    def write_talk(self, talk, conference, day, keys, stale, wait=True, previous=None):
        if talk.title == "Poison":
            raise WriteRefused("the database refused a write: InvalidRequest: Batch too large")
        return super().write_talk(talk, conference, day, keys, stale, wait)


def test_a_write_the_database_refuses_fails_its_document_alone_and_the_next_run_recovers():
    store = RefusingStore()
    svc = ArchiveService(store, fake_parse, fake_tag)
    summary = svc.sync_source(SOURCE, docs(a="One|Ann Smith|web", b="Poison|Bo Li|db", c="Three|Cy Young|web"))
    assert summary.failed == 1 and summary.errors[0][0].endswith(":b") and "Batch too large" in summary.errors[0][1]
    assert {t.title for t, _ in store.talks.values()} == {"One", "Three"}
    assert not any(t.title == "Poison" for t in store.source_facts("pycon-us-2012").notes)
    # Unchanged, the poisoned document is reported again and stops nothing; removed, it leaves no trace.
    again = svc.sync_source(SOURCE, docs(a="One|Ann Smith|web", b="Poison|Bo Li|db", c="Three|Cy Young|web"))
    assert again.failed == 1 and again.unchanged == 2
    fixed = svc.sync_source(SOURCE, docs(a="One|Ann Smith|web", c="Three|Cy Young|web"))
    assert fixed.failed == 0 and fixed.removed == 1 and store.get_document(SOURCE.name, "b") is None


def test_a_failure_recorded_by_a_task_keeps_its_talks_so_removal_leaves_no_ghost():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web", b="Two|Bob Jones|db"))
    # What a document task records after its last retry (before, it kept no talk ids: ghost talks).
    svc.record_failure(SOURCE, "b", "gave up after 5 retries: OSError: disk")
    assert store.get_document(SOURCE.name, "b")["talk_ids"] == {t.id for t, _ in store.talks.values()
                                                                if t.title == "Two"}
    svc.sync_source(SOURCE, docs(a="One|Ann Smith|web"))
    assert {t.title for t, _ in store.talks.values()} == {"One"}
    assert [t.title for t in store.source_facts("pycon-us-2012").notes] == ["One"]


def test_an_id_that_linking_changes_is_recorded_both_ways_by_the_relink_that_changes_it():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="Fast test, slow test|Gary Bernhardt|testing"))
    assert store.redirects == {}
    svc.sync_source(CATALOGUE, catalogue_docs(fast=video("Fast Test, Slow Test", "Gary Bernhardt")))
    assert store.redirects == {"pycon-us-2012--fast-test-slow-test": "pycon-us-2012--fast"}
    svc.sync_source(CATALOGUE, catalogue_docs())  # unlinked: the notes id is back
    assert store.redirects == {"pycon-us-2012--fast-test-slow-test": "pycon-us-2012--fast",
                               "pycon-us-2012--fast": "pycon-us-2012--fast-test-slow-test"}


def test_the_speakers_directory_and_conference_notes_counts_follow_imports():
    svc, store = service()
    svc.sync_source(SOURCE, docs(a="Fast test, slow test|Gary Bernhardt|testing\nStop mocking|Augie Fackler|"))
    assert store.speakers == {"gary-bernhardt": ("Gary Bernhardt", 1, 1), "augie-fackler": ("Augie Fackler", 1, 1)}
    assert store.notes_counts["pycon-us-2012"] == 2
    svc.sync_source(SOURCE, docs(a="Fast test, slow test|Gary Bernhardt|testing"))
    assert store.speakers == {"gary-bernhardt": ("Gary Bernhardt", 1, 1)}  # a speaker with no talk leaves
    assert store.notes_counts["pycon-us-2012"] == 1
