"""The videos of a talk, pure: which link plays where, which links are one video, and URLs at a second.

A talk often carries several links to its recording: the catalogue's YouTube video and the notes'
own "Video:" line, which for old notes is a pyvideo.org /video/N/ page. Those pages were about a
video, not a player (pyvideo.org is a static site today), so a URL "plays" only when it is a known
player (YouTube, Vimeo, PeerTube, archive.org items) or a media file a browser plays itself;
anything else is a page. Two URLs of one video (youtu.be/ID, youtube.com/watch?v=ID&t=5s,
youtube.com/embed/ID, ...) have one identity and are shown once.

The notes' time codes are linked when the notes are parsed, to the notes' own video link, before
the talk is linked to the catalogue; retarget_timecodes points them at the talk's best playable
video when the page is shown. (This module is in the talks layer, above the parsers, so the
parsers keep their own archive.parse.timecodes.video_url_at; the page's rewrite is what readers get.)
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from archive.domain import Link
from archive.formats.timecode import CODE, code_seconds

_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com",
                            "youtube-nocookie.com", "www.youtube-nocookie.com"})
_YOUTUBE_PATHS = frozenset({"embed", "v", "shorts", "live", "e"})
_VIMEO_HOSTS = frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"})
# What <video> and <audio> play in current browsers; they all honour "#t=N" (W3C media fragments).
MEDIA_EXTENSIONS = frozenset({"mp4", "m4v", "webm", "ogv", "ogg", "oga", "mkv", "mov", "mp3", "m4a", "opus",
                              "flac", "wav"})
_START_PARAMS = ("t", "start", "time_continue")


@dataclass(frozen=True)
class Video:
    """A video link of a talk: where it plays (host label), whether it plays, its identity and length."""

    url: str
    host: str
    plays: bool
    key: str
    seconds: int | None = None

    @property
    def label(self) -> str:
        """Return the link text: "Video on YouTube", or "Video page on pyvideo.org" for a page."""
        return f"Video on {self.host}" if self.plays else f"Video page on {self.host}"


def _host(parts) -> str:
    return (parts.hostname or "").lower().rstrip(".")


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _youtube_id(parts) -> str | None:
    host = _host(parts)
    segments = _segments(parts.path)
    if host == "youtu.be":
        return segments[0] if segments else None
    if host not in _YOUTUBE_HOSTS:
        return None
    if segments[:1] == ["watch"]:
        return next((v for k, v in parse_qsl(parts.query) if k == "v" and v), None)
    if len(segments) >= 2 and segments[0] in _YOUTUBE_PATHS:
        return segments[1]
    return None


def _vimeo_id(parts) -> str | None:
    if _host(parts) not in _VIMEO_HOSTS:
        return None
    return next((s for s in reversed(_segments(parts.path)) if s.isdigit()), None)


def _is_archive_org(host: str) -> bool:
    # web.archive.org is the Wayback Machine: archived web pages, not the archive's media items.
    return (host == "archive.org" or host.endswith(".archive.org")) and host != "web.archive.org"


def _archive_item(parts) -> tuple[str, str] | None:
    """Return ("details" or "download", item path) of an archive.org item URL, else None."""
    if not _is_archive_org(_host(parts)):
        return None
    segments = _segments(parts.path)
    if len(segments) >= 2 and segments[0] in ("details", "embed", "download"):
        return ("download" if segments[0] == "download" else "details"), "/".join(segments[1:])
    return None


def _peertube_id(parts) -> str | None:
    segments = _segments(parts.path)
    if segments[:2] == ["videos", "watch"] and len(segments) >= 3:
        return segments[2]
    if segments[:1] == ["w"] and len(segments) >= 2 and segments[1] != "p":  # /w/p/ is a playlist
        return segments[1]
    return None


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def host_label(url: str) -> str:
    """Return where a URL plays, for people: "YouTube", "Vimeo", "archive.org", else its host name."""
    host = _host(urlsplit(url))
    if host == "youtu.be" or host in _YOUTUBE_HOSTS:
        return "YouTube"
    if host in _VIMEO_HOSTS:
        return "Vimeo"
    if _is_archive_org(host):
        return "archive.org"
    return host.removeprefix("www.")


def plays(url: str) -> bool:
    """Return whether the URL plays a video: a known player with a video id, or a media file."""
    parts = urlsplit(url)
    return bool(_youtube_id(parts) or _vimeo_id(parts) or _archive_item(parts) or _peertube_id(parts)
                or _extension(parts.path) in MEDIA_EXTENSIONS)


def video_key(url: str) -> str:
    """Return the identity of the video a URL shows: equal for two URLs of one video."""
    parts = urlsplit(url.strip())
    if youtube := _youtube_id(parts):
        return f"youtube:{youtube}"
    if vimeo := _vimeo_id(parts):
        return f"vimeo:{vimeo}"
    if item := _archive_item(parts):
        return f"archive.org:{item[1]}"
    if peertube := _peertube_id(parts):
        return f"peertube:{_host(parts)}:{peertube}"
    query = "&".join(p for p in parts.query.split("&") if p and p.split("=", 1)[0] not in _START_PARAMS)
    path = parts.path.rstrip("/")
    return f"{_host(parts).removeprefix('www.')}{path}" + (f"?{query}" if query else "")


def is_http(url: str) -> bool:
    """Return whether url is an absolute http(s) URL with a host and no spaces or control characters."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def talk_videos(links: Iterable[Link], seconds: int | None = None) -> tuple[Video, ...]:
    """Return a talk's videos, each once, in link order; pages only when no video plays.

    seconds (the talk's running time) is every video's length: they are recordings of one talk.
    """
    videos: dict[str, Video] = {}
    for link in links:
        url = link.url.strip()
        if link.kind != "video" or not is_http(url):
            continue
        key = video_key(url)
        if key not in videos:
            videos[key] = Video(url, host_label(url), plays(url), key, seconds or None)
    playing = tuple(v for v in videos.values() if v.plays)
    return playing or tuple(videos.values())


