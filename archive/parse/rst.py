"""reStructuredText notes via docutils, split into talks by section structure.

The document title is the lone top section; its subsections are the talks, except when that top
section itself carries talk metadata (Presenter, Video, ...), as in the one-file-per-talk Sphinx
notes, where it is the only talk. Non-talk sections (talks.NON_TALK_TITLES, toctree indexes) are
skipped; a "Lightning Talks" section gives one talk per lightning talk.

Safety: raw and include directives are disabled, docutils never reads its config files, reports
go to a StringIO, and the HTML is sanitised (talks.safe_html) after rendering.
"""
from __future__ import annotations

import re
from io import StringIO

from docutils import frontend, nodes, statemachine, utils
from docutils.core import publish_doctree
from docutils.parsers import rst
from docutils.parsers.rst import roles
from docutils.readers import standalone
from docutils.transforms import writer_aux
from docutils.writers import html5_polyglot

from archive.domain import DocumentError, ParsedDocument, ParsedTalk
from archive.parse import layout, limits, sphinx_compat
from archive.parse.days import day_hint
from archive.parse.talks import (Meta, build_talk, count_words, dash_lines, is_non_talk, item_title, number_talks,
                                 read_metadata, source_slice)
from archive.parse.text import render_text

SAFE_SETTINGS = {
    "_disable_config": True,       # never read docutils.conf files from the machine
    "raw_enabled": False,          # ".. raw:: html" must not reach the page
    "file_insertion_enabled": False,  # ".. include:: /etc/passwd", csv-table :file:, :url:
    "report_level": 5,             # quiet: no system messages in the output
    "halt_level": 5,               # never raise on a bad document
    "traceback": True,             # let internal errors raise (we catch them) instead of sys.exit()
    "doctitle_xform": False,       # keep the section structure as written: we pick the title
    "docinfo_xform": False,
    "sectsubtitle_xform": False,
    "syntax_highlight": "none",    # no Pygments lexer lookups for unknown languages
    "embed_stylesheet": False,     # the writer must not read stylesheet files
    "stylesheet_path": [],
    "stylesheet": [],
    "initial_header_level": 3,     # subsections of a talk render as <h3>
    "strip_comments": True,
    "pep_references": False,
    "rfc_references": False,
    "tab_width": 8,
}
MAX_WARNINGS = 50
INDEX_BLURB_WORDS = 30  # a section with a toctree and no more words than this is an index page
_LIGHTNING_TITLE_MAX = 120
_UNRESOLVED = re.compile(r"^(?:`?(?P<reference>[^`]+?)`?__?|:[\w:.+-]+:`(?P<role>[^`]*)`)$", re.DOTALL)


class _Parser(rst.Parser):
    """The reST parser, keeping the document's warnings instead of printing them."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def parse(self, inputstring, document) -> None:
        """Parse inputstring into document, observing its reporter; roles it defines stay in it."""
        document.reporter.attach_observer(self._observe)
        # ".. role::" and ".. default-role::" write docutils' process-wide role table: undo that.
        saved = dict(roles._roles)
        try:
            super().parse(inputstring, document)
        finally:
            roles._roles.clear()
            roles._roles.update(saved)

    def _observe(self, message: nodes.system_message) -> None:
        """Keep a warning or error (level >= 2) as "line N: message"."""
        if message["level"] >= 2 and len(self.messages) < MAX_WARNINGS:
            text = message.children[0].astext() if message.children else message.astext()
            line = message.get("line")
            self.messages.append(f"line {line}: {text}" if line else text)


class _Reader(standalone.Reader):
    """The standalone reader, with the substitution budget checked before substitutions expand."""

    def get_transforms(self):
        """Return the standard transforms and the substitution budget."""
        return super().get_transforms() + [limits.SubstitutionBudget]


def _plain_markup(raw: str) -> str:
    """Return the words of markup docutils could not resolve: "Slides_" -> Slides, ":x:`y`" -> y."""
    match = _UNRESOLVED.match(raw)
    return (match.group("reference") or match.group("role")) if match else raw


def _settings():
    """Return fresh docutils settings for the parser and the HTML writer, made safe."""
    settings = frontend.get_default_settings(rst.Parser, standalone.Reader, html5_polyglot.Writer)
    for key, value in SAFE_SETTINGS.items():
        setattr(settings, key, value)
    settings.warning_stream = StringIO()
    return settings


def _title(section: nodes.section) -> str:
    """Return a section's title as one line of plain text."""
    return " ".join(section[0].astext().split()) if section.children else ""


