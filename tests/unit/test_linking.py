"""Linking notes talks to catalogue talks (pure), on the real seed notes and catalogue events."""
from __future__ import annotations

from datetime import date

import pytest

from archive.parse.catalogue import parse_video
from archive.domain import Conference, Link, Speaker, Talk
from archive.service.runner import parse_bytes, tag
from archive.talks.linking import link_talks, merge_conference, merge_talk, tokens
from archive.talks.build import build_talks
from archive.sources import Source, read_documents

CONFERENCES = {
    "europython-2012": ("000_*.txt", Conference("europython-2012", "EuroPython 2012", date(2012, 7, 2), date(2012, 7, 8))),
    "djangocon-eu-2013": ("002_*.txt", Conference("djangocon-eu-2013", "DjangoCon Europe 2013", date(2013, 5, 15),
                                                  date(2013, 5, 19))),
    "pycon-us-2012": ("004_*.txt", Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15))),
}


def real_links(corpus, event):
    pattern, conference = CONFERENCES[event]
    source = Source("notes", "notes", corpus / "seeds", include=(pattern,), conference=conference)
    notes = [t for doc in read_documents(source)
             for t in build_talks(parse_bytes(doc.data, doc.path), conference, "n", "text", tag)]
    folder = corpus / "pyvideo-data" / event / "videos"
    catalogue = [parse_video(f.read_bytes(), f"{event}/videos/{f.name}", event)[0] for f in sorted(folder.glob("*.json"))]
    result = link_talks(notes, catalogue)
    by_id = {c.id: c for c in catalogue}
    return {t.title: by_id[result.pairs[t.id]].title for t in notes if t.id in result.pairs}, result, notes


def test_every_pycon_2012_notes_talk_finds_its_catalogue_talk(corpus):
    linked, result, notes = real_links(corpus, "pycon-us-2012")
    assert len(notes) == 16 and not result.unmatched
    assert linked["Fast test, slow test"] == "Fast Test, Slow Test"
    assert linked["Django Forms Deep Dive"] == "Django Form Processing Deep Dive"
    assert linked["Throwing Together Distributed Services With Gevent (Ginkgo)"] == (
        "Throwing Together Distributed Services With Gevent")
    assert linked["IPython: Python at your fingertips"] == "IPython: Python at your fingertips"  # not "IPython in-depth"
    assert linked["Python, Linkers, and Virtual Memory"] == "Python, Linkers, and Virtual Memory"


def test_djangocon_2013_short_titles_link_and_unknown_talks_stay_unlinked(corpus):
    linked, result, notes = real_links(corpus, "djangocon-eu-2013")
    assert linked == {
        "Circus": "Circus: process & socket manager",
        "Processing Payments": "Processing payments for the paranoid",
        "The Imaginative Programmer": "The Imaginative Programmer",
        "Advanced PostgreSQL": "Advanced PostgreSQL in Django",
        "Recommendations": "Getting recommendations out of nothing",
        "Combine JS and Django": "How to combine JavaScript & Django in a smart way",
        "Profiling": "Thread Profiling in Python",
        "Migrating the Future": "Migrating The Future",
        "Having your pony and committing it too": "Having Your Pony and Committing It Too",
    }
    unlinked = {t.title for t in notes if t.id in result.unmatched}
    assert "Kopernik" in unlinked and "Elasticsearch" in unlinked  # no catalogue talk: no guess


def test_europython_2012_links_abbreviations_typos_and_a_keynote_named_by_its_speaker(corpus):
    linked, _, _ = real_links(corpus, "europython-2012")
    assert linked["BDD at BSkyB, Collaboratively coding correctly"] == "Behaviour Driven Development at BSkyB"
    assert linked["Continous introspection"] == "Healthy webapps through continuous introspection"
    assert linked["Permission or Forgiveness"] == "Permission or forgiveness?"
    assert "Guido van Rossum" not in linked  # three talks by Guido, none called a keynote: ambiguous
    assert "Going massive with uWSGI and nginx" not in linked  # the catalogue has it in Italian only
    assert not any(title in linked for title in ("Transifex", "Psycopg", "Kivy"))  # lightning talks


def talk(tid, title, speakers=(), kind="talk", **kw):
    return Talk(id=tid, conference_id="c", title=title, speakers=tuple(Speaker(s) for s in speakers), kind=kind, **kw)


def test_two_alike_candidates_give_no_link():
    notes = [talk("n1", "Testing")]
    catalogue = [talk("c1", "Testing Django", ["Ann Smith"]), talk("c2", "Testing Flask", ["Bob Jones"])]
    assert link_talks(notes, catalogue).pairs == {}


def test_speakers_on_both_sides_must_meet():
    notes = [talk("n1", "Advanced Flask Patterns", ["Carl Winter"])]
    assert link_talks(notes, [talk("c1", "Advanced Flask Patterns", ["Armin Ronacher"])]).pairs == {}
    assert link_talks(notes, [talk("c1", "Advanced Flask Patterns", ["Carl A. Winter"])]).pairs == {"n1": "c1"}


def test_a_catalogue_talk_links_to_one_notes_talk_at_most():
    notes = [talk("n1", "Mocking"), talk("n2", "Mocking")]
    assert link_talks(notes, [talk("c1", "Mocking in depth")]).pairs == {}


def test_the_merged_talk_takes_the_body_from_notes_and_the_facts_from_the_catalogue():
    notes = talk("n1", "Imaginative Programmer", ["Zed Shaw"], notes_html="<p>body</p>", notes_source="body",
                 links=(Link("slides", "https://s/1"),), tags=("c", "talk", "ruby"), document_id="notes:a")
    catalogue = talk("c1", "The Imaginative Programmer", ["Zed A. Shaw"], date=date(2013, 5, 15),
                     links=(Link("video", "https://v/1"),), tags=("c", "talk"), catalogue_id="c1")
    merged = merge_talk(notes, catalogue)
    assert (merged.id, merged.title, merged.date) == ("c1", "The Imaginative Programmer", date(2013, 5, 15))
    assert [s.name for s in merged.speakers] == ["Zed A. Shaw"]
    assert [l.kind for l in merged.links] == ["video", "slides"]
    assert merged.notes_html == "<p>body</p>" and merged.tags == ("c", "ruby", "talk")


def test_conference_facts_prefer_the_sources_file_and_dates_come_from_talks():
    event = Conference("c", "Event Name", url="http://e/")
    assert merge_conference("c", None, event, [date(2020, 5, 3), None, date(2020, 5, 1)]) == Conference(
        "c", "Event Name", date(2020, 5, 1), date(2020, 5, 3), url="http://e/")
    configured = Conference("c", "Configured", date(2020, 4, 30), date(2020, 5, 4), "Town", "Europe/Rome")
    assert merge_conference("c", configured, event, [date(2020, 5, 1)]) == Conference(
        "c", "Configured", date(2020, 4, 30), date(2020, 5, 4), "Town", "Europe/Rome", "http://e/")
    assert merge_conference("c", None, None, []) is None


@pytest.mark.parametrize("title, expected", [
    ("Combine JS and Django", ("combine", "javascript", "django")),
    ("BDD at BSkyB", ("behaviour", "driven", "development", "bskyb")),
    ("Processing Payments", ("processing", "payment")),
])
def test_tokens(title, expected):
    assert tokens(title) == expected
