"""The sources file (TOML, pure): which sources exist, where they are, what they tell the parsers.

A source is a directory (a git checkout works the same: `.git` and other hidden folders are
skipped) with optional include globs, plus the conference facts its documents lack. A `git` source
is a notes source whose directory is the project's own working copy of a repository (under the
settings' git_root), fetched before each import (`archive.sources.git`).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from archive.config import Settings
from archive.domain import Conference, slugify
from archive.parse.layout import LAYOUTS, Hints

SOURCE_KINDS = ("notes", "catalogue", "git")
# A git source's name is its working copy's folder name: plain characters, never a hidden or parent folder.
_GIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# What git refuses in a branch name (git check-ref-format), and a leading '-' that would read as an option.
_BAD_BRANCH = re.compile(r"(^[-/.])|(\.\.)|([\x00-\x20~^:?*\[\\\x7f])|(@\{)|([/.]$)|(\.lock$)|(//)")
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
    # A git source: the repository, its branch (None: the remote's default branch), the folder of
    # the documents inside it, and the working copy (path is checkout / subdir).
    url: str | None = None
    branch: str | None = None
    subdir: str = ""
    checkout: Path | None = None

    @property
    def location(self) -> str:
        """Return where the source's documents come from, as `notes-archive sources` shows it."""
        if self.kind != "git":
            return str(self.path)
        where = self.url + (f"#{self.branch}" if self.branch else "")
        return where + (f":{self.subdir}" if self.subdir else "")


def source_hints(source: Source, documents: int | None = None) -> Hints:
    """Return what a source tells layout inference: its override and how many documents it has."""
    conference = source.conference
    return Hints(layout=source.layout, talk_heading_level=source.talk_heading_level, documents=documents,
                 conference_name=conference.name if conference else "", conference_id=conference.id if conference else "")



def parse_sources(text: str, base: Path, origin: str = "sources file", git_root: Path | None = None) -> list[Source]:
    """Parse the sources TOML text; relative paths are taken from base, git working copies live in git_root."""
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
        if kind == "git":
            git = _git(entry, name, base, git_root or Settings().git_root, f"{where} ({name})")
        elif "path" not in entry:
            raise SourceConfigError(f"{where} ({name}): 'path' is required")
        else:
            path = Path(entry["path"]).expanduser()
            git = {"path": path if path.is_absolute() else (base / path).resolve()}
        conference = None
        if "conference" in entry:
            conference = _conference(entry["conference"], f"{where} ({name})")
        elif kind != "catalogue":
            raise SourceConfigError(f"{where} ({name}): a {kind} source needs a [source.conference] table")
        layout, level = _layout(entry, f"{where} ({name})")
        sources.append(Source(
            name=name, kind=kind, include=tuple(entry.get("include", ())), exclude=tuple(entry.get("exclude", ())),
            conference=conference, layout=layout, talk_heading_level=level, **git,
        ))
    return sources


def _git(entry: dict, name: str, base: Path, git_root: Path, where: str) -> dict:
    """Return a git source's url, branch, subdir, working copy and path, checked."""
    if "path" in entry:
        raise SourceConfigError(f"{where}: a git source has a 'url', not a 'path' (its working copy lives in "
                                f"{git_root})")
    if not _GIT_NAME.match(name):
        raise SourceConfigError(f"{where}: a git source's name names its working copy's folder: letters, digits, "
                                f"'.', '_' and '-' only, not starting with '.' or '-'")
    url, branch, subdir = entry.get("url"), entry.get("branch"), entry.get("subdir", "")
    if not isinstance(url, str) or not url.strip():
        raise SourceConfigError(f"{where}: a git source needs a 'url'")
    if url.startswith("-") or any(c in url for c in "\0\n\r"):
        raise SourceConfigError(f"{where}: {url!r} is not a repository URL")
    if branch is not None and (not isinstance(branch, str) or _BAD_BRANCH.search(branch)):
        raise SourceConfigError(f"{where}: {branch!r} is not a branch name")
    if not isinstance(subdir, str) or subdir.startswith(("/", "~")) or ".." in Path(subdir).parts:
        raise SourceConfigError(f"{where}: subdir must be a folder inside the repository, not {subdir!r}")
    subdir = Path(subdir).as_posix().strip("/") if subdir.strip("/.") else ""
    checkout = git_root.expanduser().absolute() / name
    return {"url": _repository(url.strip(), base), "branch": branch, "subdir": subdir, "checkout": checkout,
            "path": checkout / subdir if subdir else checkout}


def _repository(url: str, base: Path) -> str:
    """Return url with a local path made absolute (from the sources file's folder); other URLs unchanged.

    Like git: "scheme://..." is a URL, "host:path" with no slash before the colon is ssh, the rest a path.
    """
    colon, slash = url.find(":"), url.find("/")
    if "://" in url or (colon > 0 and (slash < 0 or colon < slash)):
        return url
    path = Path(url).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


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


def load_sources(path: Path, git_root: Path | None = None) -> list[Source]:
    """Read and parse the sources file at path (git working copies in git_root, else the settings')."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceConfigError(f"cannot read the sources file {path}: {exc.strerror}") from None
    if git_root is None:
        from archive.config import load_settings

        git_root = load_settings().git_root
    return parse_sources(text, path.parent, str(path), git_root)
