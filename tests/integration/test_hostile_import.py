"""Hostile documents against the real node: each fails alone, by name, and deleting it heals the source."""
from __future__ import annotations

import json
import os

import pytest

from archive.service.runner import run_import
from tests.integration.test_import import index_audit

pytestmark = pytest.mark.integration


def sources_file(tmp_path, notes, catalogue):
    path = tmp_path / "sources.toml"
    path.write_text(f"""
[[source]]
name = "notes"
path = "{notes}"
[source.conference]
id = "hostilecon-2024"
name = "HostileCon 2024"

[[source]]
name = "catalogue"
kind = "catalogue"
path = "{catalogue}"
""")
    return path


def video(title="A fine talk", **extra):
    return json.dumps({"title": title, "speakers": ["Ann Lee"], "recorded": "2024-05-02", **extra})


def test_poison_documents_fail_alone_by_name_and_deleting_them_heals_the_source(clean_store, tmp_path):
    notes, catalogue = tmp_path / "notes", tmp_path / "catalogue"
    notes.mkdir()
    videos = catalogue / "hostilecon-2024" / "videos"
    videos.mkdir(parents=True)
    (catalogue / "hostilecon-2024" / "category.json").write_text(json.dumps({"title": "HostileCon 2024"}))
    (notes / "good.md").write_text("# Testing with fakes\n\nPresenter: Bo Chen\n\nnotes\n")
    (notes / "huge-heading.md").write_text("# " + "x " * 150_000 + "\n\nnotes\n")  # cut to a title, kept
    (notes / "huge-notes.md").write_text("# Big notes\n\n" + "word " * 100_000 + "\n")
    (videos / "good.json").write_text(video())
    (videos / "huge-description.json").write_text(video("Long", description="word " * 900_000))
    (videos / "huge-title.json").write_text(video("t" * 4_000_000))
    (videos / "huge-duration.json").write_text(video("Forever", duration=1099511627776))
    (videos / "wrong-types.json").write_text(video("Types", videos=5))
    sources = sources_file(tmp_path, notes, catalogue)
    summary = run_import(clean_store, sources)
    errors = dict(summary.errors)
    assert summary.failed == 5, summary.errors
    assert "notes are" in errors["notes:huge-notes.md"] and "KiB" in errors["notes:huge-notes.md"]
    assert "notes are" in errors["catalogue:hostilecon-2024/videos/huge-description.json"]
    assert "title is 4000000 characters" in errors["catalogue:hostilecon-2024/videos/huge-title.json"]
    assert "'duration' 1099511627776 is out of range" in errors["catalogue:hostilecon-2024/videos/huge-duration.json"]
    assert "'videos' must be a list, not int" in errors["catalogue:hostilecon-2024/videos/wrong-types.json"]
    titles = {t.title for t, _ in clean_store.stored_talks_of_conference("hostilecon-2024").values()}
    assert {"Testing with fakes", "A fine talk"} < titles and len(titles) == 3
    assert max(len(t) for t in titles) <= 300
    assert index_audit(clean_store).clean()
    # Unchanged, they are reported again and stop nothing; deleted, the next run is clean.
    assert run_import(clean_store, sources).failed == 5
    for bad in ("huge-description", "huge-title", "huge-duration", "wrong-types"):
        (videos / f"{bad}.json").unlink()
    (notes / "huge-notes.md").unlink()
    healed = run_import(clean_store, sources)
    assert healed.failed == 0 and healed.removed == 5 and not healed.errors
    assert clean_store.documents_of("notes").keys() == {"good.md", "huge-heading.md"}


def test_links_out_of_a_source_are_reported_and_never_read(clean_store, tmp_path):
    notes, catalogue = tmp_path / "notes", tmp_path / "catalogue"
    notes.mkdir()
    catalogue.mkdir()
    (tmp_path / "outside.md").write_text("# A talk from outside\n\nsecret\n")
    (notes / "real.md").write_text("# A real talk\n\nnotes\n")
    os.symlink("/etc/passwd", notes / "passwd.md")
    os.symlink(tmp_path / "outside.md", notes / "outside.md")
    os.symlink(tmp_path, notes / "up")  # a link to a folder is not walked
    os.symlink(notes / "real.md", notes / "again.md")  # a link inside the source is fine
    summary = run_import(clean_store, sources_file(tmp_path, notes, catalogue))
    errors = dict(summary.errors)
    assert set(errors) == {"notes:passwd.md", "notes:outside.md"}
    assert all("outside the source" in e for e in errors.values())
    talks = clean_store.stored_talks_of_conference("hostilecon-2024").values()
    assert {t.title for t, _ in talks} == {"A real talk"}
    assert not any("root:" in t.notes_source or "secret" in t.notes_source for t, _ in talks)
