"""Browsing as a reader would, against the real node: notes-first lists and filters, the speakers
directory with its feeds, and old talk URLs that redirect after the importer changed a talk's id."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from archive.browse import lists
from archive.config import PROJECT_ROOT
from archive.service.runner import run_import
from tests.web_fixtures import web_settings  # noqa: F401 - fixture

pytestmark = pytest.mark.integration

SOURCES = PROJECT_ROOT / "sources.toml"
NOTES_SOURCES = ("europython-2012-notes", "djangocon-eu-2013-notes", "pycon-us-2012-notes")
CONFERENCES = ("europython-2012", "djangocon-eu-2013", "pycon-us-2012")
ATOM = "{http://www.w3.org/2005/Atom}"


def make_client(store, web_settings, **config):
    from web import create_app

    return create_app({"TESTING": True, "NOTES_SETTINGS": web_settings, "STORE": store,
                       "NOTES_GENERATION_INTERVAL_MS": 0, **config}).test_client()


def stored_talks(store) -> dict:
    return {t.id: t for cid in CONFERENCES for t in store.talks_of_conference(cid)}


def sources_file(tmp_path, corpus, catalogue_events) -> str:
    """The run command's sources with absolute paths, the catalogue narrowed to some events."""
    text = SOURCES.read_text().replace('"../shared/corpus', f'"{corpus}')
    include = ", ".join(f'"{e}/*"' for e in catalogue_events)
    text = re.sub(r'include = \["europython-2012/\*".*\]', f"include = [{include}]", text)
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_an_id_that_linking_changes_keeps_answering_with_a_permanent_redirect(clean_store, web_settings, tmp_path,
                                                                               corpus):
    store = clean_store
    run_import(store, SOURCES, names=NOTES_SOURCES)  # notes first: their own ids
    notes_only = stored_talks(store)
    summary = run_import(store, SOURCES)              # then the catalogue: linked talks take its ids
    linked = stored_talks(store)
    moved = sorted(set(notes_only) - set(linked))
    redirects = {r["old_id"]: r["new_id"] for r in store.query("SELECT old_id, new_id FROM talk_redirects")}
    assert summary.talks_deleted == len(moved) >= 15  # 40 links; some notes ids were the catalogue's already
    assert set(redirects) == set(moved)  # each id that went away went to a talk, recorded by the same import
    client = make_client(store, web_settings)
    for old in moved:
        new = redirects[old]
        assert new in linked and linked[new].notes_html == notes_only[old].notes_html  # the same talk
        page = client.get(f"/talks/{old}?ref=feed")
        assert page.status_code == 301 and page.headers["Location"] == f"/talks/{new}?ref=feed"
        api = client.get(f"/api/v1/talks/{old}")
        assert api.status_code == 301 and api.headers["Location"] == f"/api/v1/talks/{new}"
        assert client.get(page.headers["Location"]).status_code == 200
    assert client.get("/talks/pycon-us-2012--no-such-talk").status_code == 404

    # Undo the links of two events: their talks take their notes ids back, and the catalogue ids
    # they had answer with a redirect to them.
    run_import(store, sources_file(tmp_path, corpus, ["europython-2012"]))
    unlinked = stored_talks(store)
    back = sorted(set(linked) - set(unlinked))
    redirects = {r["old_id"]: r["new_id"] for r in store.query("SELECT old_id, new_id FROM talk_redirects")}
    gone_for_good = [t for t in back if t not in redirects]
    assert all(not linked[t].notes_format for t in gone_for_good)  # catalogue-only talks have no successor
    returned = [t for t in back if t in redirects]
    assert returned and all(redirects[t] in unlinked and redirects[t] in notes_only for t in returned)
    for old in returned:
        assert client.get(f"/talks/{old}").headers["Location"] == f"/talks/{redirects[old]}"
        # the notes id is live again: it answers itself, whatever redirect row it once had
        assert client.get(f"/talks/{redirects[old]}").status_code == 200


@pytest.fixture(scope="module")
def imported(store):
    """The run command's sources imported once for this module's read-only tests."""
    from tests.web_fixtures import truncate_all

    truncate_all(store)
    summary = run_import(store, SOURCES)
    assert summary.failed == 0, summary.errors
    return store


def talk_ids(html: str) -> list[str]:
    ids = re.findall(r'class="talk-title" href="/talks/([^"]+)"', html)
    return ids


