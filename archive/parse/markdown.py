"""CommonMark notes via markdown-it-py, split into talks by heading structure.

A lone top-level heading is the document title and the next heading level holds the talks
(unless that heading carries talk metadata itself: then the file is one talk), the same rule as
for reStructuredText. Raw HTML is disabled, so "<script>" in notes comes out escaped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from archive.domain import ParsedDocument, ParsedTalk
from archive.parse.talks import (build_talk, is_lightning_section, is_non_talk, number_talks,
                                 read_metadata, source_slice)

_MISSING_SPACE = re.compile(r"^(#{1,6})(?=[^#\s])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class _Heading:
    """A heading: its level, the lines it spans and its plain-text title."""

    level: int
    start: int  # first line of the heading
    body: int   # first line after the heading
    title: str


def fix_headings(text: str) -> str:
    """Return text with "##Title" headings written "## Title", leaving fenced code alone."""
    out = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
            else:
                line = _MISSING_SPACE.sub(r"\1 ", line)
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line[match.end():].strip():
            fence = None
        out.append(line)
    return "\n".join(out)


def _inline_lines(inline: Token) -> list[tuple[str, list[str]]]:
    """Return an inline token's lines as (plain text, link targets), split at line breaks."""
    lines: list[tuple[str, list[str]]] = [("", [])]
    for child in inline.children or ():
        text, hrefs = lines[-1]
        if child.type in ("softbreak", "hardbreak"):
            lines.append(("", []))
        elif child.type in ("text", "code_inline"):
            lines[-1] = (text + child.content, hrefs)
        elif child.type == "link_open":
            hrefs.append(str(child.attrGet("href") or ""))
    return lines


def _plain(inline: Token) -> str:
    """Return an inline token as one line of plain text (for heading titles)."""
    return " ".join(text for text, _ in _inline_lines(inline)).strip()


class _Document:
    """One Markdown document: its original and heading-fixed lines, tokens and headings."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.fixed = fix_headings(text).split("\n")
        self.env: dict = {}
        tokens = _MD.parse("\n".join(self.fixed), self.env)
        self.headings = [
            _Heading(int(tok.tag[1]), tok.map[0], tok.map[1], _plain(tokens[i + 1]))
            for i, tok in enumerate(tokens) if tok.type == "heading_open" and tok.map
        ]

    def end(self, heading: _Heading) -> int:
        """Return the line after a heading's section: the next heading at its level or above."""
        later = [h.start for h in self.headings if h.start > heading.start and h.level <= heading.level]
        return later[0] if later else len(self.lines)

    def children(self, heading: _Heading) -> list[_Heading]:
        """Return the headings one level below heading within its section."""
        end = self.end(heading)
        inside = [h for h in self.headings if heading.start < h.start < end and h.level > heading.level]
        level = min((h.level for h in inside), default=0)
        return [h for h in inside if h.level == level]

    def own_metadata(self, heading: _Heading):
        """Return the metadata of a heading's own text, before its first subheading."""
        first_child = min((h.start for h in self.children(heading)), default=self.end(heading))
        return read_metadata(self._blocks(heading.body, first_child)[0])

    def _blocks(self, start: int, end: int):
        """Return (metadata lines, intro lines, plain text) of lines[start:end]."""
        tokens = _MD.parse("\n".join(self.fixed[start:end]), dict(self.env))
        blocks, intro, words = [], [], []
        paragraphs = 0
        for index, tok in enumerate(tokens):
            if tok.type == "inline":
                lines = _inline_lines(tok)
                blocks.extend(lines)
                words.append(" ".join(text for text, _ in lines))
                if index and tokens[index - 1].type == "paragraph_open":
                    paragraphs += 1
                    if paragraphs <= 3 and len(lines) == 1:
                        intro.append(lines[0][0])
            elif tok.type in ("fence", "code_block"):
                words.append(tok.content)
        return blocks, intro, "\n".join(words)

    def talk(self, heading: _Heading, lightning: bool = False) -> ParsedTalk:
        """Return the talk that is this heading's section."""
        end = self.end(heading)
        blocks, intro, plain = self._blocks(heading.body, end)
        return build_talk(
            heading.title,
            body_html=_MD.render("\n".join(self.fixed[heading.body:end]), dict(self.env)),
            body_text=plain,
            source=source_slice(self.lines, heading.start, end),
            meta=read_metadata(blocks),
            lightning=lightning,
            intro=intro,
        )


def parse_markdown(text: str, filename: str) -> ParsedDocument:
    """Parse Markdown notes into a document title and its talks."""
    doc = _Document(text)
    stem = Path(filename).stem
    if not doc.headings:
        return ParsedDocument(title=stem, format="markdown")
    top_level = min(h.level for h in doc.headings)
    tops = [h for h in doc.headings if h.level == top_level]
    if len(tops) == 1:
        root = tops[0]
        title = root.title
        meta = doc.own_metadata(root)
        has_meta = bool(meta.speakers_text or meta.links or meta.video_seconds)
        candidates = [root] if has_meta or not doc.children(root) else doc.children(root)
    else:
        title = tops[0].title if is_non_talk(tops[0].title) else stem
        candidates = tops
    talks: list[ParsedTalk] = []
    for heading in candidates:
        if is_non_talk(heading.title):
            continue
        if is_lightning_section(heading.title):
            inner = [h for h in doc.children(heading) if not is_non_talk(h.title)]
            if inner:
                talks.extend(doc.talk(h, lightning=True) for h in inner)
            else:
                talks.append(doc.talk(heading, lightning=True))
        else:
            talks.append(doc.talk(heading))
    return ParsedDocument(title=title, format="markdown", talks=number_talks(talks))
