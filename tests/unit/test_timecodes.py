"""Time codes: parsing, video URLs at a second, and linking in HTML."""
from __future__ import annotations

import pytest

from archive.parse.timecodes import link_timecodes, parse_duration, parse_timecode, video_url_at


@pytest.mark.parametrize("code, seconds", [
    ("05:30", 330), ("0:27", 27), ("1:02:03", 3723), ("59:59", 3599), ("100:00", 6000),
    ("5:75", None), ("1:60:00", None), ("abc", None), ("12", None),
])
def test_parse_timecode(code, seconds):
    assert parse_timecode(code) == seconds


def test_parse_duration_finds_the_running_time():
    assert parse_duration("Video running time: 34:53") == 2093
    assert parse_duration("1:02:03 long") == 3723
    assert parse_duration("none") is None


@pytest.mark.parametrize("url, expected", [
    ("https://www.youtube.com/watch?v=Xu5EhKVZdV8", "https://www.youtube.com/watch?v=Xu5EhKVZdV8&t=330s"),
    ("https://www.youtube.com/watch?v=Xu5EhKVZdV8#t=4m18s", "https://www.youtube.com/watch?v=Xu5EhKVZdV8&t=330s"),
    ("https://www.youtube.com/watch?v=G-lGCC4KKok&list=PLBC82890EA0228306&index=22",
     "https://www.youtube.com/watch?v=G-lGCC4KKok&list=PLBC82890EA0228306&index=22&t=330s"),
    ("https://www.youtube.com/watch?v=abc&t=10s", "https://www.youtube.com/watch?v=abc&t=330s"),
    ("https://youtu.be/abc", "https://youtu.be/abc?t=330s"),
    ("http://pyvideo.org/video/629/stop-mocking-start-testing", "http://pyvideo.org/video/629/stop-mocking-start-testing#t=330"),
    ("https://vimeo.com/123#old", "https://vimeo.com/123#t=330"),
])
def test_video_url_at(url, expected):
    assert video_url_at(url, 330) == expected


def test_link_timecodes_links_bare_codes():
    html = "<p>(05:30) intro, (1:02:03) end, (5:75) not a time, (10:00 / 36:22 into the video)</p>"
    linked = link_timecodes(html, "https://youtu.be/abc")
    assert '<a class="timecode" href="https://youtu.be/abc?t=330s">(05:30)</a> intro' in linked
    assert '<a class="timecode" href="https://youtu.be/abc?t=3723s">(1:02:03)</a>' in linked
    assert "(5:75) not a time" in linked
    assert '<a class="timecode" href="https://youtu.be/abc?t=600s">(10:00 / 36:22 into the video)</a>' in linked


def test_link_timecodes_escapes_the_href():
    linked = link_timecodes("<p>(00:24)</p>", "https://www.youtube.com/watch?v=x&list=y")
    assert 'href="https://www.youtube.com/watch?v=x&amp;list=y&amp;t=24s"' in linked


def test_link_timecodes_leaves_links_and_code_alone():
    html = ('<p><a href="https://v/#t=1">(00:01)</a> <code>(00:02)</code></p>'
            "<pre>(00:03)</pre><p>(00:04)</p>")
    linked = link_timecodes(html, "http://pyvideo.org/v/1")
    assert linked.count('class="timecode"') == 1
    assert '<a class="timecode" href="http://pyvideo.org/v/1#t=4">(00:04)</a>' in linked


def test_without_a_video_nothing_changes():
    assert link_timecodes("<p>(05:30)</p>", None) == "<p>(05:30)</p>"
