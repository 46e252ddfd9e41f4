"""Deterministic tagging from the shipped vocabulary."""
from __future__ import annotations

import pytest

from archive.domain import TALK_KINDS
from archive.talks.tagging import (VOCABULARY_PATH, body_hits_needed, explain_tag, load_vocabulary, loose_form,
                                   normalise_tag, parse_vocabulary, tag_talk)


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


def test_conference_and_kind_are_not_tags():
    assert tag_talk("Untitled", "", "pycon-us-2012", "talk") == ()
    for kind in TALK_KINDS:
        assert tag_talk("x", "", "europython-2012", kind) == ()


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
    assert tags == ("green-things",)


def test_duplicate_keys_are_rejected():
    with pytest.raises(ValueError):
        parse_vocabulary('[[tag]]\nkey = "a"\nkeywords = ["x"]\n[[tag]]\nkey = "A"\nkeywords = ["y"]\n')


def reason(raw, conference_id="pycon-us-2012"):
    return explain_tag(raw, conference_id).reason


@pytest.mark.parametrize("raw", ["talk", "Keynote", "Lightning Talks", "lightning-talk", "lightning talk",
                                 "Tutorial", "panel", "Workshop", "poster", "case study", "CaseStudy"])
def test_kinds_are_dropped(raw):
    assert reason(raw) == "kind"
    assert tag_talk("x", "", "pycon-us-2012", "talk", extra_tags=[raw]) == ()


@pytest.mark.parametrize("raw", ["Python", "tech", "General", "Development", "Beginners", "conference"])
def test_generic_words_are_dropped(raw):
    assert reason(raw) == "generic"


@pytest.mark.parametrize("raw,conference", [
    ("pycon", "pycon-us-2012"), ("PyCon US", "pycon-us-2012"), ("pyconus", "pycon-us-2012"),
    ("pyconau_2020", "pycon-au-2020"), ("PyConAU", "pycon-au-2021"), ("europython-online", "europython-2020"),
    ("EuroPython", "europython-2013"), ("djangoconeu", "djangocon-eu-2021"), ("DjangoCon", "djangocon-2010"),
    ("PythonWebConf", "python-web-conf-2022"), ("write the docs", "writethedocs-au-2018"),
    ("pycascades-pycon-python-conference", "pycascades-2021"), ("pycon", "europython-2011"),
])
def test_event_and_series_tags_are_dropped(raw, conference):
    assert reason(raw, conference) == "event"


@pytest.mark.parametrize("raw", ["pycon2012", "europython-2020", "2019", "SciPy 2016 Tutorial", "pydataberlin2022"])
def test_tags_holding_a_year_are_dropped(raw):
    assert reason(raw, "other-conference") in ("year", "event")
    assert explain_tag(raw, "other-conference").tag is None


@pytest.mark.parametrize("raw", ["minsk", "Belarus", "Florianópolis", "Seattle", "Australia", "Africa", "Ohio",
                                 "United Kingdom"])
def test_places_are_dropped(raw):
    assert reason(raw, "pycon-belarus-2019") == "place"


@pytest.mark.parametrize("raw", ["gil", "conda", "salt", "university", "metro", "time", "enterprise"])
def test_small_cities_named_like_words_are_kept(raw):
    assert explain_tag(raw, "pycon-us-2012").tag is not None


def test_a_topic_wins_over_a_place_or_a_series():
    assert explain_tag("mobile", "pycon-us-2012").tag == "mobile"      # Mobile, Alabama
    assert explain_tag("SciPy", "scipy-2016").tag == "scientific-python"  # also the SciPy conference
    assert explain_tag("django", "django-day-copenhagen-2020").tag == "django"


@pytest.mark.parametrize("raw", ["Room 215", "Track Básico", "track-avanzado"])
def test_programme_slots_are_dropped(raw):
    assert reason(raw) == "slot"


@pytest.mark.parametrize("raw,key", [
    ("machinelearning", "machine-learning"), ("ML", "machine-learning"), ("Best Practice", "best-practices"),
    ("visualisation", "visualization"), ("data-visualization", "visualization"), ("geographic information systems", "gis"),
    ("spatial", "gis"), ("mapping", "gis"), ("Internet of Things", "iot"), ("bigdata", "big-data"),
    ("jupyter notebook", "ipython"), ("database", "databases"), ("CloudComputing", "cloud"),
])
def test_near_duplicates_merge_into_the_vocabulary(raw, key):
    decision = explain_tag(raw, "pycon-us-2012")
    assert (decision.tag, decision.reason) == (key, "alias")


def test_unknown_topics_are_kept_normalised():
    decision = explain_tag("Some New Tag", "pycon-us-2012")
    assert (decision.tag, decision.reason) == ("some-new-tag", "kept")
    assert explain_tag("python-3.10", "pycon-us-2012").tag == "python-3-10"  # a version, not a year
    assert explain_tag("", "pycon-us-2012").reason == "empty"


def test_loose_form_is_spelling_blind_but_keeps_short_words():
    assert loose_form("best-practices") == loose_form("bestpractice")
    assert loose_form("optimisation") == loose_form("optimization")
    assert loose_form("ios") != loose_form("io")


def test_not_topics_come_from_the_vocabulary_file():
    vocabulary = parse_vocabulary('[[tag]]\nkey = "a"\nkeywords = ["x"]\n'
                                  '[not_topics]\nkinds = ["Demo"]\ngeneric = ["stuff"]\n')
    assert tag_talk("t", "", "c", "talk", extra_tags=["demo", "demos", "Stuff", "keynote"], vocabulary=vocabulary) \
        == ("keynote",)
