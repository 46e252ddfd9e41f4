"""Hostile requests and hostile data through the Flask app, against the real node and a seeded keyspace."""
from __future__ import annotations

import dataclasses
import os
import stat
from datetime import date
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest

from archive.config import Settings
from archive.formats.cursors import encode_cursor
from archive.indexes.tables import EMPTY_KEYS, index_day, index_keys
from archive.domain import Conference
from tests.web_fixtures import ADMIN_TOKEN, app, client, seeded, web_settings  # noqa: F401 - fixtures
from tests.web_fixtures import PYCON, make_talk

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"
EVIL_HOSTS = ("a" * 64 + ".example", "a" * 300, "é" * 70, "x." * 200 + "example", ".", "evil.example:1:2")
HOSTILE = Conference("evil\r\nX-INJECTED:yes", "Evil\r\nX-INJECTED:yes\r\nBEGIN:VEVENT", date(2020, 1, 1),
                     date(2020, 1, 2), "Nowhere\r\nX-INJECTED:yes", "UTC", "javascript:alert(document.domain)")
BAD_LINKS = (("slides", "javascript:alert(1)"), ("video", " JaVaScRiPt:alert(1)"), ("page", "data:text/html,x"),
             ("other", "java\tscript:alert(1)"), ("slides", "//evil.example/x"), ("video", "https://ok.example/v"))


@pytest.fixture(scope="module")
def hostile(store, seeded):
    """Add a conference whose id, name, location and url are hostile, with one talk of hostile links."""
    talk = make_talk(HOSTILE, "Talk\r\nX-INJECTED:yes", 1, date(2020, 1, 1), ("security",), ("Mallory",),
                     "<p>x</p>", BAD_LINKS)
    day = index_day(talk, HOSTILE)
    store.write_talk(talk, HOSTILE, day, index_keys(talk, day), EMPTY_KEYS)
    store.put_conference(HOSTILE, "seed", talk_count=1)
    store.bump_generation()
    return talk


def make_app(web_settings, store, **changes):
    """Build an app of its own (fresh rate limiter) with some settings changed."""
    from web import create_app

    extra = {k: changes.pop(k) for k in list(changes) if k.isupper()}
    return create_app({"TESTING": True, "NOTES_SETTINGS": dataclasses.replace(web_settings, **changes),
                       "STORE": store, **extra})


def test_every_response_has_permissions_and_opener_policies(client, seeded):
    responses = [client.get(u) for u in ("/", "/tags", "/nope", "/api/v1/timeline", "/static/style.css",
                                         "/feeds/talks.atom", "/tags/testing?cursor=bad")]
    responses.append(client.post("/imports", data={"token": "wrong"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}))
    for response in responses:
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_strange_host_headers_are_400_never_500(client, seeded):
    for host in EVIL_HOSTS:
        for url in ("/", "/nope", "/static/style.css", "/feeds/talks.atom", "/api/v1/openapi.json",
                    f"/conferences/{PYCON.id}.ics"):
            response = client.get(url, headers={"Host": host})
            assert response.status_code < 500, (host, url, response.status_code)
            assert "script-src 'none'" in response.headers["Content-Security-Policy"]