def _subsections(node: nodes.Element) -> list[nodes.section]:
    """Return the sections directly inside node."""
    return [c for c in node.children if isinstance(c, nodes.section)]


def _body(section: nodes.section) -> list[nodes.Node]:
    """Return what a section holds after its title (subsections included)."""
    return list(section.children[1:])


def _is_index(section: nodes.section) -> bool:
    """Return whether a section is a toctree index: a toctree and at most a short blurb."""
    body = [c for c in _body(section) if not isinstance(c, nodes.section)]
    toctrees = [c for c in body if isinstance(c, nodes.container) and "toctree" in c["classes"]]
    blurb = " ".join(c.astext() for c in body if c not in toctrees)
    return bool(toctrees) and count_words(blurb) <= INDEX_BLURB_WORDS


def _blocks(body: list[nodes.Node]):
    """Yield (text, link targets) for each paragraph, then for links labelled Slides/Video."""
    for node in body:
        if not isinstance(node, nodes.Element):
            continue
        for para in node.findall(nodes.paragraph):
            yield para.astext(), [r["refuri"] for r in para.findall(nodes.reference) if r.get("refuri")]
        for ref in node.findall(nodes.reference):
            if ref.get("refuri") and ref.astext().strip().lower() in ("slides", "video", "presentation page"):
                yield f"{ref.astext()}: {ref['refuri']}", [ref["refuri"]]


def _own_blocks(section: nodes.section):
    """Return the metadata blocks of a section's own text, before and between its subsections."""
    return _blocks([c for c in _body(section) if not isinstance(c, nodes.section)])


def _intro_lines(body: list[nodes.Node]) -> list[str]:
    """Return the whole lines of a talk's first three blocks, where a speaker is often named."""
    lines: list[str] = []
    blocks = [n for n in body if isinstance(n, (nodes.paragraph, nodes.line_block))][:3]
    for block in blocks:
        if isinstance(block, nodes.line_block):
            lines.extend(line.astext() for line in block.findall(nodes.line))
        elif "\n" not in block.astext():
            lines.append(block.astext())
    return lines


class _Renderer:
    """Renders lists of doctree nodes to HTML body fragments with the HTML5 writer."""

    def __init__(self, settings, filename: str) -> None:
        self.settings, self.filename = settings, filename
        self.translator = html5_polyglot.Writer().translator_class

    def __call__(self, body: list[nodes.Node]) -> str:
        """Return the HTML of copies of these nodes, as the body of a document of their own."""
        document = utils.new_document(self.filename, self.settings)
        for node in body:
            document += node.deepcopy()
        visitor = self.translator(document)
        document.walkabout(visitor)
        return "".join(visitor.body)


