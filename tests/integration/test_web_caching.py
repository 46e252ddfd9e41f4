"""HTTP caching keyed by the archive's generation, against the real node and real imports."""
from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import date

import pytest

from archive.domain import Conference
from archive.service.runner import make_service
from archive.sources import Source, read_documents

pytestmark = pytest.mark.integration

PYCON = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15), "Santa Clara")
INTERVAL_MS = 300
OLD_TITLE, NEW_TITLE = "Fast test, slow test", "Fast tests and slow tests, revisited"


@pytest.fixture
def notes(clean_store, corpus, tmp_path):
    """One real notes document of PyCon 2012, imported through the archive service; returns its path."""
    seed = next((corpus / "seeds").glob("004_*.txt"))
    path = tmp_path / "notes" / seed.name
    path.parent.mkdir()
    shutil.copy(seed, path)
    assert sync(clean_store, path.parent).new == 1
    return path


def sync(store, folder):
    source = Source("pycon", "notes", folder, conference=PYCON)
    return make_service(store).sync_source(source, read_documents(source))


def make_app(settings, store, **changes):
    from web import create_app

    extra = {k: changes.pop(k) for k in list(changes) if k.isupper()}
    web_settings = dataclasses.replace(settings, **{"secret_key": "caching-test",
                                                    "generation_interval_ms": INTERVAL_MS, **changes})
    return create_app({"TESTING": True, "NOTES_SETTINGS": web_settings, "STORE": store, **extra})


def node_reads(store, keyspace: str) -> int:
    """Reads the node has served from the keyspace's tables since it started (system_views)."""
    rows = store.session.execute("SELECT count FROM system_views.local_read_latency WHERE keyspace_name = %s",
                                 (keyspace,))
    return sum(r["count"] for r in rows)


def test_a_page_keeps_its_etag_until_an_import_changes_it_and_the_change_shows_after_the_interval(
        notes, clean_store, settings):
    client = make_app(settings, clean_store).test_client()
    url = f"/conferences/{PYCON.id}"
    first = client.get(url)
    assert first.status_code == 200 and OLD_TITLE in first.get_data(as_text=True)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith('W/') and first.headers["Cache-Control"] == "public, no-cache"

    assert sync(clean_store, notes.parent).unchanged == 1  # a no-op re-import starts no generation
    time.sleep(INTERVAL_MS / 1000 + 0.1)
    again = client.get(url)
    assert again.headers["ETag"] == etag and again.get_data() == first.get_data()

    notes.write_text(notes.read_text().replace(OLD_TITLE, NEW_TITLE))
    assert sync(clean_store, notes.parent).changed == 1
    time.sleep(INTERVAL_MS / 1000 + 0.1)
    changed = client.get(url)
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and NEW_TITLE in body and OLD_TITLE not in body
    assert changed.headers["ETag"] != etag and changed.headers["Last-Modified"] >= modified

    stale = client.get(url, headers={"If-None-Match": etag})
    assert stale.status_code == 200 and NEW_TITLE in stale.get_data(as_text=True)
    fresh = client.get(url, headers={"If-None-Match": changed.headers["ETag"]})
    assert fresh.status_code == 304 and fresh.get_data() == b"" and fresh.headers["ETag"] == changed.headers["ETag"]
    since = client.get(url, headers={"If-Modified-Since": changed.headers["Last-Modified"]})
    assert since.status_code == 304


def test_conditional_requests_are_answered_without_reading_the_archive(notes, clean_store, settings):
    client = make_app(settings, clean_store, generation_interval_ms=600_000).test_client()
    talk = next(t for t in clean_store.talks_of_conference(PYCON.id) if t.title == OLD_TITLE)
    urls = ["/", f"/conferences/{PYCON.id}", f"/talks/{talk.id}", "/tags", "/tags/testing", "/api/v1/timeline",
            f"/api/v1/talks/{talk.id}", "/feeds/talks.atom", f"/conferences/{PYCON.id}.ics", "/search?q=mocking",
            "/speakers/gary-bernhardt"]
    etags = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        etags[url] = response.headers["ETag"]
    assert len(set(etags.values())) == len(urls)  # one resource, one ETag
    before = node_reads(clean_store, settings.keyspace)
    for _ in range(5):
        for url in urls:
            response = client.get(url, headers={"If-None-Match": etags[url]})
            assert response.status_code == 304 and response.get_data() == b"", url
        for url in urls:  # and the render cache answers the unconditional ones
            assert client.get(url).headers["ETag"] == etags[url]
    assert node_reads(clean_store, settings.keyspace) == before
    assert client.get("/tags/mocking").status_code == 200  # a page not seen yet reads, and the count shows it
    assert node_reads(clean_store, settings.keyspace) > before


