"""Search through the web: the page, the JSON API and the Atom feed, against the real node and the seeded keyspace."""
from __future__ import annotations

import dataclasses
from datetime import date
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import pytest

from archive.indexes.tables import EMPTY_KEYS, index_day, index_keys
from archive.service.run import recount_terms
from tests.integration.test_web import Links, talk_ids_in
from tests.web_fixtures import CONFERENCES, DJANGOCON, EUROPYTHON, PYCON, make_talk
from tests.web_fixtures import seeded, web_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"
PAGE_SIZE = 5
CSP = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
HOSTILE_QUERIES = ("x" * 10_240, '"open quote', 'fast "test', '"', '""', "<script>alert(1)</script>",
                   "'\"><img src=x onerror=alert(1)>", "\x00\x01\x1b[31mtest\x7f\x9b", "test\u202e\u200b",
                   "\ufffd\U0001f600 test", "a" * 300, "-test +mock OR (NOT) * ? ~ ^ : \\", "%00%zz", "test\r\nX-Injected: 1")


@pytest.fixture(scope="module")
def languages(store, seeded):
    """Two more EuroPython talks that the catalogue gave a language (the base seed has none), and the
    vocabulary recounted as an import would."""
    italian = dataclasses.replace(make_talk(
        EUROPYTHON, "Testing con pytest", 3, date(2012, 7, 4), ("testing",), ("Lucia Bianchi",),
        "<p>Fixture e parametrizzazione.</p>", (("video", "https://example.org/video/3"),)), language="ita")
    english = dataclasses.replace(make_talk(EUROPYTHON, "Testing in production", 4, date(2012, 7, 5), ("testing",),
                                            ("Pat Doe",), "<p>Canaries and feature flags.</p>"), language="eng")
    for talk in (italian, english):
        day = index_day(talk, EUROPYTHON)
        store.write_talk(talk, EUROPYTHON, day, index_keys(talk, day), EMPTY_KEYS)
    store.put_conference(EUROPYTHON, "seed", talk_count=4)
    recount_terms(store, store.posting_terms())
    store.bump_generation()
    return {t.id: t for t in (italian, english)} | {t.id: t for _, t in seeded.talks}


@pytest.fixture(scope="module")
def client(web_settings, store, languages):
    """A test client of an app with small search pages (5 results), so that pagination shows."""
    from web import create_app

    return create_app({"TESTING": True, "NOTES_SETTINGS": web_settings, "STORE": store,
                       "SEARCH_PAGE_SIZE": PAGE_SIZE}).test_client()


def page_of(client, status: int = 200, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == status, (params, response.status_code, response.get_data(as_text=True)[:300])
    assert response.headers["Content-Security-Policy"] == CSP
    return response.get_data(as_text=True)


def api(client, status: int = 200, **params) -> dict:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == status and response.is_json, (params, response.status_code)
    return response.get_json()


def all_ids(client, **params) -> list[str]:
    """Return the ids of every result of a search through the API, following next to the end."""
    body, ids = api(client, **params), []
    while True:
        ids += [r["id"] for r in body["results"]]
        if not body["next"]:
            return ids
        body = client.get(body["next"]).get_json()


def test_a_speakers_surname_finds_their_talk_first(client, languages):
    for surname, title in (("ronacher", "Flask for fun and profit"), ("Fackler", "Stop Mocking, Start Testing"),
                           ("bianchi", "Testing con pytest"), ("müller", "Class-based views, revisited")):
        html = page_of(client, q=surname)
        first = next(t for t in languages.values() if t.title == title)
        assert talk_ids_in(html)[0] == first.id, surname
        assert api(client, q=surname)["results"][0]["id"] == first.id
        assert f'value="{surname}"' in html  # the header box and the form keep the query
    html = page_of(client, q="ronacher")
    assert html.count('value="ronacher"') == 2 and 'href="/speakers/armin-ronacher"' in html
    assert "EuroPython 2012" in html  # the conference by name


def test_a_word_only_in_the_notes_finds_its_talk_marked(client, languages):
    html = page_of(client, q="fakes")
    assert talk_ids_in(html) == [next(i for i, t in languages.items() if t.title == "Stop Mocking, Start Testing")]
    assert "<mark>Fakes</mark> over mocks" in html
    body = api(client, q="canaries")
    assert [r["title"] for r in body["results"]] == ["Testing in production"]
    assert "<mark>Canaries</mark>" in body["results"][0]["snippet_html"]
    title = api(client, q="mocking")["results"][0]["title_html"]
    assert title == "Stop <mark>Mocking</mark>, Start Testing"


def year_of(talk) -> int:
    """Return the year a talk is indexed under (its conference's first day's when it has no date)."""
    return index_day(talk, next(c for c in CONFERENCES if c.id == talk.conference_id)).year


FILTERS = {  # parameters -> what every result must satisfy
    (("conference", DJANGOCON.id),): lambda t: t.conference_id == DJANGOCON.id,
    (("year", "2013"),): lambda t: year_of(t) == 2013,
    (("year", "2012"),): lambda t: year_of(t) == 2012,
    (("tag", "mocking"),): lambda t: "mocking" in t.tags,
    (("tag", "Mocking"),): lambda t: "mocking" in t.tags,
    (("speaker", "gary-bernhardt"),): lambda t: "Gary Bernhardt" in [s.name for s in t.speakers],
    (("speaker", "Gary Bernhardt"),): lambda t: "Gary Bernhardt" in [s.name for s in t.speakers],
    (("language", "ita"),): lambda t: t.language == "ita",
    (("notes", "1"),): lambda t: t.word_count > 0,
    (("notes", "0"),): lambda t: t.word_count == 0,
    (("video", "1"),): lambda t: t.link("video") is not None,
    (("video", "0"),): lambda t: t.link("video") is None,
    (("year", "2012"), ("video", "1"), ("tag", "testing")): lambda t: year_of(t) == 2012 and t.link("video"),
}


def test_each_filter_narrows_the_results(client, languages):
    everything = all_ids(client, q="testing")
    assert len(everything) > 25 and len(set(everything)) == len(everything)
    for params, accepts in FILTERS.items():
        found = all_ids(client, q="testing", **dict(params))
        assert found and set(found) < set(everything), params
        assert all(accepts(languages[i]) for i in found), params
        assert [i for i in everything if accepts(languages[i])] == found, params  # same order, none lost
    talks = all_ids(client, q="talks")
    assert all_ids(client, q="talks", kind="lightning") == [i for i in talks if languages[i].kind == "lightning"] != []
    html = page_of(client, q="testing", kind="keynote", notes="1", sort="date")
    for selected in ('<option value="keynote" selected>', '<option value="1" selected>with notes',
                     '<option value="date" selected>'):
        assert selected in html  # the form shows the filters it was sent
    assert "No talk matches all of these words with these filters." in html


def test_empty_and_stop_word_queries_give_a_message(client, seeded):
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "the and of"}, {"q": '"the"'}, {"year": "2012"}):
        html = page_of(client, **params)
        assert 'class="notice notice-info" role="status"' in html, params
        assert talk_ids_in(html) == [] and "How to search" in html
        body = api(client, **params)
        assert body["results"] == [] and body["messages"] and body["next_cursor"] is None
    assert "only very common words" in api(client, q="the and of")["messages"][0]
    feed = ET.fromstring(client.get("/feeds/search.atom").data)
    assert feed.findall(f"{ATOM}entry") == []


