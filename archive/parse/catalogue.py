"""Reading the pyvideo catalogue (pyvideo/data layout), pure: bytes in, domain values out.

Layout: `<event>/category.json` ({"title", "url"}) and `<event>/videos/<slug>.json`, one talk per
file (schema in the catalogue's `.schemas/video.json`). Each event becomes a conference whose id is
its folder name, each video file a talk. The catalogue is messy in real ways and this module is
where that mess is handled (its speakers lists by parse/speakers.split_speaker_list, its talk kinds
by the notes' kind words): several people in one speaker string, placeholder speakers, titles
that repeat the event and the speaker ("DjangoCon EU 2013: Zed Shaw - The Imaginative Programmer"),
stray whitespace and CRLF, a null `recorded`, non-ASCII file names. A file that cannot be used
raises DocumentError naming why; nothing here touches the network or the store.
"""
from __future__ import annotations

import copy
import hashlib
import html
import json
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import PurePosixPath

from archive.domain import Conference, DocumentError, Link, Speaker, Talk, fold, same_person, slugify
from archive.formats.html import clean_html
from archive.parse import limits
from archive.parse.speakers import PERSON_SEP, split_speaker_list
from archive.parse.talks import kind_word

CATALOGUE_FORMAT = "catalogue"
EVENT_FILE = "category.json"

# A description that uses reST markup goes through docutils; plain prose is rendered directly.
_RST_MARKUP = re.compile(
    r"(^\s*(?:[-*+]|\d+[.)]|#\.)\s)|`|::|\*\*|^\s*\.\.\s|^[=\-~^\"'#*+]{3,}\s*$|_\s|\|", re.M)
_RELATIVE_HREF = re.compile(r'(<a\b[^>]*?)\s+href="(?!https?:|mailto:)[^"]*"')
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_SLIDES = re.compile(r"slide|speakerdeck|slideshare|\.pdf$", re.I)
_RECORDED = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(Z|[+-]\d{2}:?\d{2})?)?$")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # JSON's "\ud800" escape decodes to a lone surrogate
MAX_EVENT_NAME_CHARS = limits.MAX_TITLE_CHARS  # an event's name is copied into every index row of its talks
MAX_EVENT_URL_CHARS = 4000
# A description is rendered as reST only up to this size and time (docutils' inline parser is
# quadratic: 80 KB of "**b" lines took 70 s); past either it is rendered as plain text. The
# largest description in the real catalogue is 14.5 KB and renders in 30 ms.
MAX_RST_DESCRIPTION_CHARS = 32_000
DESCRIPTION_SECONDS = 2.0


def event_id(path: str) -> str:
    """Return the event (conference id) of a catalogue path: its first folder."""
    parts = PurePosixPath(path).parts
    if len(parts) < 2:
        raise DocumentError(f"{path}: catalogue files live in <event>/category.json or <event>/videos/*.json")
    return parts[0]


def is_event_file(path: str) -> bool:
    """Return whether a catalogue path is an event's category.json."""
    return PurePosixPath(path).name == EVENT_FILE


def _load(data: bytes, path: str) -> dict:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 (byte {exc.start}): {exc.reason}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise DocumentError(f"{path}: not valid JSON: nested too deeply to read") from None
    except ValueError as exc:  # a number of more than 4300 digits
        raise DocumentError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise DocumentError(f"{path}: expected a JSON object, found {type(value).__name__}")
    _check_unicode(value, path)
    return value


def _check_unicode(value: dict, path: str) -> None:
    """Raise DocumentError when a string of the value holds a lone surrogate (no UTF-8 can store it)."""
    stack: list = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and (found := _SURROGATE.search(item)):
            raise DocumentError(f"{path}: not valid Unicode: a lone surrogate \\u{ord(found.group()):04x} in "
                                f"{item[:40]!r}")


