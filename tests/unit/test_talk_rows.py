"""Talk list rows built in Python (web.talk_rows): links as url_for builds them, every value escaped."""
from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from flask import Flask, url_for
from hypothesis import given, settings
from hypothesis import strategies as st

from web.filters import row_url
from web.talk_rows import talk_item

app = Flask(__name__)
for rule, endpoint in (("/talks/<talk_id>", "talk"), ("/tags/<tag>", "tag"), ("/speakers/<slug>", "speaker"),
                       ("/conferences/<conference_id>", "conference")):
    app.add_url_rule(rule, endpoint, lambda **_: "")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s), st.sampled_from(["", "/archive"]))
def test_row_links_are_the_urls_url_for_builds(value, root):
    with app.test_request_context("/", base_url=f"http://x{root}"):
        assert row_url(root, "/talks/", value) == url_for("talk", talk_id=value)
        assert row_url(root, "/tags/", value) == url_for("tag", tag=value)
        assert row_url(root, "/speakers/", value) == url_for("speaker", slug=value)
        assert row_url(root, "/conferences/", value) == url_for("conference", conference_id=value)


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.attrs = [], [], []
        self.flag = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_values_stay_text():
    evil = '<script>alert(1)</script>"\'&'
    row = {"talk_id": 'c--"><script>', "title": evil, "kind": 'x" onclick="1', "has_notes": True,
           "has_video": False, "speakers": [evil, "Ann Smith"], "conference_id": "c", "conference_name": evil,
           "day": date(2020, 1, 2), "tags": {evil, "web"}}
    html = talk_item(row, "")
    parsed = Collect()
    parsed.feed(html)
    assert "script" not in parsed.tags and not any(name.startswith("on") for name, _ in parsed.attrs)
    assert parsed.text.count(evil) == 4  # title, a speaker, the conference name, a tag
    assert '<a href="/speakers/ann-smith">Ann Smith</a>' in html and '<time datetime="2020-01-02">' in html
    assert '</a> <span class="badge badge-x' in html and '</span> <span class="badge badge-notes"' in html  # spaced
