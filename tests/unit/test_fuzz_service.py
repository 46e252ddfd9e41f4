"""Property-based (Hypothesis) tests: generated hostile sources imported through the archive service.

Each example writes a notes source (hostile documents from the parser fuzz suite, odd file names,
a link out of the source, an oversized file) and a catalogue source (hostile video and event files
from the catalogue fuzz suite) beside a few good documents, and imports them as `notes-archive
import` does (`run_import`, the real parser and tagger) into the fake store. Properties:

- nothing escapes the import: every document is imported or recorded as failed, with a reason
  paired with its path in the summary and the ledger;
- the good documents' talks are stored, whatever lies beside them;
- importing the same files again writes nothing;
- deleting the hostile files heals the source on the next import, with no manual step: exactly
  the good talks remain, and no document is left failed.

The normal suite runs about MIN_DOCUMENTS documents; NOTES_FUZZ_EXAMPLES (bin/fuzz) raises the count.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from archive.parse.limits import MAX_DOCUMENT_BYTES
from archive.service.runner import run_import
from archive.sources import NOTES_EXTENSIONS, load_sources, list_documents
from tests.fakes import FakeStore
from tests.unit.test_fuzz_catalogue import EVENT_FIELDS, VIDEO_FIELDS, json_objects
from tests.unit.test_fuzz_catalogue import encoded as json_encoded
from tests.unit.test_fuzz_parsers import encoded, fuzz_settings, report_counts

MIN_DOCUMENTS = 180
HOSTILE_NOTES, HOSTILE_VIDEOS = 4, 3           # at most, per example
PER_EXAMPLE = 3  # hostile documents in one example, on average (the good ones are not counted)
FUZZ, TOTAL = fuzz_settings(MIN_DOCUMENTS, tests=2, per_example=PER_EXAMPLE)
FUZZ = settings(FUZZ, phases=tuple(p for p in Phase if p is not Phase.explain))  # explaining takes minutes here
COUNTED = {"documents": 0, "refused": 0}
_report_count = report_counts("service", COUNTED)

# The writes the archive service can make (archive.service.ports); a second import must make none.
WRITES = ("put_document", "delete_document", "put_source_talks", "put_source_conference", "write_talk",
          "delete_talk", "put_conference", "put_tag_counts", "put_vocabulary", "bump_generation")

# --- strategies -------------------------------------------------------------------------------

STEMS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="/\x00"),
                min_size=1, max_size=40).filter(lambda s: not s.startswith(".") and len(s.encode()) < 200)
NOTES_NAMES = st.builds(lambda folder, stem, ext: folder + stem + ext,
                        st.sampled_from(["", "", "day-2/", "talks/friday/", "a b/"]),
                        st.one_of(STEMS, st.sampled_from(["notes", "lightning-talks-4-11", "2014-04-11-keynote",
                                                          "index", "day 2", "x" * 150])),
                        st.sampled_from(NOTES_EXTENSIONS))
SPECIAL = ("link out of the source", "oversized", "binary", "empty")


@st.composite
def notes_files(draw) -> dict[str, bytes | str]:
    """Return hostile notes files by relative path: bytes, or a SPECIAL kind written specially."""
    files: dict[str, bytes | str] = {}
    for _ in range(draw(st.integers(1, HOSTILE_NOTES))):
        name = draw(NOTES_NAMES)
        if name.casefold() in {n.casefold() for n in files}:
            continue
        files[name] = draw(st.one_of(encoded(max_blocks=6), encoded(max_blocks=6), st.sampled_from(SPECIAL)))
    return files


@st.composite
def catalogue_files(draw) -> dict[str, bytes]:
    """Return hostile files of one catalogue event by path inside its folder (category.json sometimes)."""
    files = {f"videos/hostile-{i}.json": draw(json_encoded(json_objects(VIDEO_FIELDS)))
             for i in range(draw(st.integers(0, HOSTILE_VIDEOS)))}
    if draw(st.booleans()):
        files["category.json"] = draw(json_encoded(json_objects(EVENT_FIELDS)))
    return files


def speaker(token: str) -> str:
    """Return the good documents' speaker: a name no generated document uses."""
    return f"Wendel {token.title()}"


def good_notes(count: int, token: str) -> dict[str, bytes]:
    """Return small good Markdown notes, one talk each, with a unique heading."""
    return {f"good-{i}-{token}.md": f"# Good talk {i} {token}\n\nPresenter: {speaker(token)}\n\nNotes about testing "
                                    f"with fakes and the archive.\n".encode() for i in range(count)}


