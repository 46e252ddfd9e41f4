"""Importing the pyvideo catalogue into the real node, and linking the seed notes to it."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from archive.config import PROJECT_ROOT
from archive.service.runner import run_import
from archive.sources import Source, list_documents
from archive.talks.tag_report import largest
from tests.integration.test_import import index_audit, table_digest
from tests.topics import assert_topics

pytestmark = pytest.mark.integration


def count(store, table):
    return store.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def test_the_run_commands_sources_link_the_seed_notes_to_their_catalogue_talks(clean_store):
    store = clean_store
    summary = run_import(store, PROJECT_ROOT / "sources.toml")
    assert summary.failed == 0, summary.errors
    zed = store.get_talk("djangocon-eu-2013--zed-shaw-the-imaginative-programmer")
    assert zed.title == "The Imaginative Programmer"
    assert [s.name for s in zed.speakers] == ["Zed A. Shaw"] and zed.date == date(2013, 5, 15)
    assert zed.link("video") == "https://www.youtube.com/watch?v=w1-bDwNtG-I"
    assert "imagination" in zed.notes_html.lower() or zed.word_count > 50  # the body comes from the notes
    fast = store.get_talk("pycon-us-2012--fast-test-slow-test")
    assert fast.date == date(2012, 3, 9) and fast.notes_source and fast.link("video")
    # 87 notes talks + 290 catalogue talks, less the 40 linked pairs; one conference per event
    assert summary.linked == 40 and count(store, "talks") == 337 and count(store, "conferences") == 3
    assert "djangocon-eu-2013: Kopernik" in summary.unmatched and len(summary.unmatched) == 47
    # the notes-only id is gone from every index; the merged talk is on the speaker's page
    assert store.talks_by_speaker("zed-a-shaw").rows[0]["talk_id"] == zed.id
    assert index_audit(store).clean()
    before = table_digest(store)
    again = run_import(store, PROJECT_ROOT / "sources.toml")
    assert (again.new, again.changed, again.talks_written, again.talks_deleted) == (0, 0, 0, 0)
    assert table_digest(store) == before


@pytest.fixture
def messy_catalogue(corpus, tmp_path):
    """Two real events, plus files with the catalogue's mess and two that cannot be used."""
    root = tmp_path / "catalogue"
    for event in ("djangocon-eu-2013", "pycon-us-2012"):
        shutil.copytree(corpus / "pyvideo-data" / event, root / event)
    videos = root / "djangocon-eu-2013" / "videos"
    crlf = {"title": "  Lightning\r\n talks  ", "speakers": ["Various speakers"], "recorded": None,
            "videos": [], "description": "Line one\r\nline two\r\n"}
    (videos / "crlf-and-null-recorded.json").write_bytes(json.dumps(crlf, indent=2).replace("\n", "\r\n").encode())
    (videos / "żółw-ünïcode.json").write_text(json.dumps(
        {"title": "Żółw: A & B", "speakers": ["Anna Nowak and Jan Kowalski"], "recorded": "2013-05-16T10:00:00+02:00",
         "videos": [], "description": "", "tags": ["Data Science", "data science", "data-science"]}))
    (videos / "broken.json").write_text('{"title": "cut off')
    (videos / "untitled.json").write_text(json.dumps({"title": " ", "speakers": [], "videos": []}))
    return root


def test_a_messy_catalogue_lands_except_the_files_it_rejects_with_reasons(clean_store, messy_catalogue):
    store = clean_store
    source = Source("pyvideo", "catalogue", messy_catalogue)
    files = [p for p in list_documents(source) if "/videos/" in p]
    sources_file = messy_catalogue.parent / "sources.toml"
    sources_file.write_text(f'[[source]]\nname = "pyvideo"\nkind = "catalogue"\npath = "{messy_catalogue}"\n')
    summary = run_import(store, sources_file)
    reasons = dict(summary.errors)
    assert summary.failed == 2 and set(reasons) == {"pyvideo:djangocon-eu-2013/videos/broken.json",
                                                    "pyvideo:djangocon-eu-2013/videos/untitled.json"}
    assert "not valid JSON" in reasons["pyvideo:djangocon-eu-2013/videos/broken.json"]
    assert "the talk has no title" in reasons["pyvideo:djangocon-eu-2013/videos/untitled.json"]
    assert count(store, "talks") == len(files) - 2 == 30 + 161 + 2
    assert count(store, "conferences") == 2
    dj = {t.title: t for t in store.talks_of_conference("djangocon-eu-2013")}
    assert dj["Lightning talks"].date is None and dj["Lightning talks"].speakers == ()
    assert "<br>" in dj["Lightning talks"].summary_html and "\r" not in dj["Lightning talks"].summary_html
    turtle = dj["Żółw: A & B"]
    assert [s.name for s in turtle.speakers] == ["Anna Nowak", "Jan Kowalski"] and turtle.id.isascii()
    assert "data-science" in turtle.tags and not {"Data Science", "data science"} & set(turtle.tags)
    conference = store.get_conference("djangocon-eu-2013")
    assert (conference.name, conference.start, conference.end) == ("DjangoCon Europe 2013", date(2013, 5, 15),
                                                                   date(2013, 5, 16))
    assert index_audit(store).clean()
    # removing a file removes its talk from every table
    (messy_catalogue / "djangocon-eu-2013" / "videos" / "żółw-ünïcode.json").unlink()
    removed = run_import(store, sources_file)
    assert removed.removed == 1 and removed.talks_deleted == 1 and "Żółw: A & B" not in {
        t.title for t in store.talks_of_conference("djangocon-eu-2013")}
    assert store.get_conference("djangocon-eu-2013").end == date(2013, 5, 15)
    assert index_audit(store).clean()


@pytest.mark.slow
def test_the_whole_catalogue_gives_a_talk_per_file_and_a_conference_per_event(clean_store, corpus):
    store = clean_store
    sources_file = PROJECT_ROOT / "sources-full.toml"
    summary = run_import(store, sources_file)
    catalogue = Source("pyvideo", "catalogue", corpus / "pyvideo-data")
    videos = sum(1 for p in list_documents(catalogue) if "/videos/" in p)
    events = sum(1 for p in list_documents(catalogue) if p.endswith("/category.json"))
    assert (videos, events) == (21715, 540)
    assert summary.failed == 0, summary.errors[:5]
    # one talk per file (none rejected), plus the notes talks that matched nothing in the catalogue
    assert count(store, "talks") == videos + 87 - summary.linked
    assert summary.linked == 40 and count(store, "conferences") == events
    assert index_audit(store).clean()
    # the ten largest tags `notes-archive tags` prints from the archive's counts are topics
    top = largest(store.tag_cloud(), 10)
    print("\nten largest tags of the imported catalogue:", ", ".join(f"{t} {n}" for t, n in top))
    assert_topics(top, [(c.id, c.name) for c, _ in store.all_conferences()])
    again = run_import(store, sources_file)
    assert (again.unchanged, again.talks_written, again.talks_deleted) == (videos + events + 3, 0, 0)