def test_unknown_hosts_are_refused_when_allowed_hosts_are_set(web_settings, store, seeded):
    client = make_app(web_settings, store, allowed_hosts=("archive.example", ".mirror.example"),
                      base_url="https://notes.example").test_client()
    for host in ("evil.example", "archive.example.evil", "127.0.0.1", "localhost", *EVIL_HOSTS):
        for url in ("/", "/api/v1/timeline", "/static/style.css", "/feeds/talks.atom"):
            response = client.get(url, headers={"Host": host})
            assert response.status_code == 400, (host, url, response.status_code)
            assert response.headers["Content-Security-Policy"]
    for host in ("archive.example", "archive.example:8443", "eu.mirror.example", "notes.example"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host


def test_absolute_urls_come_from_the_base_url(web_settings, store, seeded):
    client = make_app(web_settings, store, base_url="https://notes.example/archive").test_client()
    evil = {"Host": "evil.example"}
    for url in ("/feeds/talks.atom", "/feeds/tags/testing.atom", f"/feeds/conferences/{PYCON.id}.atom"):
        feed = ET.fromstring(client.get(url, headers=evil).data)
        urls = [link.get("href") for link in feed.iter(f"{ATOM}link")] + [i.text for i in feed.iter(f"{ATOM}id")]
        assert urls and all(u.startswith("https://notes.example/archive/") for u in urls), urls[:3]
    spec = client.get("/api/v1/openapi.json", headers=evil).get_json()
    assert spec["servers"] == [{"url": "https://notes.example/archive/api/v1"}]
    ics = client.get(f"/conferences/{PYCON.id}.ics", headers=evil).data.decode().replace("\r\n ", "")
    assert "evil.example" not in ics and "@notes.example\r\n" in ics
    assert "URL:https://notes.example/archive/talks/" in ics


def test_calendar_of_a_conference_named_with_line_breaks_has_no_injected_line(client, hostile):
    response = client.get(f"/conferences/{quote(HOSTILE.id)}.ics")
    assert response.status_code == 200
    lines = response.data.decode().replace("\r\n ", "").split("\r\n")
    assert not [line for line in lines if line.startswith("X-INJECTED")]
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert "\n" not in response.data.decode().replace("\r\n", "")


def test_only_http_urls_become_links(client, hostile):
    page = client.get(f"/conferences/{quote(HOSTILE.id)}").get_data(as_text=True).lower()
    assert "conference website" not in page and "javascript:" not in page
    talk = client.get(f"/talks/{quote(hostile.id)}").get_data(as_text=True)
    for _, url in BAD_LINKS[:-1]:
        assert f'href="{url}"' not in talk and "javascript:" not in talk.lower()
    assert 'href="https://ok.example/v"' in talk
    body = client.get(f"/api/v1/talks/{quote(hostile.id)}").get_json()
    assert body["talk"]["links"] == [{"kind": "video", "url": "https://ok.example/v"}]
    conf = client.get(f"/api/v1/conferences/{quote(HOSTILE.id)}").get_json()
    assert conf["conference"]["url"] is None
    pycon = client.get(f"/conferences/{PYCON.id}").get_data(as_text=True)
    assert f'href="{PYCON.url}"' in pycon  # an http(s) website still is a link


def test_wrong_admin_tokens_are_rate_limited_per_address(web_settings, store, seeded):
    client = make_app(web_settings, store, ADMIN_MAX_FAILURES=3, ADMIN_FAILURE_WINDOW=600).test_client()

    def post(token: str, addr: str):
        return client.post("/imports", data={"token": token}, environ_base={"REMOTE_ADDR": addr})

    assert [post("wrong", "10.0.0.1").status_code for _ in range(3)] == [403, 403, 403]
    limited = post("wrong", "10.0.0.1")
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 600
    assert "Too many wrong admin tokens" in limited.get_data(as_text=True)
    assert post(ADMIN_TOKEN, "10.0.0.1").status_code == 429  # even the right token waits: no guessing on
    other = post("wrong", "10.0.0.2")
    assert other.status_code == 403 and "Wrong admin token" in other.get_data(as_text=True)


def test_admin_posts_from_another_origin_are_refused(web_settings, store, seeded):
    client = make_app(web_settings, store, base_url="https://notes.example").test_client()
    for origin in ("https://evil.example", "null", "https://notes.example.evil.example", "http://notes.example"):
        response = client.post("/imports", data={"token": ADMIN_TOKEN}, headers={"Origin": origin})
        assert response.status_code == 403 and "another site" in response.get_data(as_text=True), origin
    for origin in ("https://notes.example", "http://localhost"):  # the base URL, or the request's own origin
        response = client.post("/imports", data={"token": "wrong"}, headers={"Origin": origin})
        assert "Wrong admin token" in response.get_data(as_text=True), origin


def test_without_a_configured_secret_cursors_use_a_generated_installation_key(web_settings, store, seeded,
                                                                             tmp_path):
    from web import create_app

    dev_key = Settings().secret_key
    settings = dataclasses.replace(web_settings, secret_key=dev_key, secret_key_file=tmp_path / "var" / "key")
    app = create_app({"NOTES_SETTINGS": settings, "STORE": store, "TIMELINE_PAGE_SIZE": 2})
    key = app.config["NOTES_SETTINGS"].secret_key
    assert key != dev_key and len(key) >= 32 and (tmp_path / "var" / "key").read_text().strip() == key
    assert stat.S_IMODE(os.stat(tmp_path / "var" / "key").st_mode) == 0o600
    again = create_app({"NOTES_SETTINGS": settings, "STORE": store})
    assert again.config["NOTES_SETTINGS"].secret_key == key  # once per installation, not per process
    forged = encode_cursor((2013, date(2013, 5, 15), "djangocon-europe-2013"), dev_key, "timeline")
    assert app.test_client().get("/", query_string={"cursor": forged}).status_code == 400
    dev_app = create_app({"TESTING": True, "NOTES_SETTINGS": settings, "STORE": store})
    assert dev_app.test_client().get("/", query_string={"cursor": forged}).status_code == 200  # a real forgery
