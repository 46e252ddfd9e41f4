"""A talk's videos: which URLs play, which are one video, the best one, and URLs at a second."""
from __future__ import annotations

import pytest

from archive.domain import Link
from archive.talks.videos import (best_video, host_label, plays, retarget_timecodes, talk_videos, timecode_seconds,
                                  video_key, video_url_at)

PYVIDEO_PAGE = "http://pyvideo.org/video/631/fast-test-slow-test"
YOUTUBE = "https://www.youtube.com/watch?v=RAxiiRPHS9k"


@pytest.mark.parametrize("url, label, playing", [
    (YOUTUBE, "YouTube", True),
    ("https://youtu.be/RAxiiRPHS9k", "YouTube", True),
    ("https://m.youtube.com/watch?v=RAxiiRPHS9k", "YouTube", True),
    ("https://www.youtube.com/embed/RAxiiRPHS9k", "YouTube", True),
    ("https://www.youtube.com/playlist?list=PLBC82890EA0228306", "YouTube", False),  # no one video
    ("https://vimeo.com/123456", "Vimeo", True),
    ("https://player.vimeo.com/video/123456", "Vimeo", True),
    ("https://vimeo.com/channels/staffpicks", "Vimeo", False),
    ("https://archive.org/details/pyvideo_481___pyconau-2010", "archive.org", True),
    ("https://archive.org/download/pyconza2013-pinch-of-salt/pyconza2013-pinch-of-salt.ogv", "archive.org", True),
    ("http://s3.us.archive.org/ndvpyconau2013/Django_Unstrained.mp4", "archive.org", True),
    ("https://web.archive.org/web/2012/http://pyvideo.org/video/631/", "web.archive.org", False),
    ("https://dl.afpy.org/pycon-fr-19/talk.webm", "dl.afpy.org", True),
    ("https://example.org/talk.MP3", "example.org", True),
    ("https://indymotion.fr/videos/watch/e8f13183-57c6", "indymotion.fr", True),
    (PYVIDEO_PAGE, "pyvideo.org", False),
    ("https://www.pyvideo.org/pycon-us-2012/fast-test-slow-test.html", "pyvideo.org", False),
])
def test_a_url_plays_when_it_is_a_known_player_or_a_media_file(url, label, playing):
    assert (host_label(url), plays(url)) == (label, playing)


@pytest.mark.parametrize("a, b", [
    ("https://youtu.be/RAxiiRPHS9k", YOUTUBE),
    ("https://youtu.be/RAxiiRPHS9k?t=19", YOUTUBE),
    ("https://www.youtube.com/embed/RAxiiRPHS9k?start=5", YOUTUBE),
    ("https://m.youtube.com/watch?v=RAxiiRPHS9k&t=30s", YOUTUBE),
    ("http://youtube.com/watch?feature=plpp_video&v=RAxiiRPHS9k&list=PLBC82890EA0228306#t=00m19s", YOUTUBE),
    ("https://player.vimeo.com/video/123456", "https://vimeo.com/123456#t=10s"),
    ("https://archive.org/embed/some-item", "https://archive.org/details/some-item?start=3"),
    ("http://www.example.org/talk/", "https://example.org/talk#part"),
    ("https://example.org/v.mp4?t=5", "https://example.org/v.mp4"),
])
def test_two_urls_of_one_video_have_one_identity(a, b):
    assert video_key(a) == video_key(b)


@pytest.mark.parametrize("a, b", [
    (YOUTUBE, "https://www.youtube.com/watch?v=OTHERVIDEO1"),
    ("https://example.org/v?id=1", "https://example.org/v?id=2"),
    ("https://vimeo.com/1", "https://vimeo.com/2"),
])
def test_different_videos_differ(a, b):
    assert video_key(a) != video_key(b)


def test_a_playable_video_hides_the_page_about_it_and_duplicates_count_once():
    links = (Link("video", YOUTUBE), Link("page", "https://us.pycon.org/2012/schedule/presentation/429/"),
             Link("video", PYVIDEO_PAGE), Link("video", "https://youtu.be/RAxiiRPHS9k?t=3"))
    videos = talk_videos(links, 1910)
    assert [(v.url, v.host, v.plays, v.seconds) for v in videos] == [(YOUTUBE, "YouTube", True, 1910)]
    assert videos[0].label == "Video on YouTube"
    assert best_video(videos) == videos[0]


def test_every_distinct_playable_video_is_listed_in_link_order():
    links = (Link("video", PYVIDEO_PAGE), Link("video", "https://vimeo.com/99"), Link("video", YOUTUBE))
    assert [v.host for v in talk_videos(links)] == ["Vimeo", "YouTube"]
    assert best_video(talk_videos(links)).host == "Vimeo"