def good_video(token: str, shared: bool) -> tuple[str, bytes]:
    """Return a good catalogue video's file name and bytes: the recording of good talk 0 when the notes
    and the catalogue share their conference (so the two link), else a talk of its own."""
    title = f"Good talk 0 {token}" if shared else f"Good video {token}"
    return f"videos/good-{token}.json", json.dumps({
        "title": title, "speakers": [speaker(token)], "recorded": "2024-05-02",
        "videos": [{"type": "youtube", "url": f"https://www.youtube.com/watch?v={token}"}]}).encode()


# --- the import -------------------------------------------------------------------------------


class CountingStore:
    """A store used through its public methods only, counting the calls that write."""

    def __init__(self, store) -> None:
        self.store = store
        self.writes = 0

    def __getattr__(self, name):
        found = getattr(self.store, name)
        if name not in WRITES:
            return found

        def counted(*args, **kwargs):
            self.writes += 1
            return found(*args, **kwargs)

        return counted


@dataclass(frozen=True)
class Place:
    """Where an example imports: its conference, catalogue event and source names (unique per example
    when examples share one store, as on the node). With shared, the catalogue event is the notes'
    conference, so notes talks and catalogue talks link."""

    conference: str = "fuzzcon-2024"
    event: str = "fuzzcat-2024"
    notes: str = "notes"
    catalogue: str = "catalogue"

    def sharing(self, shared: bool) -> "Place":
        """Return this place with the catalogue event made the notes' conference when shared."""
        return replace(self, event=self.conference) if shared else self

    @property
    def shared(self) -> bool:
        return self.event == self.conference


def write(root: Path, files: dict[str, bytes | str]) -> None:
    """Write files under root; the SPECIAL kinds become a link out, a sparse huge file, NULs or nothing."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data == "link out of the source":
            os.symlink("/etc/passwd", path)
        elif data == "oversized":
            with open(path, "wb") as out:
                out.truncate(MAX_DOCUMENT_BYTES + 1)
        elif data == "binary":
            path.write_bytes(b"\x00\x01\x02" * 100)
        elif data == "empty":
            path.write_bytes(b"")
        else:
            path.write_bytes(data)


def sources_file(root: Path, place: Place) -> Path:
    path = root / "sources.toml"
    path.write_text(f"""
[[source]]
name = "{place.notes}"
path = "notes"
[source.conference]
id = "{place.conference}"
name = "FuzzCon 2024"
start = 2024-05-01
end = 2024-05-03

[[source]]
name = "{place.catalogue}"
kind = "catalogue"
path = "catalogue"
""")
    return path


def import_all(store: CountingStore, sources: Path):
    """Import every source as `notes-archive import` does; return the summary and each document's outcome."""
    outcomes: dict[tuple[str, str], object] = {}

    def progress(source, outcome) -> None:
        assert (source.name, outcome.path) not in outcomes, outcome.path  # one outcome per document
        outcomes[(source.name, outcome.path)] = outcome

    summary = run_import(store, sources, progress=progress)
    return summary, outcomes


def stored_titles(store: CountingStore, conference_id: str) -> set[str]:
    return {talk.title for talk, _ in store.stored_talks_of_conference(conference_id).values()}


def video_of(store: CountingStore, conference_id: str, title: str) -> str | None:
    """Return the video link of the stored talk with this title (a linked talk has its recording's)."""
    talks = [talk for talk, _ in store.stored_talks_of_conference(conference_id).values() if talk.title == title]
    assert len(talks) == 1, (title, talks)
    return talks[0].link("video")


