"""The tag report (pure), and what tagging makes of the whole pyvideo catalogue's tags."""
from __future__ import annotations

import json

import pytest

from archive.domain import TALK_KINDS, Talk
from archive.talks.tag_report import build_report, largest, render_json, render_text
from tests.topics import assert_topics


def talk(conference_id, tags, title="Untitled", kind="talk"):
    return Talk(id=f"{conference_id}/{title}", conference_id=conference_id, title=title, kind=kind, tags=tuple(tags))


def test_report_counts_merges_and_drops_per_talk():
    report = build_report([
        talk("pycon-us-2012", ["Django", "django", "pycon", "Lightning Talks", "ML", "Some Topic"]),
        talk("pycon-us-2013", ["machinelearning", "minsk", "pycon2013", "Room 215"], title="Testing with pytest"),
        talk("europython-2020", []),
    ])
    assert report.talks == 3
    assert report.raw_uses == 9  # "Django" and "django" are one use
    assert report.merges == {"machine-learning": {"ml": 1, "machinelearning": 1}}
    assert report.drops["event"] == {"pycon": 1, "pycon2013": 1}
    assert report.drops["kind"] == {"lightning-talks": 1}
    assert report.drops["place"] == {"minsk": 1}
    assert report.drops["slot"] == {"room-215": 1}
    assert report.kept == {"django": 1, "some-topic": 1}
    assert report.counts == {"django": 1, "machine-learning": 2, "some-topic": 1, "testing": 1}


def test_largest_orders_by_count_then_name():
    assert largest({"b": 2, "a": 2, "c": 5, "d": 1}, 3) == [("c", 5), ("a", 2), ("b", 2)]


def test_text_and_json_renderings():
    report = build_report([talk("pycon-us-2012", ["ML", "keynote", "Tech"]), talk("pycon-us-2012", ["ml"])])
    top = largest(report.counts, 5)
    text = render_text(report, top, "tagged from test")
    assert "machine-learning" in text and "machine-learning <- ml (2)" in text
    assert "kind: 1 tags, 1 uses: keynote (1)" in text
    assert "generic: 1 tags, 1 uses: tech (1)" in text
    data = json.loads(render_json(report, top, "tagged from test"))
    assert data["largest"] == [{"tag": "machine-learning", "talks": 2}]
    assert data["merges"] == [{"into": "machine-learning", "talks": 2, "from": {"ml": 2}}]
    assert {d["reason"] for d in data["drops"]} == {"kind", "generic"}
    assert data["raw"] == {"uses": 4, "tags": 3, "kept": 0, "merged": 1, "dropped": 2}


def test_empty_report_renders():
    report = build_report([])
    assert "(none)" in render_text(report, [], "nothing")


# -- the whole catalogue -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue(corpus):
    from archive.parse.catalogue import parse_event, parse_video

    root = corpus / "pyvideo-data"
    talks, events = [], {}
    for event in sorted(p for p in root.iterdir() if (p / "category.json").is_file() and p.name[0] != "."):
        events[event.name] = parse_event((event / "category.json").read_bytes(), f"{event.name}/category.json")
        for video in sorted((event / "videos").glob("*.json")):
            talks.append(parse_video(video.read_bytes(), f"{event.name}/videos/{video.name}",
                                     event.name.replace("-", " "))[0])
    return talks, events


@pytest.mark.slow
def test_the_ten_largest_tags_of_the_catalogue_are_topics(catalogue, record_property):
    talks, events = catalogue
    assert len(talks) == 21_715 and len(events) == 540
    report = build_report(talks)
    top = largest(report.counts, 10)
    print("\nten largest tags of the pyvideo catalogue:", ", ".join(f"{t} {n}" for t, n in top))
    record_property("top_tags", top)

    assert_topics(top, {(cid, c.name) for cid, c in events.items()})
    # and tagging leaves no kind or conference tag anywhere, not only in the ten
    assert not set(report.counts) & (set(TALK_KINDS) | set(events))
