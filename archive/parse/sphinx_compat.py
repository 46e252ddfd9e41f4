"""Tolerant stand-ins for Sphinx-only roles and directives, so plain docutils accepts Sphinx notes.

docutils keeps roles and directives in process-wide registries, so register() installs these
once (it is idempotent) and only under Sphinx's names: documents using docutils' own markup
behave exactly as before. Code-ish roles render as literal text, cross-references as their
title, container directives as their parsed content, and directives that would read files
(literalinclude) or only matter to Sphinx's build (toctree entries, index) render nothing
that could leak or run.
"""
from __future__ import annotations

import re

from docutils import nodes, utils
from docutils.parsers.rst import Directive, directives, roles

LITERAL_ROLES = (
    "file", "program", "func", "meth", "class", "mod", "attr", "data", "exc", "obj", "const",
    "command", "envvar", "option", "samp", "kbd", "makevar", "mailheader", "mimetype", "regexp",
    "token", "member", "var", "type", "macro", "struct", "union", "enum", "enumerator", "expr",
    "texpr", "cpp:any", "c:func", "c:macro", "c:type", "c:data", "c:member", "cpp:func",
    "cpp:class", "js:func", "js:class", "js:mod", "js:data", "js:attr", "js:meth",
    *(f"py:{name}" for name in ("func", "meth", "class", "mod", "attr", "data", "exc", "obj", "const")),
)
TEXT_ROLES = (
    "ref", "doc", "term", "any", "numref", "keyword", "download", "dfn", "guilabel",
    "menuselection", "manpage", "newsgroup", "eq", "abbr", "index", "std:ref", "std:doc", "std:term",
)
CONTAINER_DIRECTIVES = (
    "seealso", "versionadded", "versionchanged", "deprecated", "versionremoved", "todo", "only",
    "hlist", "glossary", "centered", "productionlist", "tab", "tabs", "card", "dropdown",
    "function", "class", "method", "attribute", "module", "data", "exception", "describe",
    "object", "py:function", "py:class", "py:method", "py:attribute", "py:module", "py:data",
)
CODE_DIRECTIVES = ("code-block", "sourcecode", "ipython", "doctest", "testcode", "testoutput")
IGNORED_DIRECTIVES = (
    "highlight", "index", "sectionauthor", "moduleauthor", "codeauthor", "tabularcolumns",
    "currentmodule", "literalinclude", "automodule", "autoclass", "autofunction", "autodata",
    "automethod", "autoattribute", "autosummary", "graphviz", "digraph", "plot", "default-domain",
    "program", "toctree-select",
)
_TITLE_TARGET = re.compile(r"^(?P<title>.*?)\s*<[^<>]*>$", re.DOTALL)
_registered = False


class _AnyOptions(dict):
    """An option spec accepting every option name, so Sphinx options are never "unknown"."""

    def __missing__(self, key):
        return directives.unchanged


def _role_title(text: str) -> str:
    """Return what Sphinx shows for a role's text: "Title <target>" -> Title, "~a.b.c" -> c."""
    text = utils.unescape(text)
    match = _TITLE_TARGET.match(text)
    if match and match.group("title"):
        return match.group("title")
    text = text.lstrip("!")
    return text.rsplit(".", 1)[-1] if text.startswith("~") else text


def literal_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """Render a Sphinx code-ish role (:file:, :func: ...) as literal text."""
    return [nodes.literal(rawtext, _role_title(text).lstrip("~"))], []


def text_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """Render a Sphinx cross-reference role (:ref:, :doc: ...) as its title, unlinked."""
    return [nodes.inline(rawtext, _role_title(text))], []


class CodeBlock(Directive):
    """Sphinx's code-block: a literal block, whatever the language or options."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        """Return the content as one literal block."""
        if not self.content:
            return []
        code = "\n".join(self.content)
        classes = ["code"] + ([self.arguments[0].split()[0]] if self.arguments else [])
        return [nodes.literal_block(code, code, classes=classes)]


class Container(Directive):
    """A Sphinx directive whose content is ordinary reST (seealso, versionadded, only ...)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        """Return the argument (if any) and the parsed content in a container."""
        container = nodes.container(classes=[self.name.replace(":", "-")])
        if self.arguments:
            container += nodes.paragraph(self.arguments[0], self.arguments[0])
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class Toctree(Directive):
    """Sphinx's toctree: a container marked "toctree" listing its entries as plain text."""

    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        """Return the toctree marker; the parsers skip sections that hold one."""
        entries = nodes.bullet_list()
        for line in self.content:
            if line.strip():
                entries += nodes.list_item("", nodes.paragraph(line.strip(), line.strip()))
        return [nodes.container("", entries, classes=["toctree"])]


class Ignored(Directive):
    """A Sphinx directive with nothing to show outside a Sphinx build."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()

    def run(self):
        """Return nothing."""
        return []


def register() -> None:
    """Register the Sphinx stand-ins with docutils (once per process)."""
    global _registered
    if _registered:
        return
    for name in LITERAL_ROLES:
        roles.register_local_role(name, literal_role)
    for name in TEXT_ROLES:
        roles.register_local_role(name, text_role)
    for name in CONTAINER_DIRECTIVES:
        directives.register_directive(name, Container)
    for name in CODE_DIRECTIVES:
        directives.register_directive(name, CodeBlock)
    for name in IGNORED_DIRECTIVES:
        directives.register_directive(name, Ignored)
    directives.register_directive("toctree", Toctree)
    _registered = True