class _Document:
    """One parsed reST document: its doctree, source lines and section line ranges."""

    def __init__(self, text: str, filename: str) -> None:
        sphinx_compat.register()  # explicit, once: docutils' role and directive registries are process-wide
        settings = _settings()
        self.parser = _Parser()
        limits.check_line_lengths(statemachine.string2lines(text, settings.tab_width, convert_whitespace=True),
                                  filename)
        try:
            self.tree = publish_doctree(text, source_path=filename, reader=_Reader(), parser=self.parser,
                                        settings=settings)
        except (DocumentError, RecursionError):
            raise
        except Exception as exc:  # a docutils bug on odd input is the document's problem, not ours
            raise DocumentError(f"cannot parse reStructuredText in {filename}: {exc}") from exc
        # docutils turns \v and \f into spaces and splits lines like str.splitlines: so do we.
        self.lines = re.sub(r"[\v\f]", " ", text).splitlines()
        self.render = _Renderer(settings, filename)
        # An unknown role or unresolved reference becomes its plain text, not a "problematic" link.
        for node in list(self.tree.findall(nodes.problematic)):
            node.parent.replace(node, nodes.Text(_plain_markup(node.astext())))
        for node in list(self.tree.findall(nodes.system_message)):
            node.parent.remove(node)
        # The HTML writer's own transform, which we bypass by rendering node lists ourselves.
        writer_aux.Admonitions(self.tree).apply()
        self.sections = list(self.tree.findall(nodes.section))
        limits.check_headings(len(self.sections), filename)

    def start(self, section: nodes.section) -> int:
        """Return the 0-based line where a section's heading (overline included) starts."""
        underline = (section[0].line or 1) - 1
        start = max(underline - 1, 0)
        above = self.lines[start - 1].strip() if start > 0 else ""
        if above and len(set(above)) == 1 and not above[0].isalnum() and len(above) >= 3:
            start -= 1
        return start

    def end(self, section: nodes.section) -> int:
        """Return the 0-based line just after a section (where the next non-nested one starts)."""
        index = self.sections.index(section)
        for later in self.sections[index + 1:]:
            parent = later.parent
            while parent is not None and parent is not section:
                parent = parent.parent
            if parent is None:
                return self.start(later)
        return len(self.lines)

    def talk(self, title: str, body: list[nodes.Node], start: int, end: int, plan: layout.TalkPlan) -> ParsedTalk:
        """Return the talk made of these body nodes and source lines."""
        return build_talk(
            title,
            body_html=self.render(body),
            body_text="\n".join(n.astext() for n in body),
            source=source_slice(self.lines, start, end),
            meta=read_metadata(_blocks(body)),
            lightning=plan.kind == "lightning",
            intro=_intro_lines(body),
            speakers_text=plan.speakers,
            kind=plan.kind,
            day_hint=plan.day,
        )

    def items(self, section: nodes.section) -> list[tuple[str, list[nodes.Node], int]]:
        """Return a section's list-shaped talks: title paragraphs over indented notes, a definition
        list, or failing those top-level bullets and "Title - point" lines, as (title, nodes, line)."""
        items: list[tuple[str, list[nodes.Node], int]] = []
        body = [c for c in _body(section) if not isinstance(c, nodes.section)]
        for node, following in zip(body, body[1:] + [None]):
            if isinstance(node, nodes.paragraph) and isinstance(following, nodes.block_quote):
                text = node.astext()
                if "\n" not in text and len(text) <= _LIGHTNING_TITLE_MAX and node.line:
                    items.append((text, list(following.children), node.line - 1))
            elif isinstance(node, nodes.definition_list):
                for item in node.children:
                    term = next(iter(item.findall(nodes.term)), None)
                    definition = next(iter(item.findall(nodes.definition)), None)
                    if term is not None and definition is not None and item.line:
                        items.append((term.astext(), list(definition.children), item.line - 1))
        if items:
            return items
        for node in body:
            if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
                for item in node.children:
                    first, _, rest = item.astext().strip().partition("\n")
                    title, points = item_title(first)
                    lines = [*points, *(l for l in rest.split("\n") if l.strip())]
                    para = nodes.paragraph(text="\n".join(lines)) if lines else None
                    items.append((title, [para] if para else [], (item.line or node.line or 1) - 1))
            elif isinstance(node, nodes.paragraph):
                for title, points in dash_lines(node.astext().split("\n")):
                    items.append((title, [nodes.raw("", render_text([f"- {p}" for p in points]), format="html")],
                                  (node.line or 1) - 1))
        return items

    def node(self, section: nodes.section) -> layout.Node:
        """Return the outline node of a section and its subsections."""
        own = [c for c in _body(section) if not isinstance(c, nodes.section)]
        key = self.sections.index(section)
        items = self.items(section)
        ends = [line for _, _, line in items[1:]] + [self.end(section)]
        first = len(self.item_parts)
        self.item_parts += [(title, body, start, end) for (title, body, start), end in zip(items, ends)]
        return layout.Node(
            key=key, title=_title(section), level=self.level(section), lead=tuple(_lead_lines(own)),
            own_words=count_words(" ".join(n.astext() for n in own)), has_meta=_has_metadata(section),
            items=tuple(layout.Item(title, line=line, key=first + i) for i, (title, _, line) in enumerate(items)),
            children=tuple(self.node(c) for c in _subsections(section)))

    def level(self, section: nodes.section) -> int:
        """Return a section's depth: 1 for a top section."""
        depth, parent = 1, section.parent
        while parent is not None and not isinstance(parent, nodes.document):
            depth += isinstance(parent, nodes.section)
            parent = parent.parent
        return depth

    def outline(self, path: str) -> layout.Outline:
        """Return the document reduced to what layout inference weighs."""
        self.item_parts: list[tuple[str, list[nodes.Node], int, int]] = []
        pre = [c for c in self.tree.children if not isinstance(c, nodes.section)]
        paragraphs = [n for n in pre if isinstance(n, (nodes.paragraph, nodes.line_block))]
        last = _lead_lines(paragraphs[-1:]) if paragraphs else []
        return layout.Outline(path=path, nodes=tuple(self.node(c) for c in _subsections(self.tree)),
                              preamble=tuple(last), preamble_words=count_words(" ".join(n.astext() for n in pre)))

    def planned(self, plan: layout.TalkPlan) -> ParsedTalk:
        """Return the talk a plan names: a section (and the sections after it), the document, or a list item."""
        if plan.item is not None:
            title, body, start, end = self.item_parts[plan.item.key]
            return self.talk(title, body, start, end, plan)
        if plan.whole:
            return self.talk(plan.title, list(self.tree.children), 0, len(self.lines), plan)
        section = self.sections[plan.node]
        skip = {id(self.sections[k]) for k in plan.skip}
        body = [c for c in _body(section) if id(c) not in skip]
        end = self.end(section)
        for key in plan.more:
            body.append(self.sections[key])
            end = self.end(self.sections[key])
        return self.talk(plan.title, body, self.start(section), end, plan)


