"""The pure parts of the web's defences: which URLs may be links, the failure limiter, XML-safe feeds."""
from __future__ import annotations

from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pytest

from archive.formats.atom import Entry, atom_feed
from web.security import FailureLimiter, http_url


@pytest.mark.parametrize("url", ["https://example.org/x", "http://example.org", " https://example.org/a?b=c ",
                                 "HTTPS://EXAMPLE.ORG/"])
def test_http_urls_are_links(url):
    assert http_url(url) == url.strip()


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                 "java\nscript:x", "data:text/html,<script>x</script>", "vbscript:x",
                                 "//evil.example/x", "/relative", "https:", "https:///nohost", "http://[::1",
                                 "https://exa mple.org", "\x00https://example.org", "", None, 42])
def test_anything_else_is_never_a_link(url):
    assert http_url(url) == ""


def test_failure_limiter_blocks_after_the_limit_until_the_window_passes():
    limiter = FailureLimiter(max_failures=3, window=60)
    for t in (0, 1, 2):
        assert limiter.retry_after("a", now=t) == 0
        limiter.fail("a", now=t)
    assert limiter.retry_after("a", now=3) == 57 and limiter.retry_after("b", now=3) == 0
    assert limiter.retry_after("a", now=60.5) == 0  # the first failure left the window


def test_failure_limiter_memory_is_bounded():
    limiter = FailureLimiter(max_failures=2, window=60, max_clients=100)
    for i in range(1000):
        limiter.fail(f"10.0.{i // 256}.{i % 256}", now=i / 100)
    for _ in range(50):
        limiter.fail("same", now=5)
    assert len(limiter._failures) <= 101 and len(limiter._failures["same"]) == 2


def test_atom_feed_drops_characters_xml_cannot_hold():
    entry = Entry(id="urn:x\x01", title="Bad\x00title\x1b[31m\ufffe", url="https://e.org/\x0b",
                  updated=datetime(2020, 1, 1, tzinfo=timezone.utc), authors=("A\x07",), categories=("t\x08",))
    feed = ET.fromstring(atom_feed(feed_id="urn:f", title="T\x0c", self_url="https://e.org/f", alt_url="https://e.org/",
                                   entries=[entry]))
    titles = [el.text for el in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles == ["T", "Badtitle[31m"]
