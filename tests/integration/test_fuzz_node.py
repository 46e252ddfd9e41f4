"""Property-based (Hypothesis) imports of generated hostile sources into the real node.

The smaller set beside tests/unit/test_fuzz_service.py: the same sources (hostile notes and
catalogue files beside good ones) and the same properties, imported with the real Store, so that
what the node itself refuses (a batch too large, a value out of range) is part of the run; after
every import the index audit finds no stale or missing row. Each example imports into its own
conference, event and sources on one shared keyspace. NOTES_FUZZ_NODE_EXAMPLES overrides the count.
"""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from archive.indexes.tables import INDEX_BY_NAME
from archive.service.runner import run_import
from tests.integration.test_import import index_audit
from tests.unit.test_fuzz_service import (TOKENS, CountingStore, Place, catalogue_files, check_source,
                                          notes_files)

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("NOTES_FUZZ_NODE_EXAMPLES") or 20)
NODE_FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, print_blob=True, database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),  # no replay of the unit suite's examples
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.function_scoped_fixture],
)
_numbers = itertools.count(1)
# A talk inside every value limit whose index rows make megabytes, a hundred times the stock 50 KiB
# batch guardrail (99 long speaker names copied into each of ~190 tag rows): the store writes it in
# batches that fit, talk row last.
NEAR_THE_LIMITS = json.dumps({
    "title": "Near every limit", "recorded": "2024-05-02",
    "speakers": [f"Person {chr(65 + i % 26)}{chr(65 + i // 26)} " + "x" * 280 for i in range(99)],
    "tags": [f"tag{chr(65 + i % 26)}{chr(65 + i // 26)}" + "y" * 90 for i in range(190)],
}).encode()


def assert_index_clean(store) -> None:
    """Assert every index table (search tables included) holds exactly the rows the stored talks imply;
    list_buckets (a kept table) may also name a month its list no longer fills, which reads as empty."""
    found = index_audit(store)
    orphans = {t: r for t, r in found.orphans.items() if r and not INDEX_BY_NAME[t].kept}
    missing = {t: r for t, r in found.missing.items() if r}
    assert not orphans and not missing, {"orphans": orphans, "missing": missing}


@NODE_FUZZ
@example(notes={"a-plain-talk.md": b"# A plain talk\n\nnotes\n"}, videos={"videos/near.json": NEAR_THE_LIMITS},
         good_count=1, token="nodx", shared=True)
@given(notes=notes_files(), videos=catalogue_files(), good_count=st.integers(1, 2), token=TOKENS,
       shared=st.booleans())
def test_hostile_sources_on_the_node_fail_alone_and_heal_with_clean_indexes(clean_store, notes, videos,
                                                                            good_count, token, shared):
    n = next(_numbers)
    place = Place(f"fuzzcon-{n}", f"fuzzcat-{n}", f"notes-{n}", f"catalogue-{n}").sharing(shared)
    check_source(CountingStore(clean_store), place, notes, videos, good_count, token,
                 after_each=lambda summary: assert_index_clean(clean_store))


def linked_sources(root: Path) -> Path:
    """Write a notes talk and its catalogue recording (same title and speaker, so they link)."""
    (root / "notes").mkdir()
    (root / "notes" / "testing.md").write_text("# Testing with fakes\n\nPresenter: Wendel Quist\n\nnotes\n")
    (root / "notes" / "other.md").write_text("# Another talk\n\nnotes\n")
    videos = root / "catalogue" / "linkcon-2024" / "videos"
    videos.mkdir(parents=True)
    (videos / "testing-with-fakes.json").write_text(json.dumps(
        {"title": "Testing with fakes", "speakers": ["Wendel Quist"], "recorded": "2024-05-02"}))
    (root / "sources.toml").write_text('''
[[source]]
name = "notes"
path = "notes"
[source.conference]
id = "linkcon-2024"
name = "LinkCon 2024"

[[source]]
name = "catalogue"
kind = "catalogue"
path = "catalogue"
''')
    return root / "sources.toml"


def test_a_changed_recording_near_every_limit_linked_to_notes_lands_within_the_guardrails(clean_store, tmp_path):
    sources = linked_sources(tmp_path)
    first = run_import(clean_store, sources)
    assert first.failed == 0 and first.linked == 1
    near = json.loads(NEAR_THE_LIMITS) | {"title": "Testing with fakes"}
    near["speakers"] = ["Wendel Quist"] + near["speakers"][1:]  # still linked: a speaker in common
    (tmp_path / "catalogue" / "linkcon-2024" / "videos" / "testing-with-fakes.json").write_text(json.dumps(near))
    # Its index rows make megabytes (a single batch of them was refused: "Batch too large", then
    # "CQL Message of size 19787027 bytes exceeds allowed maximum"); written in batches that fit, it lands.
    summary = run_import(clean_store, sources)
    assert summary.failed == 0 and summary.changed == 1, summary.errors
    talks = {t.title: t for t, _ in clean_store.stored_talks_of_conference("linkcon-2024").values()}
    assert set(talks) == {"Testing with fakes", "Another talk"}
    assert len(talks["Testing with fakes"].speakers) == 99 and talks["Testing with fakes"].word_count > 0
    assert_index_clean(clean_store)


def test_a_talk_near_every_limit_lands_with_clean_search_rows(clean_store, tmp_path, monkeypatch):
    monkeypatch.setattr("tests.unit.test_fuzz_service.event", lambda *_: None)  # outside a Hypothesis test
    place = Place("refusecon-2024", "refusecon-2024", "notes", "catalogue")
    check_source(CountingStore(clean_store), place, {}, {"videos/near.json": NEAR_THE_LIMITS}, 1, "nodx",
                 after_each=lambda summary: assert_index_clean(clean_store))
