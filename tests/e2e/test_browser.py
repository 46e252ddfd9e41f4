"""End to end in headless Chromium (Debian's package, driven by Playwright) against gunicorn and the real node."""
from __future__ import annotations

from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.web_fixtures import live_server, seeded, web_settings  # noqa: F401 - fixtures
from tests.web_fixtures import PYCON

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
MAX_CRAWL = 500
NON_HTML = (".atom", ".ics", ".json", ".css", ".svg")


@pytest.fixture(scope="module")
def browser():
    """Launch Debian's Chromium through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the e2e tests need Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page on the live server, recording dialogs and console errors."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.dialogs, page.errors = [], []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def path_of(page) -> str:
    return urlsplit(page.url).path


def test_clicking_from_timeline_to_conference_talk_tag_and_speaker(page, seeded):
    page.goto("/")
    assert page.title().startswith("Timeline")
    shoot(page, "timeline")
    page.locator("li.card h3").get_by_role("link", name="PyCon US 2012").click()  # its card, not a newest note
    assert path_of(page) == f"/conferences/{PYCON.id}"
    assert page.locator("h2", has_text="Friday 9 March 2012").count() == 1
    shoot(page, "conference")
    page.get_by_role("link", name="Fast test, slow test").click()
    assert path_of(page) == f"/talks/{seeded.talk('Fast test, slow test').id}"
    assert page.locator(".notes em").inner_text() == "core"
    shoot(page, "talk")
    page.locator(".facts").get_by_role("link", name="Mocking").click()
    assert path_of(page) == "/tags/mocking"
    assert page.locator("a.talk-title").count() == 2
    shoot(page, "tag")
    page.get_by_role("link", name="Gary Bernhardt").first.click()
    assert path_of(page) == "/speakers/gary-bernhardt"
    assert page.locator("h1").inner_text() == "Gary Bernhardt"
    shoot(page, "speaker")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tags").click()
    assert path_of(page) == "/tags"
    shoot(page, "tags")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    assert path_of(page) == "/imports" and "test-host" in page.content()
    shoot(page, "imports")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/talks/{seeded.talk('Fast test, slow test').id}")
    shoot(page, "talk-mobile")
    assert page.errors == []  # nothing blocked by the CSP, no failed loads


def test_tag_pages_followed_to_the_end_show_every_talk_once(page, seeded):
    page.goto("/tags/testing")
    seen, pages = [], 1
    while True:
        seen += [href.removeprefix("/talks/") for href in
                 page.eval_on_selector_all("a.talk-title", "els => els.map(e => e.getAttribute('href'))")]
        older = page.locator("a.older")
        if older.count() == 0:
            break
        older.click()
        pages += 1
    assert seen == seeded.tagged("testing") and pages == 2


def test_injected_notes_run_no_script(page, seeded):
    response = page.goto(f"/talks/{seeded.talk('Injection attempts').id}")
    assert response.status == 200
    page.wait_for_load_state("load")
    page.get_by_text("Click me").click()
    for link in page.locator(".notes a").all():
        if (link.get_attribute("href") or "").startswith("#"):
            link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 0
    assert page.dialogs == []
    shoot(page, "talk-injections")


def test_wrong_admin_token_is_refused_in_the_browser(page, seeded):
    page.goto("/imports")
    page.fill("#token", "not-the-token")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Re-import now").click()
    assert navigation.value.status == 403
    assert "Wrong admin token" in page.locator(".notice-error").inner_text()


def test_admin_form_posted_from_another_site_is_refused(page, live_server, seeded):
    page.set_content(f'<form method="post" action="{live_server}/imports"><input name="token" value="x">'
                     '<button>go</button></form>')  # about:blank: the browser sends Origin: null
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="go").click()
    response = navigation.value
    assert response.status == 403 and "another site" in page.locator(".notice-error").inner_text()
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]


def test_crawl_from_home_finds_no_broken_link(page, live_server, seeded):
    origin = urlsplit(live_server).netloc
    queue, seen, failures, pages = deque([live_server + "/"]), {live_server + "/"}, [], 0
    while queue and pages < MAX_CRAWL:
        url = queue.popleft()
        pages += 1
        path = urlsplit(url).path
        if path.endswith(NON_HTML) or path.startswith("/api/"):
            status = page.request.get(url).status
        else:
            response = page.goto(url)
            status = response.status
            if status == 200:
                for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
                    href = urldefrag(href).url
                    if urlsplit(href).netloc == origin and href not in seen:
                        seen.add(href)
                        queue.append(href)
        if status >= 400:
            failures.append((status, url))
    assert failures == []
    talk_pages = {u for u in seen if urlsplit(u).path.startswith("/talks/")}
    assert len(talk_pages) == len(seeded.talks)  # every talk is reachable from the home page
    assert pages < MAX_CRAWL


def test_searching_from_the_header_box_opens_a_highlighted_result(page, seeded):
    page.goto("/")
    box = page.get_by_role("search", name="Search the archive").get_by_role("searchbox")
    box.fill("mocking")
    with page.expect_navigation() as navigation:
        box.press("Enter")
    assert navigation.value.status == 200 and path_of(page) == "/search"
    assert page.locator("#site-search-q").input_value() == "mocking"  # the box keeps the query
    titles = page.locator("ol.results a.talk-title")
    assert titles.all_inner_texts() == ["Stop Mocking, Start Testing", "Fast test, slow test"]
    marked = page.locator("ol.results mark")
    assert marked.first.inner_text() == "Mocking" and {m.lower() for m in marked.all_inner_texts()} <= {"mocking", "mocks"}
    assert marked.first.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"  # highlighted
    shoot(page, "search")
    titles.first.click()
    talk = seeded.talk("Stop Mocking, Start Testing")
    assert path_of(page) == f"/talks/{talk.id}" and page.locator("h1").inner_text() == talk.title
    assert page.errors == [] and page.dialogs == []
