"""The Atom feed's shape: what feedgen 1.0.0 would lose (issue 13) is pinned here."""
from datetime import date, datetime, timezone
from xml.etree import ElementTree as ET

from archive.formats.atom import Entry, atom_feed, day_to_datetime

A = "{http://www.w3.org/2005/Atom}"


def _feed(entries):
    return ET.fromstring(atom_feed(feed_id="https://n.example/f", title="T", self_url="https://n.example/f",
                                   alt_url="https://n.example/", entries=entries))


def test_entries_keep_order_alternate_links_and_utc_timestamps():
    old = Entry(id="https://n.example/talks/a", title="A", url="https://n.example/talks/a",
                updated=day_to_datetime(date(2019, 5, 1)))
    new = Entry(id="https://n.example/talks/b", title="B", url="https://n.example/talks/b",
                updated=day_to_datetime(date(2020, 1, 2)))
    feed = _feed([new, old])
    assert feed.find(f"{A}updated").text == "2020-01-02T00:00:00Z"  # the newest entry, not the clock
    assert [e.find(f"{A}id").text for e in feed.iter(f"{A}entry")] == [new.id, old.id]
    link = feed.find(f"{A}entry/{A}link")
    assert link.attrib == {"rel": "alternate", "type": "text/html", "href": new.url}
    assert _feed([]).find(f"{A}updated").text == "1970-01-01T00:00:00Z"


def test_hostile_text_is_text():
    title = '<script>alert(1)</script> & "q" ]]>'
    entry = Entry(id="urn:x", title=title, url="https://n.example/t", updated=datetime(2020, 1, 1, tzinfo=timezone.utc),
                  authors=("O'Brien <x>",), categories=('a"b',), summary="s & <t>")
    el = _feed([entry]).find(f"{A}entry")
    assert el.find(f"{A}title").text == title and el.find(f"{A}author/{A}name").text == "O'Brien <x>"
    assert el.find(f"{A}category").get("term") == 'a"b' and el.find(f"{A}summary").text == "s & <t>"
    assert list(el.find(f"{A}title")) == []  # no element smuggled in
