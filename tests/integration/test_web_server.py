"""The web front end under real gunicorn, as the Procfile runs it: slow clients, hostile requests, headers."""
from __future__ import annotations

import socket
import time
import urllib.request
from contextlib import ExitStack
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest

from tests.web_fixtures import live_server, seeded, web_settings  # noqa: F401 - fixtures
from tests.web_fixtures import PYCON, gunicorn, server_env

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"
HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options",
           "permissions-policy", "cross-origin-opener-policy")


def address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    return parts.hostname, parts.port


def raw_request(base: str, data: bytes, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the answer until the server closes; return its status, headers and body."""
    with socket.create_connection(address(base), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    return int(lines[0].split()[1]), headers, body


def get(base: str, path: str, host: str | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET a path on a connection the server closes after it, optionally with a forged Host header."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host or urlsplit(base).netloc}\r\nConnection: close\r\n\r\n"
    return raw_request(base, request.encode("latin-1"), timeout)


def timed_get(url: str, timeout: float) -> float:
    """Return the seconds a 200 answer to GET url took."""
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        assert response.status == 200
        response.read()
    return time.monotonic() - started


SLOW_STARTS = (  # requests that are begun and never finished: 20 of each, more than all threads
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n",
    b"POST /imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100\r\n\r\ntoken=",
    b"GET /tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n",
)


def test_idle_and_slow_connections_do_not_stop_other_requests(live_server, seeded):
    timed_get(live_server + "/", 30)  # both workers warm (sessions open) before timing anything
    with ExitStack() as stack:
        for i in range(160):  # bounded; every socket is closed when the block ends
            sock = stack.enter_context(socket.create_connection(address(live_server), timeout=10))
            if i >= 100:  # 100 idle ones, then slow ones
                sock.sendall(SLOW_STARTS[i % len(SLOW_STARTS)])
        time.sleep(1)  # the server has accepted them all by now
        took = [timed_get(f"{live_server}{path}", 5) for path in
                ("/", f"/conferences/{PYCON.id}", "/tags/testing", "/api/v1/timeline", "/tags") * 4]
    assert max(took) < 3, took


def test_requests_in_pieces_and_on_kept_alive_connections_are_served(live_server, seeded):
    body = b"token=wrong"
    with socket.create_connection(address(live_server), timeout=10) as sock:
        sock.sendall(b"POST /imports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded")
        time.sleep(0.3)
        sock.sendall(b"\r\nContent-Length: %d\r\n\r\ntoken=" % len(body))
        time.sleep(0.3)
        sock.sendall(body[6:] + b"GET /static/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        time.sleep(0.3)  # kept alive: a third request after a pause
        sock.sendall(b"GET /tags HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answers = b""
        while chunk := sock.recv(65536):
            answers += chunk
    assert answers.count(b"HTTP/1.1 ") == 3 and answers.startswith(b"HTTP/1.1 403")
    assert b"Wrong admin token" in answers and b"<svg" in answers and b"<h1>Tags</h1>" in answers


def test_requests_abandoned_mid_body_are_dropped_not_answered(live_server, seeded):
    """A form cut short by its client is not acted on: 40 abandoned wrong-token POSTs would otherwise
    count as failed tokens and get the next honest attempt throttled (429) on both workers."""
    for _ in range(40):
        with socket.create_connection(address(live_server), timeout=10) as sock:
            sock.sendall(SLOW_STARTS[1])
    time.sleep(0.5)
    status, _, body = raw_post_wrong_token(live_server)
    assert status == 403 and b"Wrong admin token" in body


def raw_post_wrong_token(base: str) -> tuple[int, dict[str, str], bytes]:
    form = b"token=wrong"
    return raw_request(base, b"POST /imports HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
                       % (len(form), form), 10)


def test_a_client_that_never_closes_does_not_hold_the_server(live_server, seeded):
    with ExitStack() as stack:
        for _ in range(20):  # each reads its answer, then keeps its end open
            sock = stack.enter_context(socket.create_connection(address(live_server), timeout=10))
            sock.sendall(b"GET /static/style.css HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        time.sleep(0.5)
        took = [timed_get(live_server + "/tags", 5) for _ in range(5)]
    assert max(took) < 3, took


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431),
    (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    (b"G\x00T / HTTP/1.1\r\n\r\n", 400),
])
def test_answers_gunicorn_writes_itself_carry_the_security_headers(live_server, request_bytes, status):
    got, headers, _ = raw_request(live_server, request_bytes)
    assert got == status
    for name in HEADERS:
        assert headers.get(name), (status, name, headers)
    assert "script-src 'none'" in headers["content-security-policy"]


def test_gunicorn_500_carries_the_security_headers(web_settings, tmp_path):
    with gunicorn(server_env(web_settings), tmp_path / "broken.log", app="tests.web_fixtures:broken_app") as base:
        status, headers, _ = get(base, "/")
    assert status == 500
    for name in HEADERS:
        assert headers.get(name), (name, headers)


def test_long_or_strange_host_headers_never_give_a_500(live_server, seeded):
    hosts = ["a" * 64 + ".example", "a" * 300, "x." * 200 + "example", "exa_mple.org:99999", "[::1", "é" * 70,
             "127.0.0.1:0000000000000000000000008000", "."]
    for host in hosts:
        for path in ("/", "/nope", "/static/style.css", "/feeds/talks.atom", "/api/v1/openapi.json"):
            status, headers, _ = get(live_server, path, host=host)
            assert status < 500, (host, path, status)
            assert headers.get("content-security-policy"), (host, path)


def test_absolute_urls_come_from_the_base_url_never_from_the_host_header(live_server, seeded):
    evil = "evil.example"
    _, _, feed = get(live_server, "/feeds/talks.atom", host=evil)
    root = ET.fromstring(feed)
    hrefs = [link.get("href") for link in root.iter(f"{ATOM}link")] + [e.text for e in root.iter(f"{ATOM}id")]
    assert hrefs and all(h.startswith(live_server + "/") for h in hrefs), hrefs[:3]
    _, _, spec = get(live_server, "/api/v1/openapi.json", host=evil)
    assert f'"url":"{live_server}/api/v1"' in spec.decode()
    _, _, ics = get(live_server, f"/conferences/{PYCON.id}.ics", host=evil)
    text = ics.decode().replace("\r\n ", "")  # unfolded
    assert evil not in text and "UID:" in text and "@127.0.0.1\r\n" in text
    assert f"URL:{live_server}/talks/" in text
