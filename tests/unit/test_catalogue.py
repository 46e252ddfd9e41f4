"""The catalogue reader (pure): the pyvideo catalogue's real mess, and rejection with a reason."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from archive.parse.catalogue import (catalogue_talk_id, clean_title, parse_event, parse_recorded, parse_video,
                               render_description)
from archive.parse.speakers import split_speaker_list
from archive.domain import DocumentError, Speaker


def names(entries):
    return [s.name for s in split_speaker_list(entries)]


@pytest.mark.parametrize("entries, expected", [
    (["Zed A. Shaw"], ["Zed A. Shaw"]),
    (["Anna Spysz and Chase Douglas"], ["Anna Spysz", "Chase Douglas"]),
    (["Ben Doherty, Ishaan Varshney"], ["Ben Doherty", "Ishaan Varshney"]),
    (["Matt Hamilton & Ami Zou"], ["Matt Hamilton", "Ami Zou"]),
    (["Haque Ishfaq; Hassan Sami Adnan ..."], ["Haque Ishfaq", "Hassan Sami Adnan"]),
    (["Chu, Hua-Rong"], ["Hua-Rong Chu"]),  # surname, given name: one person
    (["Dillon R. Gardner, PhD"], ["Dillon R. Gardner"]),
    (["Richard D. Copeland, Jr."], ["Richard D. Copeland"]),
    (["Fireside Chat with: Carl Meyer and Calvin Hendryx-Parker"], ["Carl Meyer", "Calvin Hendryx-Parker"]),
    (["Various speakers"], []),
    ([""], []),
    (["  Lynn  Root ", "Lynn Root"], ["Lynn Root"]),  # stray whitespace, duplicates
    (["Lightning Talks, DAY 1 - PyTexas 202"], []),
    ([], []),
    (None, []),
])
def test_speaker_strings_are_split_into_people(entries, expected):
    assert names(entries) == expected


@pytest.mark.parametrize("title, event, speakers, expected", [
    ("DjangoCon EU 2013: Zed Shaw - The Imaginative Programmer", "djangocon eu 2013", ["Zed A. Shaw"],
     "The Imaginative Programmer"),
    ("DjangoCon EU 2013: Marc Egli and Jérémie Blaser - Taming Ajax and Django", "djangocon eu 2013",
     ["Marc Egli", "Jérémie Blaser"], "Taming Ajax and Django"),
    ("PyPy - Current status and GIL-less future", "europython 2012", ["Armin Rigo"],
     "PyPy - Current status and GIL-less future"),
    ("Fake It Til You Make It: Unit Testing Patterns", "pycon us 2012", ["Brian K. Jones"],
     "Fake It Til You Make It: Unit Testing Patterns"),
    ("  Keynote:   Guido Van Rossum ", "pycon us 2012", ["Guido van Rossum"], "Keynote: Guido Van Rossum"),
])
def test_titles_lose_only_the_event_and_speaker_they_repeat(title, event, speakers, expected):
    assert clean_title(title, event, tuple(Speaker(s) for s in speakers)) == expected


def test_recorded_is_a_date_a_date_time_with_offset_or_null():
    assert parse_recorded("2013-05-15", "x") == (date(2013, 5, 15), None)
    day, moment = parse_recorded("2019-07-10T14:30:00+02:00", "x")
    assert day == date(2019, 7, 10) and moment.utcoffset().total_seconds() == 7200
    assert parse_recorded(None, "x") == (None, None)
    with pytest.raises(DocumentError, match="'recorded' '15/05/2013' is not a date"):
        parse_recorded("15/05/2013", "x")
    with pytest.raises(DocumentError, match="not a real date"):
        parse_recorded("2013-02-30", "x")


def video(**fields) -> bytes:
    base = {"title": "A Talk", "speakers": ["Ann Smith"], "recorded": "2013-05-15", "videos": [], "description": ""}
    return json.dumps(base | fields).encode()


def test_a_video_file_becomes_a_talk_with_dates_links_and_description():
    data = video(title="DjangoCon EU 2013: Ann Smith - Mocking \r\n well ", recorded="2013-05-15T09:30:00+02:00",
                 videos=[{"type": "youtube", "url": "https://www.youtube.com/watch?v=abc"}],
                 related_urls=["https://speakerdeck.com/ann/mocking", {"label": "Code", "url": "https://github.com/a/b"}],
                 duration=1800, language="eng", tags=["Testing", "testing"],
                 description="Why mocks:\r\n\r\n* fast\r\n* isolated\r\n")
    talk, text = parse_video(data, "djangocon-eu-2013/videos/ann-smith-mocking-well.json", "djangocon eu 2013")
    assert talk.id == "djangocon-eu-2013--ann-smith-mocking-well"
    assert talk.conference_id == "djangocon-eu-2013"
    assert talk.title == "Mocking well"
    assert talk.date == date(2013, 5, 15) and talk.starts_at == datetime(2013, 5, 15, 7, 30)
    assert [(l.kind, l.url) for l in talk.links] == [
        ("video", "https://www.youtube.com/watch?v=abc"), ("slides", "https://speakerdeck.com/ann/mocking"),
        ("other", "https://github.com/a/b")]
    assert talk.video_seconds == 1800 and talk.language == "eng"
    assert "fast</p></li>" in talk.summary_html and "\r" not in text


def test_a_null_recorded_lands_undated():
    talk, _ = parse_video(video(recorded=None), "ev/videos/a.json")
    assert talk.date is None and talk.starts_at is None


@pytest.mark.parametrize("data, reason", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (video(title="   "), "the talk has no title"),
    (video(title=42), "'title' must be a string"),
    (video(recorded="yesterday"), "'recorded' 'yesterday' is not a date"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_an_unusable_file_is_rejected_with_its_reason(data, reason):
    with pytest.raises(DocumentError, match=reason):
        parse_video(data, "ev/videos/bad.json")


def test_non_ascii_file_names_give_distinct_ascii_ids():
    a = catalogue_talk_id("pycon-tw/videos/café-talk.json")
    b = catalogue_talk_id("pycon-tw/videos/cafe-talk.json")
    c = catalogue_talk_id("pycon-tw/videos/蘇嘉冠-python.json")
    assert a != b and a.isascii() and c.isascii() and c.startswith("pycon-tw--")


def test_descriptions_render_as_rest_or_plain_and_are_sanitised():
    assert render_description("Plain words.\nSee https://example.org/x") == (
        '<p>Plain words.<br>\nSee <a href="https://example.org/x" rel="noopener noreferrer">https://example.org/x</a></p>')
    rst = render_description("Title words\n\n* one\n* two\n\n**bold** and ``code``")
    assert "<ul" in rst and "<strong>bold</strong>" in rst and 'literal">code<' in rst
    hostile = render_description("<script>alert(1)</script>\n\n.. raw:: html\n\n   <script>x()</script>\n\n`a <javascript:alert(1)>`_")
    assert "<script" not in hostile and "javascript:" not in hostile
    assert render_description("") == "" and render_description(None) == ""


def test_an_event_file_names_the_conference():
    conference = parse_event(b'{"title": " DjangoCon Europe 2013 ", "url": "http://2013.djangocon.eu/"}',
                             "djangocon-eu-2013/category.json")
    assert (conference.id, conference.name, conference.url) == ("djangocon-eu-2013", "DjangoCon Europe 2013",
                                                                "http://2013.djangocon.eu/")
    with pytest.raises(DocumentError, match="the event has no title"):
        parse_event(b'{"url": "x"}', "e/category.json")


@pytest.mark.parametrize("title, kind", [
    ("Keynote: Guido Van Rossum", "keynote"),
    ("Keynotes: Growing Community That Makes a Difference", "keynote"),
    ("Lightning Talks Wednesday", "lightning"),
    ("Panel Discussion: Teaching Python", "panel"),
    ("Anatomy of Matplotlib, SciPy2013 Tutorial, Part 1 of 3", "tutorial"),
    ("Flask Workshop", "tutorial"),
    ("Fast test, slow test", "talk"),
])
def test_the_kind_comes_from_the_notes_kind_words(title, kind):
    talk, _ = parse_video(video(title=title), "ev/videos/a.json")
    assert talk.kind == kind