def walk(client, url: str) -> list[str]:
    """Follow a list's "Older" links to its end; return the talk ids in order."""
    ids = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        ids += talk_ids(html)
        nxt = re.search(r'<a rel="next" class="older" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    return ids


def test_lists_filter_to_talks_with_notes_and_count_them(imported, web_settings):
    store = imported
    client = make_client(store, web_settings, PAGE_SIZE=7)
    for cid in CONFERENCES:
        talks = {t.id: t for t in store.talks_of_conference(cid)}
        noted = {i for i, t in talks.items() if t.word_count > 0}
        html = client.get(f"/conferences/{cid}").get_data(as_text=True)
        assert f"{len(noted)} with notes" in html and f"{len(talks)} talks" in html
        assert set(walk(client, f"/conferences/{cid}?notes=1")) == noted
        card = store.query("SELECT notes_count FROM conferences_by_year WHERE year = ? AND conference_id = ? "
                           "AND start_date = ?", (store.get_conference(cid).start.year, cid,
                                                  store.get_conference(cid).start))
        assert card[0]["notes_count"] == len(noted)
        api = client.get(f"/api/v1/conferences/{cid}?notes=1").get_json()
        assert api["conference"]["notes_count"] == len(noted) and {t["id"] for t in api["talks"]} == noted
    # a tag, a speaker and a year, each filtered to notes: exactly their talks with notes, newest first
    everything = [t for cid in CONFERENCES for t in store.talks_of_conference(cid)]
    tag = max(sorted({tag for t in everything if t.word_count for tag in t.tags}),
              key=lambda g: sum(1 for t in everything if g in t.tags and t.word_count))  # ties: the first by name
    expected = {t.id for t in everything if tag in t.tags and t.word_count}
    assert len(expected) > 7 and set(walk(client, f"/tags/{tag}?notes=1")) == expected
    assert set(walk(client, "/years/2012?notes=1")) == {t.id for t in everything if t.word_count
                                                          and store.get_stored_talks([t.id])[t.id][1].year == 2012}
    html = client.get("/").get_data(as_text=True)
    newest = talk_ids(html[html.index('id="newest-notes"'):html.index('<section class="year"')])
    assert newest and all(store.get_talk(t).word_count for t in newest)


def test_kind_and_language_filters_page_correctly_whatever_the_scan_budget(imported, web_settings, monkeypatch):
    store = imported
    client = make_client(store, web_settings, PAGE_SIZE=4)
    everything = [t for cid in CONFERENCES for t in store.talks_of_conference(cid)]
    for cid, kind in (("pycon-us-2012", "keynote"), ("europython-2012", "lightning"), ("pycon-us-2012", "tutorial")):
        expected = [t.id for t in everything if t.conference_id == cid and t.kind == kind]
        assert expected, (cid, kind)
        full = walk(client, f"/conferences/{cid}?kind={kind}")
        monkeypatch.setattr(lists, "SCAN_BUDGET", 9)  # pages stop early and link onwards
        short = walk(client, f"/conferences/{cid}?kind={kind}")
        monkeypatch.undo()
        assert sorted(full) == sorted(expected) and short == full
    languages = {t.language for t in everything if t.language}
    assert languages
    for language in languages:
        expected = {t.id for t in everything if t.language == language and "testing" in t.tags}
        got = walk(client, f"/tags/testing?language={language.upper()}")
        assert set(got) == expected and len(got) == len(expected)
    assert client.get("/tags/testing?kind=opera").status_code == 400
    assert "kind must be one of" in client.get("/api/v1/tags/testing?kind=opera").get_json()["error"]
    assert client.get("/tags/testing?language=%3Cscript%3E").status_code == 400
    nothing = client.get("/tags/testing?kind=panel&notes=1")
    assert nothing.status_code == 200 and "No talk here matches these filters." in nothing.get_data(as_text=True)


def test_the_speakers_directory_lists_every_speaker_a_to_z_with_counts_and_feeds(imported, web_settings):
    store = imported
    client = make_client(store, web_settings, SPEAKERS_PAGE_SIZE=6)
    slugs = {r["speaker"] for r in store.query("SELECT DISTINCT speaker, month FROM talks_by_speaker")}
    listed = []
    first = client.get("/speakers").get_data(as_text=True)
    letters = re.findall(r'href="/speakers\?letter=([^"]+)"', first[:first.index('class="speakers-directory"')])
    assert letters == sorted(set(letters)) and len(letters) > 10
    for letter in letters:
        url = f"/speakers?letter={letter}"
        while url:
            html = client.get(url).get_data(as_text=True)
            listed += re.findall(r'<li><a href="/speakers/([^"?]+)">', html)
            nxt = re.search(r'<a rel="next" class="older" href="([^"]+)"', html)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert sorted(listed) == sorted(slugs) and len(listed) == len(set(listed))
    # counts: the directory's are the speaker pages' own
    api = client.get("/api/v1/speakers?letter=Z").get_json()
    zed = next(s for s in api["speakers"] if s["slug"] == "zed-a-shaw")
    talks = store.talks_by_speaker("zed-a-shaw", limit=100).rows
    assert zed["talk_count"] == len(talks) and zed["notes_count"] == sum(1 for r in talks if r["has_notes"]) >= 1
    assert api["letter"] == "Z" and "Z" in api["letters"]
    # each speaker has an Atom feed and a calendar of their dated talks
    feed = client.get("/feeds/speakers/zed-a-shaw.atom")
    entries = ET.fromstring(feed.data).findall(f"{ATOM}entry")
    assert feed.status_code == 200 and len(entries) == len(talks)
    ics = client.get("/speakers/zed-a-shaw.ics")
    assert ics.status_code == 200 and ics.data.count(b"BEGIN:VEVENT") == len(talks)
    assert client.get("/speakers/nobody-at-all.ics").status_code == 404
    assert client.get("/feeds/speakers/nobody-at-all.atom").status_code == 404