def test_without_a_playable_video_the_pages_are_the_videos():
    videos = talk_videos((Link("video", PYVIDEO_PAGE), Link("video", PYVIDEO_PAGE + "/")), 0)
    assert [(v.url, v.plays, v.seconds, v.label) for v in videos] == [
        (PYVIDEO_PAGE, False, None, "Video page on pyvideo.org")]
    assert best_video(videos) is None


def test_only_http_video_links_count():
    links = (Link("video", "javascript:alert(1)"), Link("video", "https://ok.example/v 1"),
             Link("video", "//no-scheme.example/v.mp4"), Link("slides", "https://example.org/s.mp4"))
    assert talk_videos(links) == ()


@pytest.mark.parametrize("url, expected", [
    (YOUTUBE, YOUTUBE + "&t=19s"),
    ("https://www.youtube.com/watch?v=RAxiiRPHS9k&list=PL1&feature=plpp_video#t=00m19s",
     "https://www.youtube.com/watch?v=RAxiiRPHS9k&list=PL1&feature=plpp_video&t=19s"),
    ("https://youtu.be/RAxiiRPHS9k?t=3", "https://youtu.be/RAxiiRPHS9k?t=19s"),
    ("https://www.youtube.com/embed/RAxiiRPHS9k", "https://www.youtube.com/embed/RAxiiRPHS9k?start=19"),
    ("https://vimeo.com/123456", "https://vimeo.com/123456#t=19s"),
    ("https://archive.org/details/item", "https://archive.org/details/item?start=19#t=19"),
    ("https://archive.org/download/item/talk.ogv", "https://archive.org/download/item/talk.ogv#t=19"),
    ("https://dl.afpy.org/pycon-fr-19/talk.webm", "https://dl.afpy.org/pycon-fr-19/talk.webm#t=19"),
    ("https://indymotion.fr/videos/watch/abc", "https://indymotion.fr/videos/watch/abc?start=19s"),
    (PYVIDEO_PAGE, PYVIDEO_PAGE + "#t=19"),
])
def test_video_url_at_uses_the_form_each_player_reads(url, expected):
    assert video_url_at(url, 19) == expected


@pytest.mark.parametrize("text, seconds", [
    ("(00:19)", 19), ("(1:02:03)", 3723), ("(10:00 / 36:22 into the video)", 600), ("(5:75)", None),
    ("(1:60:00)", None), ("see (00:19)", None), ("", None),
])
def test_timecode_seconds_reads_the_code_a_link_starts_with(text, seconds):
    assert timecode_seconds(text) == seconds


def test_retarget_timecodes_points_our_anchors_at_the_playable_video():
    stored = ('<p>Prevent fear <a class="timecode" href="http://pyvideo.org/video/631/x#t=19">(00:19)</a></p>'
              '<p><a class="timecode" href="http://pyvideo.org/video/631/x#t=3723">(1:02:03 / 36:22 into the video)</a>'
              ' <a href="http://pyvideo.org/video/631/x#t=52">(00:52)</a></p>')
    out = retarget_timecodes(stored, "https://www.youtube.com/watch?v=RAxiiRPHS9k&list=y")
    assert ('<a class="timecode" href="https://www.youtube.com/watch?v=RAxiiRPHS9k&amp;list=y&amp;t=19s">(00:19)</a>'
            in out)
    assert 'href="https://www.youtube.com/watch?v=RAxiiRPHS9k&amp;list=y&amp;t=3723s">(1:02:03 / 36:22' in out
    assert '<a href="http://pyvideo.org/video/631/x#t=52">(00:52)</a>' in out  # the notes' own link stays


def test_retarget_timecodes_handles_other_attribute_orders_and_leaves_odd_anchors():
    out = retarget_timecodes('<a href="#t=1" class="x timecode" rel="noopener">(00:05)</a>'
                             '<a class="timecode">(00:06)</a><a class="timecode" href="#k">(5:75)</a>'
                             '<a class="timecodes" href="#k">(00:07)</a>', "https://vimeo.com/1")
    assert out == ('<a href="https://vimeo.com/1#t=5s" class="x timecode" rel="noopener">(00:05)</a>'
                   '<a href="https://vimeo.com/1#t=6s" class="timecode">(00:06)</a>'
                   '<a class="timecode" href="#k">(5:75)</a><a class="timecodes" href="#k">(00:07)</a>')


def test_retarget_timecodes_without_a_video_changes_nothing():
    html = '<a class="timecode" href="http://pyvideo.org/video/1#t=19">(00:19)</a>'
    assert retarget_timecodes(html, None) == html
