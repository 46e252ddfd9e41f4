"""The one HTML allow-list of the archive, and the nh3 call that applies it.

The importer cleans notes with it before storing them (parse/talks.py, without rel on links) and
the catalogue its descriptions; the pages clean again on the way out, as defence in depth (a row
written by an older importer, a bug, or a hand edit in cqlsh must still not run script). Both
cleanings keep exactly the same markup; only the display adds rel="noopener noreferrer" to links.
"""
from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({
    "a", "abbr", "aside", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "tt", "u", "ul", "var",
})

ALLOWED_ATTRIBUTES = {
    # No id or name: they would let notes clobber DOM globals (window.<id>).
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "col": {"span"},
    "colgroup": {"span"},
}

# Relative URLs (and so "#t=1m30s" fragments) pass through; absolute ones need one of these.
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Dropped with their content, rather than showing script source or fallback markup as text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed"})

LINK_REL = "noopener noreferrer"


def clean_html(html: str, *, link_rel: str | None = LINK_REL) -> str:
    """Return html reduced to the allow-listed tags, attributes and URL schemes, without comments.

    Links get rel=link_rel (any rel of their own is dropped); the importer passes None, as rel is
    the display's business and the pages add it when they clean again.
    """
    if not html:
        return ""
    cleaned = _clean_once(html, link_rel)
    # The HTML parser nests mis-nested markup (<h1><a><h1>) into a tree whose serialisation parses
    # into another tree; cleaning again until the markup is stable makes the result a fixed point,
    # so the stored notes, cleaned again for display, show exactly what cleaning the source shows.
    for _ in range(MAX_CLEANING_PASSES):
        again = _clean_once(cleaned, link_rel)
        if again == cleaned:
            break
        cleaned = again
    return cleaned


MAX_CLEANING_PASSES = 4


def _clean_once(html: str, link_rel: str | None) -> str:
    """Return one pass of the allow-list cleaning (nh3, the ammonia sanitizer)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=link_rel,
        strip_comments=True,
    )
