"""The web front end through Flask's test client, against the real Cassandra node and a seeded keyspace."""
from __future__ import annotations

import dataclasses
import re
import sys
import types
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest

from archive.indexes.tables import index_day
from archive.domain import speaker_slug
from tests.web_fixtures import ADMIN_TOKEN, app, client, seeded, web_settings  # noqa: F401 - fixtures
from tests.web_fixtures import CONFERENCES, EUROPYTHON, PYCON, UNDATED_CONF

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"


class Links(HTMLParser):
    """Collect the href (and rel) of every <a> of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], a.get("rel") or ""))

    def hrefs(self, prefix: str = "") -> list[str]:
        return [h for h, _ in self.links if h.startswith(prefix)]

    def next_href(self) -> str | None:
        return next((h for h, rel in self.links if rel == "next"), None)


def get_ok(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def talk_ids_in(html: str) -> list[str]:
    """Return the talk ids linked from a page's talk list, in order."""
    ids = []
    for href in Links(html).hrefs("/talks/"):
        tid = href.removeprefix("/talks/")
        if tid not in ids:
            ids.append(tid)
    return ids


def test_every_page_shows_the_seeded_content(client, seeded):
    home = get_ok(client, "/")
    assert "DjangoCon Europe 2013" in home and "EuroPython 2012" in home
    assert "15–18 May 2013" in home and "Warsaw, Poland" in home and "3 talks" in home
    for href in ("/", "/tags", "/imports"):
        assert f'href="{href}"' in home  # the header links
    conf = get_ok(client, f"/conferences/{PYCON.id}")
    assert "PyCon US 2012" in conf and "Friday 9 March 2012" in conf and "Santa Clara" in conf
    fast = seeded.talk("Fast test, slow test")
    assert f"/talks/{fast.id}" in conf and "/speakers/gary-bernhardt" in conf
    assert 'badge-notes' in conf and 'badge-video' in conf and f"/conferences/{PYCON.id}.ics" in conf
    tags = get_ok(client, "/tags")
    assert 'href="/tags/testing"' in tags and "Testing" in tags and "size-5" in tags
    assert "Talks tagged “Testing”" in get_ok(client, "/tags/testing")
    speaker = get_ok(client, "/speakers/jose-muller")
    assert "José Müller" in speaker and "Ünïcode Ltd" in speaker
    assert set(talk_ids_in(speaker)) == {seeded.talk("Class-based views, revisited").id,
                                         seeded.talk("Testing Django apps").id}
    talk = get_ok(client, f"/talks/{fast.id}")
    for text in ("Fast test, slow test", "Gary Bernhardt", "Destroy All Software", "PyCon US 2012",
                 "Friday 9 March 2012", "<em>core</em>", "<pre><code>", "https://example.org/slides/1",
                 "https://example.org/video/1", "31 min", 'href="#t=2m05s"', 'href="/tags/mocking"',
                 'href="/speakers/gary-bernhardt"', f'href="/conferences/{PYCON.id}"', 'aria-label="Breadcrumb"'):
        assert text in talk, text
    imports = get_ok(client, "/imports")
    assert "test-host" in imports and "broken.rst: title missing" in imports and 'name="token"' in imports


def conference_order(seeded, conf) -> list[str]:
    keyed = [(index_day(t, c), t.ordinal, t.id) for c, t in seeded.talks if c.id == conf.id]
    return [tid for _, _, tid in sorted(keyed)]


def test_conference_page_lists_talks_in_order_grouped_by_day(client, seeded):
    html = get_ok(client, f"/conferences/{PYCON.id}")
    assert talk_ids_in(html) == conference_order(seeded, PYCON)
    assert html.count("<h2>") == 5  # 7 to 11 March
    europython = get_ok(client, f"/conferences/{EUROPYTHON.id}")
    assert "Monday 2 July 2012" in europython  # an undated talk sorts under the conference's first day
    assert "keynote" in europython
    undated = get_ok(client, f"/conferences/{UNDATED_CONF.id}")
    assert "dates unknown" in undated and "An undated talk" in undated and "<h2>" not in undated


def test_talk_page_links_previous_and_next_talk_of_its_conference(client, seeded):
    order = conference_order(seeded, PYCON)
    for i in (0, 7, len(order) - 1):
        links = Links(get_ok(client, f"/talks/{order[i]}")).links
        prev = [h for h, rel in links if rel == "prev"]
        nxt = [h for h, rel in links if rel == "next"]
        assert prev == ([f"/talks/{order[i - 1]}"] if i > 0 else [])
        assert nxt == ([f"/talks/{order[i + 1]}"] if i < len(order) - 1 else [])


