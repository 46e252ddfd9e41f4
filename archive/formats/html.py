"""Allow-list HTML sanitising of talk notes at render time.

The importer already stores sanitised notes; cleaning again on the way out is defence in depth
(a row written by an older importer, a bug, or a hand edit in cqlsh must still not run script).
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


def clean_html(html: str) -> str:
    """Return html reduced to the allow-listed tags, attributes and URL schemes."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        # Drop these elements with their content, rather than showing script source as text.
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "embed"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
