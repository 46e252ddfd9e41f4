"""The render-time allow-list sanitiser of talk notes."""
from __future__ import annotations

import pytest

from archive.formats.html import clean_html


@pytest.mark.parametrize("dirty", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg onload=alert(1)><circle/></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<p onclick="alert(1)" onmouseover="alert(1)">x</p>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<form action="javascript:alert(1)"><input><button>go</button></form>',
    "<object data=x></object><embed src=x>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<div id="__pwned" name="x">clobber</div>',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<img src="javascript:alert(1)">',
])
def test_nothing_executable_survives(dirty):
    clean = clean_html(dirty).lower()
    for bad in ("<script", "javascript:", "vbscript:", "data:", "onerror", "onload", "onclick", "onmouseover",
                "<iframe", "<svg", "<form", "<object", "<embed", "<meta", "<base", "<style", "style=", "id=",
                "alert(1)</"):
        assert bad not in clean, (dirty, clean)


def test_script_content_is_dropped_not_shown_as_text():
    assert clean_html("<p>a</p><script>alert(1)</script><p>b</p>") == "<p>a</p><p>b</p>"


def test_common_formatting_survives():
    html = ("<h2>Title</h2><p><strong>b</strong> <em>i</em> <code>c</code></p><pre><code>x = 1\n</code></pre>"
            "<ul><li>one</li></ul><ol start=\"3\"><li>three</li></ol><blockquote>q</blockquote>"
            "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td colspan=\"2\">d</td></tr></tbody></table>"
            "<dl><dt>t</dt><dd>d</dd></dl><p>a<br>b</p><hr>")
    clean = clean_html(html)
    for kept in ("<h2>Title</h2>", "<strong>b</strong>", "<em>i</em>", "<code>c</code>", "<pre><code>x = 1\n</code></pre>",
                 "<li>one</li>", '<ol start="3">', "<blockquote>q</blockquote>", "<th>h</th>", '<td colspan="2">d</td>',
                 "<dt>t</dt>", "<br>", "<hr>"):
        assert kept in clean, kept


@pytest.mark.parametrize("href", [
    "https://example.org/a?b=c", "http://example.org/", "mailto:someone@example.org", "/talks/x--y",
    "../relative/page.html", "#t=1m30s", "#section",
])
def test_safe_links_keep_their_href_and_get_rel(href):
    clean = clean_html(f'<a href="{href}">x</a>')
    assert f'href="{href}"' in clean.replace("&amp;", "&")
    assert 'rel="noopener noreferrer"' in clean


def test_a_rel_given_by_the_notes_is_replaced():
    assert clean_html('<a href="https://x.org" rel="opener">x</a>') == \
        '<a href="https://x.org" rel="noopener noreferrer">x</a>'


def test_images_keep_safe_attributes_only():
    assert clean_html('<img src="https://x.org/a.png" alt="A" width="10" onerror="x" class="c">') == \
        '<img src="https://x.org/a.png" alt="A" width="10" class="c">'


def test_empty_input():
    assert clean_html("") == ""
