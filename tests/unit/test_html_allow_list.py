"""One HTML allow-list: the import-time cleaning of notes (parse/talks.safe_html) and the display-time
cleaning (formats/html.clean_html) keep exactly the same markup; only the display adds rel to links."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from archive.formats.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, clean_html
from archive.parse.talks import safe_html

VOID = {"br", "hr", "img", "col"}
VALUES = {"href": "https://example.org/a?b=1&c=2", "src": "https://example.org/i.png", "start": "3",
          "colspan": "2", "rowspan": "2", "span": "2", "scope": "col", "width": "10", "height": "10",
          "alt": "an image", "class": "c", "title": "t"}


def element(tag: str, attrs: dict[str, str], inner: str = "x") -> str:
    shown = "".join(f' {name}="{value}"' for name, value in attrs.items())
    return f"<{tag}{shown}>" if tag in VOID else f"<{tag}{shown}>{inner}</{tag}>"


def every_allowed_tag_with_its_attributes() -> list[str]:
    out = []
    for tag in sorted(ALLOWED_TAGS):
        names = ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]
        out.append(element(tag, {n: VALUES[n] for n in sorted(names)}))
    return out


# The differences the two allow-lists used to have, and what each side used to drop.
FORMERLY_DIFFERENT = [
    "<p><mark>highlighted</mark></p>",
    '<table><colgroup span="2"><col span="2"></colgroup><tr><th scope="row">h</th><td>d</td></tr></table>',
    "<p>a<!-- a comment --> b</p>",
    '<p><a href="https://x.org/" rel="opener">x</a></p>',
    "<p>a</p><iframe>frame text</iframe><noscript>fallback</noscript><template>t</template><p>b</p>",
    "<object>o</object><embed src=x><p>after</p>",
]
HOSTILE = [
    "<script>alert(1)</script><p>x</p>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>', "<svg onload=alert(1)><circle/></svg>",
    '<p style="color:red" onclick="x()" id="clobber" name="n">x</p>', "<style>p{}</style><form><input></form>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', "<div><p>unclosed <b>bold",
]


def assert_same_markup(fragment: str) -> None:
    stored = safe_html(fragment, None)
    shown = clean_html(fragment).strip()
    assert clean_html(stored) == shown  # showing the stored notes shows what cleaning the source shows
    assert stored == clean_html(fragment, link_rel=None).strip()  # the importer cleans with the same list
    assert ' rel="' not in stored  # rel is the display's: never stored
    assert clean_html(shown) == shown  # and cleaning is idempotent


@pytest.mark.parametrize("fragment", every_allowed_tag_with_its_attributes() + FORMERLY_DIFFERENT + HOSTILE)
def test_import_and_display_cleaning_keep_the_same_markup(fragment):
    assert_same_markup(fragment)


def test_the_reconciled_choices():
    stored = safe_html("".join(FORMERLY_DIFFERENT), None)
    for kept in ("<mark>highlighted</mark>", '<th scope="row">', '<col span="2">', '<colgroup span="2">'):
        assert kept in stored, kept
    for dropped in ("comment", "frame text", "fallback", ">t<", ">o<", "opener", "rel="):
        assert dropped not in stored, dropped
    assert f'rel="{LINK_REL}"' in clean_html(stored)


TAGS = sorted(ALLOWED_TAGS) + ["script", "iframe", "svg", "form", "style", "noscript", "object", "math"]
ATTRS = sorted(VALUES) + ["onclick", "style", "id", "rel", "name"]
ATTR_VALUES = st.sampled_from(list(VALUES.values()) + ["javascript:alert(1)", "data:text/html,x", "x\" onload=\"y"])


def fragments() -> st.SearchStrategy[str]:
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
    attrs = st.dictionaries(st.sampled_from(ATTRS), ATTR_VALUES, max_size=3)
    return st.recursive(text, lambda inner: st.builds(
        lambda tag, a, parts: element(tag, a, "".join(parts)), st.sampled_from(TAGS), attrs,
        st.lists(inner, max_size=3)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(fragments())
def test_any_markup_is_kept_alike_at_import_and_display(fragment):
    assert_same_markup(fragment)
