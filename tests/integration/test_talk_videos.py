"""A talk's videos on its page and in the API, from the real PyCon US 2012 notes and catalogue.

The notes of "Fast test, slow test" say "Video: http://pyvideo.org/video/631/fast-test-slow-test"
(a page about the video, which plays nothing today) and link their "(00:19)" time codes to it; the
catalogue knows the talk's YouTube video. The page shows that video once and its time codes play it.
"""
from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest

from archive.service.runner import run_import
from tests.web_fixtures import SECRET, truncate_all

pytestmark = pytest.mark.integration

TALK_ID = "pycon-us-2012--fast-test-slow-test"
YOUTUBE = "https://www.youtube.com/watch?v=RAxiiRPHS9k"
PYVIDEO_PAGE = "http://pyvideo.org/video/631/fast-test-slow-test"


class Anchors(HTMLParser):
    """Collect every <a> of a page: its attributes and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.anchors: list[tuple[dict, str]] = []
        self._open: dict | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open, self._text = dict(attrs), ""

    def handle_data(self, data):
        if self._open is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open, self._text))
            self._open = None

    def with_class(self, name: str) -> list[tuple[dict, str]]:
        return [(a, t) for a, t in self.anchors if name in (a.get("class") or "").split()]


@pytest.fixture(scope="module")
def imported(store, corpus, tmp_path_factory):
    """Empty the test keyspace and import the real PyCon US 2012 notes and catalogue event."""
    truncate_all(store)
    sources = tmp_path_factory.mktemp("sources") / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "pycon-us-2012-notes"\nkind = "notes"\npath = "{corpus / "seeds"}"\n'
        f'include = ["004_*.txt"]\n[source.conference]\nid = "pycon-us-2012"\nname = "PyCon US 2012"\n\n'
        f'[[source]]\nname = "pyvideo"\nkind = "catalogue"\npath = "{corpus / "pyvideo-data"}"\n'
        f'include = ["pycon-us-2012/*"]\n')
    summary = run_import(store, sources)
    assert summary.failed == 0, summary.errors
    return store


@pytest.fixture(scope="module")
def client(settings, imported):
    """A test client of the app over the imported keyspace."""
    from web import create_app

    web_settings = dataclasses.replace(settings, secret_key=SECRET)
    app = create_app({"TESTING": True, "NOTES_SETTINGS": web_settings, "STORE": imported})
    return app.test_client()


def test_the_stored_talk_has_both_links_and_notes_timed_on_the_page(imported):
    talk = imported.get_talk(TALK_ID)
    assert [l.url for l in talk.links if l.kind == "video"] == [YOUTUBE, PYVIDEO_PAGE]
    assert f'href="{PYVIDEO_PAGE}#t=19"' in talk.notes_html  # as parsed, before linking to the catalogue


def test_the_talk_page_lists_each_video_once_by_where_it_plays(client):
    response = client.get(f"/talks/{TALK_ID}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = Anchors(html.split('<ul class="links">', 1)[1].split("</ul>", 1)[0])
    assert [(a["href"], text) for a, text in links.with_class("video")] == [(YOUTUBE, "Video on YouTube")]
    assert [text for _, text in links.anchors] == ["Video on YouTube", "Talk page"]  # and the PyCon page
    assert "Video on YouTube</a> <span class=\"muted\">(32 min)</span>" in html  # "Video running time: 31:50"


def test_the_time_codes_start_the_youtube_video_at_their_second(client):
    page = Anchors(client.get(f"/talks/{TALK_ID}").get_data(as_text=True))
    codes = {text: a["href"] for a, text in page.with_class("timecode")}
    assert codes["(00:19)"] == f"{YOUTUBE}&t=19s"
    assert codes["(00:52)"] == f"{YOUTUBE}&t=52s"
    assert codes["(02:06)"] == f"{YOUTUBE}&t=126s"
    assert all(href.startswith(f"{YOUTUBE}&t=") for href in codes.values()) and len(codes) > 10


def test_the_api_gives_the_same_videos_and_notes(client):
    talk = client.get(f"/api/v1/talks/{TALK_ID}").get_json()["talk"]
    assert talk["videos"] == [{"url": YOUTUBE, "host": "YouTube", "label": "Video on YouTube", "plays": True,
                               "seconds": 1910}]
    # The notes' own "Video: <pyvideo page>" line is the note-taker's text and stays; no time code goes there.
    assert f'href="{YOUTUBE}&amp;t=19s"' in talk["notes_html"] and f"{PYVIDEO_PAGE}#t=" not in talk["notes_html"]
