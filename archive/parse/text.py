"""Plain-text exports of Sphinx PDFs: a numbered table of contents, then the talks' text.

The top-level entries of the table of contents ("1<TAB>Stop Mocking, Start Testing by ...<TAB>3")
name the talks; each talk starts in the body at the line repeating its entry and runs to the next
one. Sub-entries ("1.1<TAB>Modern Mocking<TAB>4") become headings inside a talk's notes.
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from archive.domain import ParsedDocument, fold
from archive.parse import layout, limits
from archive.parse.talks import (build_talk, dash_line, is_non_talk, number_talks, read_metadata, source_slice,
                                 split_meta_lines)

TOC_LINE = re.compile(r"^(?P<number>\d+(?:\.\d+)*)\t(?P<title>[^\t]+?)\t+(?P<page>\d+)\s*$")
MIN_TOC_LINES = 3
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^\s*[-*\u2022]\s+(?P<text>.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(?P<text>.*)$")
_LINK = re.compile(r"&lt;(https?://[^\s&]+(?:&amp;[^\s&]+)*)&gt;|(?<![\w\"=/])(https?://[^\s<>\"]+)")


def looks_like_text_export(text: str) -> bool:
    """Return whether text starts with a numbered table of contents like a Sphinx PDF export."""
    return sum(1 for line in text.splitlines()[:400] if TOC_LINE.match(line)) >= MIN_TOC_LINES


def _key(text: str) -> str:
    """Return text reduced to letters and digits, so "dot-Cloud" (a PDF hyphenation) = "dotCloud"."""
    return fold(text).replace(" ", "")


def _inline(text: str) -> str:
    """Return escaped text with its http(s) URLs (bare or in <...>) turned into links."""
    def link(match: re.Match[str]) -> str:
        url = match.group(1) or match.group(2)
        trail = ""
        while url and url[-1] in ".,;:)":
            url, trail = url[:-1], url[-1] + trail
        shown = html.escape(html.unescape(url))
        return f'<a href="{html.escape(html.unescape(url), quote=True)}">{shown}</a>{trail}'

    return _LINK.sub(link, html.escape(text, quote=False))


def _blocks(lines: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Return the body split into ("code" | "text", lines) blocks at blank lines and fences."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] = []
    fence: list[str] | None = None
    for line in lines:
        if fence is not None:
            if _FENCE.match(line):
                blocks.append(("code", fence))
                fence = None
            else:
                fence.append(line)
        elif _FENCE.match(line):
            if current:
                blocks.append(("text", current))
                current = []
            fence = []
        elif line.strip():
            current.append(line)
        elif current:
            blocks.append(("text", current))
            current = []
    if fence is not None:
        blocks.append(("code", fence))
    if current:
        blocks.append(("text", current))
    return blocks


def _render_list(lines: list[str], pattern: re.Pattern[str], tag: str) -> str:
    """Return a <ul>/<ol> of the items starting at lines matching pattern (others continue an item)."""
    items: list[str] = []
    for line in lines:
        match = pattern.match(line)
        if match or not items:
            items.append(match.group("text") if match else line.strip())
        else:
            items[-1] += " " + line.strip()
    body = "".join(f"<li>{_inline(item)}</li>" for item in items)
    return f"<{tag}>{body}</{tag}>"


def render_text(lines: Sequence[str], heading: re.Pattern[str] | None = None) -> str:
    """Return HTML for plain-text notes: paragraphs, lists, code blocks and numbered headings."""
    out: list[str] = []
    for kind, block in _blocks(lines):
        if kind == "code":
            out.append(f"<pre><code>{html.escape(chr(10).join(block))}</code></pre>")
            continue
        match = heading.match(block[0]) if heading else None
        if match and len(block) == 1:
            level = min(2 + match.group("number").count("."), 6)
            out.append(f"<h{level}>{_inline(match.group('title'))}</h{level}>")
        elif _BULLET.match(block[0]):
            out.append(_render_list(block, _BULLET, "ul"))
        elif _NUMBERED.match(block[0]) and len(block) > 1 and all(_NUMBERED.match(l) for l in block):
            out.append(_render_list(block, _NUMBERED, "ol"))
        elif all("\t" in l or l.lstrip().startswith("|") for l in block):
            # Tables flattened by the PDF export keep their shape only as preformatted text.
            out.append(f"<pre>{html.escape(chr(10).join(block))}</pre>")
        else:
            out.append(f"<p>{' '.join(_inline(l.strip()) for l in block)}</p>")
    return "\n".join(out)


def _find_title(lines: Sequence[str], title: str, start: int) -> int | None:
    """Return the index of the body line (or pair of lines) repeating a TOC title, from start on."""
    wanted = _key(title)
    for index in range(start, len(lines)):
        key = _key(lines[index])
        if key == wanted or (key and wanted.startswith(key) and index + 1 < len(lines)
                             and _key(lines[index] + " " + lines[index + 1]) == wanted):
            return index
    return None




def _text_items(lines: Sequence[str]) -> list[layout.Item]:
    """Return the lightning-talk candidates of plain text: "Title - point - point" lines or top bullets."""
    items: list[layout.Item] = []
    for index, line in enumerate(lines):
        dash = dash_line(line)
        bullet = _BULLET.match(line) if not line[:1].isspace() else None
        if dash:
            items.append(layout.Item(dash[0], dash[1], index))
        elif bullet:
            items.append(layout.Item(bullet.group("text").strip(), (), index))
        elif line.strip() and items and line[:1].isspace():
            last = items[-1]
            items[-1] = layout.Item(last.title, last.body + (line.strip(),), last.line)
    return items


def parse_plain(text: str, filename: str, hints: layout.Hints = layout.Hints()) -> ParsedDocument:
    """Parse plain-text notes with no headings: one talk titled by a "title:" line or the file name,
    or a list of lightning talks."""
    lines = text.splitlines()
    cleared, meta = split_meta_lines(lines)
    body = [l for l, kept in zip(lines, cleared) if kept or not l.strip()] if meta else lines
    firsts = tuple(l.strip() for l in body if l.strip())[:3]
    outline = layout.Outline(path=filename, preamble=firsts, preamble_items=tuple(_text_items(body)),
                             meta_title=meta.get("title"), meta_speakers=meta.get("speaker") or meta.get("presenter"))
    plan = layout.plan_document(outline, hints)
    talks = []
    for talk in plan.talks:
        part = [f"- {p}" for p in talk.item.body] if talk.item else body
        talks.append(build_talk(
            talk.title, body_html=render_text(part), body_text="\n".join(part),
            source=source_slice([talk.item.title, *talk.item.body] if talk.item else lines, 0, len(lines)),
            meta=read_metadata((l, ()) for l in part), lightning=talk.kind == "lightning",
            speakers_text=talk.speakers, kind=talk.kind, day_hint=talk.day))
    return ParsedDocument(title=plan.title, format="text", talks=number_talks(talks), layout=plan.layout,
                          evidence=plan.evidence, day_hint=plan.day or "")


def parse_text(text: str, filename: str, hints: layout.Hints = layout.Hints()) -> ParsedDocument:
    """Parse a plain-text export with a numbered table of contents into its talks; other plain text
    is one talk or a lightning list (see parse_plain)."""
    lines = text.splitlines()
    toc = [(i, TOC_LINE.match(line)) for i, line in enumerate(lines)]
    toc = [(i, m) for i, m in toc if m]
    title = next((l.strip() for l in lines if l.strip() and not TOC_LINE.match(l)), Path(filename).stem)
    if len(toc) < MIN_TOC_LINES:
        return parse_plain(text, filename, hints)
    limits.check_headings(len(toc), filename)
    entries = [(m.group("number"), " ".join(m.group("title").split()))
               for _, m in toc if "." not in m.group("number")]  # top-level entries only
    cursor = toc[-1][0] + 1
    starts: list[tuple[int, str, str]] = []  # (line index, number, title)
    warnings: list[str] = []
    for number, entry in entries:
        found = _find_title(lines, entry, cursor)
        if found is None:
            warnings.append(f"table of contents entry {number} {entry!r} not found in the body")
            continue
        starts.append((found, number, entry))
        cursor = found + 1
    talks = []
    for position, (start, number, entry) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        if is_non_talk(entry):
            continue
        heading_lines = 2 if _key(lines[start]) != _key(entry) else 1
        # The body's heading, not the TOC entry: the TOC of a PDF export hyphenates ("dot-Cloud").
        raw_title = " ".join(l.strip() for l in lines[start:start + heading_lines])
        body = lines[start + heading_lines:end]
        heading = re.compile(rf"^(?P<number>{re.escape(number)}(?:\.\d+)+)\s+(?P<title>\S.*)$")
        plain = [l for kind, block in _blocks(body) if kind == "text" for l in block]
        talks.append(build_talk(
            raw_title,
            body_html=render_text(body, heading),
            body_text="\n".join(body),
            source=source_slice(lines, start, end),
            meta=read_metadata((l, ()) for l in plain),
            intro=[b[0] for k, b in _blocks(body)[:3] if k == "text" and len(b) == 1],
        ))
    return ParsedDocument(title=title, format="text", talks=number_talks(talks), warnings=tuple(warnings),
                          layout="talks-by-heading", evidence=(f"a numbered table of contents of {len(entries)} talks",))