def check_outcomes(store: CountingStore, sources: Path, summary, outcomes, removed=frozenset()) -> None:
    """Assert every document of every source has one outcome, imported or failed with a reason by its path,
    and that the removed ones are gone from the ledger."""
    documents = {s.name: list_documents(s) for s in load_sources(sources)}
    gone = {key for key, outcome in outcomes.items() if outcome.status == "removed"}
    assert gone == set(removed) and not any(store.get_document(*key) for key in gone)
    outcomes = {key: outcome for key, outcome in outcomes.items() if key not in gone}
    assert set(outcomes) == {(name, path) for name, paths in documents.items() for path in paths}
    assert summary.seen == len(outcomes) and summary.removed == len(gone)
    errors = dict(summary.errors)
    assert len(errors) == len(summary.errors)  # one reason per failed document
    failed = [key for key, outcome in outcomes.items() if outcome.status == "failed"]
    assert summary.failed == len(failed) and set(errors) == {f"{s}:{p}" for s, p in failed}
    for (name, path), outcome in outcomes.items():
        assert outcome.status in ("new", "changed", "unchanged", "failed"), outcome
        recorded = store.get_document(name, path)
        assert recorded is not None, (name, path)  # the ledger knows every document, read or not
        if outcome.status == "failed":
            assert outcome.error and outcome.error.strip() and recorded["last_error"], (path, outcome.error)
        else:
            assert recorded["last_error"] is None, (path, recorded["last_error"])


def check_source(store: CountingStore, place: Place, notes: dict[str, bytes | str], videos: dict[str, bytes],
                 good_count: int, token: str, after_each: Callable[[object], None] = lambda summary: None) -> None:
    """Import hostile files beside good ones, import again, delete the hostile ones and import again,
    asserting the properties (after_each(summary) adds checks of its own after each import)."""
    good = good_notes(good_count, token)
    good_videos = dict([good_video(token, place.shared)])
    good_titles = {f"Good talk {i} {token}" for i in range(good_count)}
    video_title = f"Good talk 0 {token}" if place.shared else f"Good video {token}"
    notes = {name: data for name, data in notes.items() if name not in good}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root / "notes", good | notes)
        event_folder = root / "catalogue" / place.event
        (event_folder / "videos").mkdir(parents=True)
        write(event_folder, good_videos | videos)
        sources = sources_file(root, place)

        summary, outcomes = import_all(store, sources)
        check_outcomes(store, sources, summary, outcomes)
        after_each(summary)
        COUNTED["documents"] += len(outcomes) - len(good) - len(good_videos)
        COUNTED["refused"] += summary.failed
        event(f"{summary.failed} of {len(outcomes)} documents failed")
        assert good_titles <= stored_titles(store, place.conference), (good_titles, summary.errors)
        assert video_of(store, place.event, video_title) == f"https://www.youtube.com/watch?v={token}", summary.errors
        assert store.writes > 0

        writes = store.writes
        again, outcomes = import_all(store, sources)
        check_outcomes(store, sources, again, outcomes)
        assert store.writes == writes, "a second import of unchanged files wrote"
        assert (again.failed, again.unchanged, again.talks_written) == (summary.failed,
                                                                        summary.seen - summary.failed, 0)

        known = {(s, p) for s in (place.notes, place.catalogue) for p in store.documents_of(s)}
        hostile = {(place.notes, name) for name in notes} | {(place.catalogue, f"{place.event}/{name}")
                                                             for name in videos}
        for name in notes:
            (root / "notes" / name).unlink()
        for name in videos:
            (event_folder / name).unlink()
        healed, outcomes = import_all(store, sources)
        check_outcomes(store, sources, healed, outcomes, removed=known & hostile)
        after_each(healed)
        assert healed.failed == 0 and not healed.errors, healed.errors
        assert stored_titles(store, place.conference) == good_titles | ({video_title} if place.shared else set())
        assert stored_titles(store, place.event) == {video_title} | (good_titles if place.shared else set())
        assert video_of(store, place.event, video_title) == f"https://www.youtube.com/watch?v={token}"
        assert set(store.documents_of(place.notes)) == set(good)
        assert set(store.documents_of(place.catalogue)) == {f"{place.event}/{name}" for name in good_videos}


# --- properties -------------------------------------------------------------------------------

TOKENS = st.text("bcdfghjkmnpqrstvwxz", min_size=4, max_size=4)


@FUZZ
@given(notes=notes_files(), good_count=st.integers(1, 3), token=TOKENS)
def test_hostile_notes_fail_alone_and_deleting_them_heals_the_source(notes, good_count, token):
    check_source(CountingStore(FakeStore()), Place(), notes, {}, good_count, token)


@FUZZ
@given(notes=notes_files(), videos=catalogue_files(), good_count=st.integers(1, 2), token=TOKENS,
       shared=st.booleans())
def test_hostile_notes_and_catalogue_files_fail_alone_and_deleting_them_heals(notes, videos, good_count, token,
                                                                            shared):
    check_source(CountingStore(FakeStore()), Place().sharing(shared), notes, videos, good_count, token)
