"""Bounds on the work one document may cost the parsers, and a time limit on parsing it.

Small hostile files can be expensive: nested reST substitutions expand exponentially, docutils'
inline parser is quadratic in a paragraph's length, and tens of thousands of headings make tens
of thousands of talks. Each bound below refuses such a document with a DocumentError naming the
document and the bound, and time_limit stops a parse that runs too long anyway.
"""
from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from docutils import nodes
from docutils.transforms import Transform

from archive.domain import DocumentError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024  # a document's size, checked before reading and by the parser
MAX_HEADINGS = 5000            # headings (sections, table of contents entries) in one document
MAX_LINE_CHARS = 10_000        # a reST line (docutils' own line_length_limit, which drops the document)
MAX_SUBSTITUTIONS = 1000       # substitution references one reST document may expand, nested ones included
MAX_SUBSTITUTION_DEPTH = 8     # substitutions inside substitutions inside ...
MAX_SUBSTITUTION_CHARS = 200_000  # characters of text the expanded substitutions may add
MAX_TITLE_CHARS = 300          # a longer talk or document title is cut on a word boundary
PARSE_SECONDS = 30.0           # the time one document may take to parse (main thread only)
_RETRY_SECONDS = 0.1           # after expiry, the alarm repeats until the parse gives up


class ParseTimeout(DocumentError):
    """A document whose parsing took longer than the time limit."""


def check_headings(count: int, filename: str) -> None:
    """Raise DocumentError when a document has more headings than MAX_HEADINGS."""
    if count > MAX_HEADINGS:
        raise DocumentError(f"{filename}: the document has {count} headings, over the limit of "
                            f"{MAX_HEADINGS}; split it into smaller documents")


def check_line_lengths(lines: list[str], filename: str) -> None:
    """Raise DocumentError naming the first line longer than MAX_LINE_CHARS."""
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise DocumentError(f"{filename}: line {number} is {len(line)} characters long, over the "
                                f"limit of {MAX_LINE_CHARS} characters per reStructuredText line")


def cut_title(title: str) -> str:
    """Return title cut to MAX_TITLE_CHARS on a word boundary, marked with an ellipsis."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    head = title[:MAX_TITLE_CHARS - 1]
    if " " in head[MAX_TITLE_CHARS // 2:]:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "\u2026"


class SubstitutionBudget(Transform):
    """Refuses a document whose substitutions would expand too deep, too often or too large.

    Runs just before docutils' Substitutions transform, which expands each reference by copying
    its definition: nested definitions grow exponentially (a 2 KB file took 40 s).
    """

    default_priority = 219

    def apply(self) -> None:
        """Raise DocumentError when the expansion would pass one of the limits."""
        self.costs: dict[str, tuple[int, int, int]] = {}
        refs = depth = chars = 0
        # docutils expands every reference, those inside the definitions themselves too.
        for ref in self.document.findall(nodes.substitution_reference):
            more, deep, size = self.cost(ref, ())
            refs, depth, chars = refs + 1 + more, max(depth, deep), chars + size
            self.check(refs, depth, chars, ref["refname"])

    def key(self, ref: nodes.substitution_reference) -> str | None:
        """Return the definition a reference names, as docutils looks it up."""
        name = ref["refname"]
        return name if name in self.document.substitution_defs else self.document.substitution_names.get(name.lower())

    def cost(self, ref: nodes.substitution_reference, chain: tuple[str, ...]) -> tuple[int, int, int]:
        """Return (nested references, depth, characters) that expanding one reference adds."""
        key = self.key(ref)
        if key is None or key in chain:  # undefined or circular: docutils reports it
            return 0, 0, 0
        if key not in self.costs:
            self.check(0, len(chain) + 1, 0, ref["refname"])
            definition = self.document.substitution_defs[key]
            refs, depth, chars = 0, 0, len(definition.astext())
            for nested in definition.findall(nodes.substitution_reference):
                more, deep, size = self.cost(nested, chain + (key,))
                refs, depth, chars = refs + 1 + more, max(depth, deep), chars + size
                self.check(refs, depth + 1, chars, ref["refname"])
            self.costs[key] = (refs, depth + 1, chars)
        return self.costs[key]

    def check(self, refs: int, depth: int, chars: int, name: str) -> None:
        """Raise DocumentError naming the substitution when a count passes its limit."""
        source = self.document.get("source") or "the document"
        for count, limit, what in ((refs, MAX_SUBSTITUTIONS, "substitution references"),
                                   (depth, MAX_SUBSTITUTION_DEPTH, "levels of nested substitutions"),
                                   (chars, MAX_SUBSTITUTION_CHARS, "characters of substituted text")):
            if count > limit:
                raise DocumentError(f"{source}: expanding substitution |{name}| passes the limit of {limit} {what}")


def _usable() -> bool:
    """Return whether a SIGALRM timer can be used here: the main thread of a POSIX process."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float, filename: str) -> Iterator[None]:
    """Raise ParseTimeout in the block when it runs longer than seconds (main thread only; else no-op).

    An outer timer that would fire sooner is left alone; one that fires later is re-armed afterwards.
    """
    outer, _ = signal.getitimer(signal.ITIMER_REAL) if _usable() else (0.0, 0.0)
    if seconds <= 0 or not _usable() or (outer and outer <= seconds):
        yield
        return

    active = [True]

    def expire(signum, frame):
        """Stop the parse: the document took too long."""
        if active[0]:
            raise ParseTimeout(f"{filename}: the document took more than {seconds:g} s to parse")

    previous = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds, _RETRY_SECONDS)
    try:
        yield
    finally:
        active[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 0.001))