def test_hostile_queries_give_no_5xx_and_escaped_output(client, seeded):
    for q in HOSTILE_QUERIES:
        for url in ("/search", "/api/v1/search", "/feeds/search.atom"):
            response = client.get(url, query_string={"q": q, "sort": "date"})
            assert response.status_code == 200, (url, q[:40], response.status_code)
            assert response.headers["Content-Security-Policy"] == CSP
            text = response.get_data(as_text=True)
            assert "\x1b" not in text and "\x00" not in text and "\u001b" not in text  # no control character
            if url.startswith("/api/"):  # JSON holds the query as sent; the HTML it gives is escaped
                results = response.get_json()["results"]
                text = "".join(r["title_html"] + r["snippet_html"] for r in results)
            elif url.endswith(".atom"):
                ET.fromstring(response.data)
            assert "<script>" not in text and "<img src=x" not in text, (url, q[:40])
        assert "&lt;script&gt;" in page_of(client, q="<script>alert(1)</script>")
    long = api(client, q="testing " * 1280)
    assert "cut to its first 1000 characters" in long["messages"][0] and long["results"]
    assert len(long["query"]["q"]) == 1000 and len(long["next"]) < 4000  # links carry the query as read
    # the archive's own hostile notes: found, with the snippet escaped
    html = page_of(client, q="pwned")
    assert "Injection attempts" in html and "<script" not in html.split('class="talks results"')[1]


BAD_PARAMETERS = (({"year": "twenty"}, "year must be a number"), ({"year": "-1"}, "year must be a number"),
                  ({"year": "99999999999999999999"}, "year must be a number"),
                  ({"sort": "newest"}, "sort must be relevance or date"), ({"kind": "<b>"}, "kind must be one of"),
                  ({"notes": "yes"}, "notes must be 1"), ({"video": "2"}, "video must be 1"),
                  ({"language": "<script>"}, "language must be a language code"),
                  ({"conference": "x" * 300}, "conference is 300 characters long"))


def test_invalid_parameters_are_a_clear_400(client, seeded):
    for params, message in BAD_PARAMETERS:
        html = page_of(client, 400, q="testing", **params)
        assert message in html and 'role="alert"' in html and 'id="search-q"' in html, params  # the form stays
        assert "<script>" not in html and "<b>" not in html
        assert message in api(client, 400, q="testing", **params)["error"]
        feed = client.get("/feeds/search.atom", query_string={"q": "testing", **params})
        assert feed.status_code == 400 and message in feed.get_data(as_text=True)