def _text(value, field: str, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DocumentError(f"{path}: '{field}' must be a string, not {type(value).__name__}")
    return " ".join(value.split())


MAX_INT32 = 2**31 - 1


def _list(value: dict, field: str, path: str, coerce_text: bool = False) -> list:
    """Return a list field; a lone string becomes a list of one when coerce_text, anything else is named."""
    found = value.get(field)
    if found is None:
        return []
    if isinstance(found, str) and coerce_text:
        return [found]
    if not isinstance(found, list):
        raise DocumentError(f"{path}: '{field}' must be a list, not {type(found).__name__}")
    return found


def _seconds(value: dict, field: str, path: str) -> int | None:
    """Return a duration in whole seconds, or None; a non-number or an impossible one is named."""
    found = value.get(field)
    if found is None:
        return None
    if isinstance(found, bool) or not isinstance(found, (int, float)):
        raise DocumentError(f"{path}: '{field}' must be a number of seconds, not {type(found).__name__}")
    if not 0 <= found <= MAX_INT32:
        raise DocumentError(f"{path}: '{field}' {found} is out of range (0 to {MAX_INT32} seconds)")
    return int(found) or None


def parse_event(data: bytes, path: str) -> Conference:
    """Return the conference an event's category.json describes (dates come from its talks)."""
    value = _load(data, path)
    name = _text(value.get("title"), "title", path)
    if not name:
        raise DocumentError(f"{path}: the event has no title")
    if len(name) > MAX_EVENT_NAME_CHARS:
        raise DocumentError(f"{path}: the event's title is {len(name)} characters, over the "
                            f"{MAX_EVENT_NAME_CHARS} an event's name may hold")
    url = _text(value.get("url"), "url", path) or None
    if url and len(url) > MAX_EVENT_URL_CHARS:
        raise DocumentError(f"{path}: the event's url is {len(url)} characters, over {MAX_EVENT_URL_CHARS}")
    return Conference(id=event_id(path), name=name, url=url if url and url.startswith(("http://", "https://")) else None)


def catalogue_talk_id(path: str) -> str:
    """Return the archive id of a catalogue talk from its file name, unique within its event.

    The file stem without the event's own prefix ("djangocon-eu-2013-zed-shaw-...") gives the slug.
    A stem that is not already a clean ASCII slug (145 files have non-ASCII names) keeps a short hash
    of the original, so two names that fold alike never collide.
    """
    event = event_id(path)
    stem = PurePosixPath(path).stem
    slug = slugify(stem, 60)
    if slug.startswith(event + "-") and len(slug) > len(event) + 1:
        slug = slug[len(event) + 1:]
    if slugify(stem, 1000) != stem or len(stem) > 60:
        slug = f"{slug}-{hashlib.sha1(stem.encode()).hexdigest()[:6]}"
    return f"{event}--{slug}"


def clean_title(title: str, event_name: str, speakers: tuple[Speaker, ...]) -> str:
    """Return a catalogue title without the event and speaker it repeats.

    "DjangoCon EU 2013: Zed Shaw - The Imaginative Programmer" -> "The Imaginative Programmer".
    The event prefix goes only when it carries the event's year or most of its name; the speaker
    prefix only when it is one of the talk's speakers; a title that would be left empty stays whole.
    """
    title = " ".join(title.split())
    head, sep, rest = title.partition(": ")
    if sep and rest and _names_event(head, event_name):
        title = rest
    names = {fold(s.name) for s in speakers}
    for separator in (" - ", " – ", " — ", ": "):
        head, sep, rest = title.partition(separator)
        if sep and rest and (_is_speaker(head, speakers) or _speaker_list(head, names)):
            title = rest
            break
    return title


def _names_event(head: str, event_name: str) -> bool:
    year = re.search(r"\b(19|20)\d{2}\b", event_name or "")
    head_words, event_words = set(fold(head).split()), set(fold(event_name).split())
    if not head_words:
        return False
    if year and year.group(0) in head and len(head.split()) <= 6:
        return True
    return len(head_words & event_words) >= max(1, len(head_words) - 1) and len(head.split()) <= 6


def _is_speaker(text: str, speakers: tuple[Speaker, ...]) -> bool:
    """Whether text names one of the speakers ("Zed Shaw" for "Zed A. Shaw")."""
    return any(same_person(text, s.name) for s in speakers)


def _speaker_list(head: str, names: set[str]) -> bool:
    parts = [fold(p) for p in PERSON_SEP.split(head.replace(",", " and ")) if fold(p)]
    return bool(parts) and bool(names) and all(p in names for p in parts)


def parse_recorded(value, path: str) -> tuple[date | None, datetime | None]:
    """Return (date, date-time) of a `recorded` value: a date, a date-time with offset, or null."""
    if value in (None, ""):
        return None, None
    if not isinstance(value, str):
        raise DocumentError(f"{path}: 'recorded' must be a date string or null, not {type(value).__name__}")
    m = _RECORDED.match(value.strip())
    if not m:
        raise DocumentError(f"{path}: 'recorded' {value!r} is not a date (YYYY-MM-DD[Thh:mm:ss[+hh:mm]])")
    try:
        day = date.fromisoformat(m.group(1))
        if not m.group(2):
            return day, None
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DocumentError(f"{path}: 'recorded' {value!r} is not a real date") from None
    try:
        _utc(moment)
    except OverflowError:  # 0001-01-01T00:00+14:00 is a day before the first day Python knows
        raise DocumentError(f"{path}: 'recorded' {value!r} is out of range in UTC") from None
    return day, moment


def _utc(moment: datetime | None) -> datetime | None:
    """Return a date-time as naive UTC, as Cassandra's timestamp type gives it back."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def render_description(text: str, path: str = "description") -> str:
    """Return a description as sanitised HTML: reST through docutils when it has markup (and is not too
    large or slow to render), else plain."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    rst_like = len(text) <= MAX_RST_DESCRIPTION_CHARS and _RST_MARKUP.search(text)
    rendered = _render_rst(text, path) if rst_like else None
    html_text = clean_html(rendered if rendered is not None else render_plain(text))
    # A description's relative link ("htt p://..." read as a path) points nowhere on this site.
    return _RELATIVE_HREF.sub(r"\1", html_text)


def render_plain(text: str) -> str:
    """Return plain text as paragraphs with line breaks and linked URLs (escaped)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph)
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        out.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


@lru_cache(maxsize=1)
def _rst_settings():
    """Return docutils settings made once (building them costs more than parsing a description)."""
    from docutils import frontend
    from docutils.parsers import rst
    from docutils.readers import standalone
    from docutils.writers import html5_polyglot

    from archive.parse.rst import SAFE_SETTINGS

    settings = frontend.get_default_settings(rst.Parser, standalone.Reader, html5_polyglot.Writer)
    for key, value in SAFE_SETTINGS.items():
        setattr(settings, key, value)
    settings.warning_stream = False
    return settings


def _render_rst(text: str, path: str) -> str | None:
    """Render reST to an HTML fragment, or None if docutils gives up, a substitution bound is passed or
    it takes longer than DESCRIPTION_SECONDS (the plain fallback is used)."""
    from docutils.core import publish_parts

    from archive.parse import sphinx_compat
    # The notes parser's reader (the substitution budget) and parser (roles a text defines stay in it).
    from archive.parse.rst import _Parser, _Reader

    sphinx_compat.register()  # explicit, once: docutils' registries are process-wide
    try:
        with limits.time_limit(DESCRIPTION_SECONDS, path):
            parts = publish_parts(text, source_path=path, reader=_Reader(), parser=_Parser(), writer="html5",
                                  settings=copy.copy(_rst_settings()))
    except Exception:  # noqa: BLE001 - docutils raises many types on hostile input; DocumentError too
        return None
    return parts.get("body") or None


def _text_block(value: dict, field: str, path: str) -> str:
    """Return a multi-line text field ('' when absent); another type is named."""
    found = value.get(field)
    if found is None:
        return ""
    if not isinstance(found, str):
        raise DocumentError(f"{path}: '{field}' must be a string, not {type(found).__name__}")
    return found


def _links(value: dict, path: str) -> tuple[Link, ...]:
    links, seen = [], set()
    for video in _list(value, "videos", path):
        url = video.get("url") if isinstance(video, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append(Link("video", url.strip()))
    for related in _list(value, "related_urls", path):
        url = related.get("url") if isinstance(related, dict) else related
        label = related.get("label") if isinstance(related, dict) else None
        label = label if isinstance(label, str) else ""
        if isinstance(url, str) and url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append(Link("slides" if _SLIDES.search(url) or _SLIDES.search(label) else "other", url.strip()))
    return tuple(links)


def parse_video(data: bytes, path: str, event_name: str = "") -> tuple[Talk, str]:
    """Return the talk a catalogue video file describes (untagged) and its description's text.

    The text is for the tagger; the talk carries the description rendered as sanitised HTML.
    """
    value = _load(data, path)
    raw_title = _text(value.get("title"), "title", path)
    if not raw_title:
        raise DocumentError(f"{path}: the talk has no title")
    speakers = split_speaker_list(_list(value, "speakers", path, coerce_text=True))
    title = clean_title(raw_title, event_name or event_id(path), speakers)
    day, moment = parse_recorded(value.get("recorded"), path)
    description = _text_block(value, "description", path) or _text_block(value, "summary", path)
    duration = _seconds(value, "duration", path)
    language = _text(value.get("language"), "language", path)
    tags = _list(value, "tags", path, coerce_text=True)
    kind = kind_word(raw_title) or "talk"  # the notes' kind words: "Panel: ...", "SciPy2013 Tutorial"
    description = description.replace("\r\n", "\n").replace("\r", "\n").strip()
    talk_id = catalogue_talk_id(path)
    talk = Talk(
        id=talk_id, conference_id=event_id(path), title=title, speakers=speakers, kind=kind,
        ordinal=moment.hour * 100 + moment.minute if moment else 0, date=day, starts_at=_utc(moment),
        links=_links(value, path),
        video_seconds=duration,
        summary_html=render_description(description, path),
        document_id=path, tags=tuple(t for t in tags if isinstance(t, str) and t.strip()),
        language=language or None,
        catalogue_id=talk_id,
    )
    return talk, description
