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


# -- hostile files the fuzz suite (tests/unit/test_fuzz_catalogue.py) found: each a named DocumentError --
@pytest.mark.parametrize("data, reason", [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # was RecursionError
    (b'{"title": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001, "nested too deeply"),
    (b'{"title": "t", "duration": ' + b"9" * 5000 + b"}", "not valid JSON: Exceeds the limit"),  # was ValueError
    (video(recorded="0001-01-01T00:00:00+14:00"), "out of range in UTC"),  # was OverflowError
    (video(recorded="9999-12-31T23:59:59-10:00"), "out of range in UTC"),
    (b'{"title": "\\ud800 lone"}', "lone surrogate"),  # was accepted: no UTF-8 can store the title
    (b'{"title": "t", "speakers": ["\\udfff"]}', "lone surrogate"),
])
def test_hostile_files_are_refused_by_name(data, reason):
    with pytest.raises(DocumentError, match=reason) as caught:
        parse_video(data, "ev/videos/bad.json")
    assert str(caught.value).startswith("ev/videos/bad.json: ")


def test_a_surrogate_pair_escape_is_one_character_and_fine():
    talk, _ = parse_video(b'{"title": "Snakes \\ud83d\\udc0d"}', "ev/videos/a.json")
    assert talk.title == "Snakes \U0001F40D"


def test_a_related_url_label_of_another_type_is_ignored():  # was TypeError
    talk, _ = parse_video(video(related_urls=[{"url": "https://x.org/a", "label": 5},
                                              {"url": "https://x.org/b", "label": {"x": 1}}]), "ev/videos/a.json")
    assert [(l.kind, l.url) for l in talk.links] == [("other", "https://x.org/a"), ("other", "https://x.org/b")]


def test_a_lone_carriage_return_in_a_description_is_a_line_end():
    _, text = parse_video(video(description="one\rtwo\r\nthree"), "ev/videos/a.json")
    assert text == "one\ntwo\nthree"


def test_an_event_name_or_url_too_large_for_the_index_rows_is_refused():
    with pytest.raises(DocumentError, match="ev/category.json: the event's title is 301 characters, over the 300"):
        parse_event(json.dumps({"title": "x" * 301}).encode(), "ev/category.json")
    with pytest.raises(DocumentError, match="the event's url is 4009 characters"):
        parse_event(json.dumps({"title": "X", "url": "https://" + "x" * 4001}).encode(), "ev/category.json")
    assert parse_event(json.dumps({"title": "x" * 300}).encode(), "ev/category.json").name == "x" * 300


def test_a_description_too_slow_for_docutils_renders_as_plain_text_quickly():
    import time

    quadratic = "\n".join(["**b " * 50] * 400)  # 80 KB: 70 s through docutils' inline parser
    slow_but_small = "\n".join(["*a **b " * 50] * 40)  # 14 KB: past the time limit on a slow machine
    for text in (quadratic, slow_but_small):
        started = time.monotonic()
        html_text = render_description(text)
        assert time.monotonic() - started < 10 and html_text.startswith("<p>")


def test_description_substitutions_are_bounded_and_roles_stay_in_their_description():
    import time

    from archive.parse import parse_document

    defs = "\n".join(f".. |s{i}| replace:: {' '.join([f'|s{i + 1}|'] * 6)}" for i in range(8))
    started = time.monotonic()  # 6 ** 8 references: minutes through docutils, refused by the budget
    assert "|s0|" in render_description(f"|s0| here\n\n{defs}\n.. |s8| replace:: end")
    assert time.monotonic() - started < 5
    render_description(".. role:: ref(literal)\n\n.. default-role:: strong\n\n`leaks` :ref:`x`")
    later = parse_document("Title\n=====\n\n`plain` and :ref:`Target`\n", "n.rst").talks[0].notes_html
    assert "literal" not in later and "<strong>" not in later  # was <span class="ref docutils literal">