def test_what_is_never_shared_and_what_is_cached_besides_pages(notes, clean_store, settings):
    app = make_app(settings, clean_store, admin_token="t")
    client = app.test_client()
    imports = client.get("/imports")
    assert imports.status_code == 200 and imports.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in imports.headers
    missing = client.get("/talks/pycon-us-2012--no-such-talk")
    assert missing.status_code == 404 and "ETag" not in missing.headers
    assert missing.headers["Cache-Control"] == "public, no-cache"
    cache = app.extensions["http_cache"].cache
    assert any(key[1] == "/talks/pycon-us-2012--no-such-talk" for key in cache._entries)
    assert not any(key[1] == "/imports" for key in cache._entries)
    refused = client.post("/imports", data={"token": "wrong"})
    assert refused.status_code == 403 and refused.headers["Cache-Control"] == "private, no-store"
    head = client.head("/")
    assert head.status_code == 200 and head.headers["ETag"] == client.get("/").headers["ETag"]


def test_the_render_cache_never_grows_past_its_bound(notes, clean_store, settings):
    bound = 64 * 1024
    app = make_app(settings, clean_store, render_cache_bytes=bound, CONFERENCE_PAGE_SIZE=5)
    client = app.test_client()
    cache = app.extensions["http_cache"].cache
    talks = clean_store.talks_of_conference(PYCON.id)
    urls = ["/", "/tags", f"/conferences/{PYCON.id}"] + [f"/talks/{t.id}" for t in talks] + [
        f"/api/v1/talks/{t.id}" for t in talks] + [f"/search?q={t.title.split()[0]}" for t in talks]
    kept = 0
    for url in urls * 2:
        assert client.get(url).status_code == 200, url
        assert cache.used <= bound
        kept = max(kept, len(cache))
    assert kept >= 5 and len(cache) < len(set(urls))  # it kept pages, and had to drop some


def list_reads(store, keyspace: str, table: str) -> int:
    """Reads the node has served from one table since it started (system_views)."""
    row = store.session.execute("SELECT count FROM system_views.local_read_latency "
                                "WHERE keyspace_name = %s AND table_name = %s", (keyspace, table)).one()
    return row["count"] if row else 0


def test_uncached_pages_read_a_lists_months_once_a_generation_and_see_an_imports_new_month(
        notes, clean_store, settings, tmp_path):
    app = make_app(settings, clean_store, render_cache_bytes=0)  # every request renders
    client = app.test_client()
    first = client.get("/tags/testing")
    assert first.status_code == 200 and "2013" not in first.get_data(as_text=True)
    months_read = list_reads(clean_store, settings.keyspace, "list_buckets")
    rows_read = list_reads(clean_store, settings.keyspace, "talks_by_tag")
    for _ in range(3):
        assert client.get("/tags/testing").get_data() == first.get_data()
    assert list_reads(clean_store, settings.keyspace, "list_buckets") == months_read  # the months were kept
    assert list_reads(clean_store, settings.keyspace, "talks_by_tag") == rows_read + 3  # the rows were not
    assert clean_store.memo is None  # the store the app was given reads as before

    later = Conference("pycon-us-2013", "PyCon US 2013", date(2013, 3, 13), date(2013, 3, 21), "Santa Clara")
    folder = tmp_path / "later"
    folder.mkdir()
    shutil.copy(notes, folder / notes.name)
    source = Source("pycon-2013", "notes", folder, conference=later)
    assert make_service(clean_store).sync_source(source, read_documents(source)).new == 1  # a new month, a new generation
    time.sleep(INTERVAL_MS / 1000 + 0.1)
    months_read = list_reads(clean_store, settings.keyspace, "list_buckets")  # the import read them too
    after = client.get("/tags/testing").get_data(as_text=True)
    assert "/talks/pycon-us-2013--" in after and "/talks/pycon-us-2012--" in after
    assert client.get("/tags/testing").get_data(as_text=True) == after
    assert list_reads(clean_store, settings.keyspace, "list_buckets") == months_read + 1  # once in the new generation
