"""Parsing of conference notes into talks: reStructuredText, Markdown and plain-text exports.

parse_document picks the format from the file name and the content, refuses documents that
cannot be notes (empty, binary, too large) with a DocumentError naming the problem, and
returns a ParsedDocument; a document without talks is not an error. decode_document turns the
bytes of an upload or file into the text parse_document takes.
"""
from __future__ import annotations

import codecs
import dataclasses
import re
from pathlib import PurePath

from archive.domain import DocumentError, ParsedDocument, ParsedTalk
from archive.parse import limits
from archive.parse.limits import MAX_DOCUMENT_BYTES
from archive.parse.layout import Hints, title_from_path
from archive.parse.markdown import parse_markdown
from archive.parse.rst import parse_rst
from archive.parse.text import looks_like_text_export, parse_text

# Share of control characters (other than tab, newlines, form feed) above which text is binary.
MAX_CONTROL_RATIO = 0.01

RST_EXTENSIONS = frozenset({".rst", ".rest"})
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mdown", ".mkd"})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A title line followed by an underline of one repeated punctuation character, at least as long.
_RST_UNDERLINE = re.compile(
    r"^(?P<title>\S[^\n]*)\n(?P<rule>([=\-`:'\"~^_*+#<>.])\3{2,})[ \t]*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^#{1,6}(?:[ \t]+|(?=[^#\s!]))\S", re.MULTILINE)

__all__ = ["MAX_DOCUMENT_BYTES", "Hints", "decode_document", "detect_format", "parse_document"]


def decode_document(data: bytes, filename: str) -> str:
    """Return the text of a document's bytes: UTF-8, without BOM, with LF line ends."""
    if not data.strip():
        raise DocumentError(f"{filename}: the document is empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{filename}: the document is {len(data)} bytes, over the "
                            f"{MAX_DOCUMENT_BYTES} byte limit")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(f"{filename}: the document is UTF-16 encoded; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DocumentError(f"{filename}: the document contains NUL bytes (first at byte offset {nul}): "
                            "it looks binary, not text")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{filename}: the document is not valid UTF-8 "
                            f"(byte offset {exc.start + bom}: {exc.reason})") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_text(text, filename)
    return text


def _check_text(text: str, filename: str) -> None:
    """Raise DocumentError when text is empty, binary-looking or too large."""
    if not text.strip():
        raise DocumentError(f"{filename}: the document is empty")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{filename}: the document is {size} bytes, "
                            f"over the {MAX_DOCUMENT_BYTES} byte limit")
    nul = text.find("\x00")
    if nul >= 0:
        raise DocumentError(f"{filename}: the document contains NUL bytes (first at character {nul}): "
                            "it looks binary, not text")
    controls = len(_CONTROL.findall(text))
    if controls > MAX_CONTROL_RATIO * len(text):
        raise DocumentError(f"{filename}: the document looks binary ({controls} control characters)")


def detect_format(text: str, filename: str) -> str:
    """Return the format of a document: 'rst', 'markdown' or 'text'."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in MARKDOWN_EXTENSIONS:
        return "markdown"
    if suffix in RST_EXTENSIONS:
        return "rst"
    # A numbered table of contents first: a PDF export may contain underline-like lines too.
    if looks_like_text_export(text):
        return "text"
    if any(len(m.group("rule")) >= len(m.group("title").rstrip()) for m in _RST_UNDERLINE.finditer(text)):
        return "rst"
    if _MD_HEADING.search(text):
        return "markdown"
    return "text"


def parse_document(text: str, filename: str, hints: Hints = Hints()) -> ParsedDocument:
    """Parse a document's text into its title and talks, in the format its name and content show.

    hints are what the source says about its documents (a layout override, how many there are).
    """
    _check_text(text, filename)
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parser = {"rst": parse_rst, "markdown": parse_markdown, "text": parse_text}[detect_format(text, filename)]
    try:
        with limits.time_limit(limits.PARSE_SECONDS, filename):
            document = parser(text, filename, hints)
    except RecursionError as exc:  # pathological nesting: the document's fault, not a crash
        raise DocumentError(f"{filename}: the document is nested too deeply to parse") from exc
    return _bounded(document, filename)


def _bounded(document: ParsedDocument, filename: str) -> ParsedDocument:
    """Return the document with every title non-empty and bounded, and a reason when it has no talks."""
    fallback = title_from_path(filename) or "Untitled"
    warnings = list(document.warnings)
    talks = tuple(_titled(talk, fallback, warnings) for talk in document.talks)
    if not talks and not any(w.startswith("no talks") for w in warnings):
        warnings.append("no talks: " + ("; ".join(document.evidence) or "nothing in the document reads as a talk"))
    title = limits.cut_title(" ".join(document.title.split()) or fallback)
    return dataclasses.replace(document, title=title, talks=talks, warnings=tuple(warnings))


def _titled(talk: ParsedTalk, fallback: str, warnings: list[str]) -> ParsedTalk:
    """Return the talk with a non-empty title of at most limits.MAX_TITLE_CHARS characters."""
    title = " ".join(talk.title.split())
    if not title:
        warnings.append(f"talk {talk.ordinal}: no title; titled {fallback!r} from the file name")
        title = fallback
    elif len(title) > limits.MAX_TITLE_CHARS:
        warnings.append(f"talk {talk.ordinal}: a title of {len(title)} characters, cut to {limits.MAX_TITLE_CHARS}")
        title = limits.cut_title(title)
    return talk if title == talk.title else dataclasses.replace(talk, title=title)
