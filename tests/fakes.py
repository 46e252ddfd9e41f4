"""A small in-memory fake of the archive service's storage ports (archive.service.ports), for unit tests."""
from __future__ import annotations

from datetime import date

from archive.formats.codec import conference_from_json, conference_to_json, talk_from_json, talk_to_json
from archive.indexes.tables import INDEX_BY_NAME, INDEX_TABLES, SEARCH_POSTINGS, IndexKeys
from archive.domain import Conference, NotFound, SourceFacts, Talk, speaker_slug


class FakeStore:
    """Keeps talks, index rows and documents in dicts, counting writes."""

    def __init__(self):
        self.talks: dict[str, tuple[Talk, date]] = {}
        self.index: dict[str, set[tuple]] = {t: set() for t in INDEX_TABLES}
        self.documents: dict[tuple[str, str], dict] = {}
        self.conferences: dict[str, Conference] = {}
        self.talk_counts: dict[str, int] = {}
        self.notes_counts: dict[str, int] = {}
        self.redirects: dict[str, str] = {}  # talk_redirects: old id -> new id
        self.speakers: dict[str, tuple] = {}  # speakers directory: slug -> (name, talks, notes)
        self.tag_counts: dict[str, int] = {}
        self.vocabulary: dict[str, int] = {}  # search term -> df ('' -> number of talks)
        self.source_talks: dict[tuple[str, str, str], str] = {}  # (conference, origin, id) -> JSON
        self.source_conferences: dict[tuple[str, str], str] = {}  # (conference, 'configured'|'event') -> JSON
        self.writes = 0
        self.generation = 0  # bumps of the archive's generation
        self.states: dict[str, dict] = {}  # source_states: source name -> its last fetch and import

    def bump_generation(self):
        self.writes += 1
        self.generation += 1

    def get_document(self, source, path):
        return self.documents.get((source, path))

    def documents_of(self, source):
        return {p: d for (s, p), d in self.documents.items() if s == source}

    def put_document(self, source, path, content_hash, talk_ids, conference_id, title, fmt, error, wait=True):
        self.writes += 1
        self.documents[(source, path)] = {"source": source, "path": path, "content_hash": content_hash,
                                          "talk_ids": set(talk_ids), "conference_id": conference_id,
                                          "title": title, "format": fmt, "last_error": error}

    def delete_document(self, source, path, wait=True):
        self.writes += 1
        self.documents.pop((source, path), None)

    def write_talk(self, talk: Talk, conference: Conference, day: date, keys: IndexKeys, stale: IndexKeys,
                   wait=True, previous=None):
        self.writes += 1
        self.talks[talk.id] = (talk, day)
        for table, rows in self.index.items():
            if not INDEX_BY_NAME[table].kept:  # list_buckets rows stay, as in the store
                rows -= stale.table(table)
            rows |= keys.table(table)

    def delete_talk(self, conference_id, talk_id, keys: IndexKeys, wait=True):
        self.writes += 1
        self.talks.pop(talk_id, None)
        for table, rows in self.index.items():
            if not INDEX_BY_NAME[table].kept:
                rows -= keys.table(table)

    def get_conference(self, conference_id):
        if conference_id not in self.conferences:
            raise NotFound(conference_id)
        return self.conferences[conference_id]

    def put_conference(self, conference, source, talk_count=None, old=None, notes_count=None):
        self.writes += 1
        self.conferences[conference.id] = conference
        if talk_count is not None:
            self.talk_counts[conference.id] = talk_count
        if notes_count is not None:
            self.notes_counts[conference.id] = notes_count

    def put_redirects(self, moved):
        self.writes += 1
        self.redirects.update(moved)

    def count_speakers(self, slugs):
        out = {}
        for slug in slugs:
            ids = {k[-1] for k in self.index["talks_by_speaker"] if k[0] == slug}
            notes = sum(1 for k in self.index["notes_by_list"] if k[0] == f"speaker:{slug}")
            names = [s.name for i in sorted(ids) for s in self.talks[i][0].speakers if speaker_slug(s.name) == slug]
            out[slug] = (names[0] if names else None, len(ids), notes)
        return out

    def put_speaker_counts(self, counts):
        self.writes += 1
        for slug, (name, talks, notes) in counts.items():
            if talks > 0:
                self.speakers[slug] = (name, talks, notes)
            else:
                self.speakers.pop(slug, None)

    def count_tags(self, tags):
        return {tag: sum(1 for k in self.index["talks_by_tag"] if k[0] == tag) for tag in tags}

    def flush(self):
        pass

    def source_facts(self, conference_id):
        facts = SourceFacts(conference_id)
        facts.configured = conference_from_json(self.source_conferences.get((conference_id, "configured")))
        facts.event = conference_from_json(self.source_conferences.get((conference_id, "event")))
        for (cid, origin, _), text in sorted(self.source_talks.items()):
            if cid == conference_id:
                (facts.catalogue if origin == "catalogue" else facts.notes).append(talk_from_json(text))
        return facts

    def put_source_talks(self, conference_id, origin, talks, removed=(), wait=True):
        for talk in talks:
            self.writes += 1
            self.source_talks[(conference_id, origin, talk.id)] = talk_to_json(talk)
        for talk_id in removed:
            self.writes += 1
            self.source_talks.pop((conference_id, origin, talk_id), None)

    def put_source_conference(self, conference_id, origin, conference, wait=True):
        self.writes += 1
        self.source_conferences[(conference_id, origin)] = conference_to_json(conference) if conference else None

    def stored_talks_of_conference(self, conference_id):
        return {i: v for i, v in self.talks.items() if v[0].conference_id == conference_id}

    def put_tag_counts(self, counts):
        self.writes += 1
        for tag, n in counts.items():
            if n > 0:
                self.tag_counts[tag] = n
            else:
                self.tag_counts.pop(tag, None)

    def count_postings(self, terms):
        return {term: sum(1 for k in self.index[SEARCH_POSTINGS] if k[0] == term) for term in terms}

    def grow_shards(self, counts):
        return {}  # shards are where the real store puts a posting; the fake keeps keys only

    def count_talks(self):
        return len(self.talks)

    def put_vocabulary(self, counts):
        self.writes += 1
        for term, n in counts.items():
            if n > 0 or term == "":
                self.vocabulary[term] = n
            else:
                self.vocabulary.pop(term, None)

    # -- source_states (git sources' fetches, each source's last import) --------------------------
    def source_states(self):
        return {name: dict(state) for name, state in self.states.items()}

    def record_fetch(self, source, kind, location, commit, at, error):
        state = self.states.setdefault(source, {"source": source})
        state.update(kind=kind, location=location, last_error=error, error_at=at if error else None)
        if error is None:
            state.update(fetched_commit=commit, fetched_at=at)

    def record_imported(self, source, kind, location, at, commit=None, key=None):
        self.writes += 1
        state = self.states.setdefault(source, {"source": source})
        state.update(kind=kind, location=location, imported_at=at)
        if commit is not None:
            state.update(imported_commit=commit, imported_key=key)