def test_forged_or_foreign_cursors_are_400(client, seeded):
    body = api(client, q="testing")
    cursor = body["next_cursor"]
    payload, signature = cursor.split(".")
    flipped = payload[:3] + ("A" if payload[3] != "A" else "B") + payload[4:]
    forged = [payload + "." + signature[::-1], flipped + "." + signature, "garbage", ".", "a.b.c", "%00"]
    for bad in forged:
        assert client.get("/search", query_string={"q": "testing", "cursor": bad}).status_code == 400, bad
        assert "cursor" in api(client, 400, q="testing", cursor=bad)["error"]
    # a real cursor of another search, another order or another list is refused too
    for params in ({"q": "talks"}, {"q": "testing", "sort": "date"}, {"q": "testing", "year": "2012"}):
        assert client.get("/search", query_string={**params, "cursor": cursor}).status_code == 400, params
    tag_cursor = parse_qs(urlsplit(Links(client.get("/tags/testing").get_data(as_text=True)).next_href()).query)["cursor"][0]
    assert client.get("/search", query_string={"q": "testing", "cursor": tag_cursor}).status_code == 400
    assert client.get("/search", query_string={"q": "testing", "cursor": cursor}).status_code == 200


def test_the_api_answers_json_of_the_documented_shape(client, languages):
    body = api(client, q="bernhardt")
    assert list(body) == ["query", "messages", "page_url", "feed_url", "results", "next_cursor", "next"]
    assert body["query"]["q"] == "bernhardt" and body["query"]["sort"] == "relevance"
    assert body["page_url"] == "/search?q=bernhardt" and body["feed_url"] == "/feeds/search.atom?q=bernhardt"
    fast = next(r for r in body["results"] if r["title"] == "Fast test, slow test")
    assert fast["day"] == "2012-03-09" and fast["conference_id"] == PYCON.id and fast["kind"] == "talk"
    assert fast["conference"] == {"id": PYCON.id, "name": "PyCon US 2012"}
    assert fast["speakers"][0]["name"] == "Gary Bernhardt" and fast["speakers"][0]["slug"] == "gary-bernhardt"
    assert isinstance(fast["score"], float) and fast["score"] > 0 and fast["has_video"] and fast["has_notes"]
    assert fast["url"] == f"/talks/{fast['id']}" and client.get(fast["api_url"]).status_code == 200
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/search"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["q", "conference", "year", "kind", "tag", "speaker",
                                                           "language", "notes", "video", "sort", "cursor"]
    assert set(operation["responses"]) == {"200", "400"}
    result = spec["components"]["schemas"]["SearchResult"]
    assert {"id", "title", "speakers", "conference_id", "day", "score"} <= set(result["required"])
    assert set(fast) == set(result["properties"])
    assert set(body) == set(spec["components"]["schemas"]["SearchPage"]["properties"])


def test_the_atom_feed_lists_matching_talks_newest_first(client, languages, web_settings):
    response = client.get("/feeds/search.atom", query_string={"q": "testing", "cursor": "ignored", "sort": "date"},
                          headers={"Host": "evil.example"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    self_url = web_settings.base_url + "/feeds/search.atom?q=testing"
    assert feed.find(f"{ATOM}id").text == self_url
    assert [link.get("href") for link in feed.findall(f"{ATOM}link")] == [self_url, web_settings.base_url + "/search?q=testing&sort=date"]
    assert feed.find(f"{ATOM}title").text == "Talks matching \u201ctesting\u201d — notes archive"
    entries = feed.findall(f"{ATOM}entry")
    urls = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert urls == [web_settings.base_url + "/talks/" + i for i in all_ids(client, q="testing", sort="date")]
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    dated = [u for u in updated if not u.startswith("1970")]
    assert dated == sorted(dated, reverse=True) and updated[0].startswith("2013-05-17")
    fast = next(e for e in entries if e.find(f"{ATOM}title").text == "Fast test, slow test")
    assert fast.find(f"{ATOM}author/{ATOM}name").text == "Gary Bernhardt"
    assert fast.find(f"{ATOM}summary").text.startswith("PyCon US 2012 — Gary Bernhardt — 2012-03-09")
    narrowed = ET.fromstring(client.get("/feeds/search.atom", query_string={"q": "testing", "conference": DJANGOCON.id}).data)
    assert [e.find(f"{ATOM}title").text for e in narrowed.findall(f"{ATOM}entry")] == ["Testing Django apps"]
    assert "(conference djangocon-europe-2013)" in narrowed.find(f"{ATOM}title").text


def test_pagination_follows_next_to_the_end_without_repeats(client, languages):
    for sort in ("relevance", "date"):
        expected = all_ids(client, q="testing", sort=sort)
        seen, url, pages = [], f"/search?q=testing&sort={sort}", 0
        while url:
            html = page_of(client, **{k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
            found = talk_ids_in(html)
            assert 0 < len(found) <= PAGE_SIZE
            seen += found
            url, pages = Links(html).next_href(), pages + 1
            assert pages == 1 or "← First results" in html
        assert seen == expected and len(seen) == len(set(seen)) and pages == -(-len(seen) // PAGE_SIZE), sort
    by_date = [languages[i].date for i in all_ids(client, q="testing", sort="date")]
    dated = [d for d in by_date if d]
    assert dated == sorted(dated, reverse=True)
    ranked = api(client, q="testing")["results"]
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
