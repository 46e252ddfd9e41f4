"""A reader's walk in headless Chromium over the run command's real sources, served by gunicorn:
home -> a conference filtered to notes -> a talk (its videos, a time code) -> its speaker -> the
speakers directory -> a tag; an old talk URL redirects; the tag cloud holds topics only."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.config import PROJECT_ROOT
from archive.domain import TALK_KINDS, fold
from archive.service.runner import run_import
from archive.talks.videos import timecode_seconds
from tests.e2e.test_browser import browser, shoot  # noqa: F401 - fixture
from tests.web_fixtures import gunicorn, server_env, truncate_all, web_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

SOURCES = PROJECT_ROOT / "sources.toml"
NOTES_SOURCES = ("europython-2012-notes", "djangocon-eu-2013-notes", "pycon-us-2012-notes")
TALK = "pycon-us-2012--fast-test-slow-test"  # PyCon 2012 notes linked to the catalogue's YouTube video
YOUTUBE_ID = "RAxiiRPHS9k"


@pytest.fixture(scope="module")
def archive_server(store, web_settings, tmp_path_factory):
    """The run command's sources imported as a user would (notes first, then the catalogue links
    them, moving some ids), served by gunicorn; yield (base URL, the ids that moved)."""
    truncate_all(store)
    run_import(store, SOURCES, names=NOTES_SOURCES)
    before = {r["id"] for r in store.query("SELECT id FROM talks")}
    summary = run_import(store, SOURCES)
    assert summary.failed == 0, summary.errors
    after = {r["id"] for r in store.query("SELECT id FROM talks")}
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with gunicorn(server_env(web_settings), log) as base:
        yield base, sorted(before - after)


@pytest.fixture
def page(browser, archive_server):  # noqa: F811 - the browser fixture above
    """A page on the archive's server; every request to YouTube is answered here and recorded."""
    base, _ = archive_server
    context = browser.new_context(base_url=base, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.youtube = []

    def youtube(route):
        page.youtube.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>YouTube (stand-in)</title>")

    context.route(re.compile(r"^https://(www\.)?youtube\.com/.*"), youtube)  # the sandbox has no internet
    yield page
    context.close()


def test_a_reader_walks_from_the_home_page_to_a_tag(page, store):
    page.goto("/")
    shoot(page, "walk-home")
    newest = page.locator("#newest-notes ~ ol.talks li.talk")
    assert newest.count() > 0 and newest.locator(".badge", has_text="notes").count() == newest.count()
    # a conference card counts its talks with notes, and that link filters the conference to them
    page.locator("li.card", has_text="PyCon US 2012").locator(".notes-count a").click()
    assert page.url.endswith("/conferences/pycon-us-2012?notes=1")
    assert page.locator("input[name=notes]").is_checked()
    titles = page.locator("a.talk-title")
    noted = sum(1 for t in store.talks_of_conference("pycon-us-2012") if t.word_count)
    assert titles.count() == noted > 10
    shoot(page, "walk-conference-with-notes")
    page.locator(f'a.talk-title[href="/talks/{TALK}"]').click()
    # the talk: each video once, labelled by where it plays; a time code starts YouTube at its second
    shoot(page, "walk-talk")
    videos = page.locator("a.video")
    assert videos.count() == 1 and videos.first.inner_text().startswith("Video on YouTube")
    timecode = page.locator("a.timecode").first
    seconds = timecode_seconds(timecode.inner_text())
    timecode.click()
    page.wait_for_url(re.compile(r"youtube\.com"))
    query = parse_qs(urlsplit(page.youtube[-1]).query)
    assert query["v"] == [YOUTUBE_ID] and query["t"] == [f"{seconds}s"]
    page.go_back()
    # its speaker, then the speakers directory at the speaker's letter, then a tag
    page.locator("a[href^='/speakers/']", has_text="Gary Bernhardt").first.click()
    assert page.locator("h1").inner_text() == "Gary Bernhardt"
    page.locator("nav.crumbs a", has_text="Speakers").click()
    assert "letter=G" in page.url
    shoot(page, "walk-speakers")
    entry = page.locator(".speakers-directory li", has_text="Gary Bernhardt")
    assert entry.count() == 1 and re.search(r"\d+ talks?", entry.inner_text())
    page.locator("nav[aria-label=Main] a", has_text="Tags").click()
    page.locator("ul.cloud a").first.click()
    assert page.locator("h1").inner_text().startswith("Talks tagged")
    assert page.locator("a.talk-title").count() > 0


def test_an_old_talk_url_redirects_to_the_talk(page, archive_server):
    _, moved = archive_server
    assert moved
    response = page.goto(f"/talks/{moved[0]}")
    assert response.ok and urlsplit(page.url).path != f"/talks/{moved[0]}"
    assert page.locator("h1").count() == 1 and "Not found" not in page.title()


def test_the_cloud_holds_topics_not_conferences_kinds_years_or_places(page, store):
    page.goto("/tags")
    tags = [a.get_attribute("href").removeprefix("/tags/") for a in page.locator("ul.cloud a").all()]
    assert len(tags) > 20
    conferences = {r["id"]: r for r in store.query("SELECT id, name, location FROM conferences")}
    words = {w for c in conferences.values() for text in (c["id"], c["name"], c["location"] or "")
             for w in fold(text).split() if len(w) > 2}
    for tag in tags:
        assert tag not in conferences and tag not in TALK_KINDS, tag
        assert not re.search(r"(19|20)\d\d", tag), tag
        assert not set(tag.split("-")) <= words, tag  # a conference's series or its place
