"""Crawl the whole site over the run command's default sources: no 404, no 500 behind any link."""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from archive.service.runner import make_service
from archive.sources import load_sources, read_documents
from archive.config import PROJECT_ROOT

pytestmark = pytest.mark.integration
MAX_PAGES = 6000


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag in ("a", "link") else None
        if href:
            self.links.append(href)


def test_every_link_from_the_timeline_answers(clean_store, settings):
    store = clean_store
    for source in load_sources(PROJECT_ROOT / "sources.toml"):  # the run command's default sources
        make_service(store).sync_source(source, read_documents(source))
    from web import create_app

    app = create_app({"TESTING": True, "NOTES_SETTINGS": settings, "STORE": store})
    client = app.test_client()
    seen, queue, statuses, talks = set(), ["/"], {}, set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        statuses[url] = response.status_code
        if url.startswith("/talks/"):
            talks.add(url)
        if response.mimetype != "text/html":
            continue
        parser = Links()
        parser.feed(response.get_data(as_text=True))
        for href in parser.links:
            target = urldefrag(urljoin(url, href))[0]
            parsed = urlparse(target)
            if not parsed.netloc and parsed.scheme in ("", "http", "https") and target not in seen:
                queue.append(target)
    bad = {u: s for u, s in statuses.items() if s >= 400}
    assert not bad, bad
    assert len(seen) < MAX_PAGES, "the crawl did not finish"
    # every imported talk is reachable (timeline -> conference -> talk is two clicks): the 87 seed
    # notes talks and the three events' 290 catalogue talks, less the 40 linked pairs
    assert len(talks) == 337, len(talks)