def best_video(videos: Iterable[Video]) -> Video | None:
    """Return the first video that plays, or None."""
    return next((v for v in videos if v.plays), None)


def _with_query(parts, name: str, value: str, fragment: str = "") -> str:
    # The query is edited as text so the rest of the URL stays byte for byte as written.
    query = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] not in _START_PARAMS]
    query.append(f"{name}={value}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(query), fragment))


def video_url_at(url: str, seconds: int) -> str:
    """Return url pointing at the given second of its video, in the form its player reads."""
    parts = urlsplit(url)
    if _youtube_id(parts):
        segments = _segments(parts.path)
        # An embedded player reads start=N; watch pages and youtu.be read t=Ns.
        if _host(parts) != "youtu.be" and segments[:1] != ["watch"]:
            return _with_query(parts, "start", str(seconds))
        return _with_query(parts, "t", f"{seconds}s")
    if _vimeo_id(parts):
        return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, f"t={seconds}s"))
    item = _archive_item(parts)
    if item and item[0] == "details" and _extension(parts.path) not in MEDIA_EXTENSIONS:
        # The archive.org item player: start=N is its parameter; the #t=N fragment is kept for
        # players that read media fragments instead (whichever is ignored does no harm).
        return _with_query(parts, "start", str(seconds), f"t={seconds}")
    if _peertube_id(parts):
        return _with_query(parts, "start", f"{seconds}s")
    # Media files (W3C media fragments), and pages: "#t=N" is the nearest to a convention there is.
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, f"t={seconds}"))


# The anchors archive.parse.timecodes.link_timecodes writes, as the sanitiser keeps them; their
# text starts with the time code itself: "(00:19)", "(1:02:03)", "(00:22 / 36:22 into the video)".
_TIMECODE_ANCHOR = re.compile(r'(<a\b[^>]*\bclass="(?:[^"]*\s)?timecode(?:\s[^"]*)?"[^>]*>)([^<]*)(</a>)', re.I)
_ANCHOR_CODE = re.compile(r"\(\s*" + CODE.pattern + r"(?!\d)")
_HREF = re.compile(r'\shref="[^"]*"', re.I)


def timecode_seconds(text: str) -> int | None:
    """Return the seconds of the time code a time-code link's text starts with, or None."""
    match = _ANCHOR_CODE.match(html.unescape(text).strip())
    return code_seconds(match) if match else None


def retarget_timecodes(fragment: str, video_url: str | None) -> str:
    """Return the HTML fragment with its time-code links pointing at that second of video_url."""
    if not video_url:
        return fragment

    def retarget(match: re.Match[str]) -> str:
        tag, text, end = match.groups()
        seconds = timecode_seconds(text)
        if seconds is None:
            return match.group(0)
        href = f' href="{html.escape(video_url_at(video_url, seconds), quote=True)}"'
        tag = _HREF.sub(lambda _: href, tag, count=1) if _HREF.search(tag) else tag[:2] + href + tag[2:]
        return tag + text + end

    return _TIMECODE_ANCHOR.sub(retarget, fragment)
