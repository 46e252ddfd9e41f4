"""The sources file (TOML, pure): which sources exist, where they are, what they tell the parsers.

A source is a directory (a git checkout works the same: `.git` and other hidden folders are
skipped) with optional include globs, plus the conference facts its documents lack.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from archive.domain import Conference, slugify
from archive.parse.layout import LAYOUTS, Hints

SOURCE_KINDS = ("notes", "catalogue")
NOTES_EXTENSIONS = (".rst", ".rest", ".txt", ".md", ".markdown")
# Repository furniture that is never notes, skipped unless a source's include names it.
DEFAULT_EXCLUDE = ("README*", "LICENSE*", "LICENCE*", "COPYING*", "CHANGELOG*", "CONTRIBUTING*", "SOURCE.txt")


class SourceConfigError(Exception):
    """The sources file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Source:
    """One configured source of documents."""

    name: str
    kind: str
    path: Path
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    conference: Conference | None = None
    layout: str = "auto"                  # see archive.parse.layout.LAYOUTS
    talk_heading_level: int | None = None  # with layout "talks-by-heading": the level of talk headings


def source_hints(source: Source, documents: int | None = None) -> Hints:
    """Return what a source tells layout inference: its override and how many documents it has."""
    conference = source.conference
    return Hints(layout=source.layout, talk_heading_level=source.talk_heading_level, documents=documents,
                 conference_name=conference.name if conference else "", conference_id=conference.id if conference else "")



def parse_sources(text: str, base: Path, origin: str = "sources file") -> list[Source]:
    """Parse the sources TOML text; relative paths are taken from base."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceConfigError(f"{origin}: not valid TOML: {exc}") from None
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourceConfigError(f"{origin}: expected [[source]] tables")
    sources, names = [], set()
    for i, entry in enumerate(entries, 1):
        where = f"{origin}, source #{i}"
        name = entry.get("name")
        if not name or not isinstance(name, str):
            raise SourceConfigError(f"{where}: 'name' is required")
        if name in names:
            raise SourceConfigError(f"{where}: duplicate source name {name!r}")
        names.add(name)
        kind = entry.get("kind", "notes")
        if kind not in SOURCE_KINDS:
            raise SourceConfigError(f"{where} ({name}): kind must be one of {', '.join(SOURCE_KINDS)}, not {kind!r}")
        if "path" not in entry:
            raise SourceConfigError(f"{where} ({name}): 'path' is required")
        path = Path(entry["path"]).expanduser()
        conference = None
        if "conference" in entry:
            conference = _conference(entry["conference"], f"{where} ({name})")
        elif kind == "notes":
            raise SourceConfigError(f"{where} ({name}): a notes source needs a [source.conference] table")
        layout, level = _layout(entry, f"{where} ({name})")
        sources.append(Source(
            name=name, kind=kind, path=path if path.is_absolute() else (base / path).resolve(),
            include=tuple(entry.get("include", ())), exclude=tuple(entry.get("exclude", ())), conference=conference,
            layout=layout, talk_heading_level=level,
        ))
    return sources


def _layout(entry: dict, where: str) -> tuple[str, int | None]:
    """Return a source's layout override and talk heading level, checked."""
    layout = entry.get("layout", "auto")
    if layout not in LAYOUTS:
        raise SourceConfigError(f"{where}: layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    level = entry.get("talk_heading_level")
    if level is not None and (not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6):
        raise SourceConfigError(f"{where}: talk_heading_level must be a whole number from 1 to 6, not {level!r}")
    if level is not None and layout not in ("auto", "talks-by-heading"):
        raise SourceConfigError(f"{where}: talk_heading_level goes with layout \"talks-by-heading\", not {layout!r}")
    return layout, level


def _conference(table: dict, where: str) -> Conference:
    name = table.get("name")
    if not name:
        raise SourceConfigError(f"{where}: the conference needs a 'name'")
    start, end = table.get("start"), table.get("end")
    for label, value in (("start", start), ("end", end)):
        if value is not None and not isinstance(value, date):
            raise SourceConfigError(f"{where}: conference {label} must be a TOML date (YYYY-MM-DD), not {value!r}")
    if start and end and end < start:
        raise SourceConfigError(f"{where}: conference ends ({end}) before it starts ({start})")
    return Conference(
        id=table.get("id") or slugify(name), name=name, start=start, end=end or start,
        location=table.get("location"), timezone=table.get("timezone"), url=table.get("url"),
    )


def load_sources(path: Path) -> list[Source]:
    """Read and parse the sources file at path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"cannot read the sources file {path}: {exc.strerror}") from None
    return parse_sources(text, path.parent, str(path))