def test_timeline_pages_cross_year_buckets(client, seeded):
    seen, url, pages = [], "/", 0
    while url:
        html = get_ok(client, url)
        cards = html[html.index('<section class="year"'):]  # after the newest notes, which link conferences too
        seen += [h.removeprefix("/conferences/") for h in Links(cards).hrefs("/conferences/") if "?" not in h]
        url, pages = Links(html).next_href(), pages + 1
    assert seen == [c.id for c in CONFERENCES] and pages == 2
    seen, url = [], "/api/v1/timeline"
    while url:
        body = client.get(url).get_json()
        seen += [c["id"] for c in body["conferences"]]
        url = body["next"]
    assert seen == [c.id for c in CONFERENCES]


def test_tag_pagination_reaches_the_end_with_every_talk_once(client, seeded):
    expected = seeded.tagged("testing")
    assert len(expected) > 20  # more than two pages of 10
    seen, url, pages = [], "/tags/testing", 0
    while url:
        seen += talk_ids_in(get_ok(client, url))
        url = Links(client.get(url).get_data(as_text=True)).next_href()
        pages += 1
    assert seen == expected and pages == 3
    seen, url = [], "/api/v1/tags/testing"
    while url:
        body = client.get(url).get_json()
        assert len(body["talks"]) <= 10
        seen += [t["id"] for t in body["talks"]]
        url = body["next"]
    assert seen == expected


def test_tampered_or_foreign_cursors_are_400_never_500(client, seeded):
    html = get_ok(client, "/tags/testing")
    cursor = parse_qs(urlsplit(Links(html).next_href()).query)["cursor"][0]
    body, sig = cursor.split(".")
    flipped = ("A" if body[3] != "A" else "B")
    tampered = [body[:3] + flipped + body[4:] + "." + sig, body + "." + sig[::-1], "garbage", "a.b.c", "%00", "."]
    for bad in tampered:
        for url in ("/tags/testing", "/api/v1/tags/testing", "/", "/api/v1/timeline", "/speakers/gary-bernhardt",
                    f"/conferences/{PYCON.id}", f"/api/v1/conferences/{PYCON.id}"):
            response = client.get(url, query_string={"cursor": bad})
            assert response.status_code == 400, (url, bad)
    # a genuine cursor of one list is refused by another (different key shapes)
    for url in ("/tags/mocking", f"/conferences/{PYCON.id}", "/", "/api/v1/speakers/gary-bernhardt"):
        assert client.get(url, query_string={"cursor": cursor}).status_code == 400, url
    api = client.get("/api/v1/tags/testing", query_string={"cursor": "garbage"})
    assert api.is_json and "cursor" in api.get_json()["error"]


