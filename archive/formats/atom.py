"""Atom (RFC 4287) feeds of talks, built with xml.etree: pure, values in, bytes out.

Kept rather than feedgen 1.0.0 (issue 13, measured on this module's tests): feedgen drops the rel and
type of entry links (lkiesow/python-feedgen#135, open), writes `updated` as +00:00 rather than Z, and
raises on control characters (so xml_text below would stay anyway); it also brings in lxml. Its
escaping of hostile text is the same as ElementTree's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Sequence
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# Characters XML 1.0 forbids (most C0 controls, surrogates, U+FFFE/U+FFFF): a feed holding one
# does not parse at all, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Return value without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", value)


@dataclass(frozen=True)
class Entry:
    """One talk of a feed."""

    id: str
    title: str
    url: str
    updated: datetime
    authors: tuple[str, ...] = ()
    summary: str = ""
    categories: tuple[str, ...] = ()


def day_to_datetime(day: date | None) -> datetime:
    """Return midnight UTC of a day (Atom wants full timestamps; the archive knows days)."""
    return _EPOCH if day is None else datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def _rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, name, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def atom_feed(*, feed_id: str, title: str, self_url: str, alt_url: str, entries: Sequence[Entry],
              author: str = "notes-archive", updated: datetime | None = None) -> bytes:
    """Return the UTF-8 XML of an Atom feed of the given entries."""
    # Plain names under an xmlns attribute: ElementTree's default_namespace option refuses the
    # un-namespaced attributes (rel, href, term) that Atom uses.
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title)
    # The newest entry dates the feed, so an unchanged archive gives an unchanged feed.
    newest = max((e.updated for e in entries), default=None)
    _sub(feed, "updated", _rfc3339(updated or newest or _EPOCH))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=alt_url)
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "generator", "notes-archive")
    for entry in entries:
        el = _sub(feed, "entry")
        _sub(el, "id", entry.id)
        _sub(el, "title", entry.title)
        _sub(el, "link", rel="alternate", type="text/html", href=entry.url)
        _sub(el, "updated", _rfc3339(entry.updated))
        for name in entry.authors:
            _sub(_sub(el, "author"), "name", name)
        for term in entry.categories:
            _sub(el, "category", term=term)
        if entry.summary:
            _sub(el, "summary", entry.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
