"""The iCalendar export (the icalendar package): escaping, folding, CRLF, all-day events, no injection."""
from __future__ import annotations

from datetime import date, datetime, timezone

from archive.domain import Conference, Speaker, Talk
from archive.formats.ical import conference_calendar

CONF = Conference("pycon-us-2012", "PyCon US 2012", date(2012, 3, 7), date(2012, 3, 15),
                  "Santa Clara, California; USA", "America/Los_Angeles")
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


def talk(title: str, day: date | None, ordinal: int = 0, **kw) -> Talk:
    return Talk(id=f"{CONF.id}--{ordinal}", conference_id=CONF.id, title=title, date=day, ordinal=ordinal, **kw)


def calendar(talks) -> str:
    return conference_calendar(CONF, talks, lambda t: f"https://archive.example/talks/{t.id}", now=NOW,
                               domain="archive.example")


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_text_values_are_escaped():
    text = calendar([talk("a,b;c\\d\ne\r\nf", date(2012, 3, 9), 1)])
    assert "SUMMARY:a\\,b\\;c\\\\d\\ne\\nf" in unfold(text)


def test_lines_fold_at_75_octets_without_splitting_characters():
    title = "é" * 100 + "x" * 50
    text = calendar([talk(title, date(2012, 3, 9), 1)])
    pieces = text.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    summary = next(i for i, p in enumerate(pieces) if p.startswith("SUMMARY:"))
    assert pieces[summary + 1].startswith(" ") and "SUMMARY:" + title in unfold(text)


def test_line_breaks_and_controls_in_names_cannot_start_a_line():
    hostile = Conference("evil\r\nX-INJECTED:yes", "Conf\r\nX-INJECTED:yes\r\nBEGIN:VEVENT\rUID:x\x00\x1b",
                         location="Here\nEND:VEVENT", timezone="UTC\r\nX-INJECTED:yes")
    bad = Talk(id=f"{hostile.id}--1\r\nBEGIN:VEVENT", conference_id=hostile.id, date=date(2012, 3, 9),
               title="Talk\r\nX-INJECTED:yes", speakers=(Speaker("A\nB"),), tags=("t\r\nX-INJECTED:yes",))
    text = conference_calendar(hostile, [bad], lambda t: "https://archive.example/talks/x\r\nX-INJECTED:yes",
                               now=NOW, domain="archive.example")
    lines = unfold(text)
    assert not any(line.startswith(("X-INJECTED", "UID:x")) for line in lines)
    assert lines.count("BEGIN:VEVENT") == 1 and "\x00" not in text and "\x1b" not in text
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    assert "X-WR-CALNAME:Conf\\nX-INJECTED:yes\\nBEGIN:VEVENT\\nUID:x" in lines


def test_calendar_has_crlf_lines_and_an_all_day_event_per_dated_talk():
    text = calendar([
        talk("Second, on day two", date(2012, 3, 8), 2, speakers=(Speaker("Ann"), Speaker("Bob"))),
        talk("First; on day one", date(2012, 3, 7), 1, tags=("testing", "web")),
        talk("Undated", None, 3),
    ])
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    assert lines.count("BEGIN:VEVENT") == 2 and lines.count("END:VEVENT") == 2
    first = lines.index("BEGIN:VEVENT")
    event = lines[first:lines.index("END:VEVENT", first)]
    assert "SUMMARY:First\\; on day one" in event  # day order, not input order
    assert "DTSTART;VALUE=DATE:20120307" in event and "DTEND;VALUE=DATE:20120308" in event
    assert "UID:pycon-us-2012--1@archive.example" in event and "DTSTAMP:20240501T123000Z" in event
    assert "LOCATION:Santa Clara\\, California\\; USA" in event and "CATEGORIES:testing,web" in event
    assert "URL:https://archive.example/talks/pycon-us-2012--1" in event
    assert any(l.startswith("DESCRIPTION:Speakers: Ann\\, Bob\\nPyCon US 2012\\n") for l in lines)
    assert "X-WR-CALNAME:PyCon US 2012" in lines and "Undated" not in text


def test_long_titles_are_folded_and_unfold_to_the_original():
    title = "A very long talk title about testing, mocking and boundaries — with ünïcode — " * 3
    text = calendar([talk(title, date(2012, 3, 9), 1)])
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:" + title.replace(",", "\\,") in unfold(text)


def test_calendar_without_dated_talks_is_still_valid():
    lines = unfold(calendar([talk("Undated", None)]))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and "BEGIN:VEVENT" not in lines