def test_unknown_ids_are_404(client, seeded):
    for url in ("/talks/pycon-us-2012--no-such-talk", "/talks/no-separator", "/conferences/nope", "/tags/no-such-tag",
                "/speakers/nobody-at-all", "/feeds/tags/no-such-tag.atom", "/feeds/conferences/nope.atom",
                "/conferences/nope.ics", "/no/such/page"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Not found" in response.get_data(as_text=True)
    for url in ("/api/v1/talks/pycon-us-2012--nope", "/api/v1/conferences/nope", "/api/v1/tags/nope",
                "/api/v1/speakers/nobody", "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404 and "error" in response.get_json(), url


def test_atom_feeds_parse_and_have_entries(client, seeded, web_settings):
    for url, count in (("/feeds/talks.atom", len(seeded.talks)), ("/feeds/tags/testing.atom", len(seeded.tagged("testing"))),
                       (f"/feeds/conferences/{PYCON.id}.atom", 28)):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        feed = ET.fromstring(response.data)
        assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}updated").text.endswith("Z")
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == count, url
        for entry in entries:
            assert entry.find(f"{ATOM}id").text and entry.find(f"{ATOM}title").text
            assert entry.find(f"{ATOM}link").get("href").startswith(web_settings.base_url + "/talks/")  # not the Host
    newest = ET.fromstring(client.get("/feeds/talks.atom").data).find(f"{ATOM}entry")
    assert newest.find(f"{ATOM}title").text == "Testing Django apps"  # newest (day, talk id) first


def test_ics_has_an_all_day_event_per_dated_talk(client, seeded):
    response = client.get(f"/conferences/{PYCON.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.count("BEGIN:VEVENT") == 28 and "DTSTART;VALUE=DATE:20120309" in text
    assert "SUMMARY:Fast test\\, slow test" in text
    europython = client.get(f"/conferences/{EUROPYTHON.id}.ics").data.decode()
    assert europython.count("BEGIN:VEVENT") == 1  # the undated talk has no event


def test_openapi_lists_every_api_path(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1")) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/") and not r.rule.endswith("openapi.json")}
    assert set(spec["paths"]) == routes and len(routes) == 9


def test_api_mirrors_the_pages(client, seeded):
    fast = seeded.talk("Fast test, slow test")
    body = client.get(f"/api/v1/talks/{fast.id}").get_json()
    assert body["talk"]["day"] == "2012-03-09" and body["talk"]["conference"]["name"] == "PyCon US 2012"
    assert [s["slug"] for s in body["talk"]["speakers"]] == ["gary-bernhardt"]
    assert body["previous"]["id"] and body["next"]["id"]
    conf = client.get(f"/api/v1/conferences/{PYCON.id}").get_json()
    assert conf["conference"]["start_date"] == "2012-03-07" and len(conf["talks"]) == 28
    tags = {t["tag"]: t["count"] for t in client.get("/api/v1/tags").get_json()["tags"]}
    assert tags == seeded.tag_counts
    speaker = client.get("/api/v1/speakers/gary-bernhardt").get_json()
    assert speaker["speaker"]["name"] == "Gary Bernhardt" and len(speaker["talks"]) == 2
    assert speaker_slug("José Müller") == "jose-muller"


def test_every_response_carries_the_security_headers(client, seeded):
    urls = ["/", "/tags", "/tags/testing", "/imports", f"/conferences/{PYCON.id}", "/speakers/gary-bernhardt",
            f"/talks/{seeded.talk('Injection attempts').id}", "/api/v1/timeline", "/api/v1/openapi.json",
            "/feeds/talks.atom", f"/conferences/{PYCON.id}.ics", "/static/style.css", "/nope",
            "/tags/testing?cursor=bad", "/api/v1/talks/x--y", "/search?q=testing", "/search?q=x&year=x",
            "/api/v1/search?q=testing", "/feeds/search.atom?q=testing"]
    responses = [client.get(u) for u in urls] + [client.post("/imports", data={"token": "wrong"})]
    for response in responses:
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "script-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_injected_notes_render_without_script(client, seeded):
    talk = seeded.talk("Injection attempts")
    html = get_ok(client, f"/talks/{talk.id}")
    notes = html.split('class="notes"', 1)[1].split("</section>", 1)[0]
    lowered = notes.lower()
    for bad in ("<script", "onerror", "onload", "onclick", "javascript:", "<iframe", "<svg", "<form", 'id="__pwned"',
                "style="):
        assert bad not in lowered, bad
    assert "Before." in notes and "After." in notes and 'href="#t=1m30s"' in notes
    assert 'rel="noopener noreferrer"' in notes
    api_notes = client.get(f"/api/v1/talks/{talk.id}").get_json()["talk"]["notes_html"].lower()
    assert "<script" not in api_notes and "javascript:" not in api_notes and "onerror" not in api_notes


def test_reimport_needs_the_admin_token(app, client, web_settings, seeded, monkeypatch):
    for data in ({"token": "wrong"}, {}, {"token": ADMIN_TOKEN + "x"}):
        response = client.post("/imports", data=data)
        assert response.status_code == 403 and "Wrong admin token" in response.get_data(as_text=True)
    monkeypatch.setitem(sys.modules, "jobs.tasks", None)  # the module is absent: import fails
    response = client.post("/imports", data={"token": ADMIN_TOKEN})
    assert response.status_code == 503 and "unavailable" in response.get_data(as_text=True)
    calls = []
    fake = types.ModuleType("jobs.tasks")
    fake.enqueue_reimport = lambda: calls.append(1) or "task-123"
    monkeypatch.setitem(sys.modules, "jobs.tasks", fake)
    response = client.post("/imports", data={"token": ADMIN_TOKEN})
    assert response.status_code == 202 and "task-123" in response.get_data(as_text=True) and calls == [1]
    monkeypatch.setitem(sys.modules, "jobs.tasks", types.ModuleType("jobs.tasks"))  # no such function yet
    assert client.post("/imports", data={"token": ADMIN_TOKEN}).status_code == 503


def test_reimport_is_disabled_without_an_admin_token(web_settings, store, seeded):
    from web import create_app

    disabled = create_app({"TESTING": True, "NOTES_SETTINGS": dataclasses.replace(web_settings, admin_token=""),
                           "STORE": store})
    client = disabled.test_client()
    page = client.get("/imports").get_data(as_text=True)
    assert "Re-import is disabled" in page and "<fieldset disabled>" in page
    response = client.post("/imports", data={"token": ""})
    assert response.status_code == 403 and "disabled" in response.get_data(as_text=True)
