"""Deterministic tagging from the shipped vocabulary."""
from __future__ import annotations

import pytest

from archive.domain import TALK_KINDS
from archive.talks.tagging import (VOCABULARY_PATH, body_hits_needed, load_vocabulary, normalise_tag,
                             parse_vocabulary, tag_talk)


@pytest.mark.parametrize("tag", ["Data Science", "data science", "data-science", "data_science",
                                 "  DATA   Science ", "Data-Science!"])
def test_normalise_tag(tag):
    assert normalise_tag(tag) == "data-science"


def test_normalise_tag_folds_accents_and_keeps_digits():
    assert normalise_tag("Python 3") == "python-3"
    assert normalise_tag("Café Society") == "cafe-society"


def test_vocabulary_is_shipped_and_consistent():
    assert VOCABULARY_PATH.is_file()
    vocabulary = load_vocabulary()
    keys = [e.key for e in vocabulary.entries]
    assert len(keys) >= 35
    assert len(set(keys)) == len(keys)
    assert all(normalise_tag(k) == k for k in keys)
    for expected in ("testing", "django", "cassandra", "databases", "web", "async", "concurrency", "gevent",
                     "deployment", "devops", "security", "performance", "packaging", "data-science",
                     "scientific-python", "ipython", "education", "community", "api", "rest", "mocking",
                     "celery", "messaging", "zeromq", "templates", "forms", "orm", "pypy",
                     "cpython-internals", "memory", "scalability", "distributed-systems", "python-3"):
        assert expected in keys
    assert all(e.keywords and e.label for e in vocabulary.entries)


def test_conference_and_kind_tags_are_always_there():
    assert tag_talk("Untitled", "", "pycon-us-2012", "talk") == ("pycon-us-2012", "talk")
    for kind in TALK_KINDS:
        assert kind in tag_talk("x", "", "europython-2012", kind)


def test_title_keyword_is_enough():
    tags = tag_talk("Apache Cassandra and Python", "", "pycon-us-2012", "talk")
    assert "cassandra" in tags and "databases" in tags


def test_body_keyword_needs_repeated_mentions():
    once = tag_talk("Notes", "We briefly used Celery for this.", "c", "talk")
    twice = tag_talk("Notes", "We used Celery. Celery workers run the jobs.", "c", "talk")
    assert "celery" not in once
    assert "celery" in twice


def test_long_notes_need_more_mentions():
    filler = "word " * 3000
    assert body_hits_needed(3000) > 2
    assert "celery" not in tag_talk("Notes", filler + "celery celery", "c", "talk")


def test_whole_words_only_and_urls_ignored():
    tags = tag_talk("Notes", "djangonauts djangonauts contested contested "
                    "https://github.com/django/django https://github.com/django/django", "c", "talk")
    assert "django" not in tags
    assert "testing" not in tags


def test_extra_tags_are_normalised_and_aliases_mapped():
    tags = tag_talk("Notes", "", "c", "talk", extra_tags=["Data Science", "postgres", "TDD", "Some New Tag", ""])
    assert "data-science" in tags
    assert "postgresql" in tags
    assert "testing" in tags
    assert "some-new-tag" in tags
    assert "" not in tags


def test_result_is_sorted_unique_and_deterministic():
    args = ("Testing and Django", "tests tests django", "pycon-us-2012", "talk", ["django", "Django"])
    first = tag_talk(*args)
    assert first == tuple(sorted(set(first)))
    assert first == tag_talk(*args)


def test_custom_vocabulary():
    vocabulary = parse_vocabulary(
        '[[tag]]\nkey = "Green Things"\nlabel = "Green"\naliases = ["verdant"]\nkeywords = ["leaf", "moss"]\n')
    assert [e.key for e in vocabulary.entries] == ["green-things"]
    tags = tag_talk("Moss gardens", "", "conf", "talk", extra_tags=["Verdant"], vocabulary=vocabulary)
    assert tags == ("conf", "green-things", "talk")


def test_duplicate_keys_are_rejected():
    with pytest.raises(ValueError):
        parse_vocabulary('[[tag]]\nkey = "a"\nkeywords = ["x"]\n[[tag]]\nkey = "A"\nkeywords = ["y"]\n')
