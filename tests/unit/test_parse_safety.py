"""Hostile or broken input: file inclusion, raw HTML, scripts, binary, bad encodings, huge files."""
from __future__ import annotations

import pytest

from archive.domain import DocumentError
from archive.parse import MAX_DOCUMENT_BYTES, decode_document, parse_document


def rst_talk(body: str) -> str:
    return f"Conference\n==========\n\nA Talk\n------\n\nSome opening words for the talk.\n\n{body}\n"


def only_talk(text: str, name: str = "notes.rst"):
    document = parse_document(text, name)
    assert len(document.talks) == 1, document
    return document.talks[0]


def test_include_does_not_read_files():
    talk = only_talk(rst_talk(".. include:: /etc/passwd\n\n.. csv-table:: t\n   :file: /etc/passwd\n"))
    assert "root:" not in talk.notes_html
    assert "include" not in talk.notes_html
    assert "Some opening words" in talk.notes_html


def test_raw_html_is_neutralised():
    talk = only_talk(rst_talk(".. raw:: html\n\n   <script>alert(1)</script>\n\n"
                              ".. role:: raw-html(raw)\n   :format: html\n\n:raw-html:`<script>alert(2)</script>`\n"))
    assert "<script" not in talk.notes_html
    assert "alert(1)" not in talk.notes_html


def test_javascript_urls_are_dropped():
    talk = only_talk(rst_talk("`click <javascript:alert(1)>`_\n\n.. image:: javascript:alert(2)\n"))
    assert "javascript:" not in talk.notes_html.replace('alt="javascript:alert(2)"', "")
    assert "href" not in talk.notes_html


def test_sphinx_roles_and_directives_do_not_raise(capsys):
    body = """\
:doc:`intro`, :ref:`Gary <fast-test>`, :class:`Foo`, :func:`~pkg.mod.bar`, :py:mod:`os`, :file:`a.txt`,
:unknownrole:`whatever`.

.. highlight:: python

.. code-block:: python
   :linenos:
   :emphasize-lines: 1

   print("code")

.. note:: a note

.. versionadded:: 1.2

.. seealso:: elsewhere

.. literalinclude:: /etc/passwd

.. unknown-directive:: arg

   content
"""
    talk = only_talk(rst_talk(body))
    html = talk.notes_html
    assert "Gary" in html and "fast-test" not in html
    assert '<span class="docutils literal">bar</span>' in html
    assert 'print("code")' in html or "print(&quot;code&quot;)" in html
    assert "a note" in html and "elsewhere" in html
    assert "root:" not in html
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""  # docutils reports stay quiet


def test_markdown_html_is_escaped():
    talk = only_talk("# Conf\n\n## Talk\n\n<script>alert(1)</script>\n\nhi <img src=x onerror=alert(2)>\n", "n.md")
    assert "<script" not in talk.notes_html
    assert "&lt;script&gt;" in talk.notes_html
    assert "<img" not in talk.notes_html


def test_text_export_html_is_escaped():
    toc = "".join(f"{n}\tTalk {n} by Ann Lee\t{n}\n" for n in (1, 2, 3))
    body = "\n".join(f"Talk {n} by Ann Lee\n\n<script>alert({n})</script>\n" for n in (1, 2, 3))
    document = parse_document(f"Notes\n\n{toc}\n{body}", "export.txt")
    assert len(document.talks) == 3
    assert all("<script" not in t.notes_html and "&lt;script&gt;" in t.notes_html for t in document.talks)


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_text_is_refused(text):
    with pytest.raises(DocumentError, match="empty"):
        parse_document(text, "empty.rst")


def test_binary_text_is_refused():
    with pytest.raises(DocumentError, match="NUL"):
        parse_document("Title\n=====\n\x00\x01\x02", "bin.rst")
    with pytest.raises(DocumentError, match="binary"):
        parse_document("ab\x01\x02\x03\x04\x05\x06" * 50, "bin.txt")


def test_oversized_text_is_refused():
    with pytest.raises(DocumentError, match="limit"):
        parse_document("a" * (MAX_DOCUMENT_BYTES + 1), "big.txt")


def test_zero_talks_is_not_an_error():
    document = parse_document("Just a paragraph of notes.\n", "notes.rst")
    assert document.talks == ()


def test_decode_document():
    assert decode_document("\ufeffTitle\r\n=====\r\n".encode("utf-8"), "a.rst") == "Title\n=====\n"
    with pytest.raises(DocumentError, match="UTF-8.*byte offset 3"):
        decode_document(b"abc\xff\xfedef", "a.rst")
    with pytest.raises(DocumentError, match="byte offset 5"):
        decode_document(b"\xef\xbb\xbfab\xc3(", "a.rst")  # offsets count the BOM
    with pytest.raises(DocumentError, match="NUL"):
        decode_document(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.rst")
    with pytest.raises(DocumentError, match="UTF-16"):
        decode_document("Title\n=====\n".encode("utf-16"), "a.rst")
    with pytest.raises(DocumentError, match="empty"):
        decode_document(b"  \n", "a.rst")
    with pytest.raises(DocumentError, match="limit"):
        decode_document(b"a" * (MAX_DOCUMENT_BYTES + 1), "a.rst")


def test_pathological_nesting_is_a_document_error_not_an_exit():
    body = "".join(("  " * depth) + f"level {depth}\n\n" for depth in range(400))
    with pytest.raises(DocumentError, match="deep|recursion"):
        parse_document(rst_talk(body), "deep.rst")
