"""The narrow parts of storage each side of the archive uses (archive.storage.Store has them all).

The archive service is written against these, so a unit test's fake implements only what the
service calls, and the service cannot reach for a table that is not its business.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Protocol

from archive.domain import Conference, SourceFacts, Talk
from archive.indexes.tables import IndexKeys


class DocumentLedger(Protocol):
    """What each document gave (`source_documents`) and what each source says (`source_talks`)."""

    def get_document(self, source: str, path: str) -> dict | None: ...
    def documents_of(self, source: str) -> dict[str, dict]: ...
    def put_document(self, source: str, path: str, content_hash: str | None, talk_ids: Iterable[str],
                     conference_id: str | None, title: str | None, fmt: str | None, error: str | None,
                     wait: bool = True) -> None: ...
    def delete_document(self, source: str, path: str, wait: bool = True) -> None: ...
    def source_facts(self, conference_id: str) -> SourceFacts: ...
    def put_source_talks(self, conference_id: str, origin: str, talks: Iterable[Talk], removed: Iterable[str] = (),
                         wait: bool = True) -> None: ...
    def put_source_conference(self, conference_id: str, origin: str, conference: Conference | None,
                              wait: bool = True) -> None: ...


class TalkWriter(Protocol):
    """The stored talks of a conference, and writing them with their index rows."""

    def stored_talks_of_conference(self, conference_id: str) -> dict[str, tuple[Talk, date]]: ...
    def get_conference(self, conference_id: str) -> Conference: ...
    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys,
                   wait: bool = True, previous: Talk | None = ...) -> None: ...  # previous: the version stored
    def delete_talk(self, conference_id: str, talk_id: str, keys: IndexKeys, wait: bool = True) -> None: ...
    def put_conference(self, conference: Conference, source: str, talk_count: int | None = None,
                       old: Conference | None = None, notes_count: int | None = None) -> None: ...
    def put_redirects(self, moved: dict[str, str]) -> None: ...
    def flush(self) -> None: ...


class TagCounter(Protocol):
    """Counting a tag's talks and keeping the counts the cloud shows."""

    def count_tags(self, tags: Iterable[str]) -> dict[str, int]: ...
    def put_tag_counts(self, counts: dict[str, int]) -> None: ...


class SpeakerCounter(Protocol):
    """Counting a speaker's talks and notes and keeping the speakers directory's rows."""

    def count_speakers(self, slugs: Iterable[str]) -> dict[str, tuple[str | None, int, int]]: ...
    def put_speaker_counts(self, counts: dict[str, tuple[str | None, int, int]]) -> None: ...


class SearchCounter(Protocol):
    """Counting a search term's postings, keeping the vocabulary's document frequencies, sharding common terms."""

    def count_postings(self, terms: Iterable[str]) -> dict[str, int]: ...
    def grow_shards(self, counts: dict[str, int]) -> dict[str, int]: ...
    def count_talks(self) -> int: ...
    def put_vocabulary(self, counts: dict[str, int]) -> None: ...


class GenerationKeeper(Protocol):
    """Starting a new generation of the archive once its content changed (the web's caches key on it)."""

    def bump_generation(self) -> None: ...


class SourceStateKeeper(Protocol):
    """Each source's last fetch (git sources) and last import (`source_states`)."""

    def source_states(self) -> dict[str, dict]: ...
    def record_fetch(self, source: str, kind: str, location: str, commit: str | None, at: datetime,
                     error: str | None) -> None: ...
    def record_imported(self, source: str, kind: str, location: str, at: datetime, commit: str | None = None,
                        key: str | None = None) -> None: ...


class ImportStore(DocumentLedger, TalkWriter, TagCounter, SpeakerCounter, SearchCounter, GenerationKeeper,
                  Protocol):
    """Everything the archive service touches."""
