"""CommonMark notes via markdown-it-py: an outline for layout inference, then the talks it names.

The document is reduced to a heading tree (`layout.Outline`); `layout.plan_document` decides
which sections are talks; this module renders them. Raw HTML is disabled, so "<script>" in notes
comes out escaped. A leading front matter block or "title:" / "speaker:" lines give metadata.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from archive.domain import ParsedDocument, ParsedTalk
from archive.parse import layout, limits
from archive.parse.days import day_hint
from archive.parse.talks import (build_talk, count_words, dash_lines, item_title, number_talks, read_metadata,
                                 source_slice, split_meta_lines)

_MISSING_SPACE = re.compile(r"^(#{1,6})(?=[^#\s])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD = MarkdownIt("commonmark", {"html": False})
MAX_LEAD_LINES = 3


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


@dataclass
class _Own:
    """What a stretch of lines between headings holds."""

    blocks: list
    lead: list[str]
    paragraphs: list[list[str]]
    plain: str
    items: list[layout.Item]
    intro: list[str]


class _Document:
    """One Markdown document: its lines, headings, their tree and the metadata it opens with."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        cleared, self.meta = split_meta_lines(self.lines)
        self.fixed = fix_headings("\n".join(cleared)).split("\n")
        self.env: dict = {}
        tokens = _MD.parse("\n".join(self.fixed), self.env)
        self.headings = [
            _Heading(int(tok.tag[1]), tok.map[0], tok.map[1], _plain(tokens[i + 1]))
            for i, tok in enumerate(tokens) if tok.type == "heading_open" and tok.map
        ]
        self.ends: list[int] = [len(self.lines)] * len(self.headings)
        self.kids: list[list[int]] = [[] for _ in self.headings]
        self.roots: list[int] = []
        stack: list[int] = []
        for index, heading in enumerate(self.headings):
            while stack and self.headings[stack[-1]].level >= heading.level:
                self.ends[stack.pop()] = heading.start
            (self.kids[stack[-1]] if stack else self.roots).append(index)
            stack.append(index)

    def own(self, start: int, end: int) -> _Own:
        """Return what lines[start:end] hold: metadata blocks, lead lines, words and list items."""
        own = self.scan("\n".join(self.fixed[start:end]), start)
        if not own.items:  # "Title - point - point" paragraphs
            own.items = [layout.Item(title, points, start) for lines in own.paragraphs
                         for title, points in dash_lines(lines)]
        return own

    def scan(self, text: str, start: int = 0) -> _Own:
        """Return what Markdown text holds (start: the line it begins on, for its list items)."""
        tokens = _MD.parse(text, dict(self.env))
        own = _Own([], [], [], "", [], [])
        words: list[str] = []
        depth = paragraphs = 0
        for index, tok in enumerate(tokens):
            if tok.type in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif tok.type in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif tok.type == "list_item_open" and depth == 1 and tok.map:
                own.items.append(self._item(start + tok.map[0], start + tok.map[1], tokens, index))
            elif tok.type == "inline":
                lines = [text for text, _ in _inline_lines(tok)]
                own.blocks.extend(_inline_lines(tok))
                words.append(" ".join(lines))
                if index and tokens[index - 1].type == "paragraph_open":
                    paragraphs += 1
                    if paragraphs <= 3 and len(lines) == 1:  # where a speaker is often named
                        own.intro.append(lines[0])
                    if depth == 0:
                        own.paragraphs.append(lines)
                        own.lead.extend(lines[:MAX_LEAD_LINES - len(own.lead)])
            elif tok.type in ("fence", "code_block"):
                words.append(tok.content)
        own.plain = "\n".join(words)
        return own

    def _item(self, start: int, end: int, tokens: list[Token], index: int) -> layout.Item:
        """Return a top-level list item: its first line is the title, the rest its notes."""
        inline = next((t for t in tokens[index:] if t.type == "inline"), None)
        first = _inline_lines(inline)[0][0] if inline is not None else ""
        raw = self.fixed[start:end]
        rest = textwrap.dedent("\n".join(raw[1:])).split("\n") if len(raw) > 1 else []
        title, points = item_title(first)
        return layout.Item(title=title, body=points + tuple(l for l in rest if l.strip()), line=start)

    def first_child_start(self, index: int) -> int:
        """Return the line where a heading's own text ends: its first subheading, or its end."""
        kids = self.kids[index]
        return self.headings[kids[0]].start if kids else self.ends[index]

    def node(self, index: int) -> layout.Node:
        """Return the outline node of a heading and its subheadings."""
        heading = self.headings[index]
        own = self.own(heading.body, self.first_child_start(index))
        meta = read_metadata(own.blocks)
        return layout.Node(
            key=index, title=heading.title, level=heading.level, lead=tuple(own.lead),
            own_words=count_words(own.plain), has_meta=bool(meta.speakers_text or meta.links or meta.video_seconds),
            items=tuple(own.items), children=tuple(self.node(k) for k in self.kids[index]))

    def outline(self, path: str) -> layout.Outline:
        """Return the document reduced to what layout inference weighs."""
        first = self.headings[self.roots[0]].start if self.roots else len(self.lines)
        pre = self.own(0, first)
        last_paragraph = pre.paragraphs[-1] if pre.paragraphs else []
        return layout.Outline(
            path=path, nodes=tuple(self.node(k) for k in self.roots), preamble=tuple(last_paragraph[:MAX_LEAD_LINES]),
            preamble_words=count_words(pre.plain), preamble_items=tuple(pre.items),
            meta_title=self.meta.get("title"), meta_speakers=self.meta.get("speaker") or self.meta.get("presenter"))

    def talk(self, plan: layout.TalkPlan) -> ParsedTalk:
        """Return the talk a plan names: a section (and the sections after it), the document, or a list item."""
        if plan.item is not None:
            return self._item_talk(plan)
        if plan.whole:
            ranges = [(0, len(self.lines))]
            body = [(0, len(self.fixed))]
        else:
            heading = self.headings[plan.node]
            ranges = [(heading.start, self.ends[plan.node])]
            body = [(heading.body, self.ends[plan.node])]
            for key in plan.more:
                ranges.append((self.headings[key].start, self.ends[key]))
                body.append(ranges[-1])
        skipped = {line for key in plan.skip for line in range(self.headings[key].start, self.headings[key].body)}
        body_lines = [self.fixed[i] for a, b in body for i in range(a, b) if i not in skipped]
        tokens_text = "\n".join(body_lines)
        found = self.scan(tokens_text)
        return build_talk(
            plan.title,
            body_html=_MD.render(tokens_text, dict(self.env)),
            body_text=found.plain,
            source=source_slice(self.lines, ranges[0][0], ranges[-1][1]),
            meta=read_metadata(found.blocks),
            lightning=plan.kind == "lightning",
            intro=found.intro,
            speakers_text=plan.speakers,
            kind=plan.kind,
            day_hint=plan.day,
        )

    def _item_talk(self, plan: layout.TalkPlan) -> ParsedTalk:
        """Return a lightning talk from one list item or one "Title - point" line."""
        item = plan.item
        body = "\n".join(f"- {point}" if not point.lstrip().startswith(("-", "*", "+")) else point
                         for point in item.body)
        return build_talk(
            item.title, body_html=_MD.render(body, dict(self.env)) if body else "", body_text=body,
            source=source_slice([item.title, *item.body], 0, len(item.body) + 1), meta=read_metadata([]),
            lightning=True, speakers_text=plan.speakers, kind="lightning", day_hint=plan.day)


def parse_markdown(text: str, filename: str, hints: layout.Hints = layout.Hints()) -> ParsedDocument:
    """Parse Markdown notes into a document title and its talks, as layout inference plans them."""
    doc = _Document(text)
    limits.check_headings(len(doc.headings), filename)
    outline = doc.outline(filename)
    plan = layout.plan_document(outline, hints)
    talks = [doc.talk(t) for t in plan.talks]
    doc_day = plan.day or (day_hint(plan.title) if plan.layout != "talk-per-file" else None) or ""
    return ParsedDocument(title=plan.title, format="markdown", talks=number_talks(talks), layout=plan.layout,
                          evidence=plan.evidence, day_hint=doc_day)