def _has_metadata(section: nodes.section) -> bool:
    """Return whether a section's own text carries talk metadata (Presenter, Video, ...)."""
    meta: Meta = read_metadata(_own_blocks(section))
    return bool(meta.speakers_text or meta.links or meta.video_seconds)


def _lead_lines(blocks: list[nodes.Node]) -> list[str]:
    """Return the first lines of a section's own text: short paragraphs whole, others line by line."""
    lines: list[str] = []
    for block in blocks:
        if not isinstance(block, (nodes.paragraph, nodes.line_block)):
            continue
        text = block.astext()
        if isinstance(block, nodes.line_block):
            lines.extend(line.astext() for line in block.findall(nodes.line))
        elif len(text) <= 160:
            lines.append(" ".join(text.split()))
        else:
            lines.extend(text.split("\n"))
        if len(lines) >= 3:
            break
    return lines[:3]


def parse_rst(text: str, filename: str, hints: layout.Hints = layout.Hints()) -> ParsedDocument:
    """Parse reStructuredText notes into a document title and its talks, as layout inference plans them."""
    doc = _Document(text, filename)
    outline = doc.outline(filename)
    # A top section that is only a toctree index holds no talk (Sphinx notes' index.rst).
    indexes = [n for n in outline.nodes if _is_index(doc.sections[n.key])]
    if indexes and all(n in indexes or is_non_talk(n.title) for n in outline.nodes):
        return ParsedDocument(title=outline.nodes[0].title, format="rst", layout="index",
                              evidence=("a table of contents (toctree) and no notes",),
                              warnings=tuple(doc.parser.messages))
    plan = layout.plan_document(outline, hints)
    talks = [doc.planned(t) for t in plan.talks
             if t.node is None or not _is_index(doc.sections[t.node])]
    doc_day = plan.day or (day_hint(plan.title) if plan.layout != "talk-per-file" else None) or ""
    return ParsedDocument(title=plan.title, format="rst", talks=number_talks(talks), layout=plan.layout,
                          evidence=plan.evidence, day_hint=doc_day, warnings=tuple(doc.parser.messages))
