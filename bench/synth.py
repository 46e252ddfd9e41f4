"""Growing the archive past the catalogue: talks synthesised from the catalogue's real ones.

Each synthetic copy k of a real conference gets its own id ("pycon-us-2012-s3") and the real
talks' titles, speakers, tags and dates, so the synthetic archive keeps the catalogue's real
distribution of tags (a few huge, a long tail), speakers and dates; every index partition grows in
proportion, which is the case the hand-rolled indexes must survive.
"""
from __future__ import annotations

import re
from dataclasses import replace

from archive.indexes.tables import EMPTY_KEYS, INDEXES, IndexKeys, index_day, index_keys
from archive.domain import Conference, Talk

# Tables the copies leave out (write_synthetic with search=False, as the reads step writes them): the
# search tables and the import's own records of sources and documents. By name prefix, so a table
# renamed or split (search_postings_sharded, documents by bucket) is still known.
NOT_COPIED = ("search_", "documents", "source_talks")
_COPY = re.compile(r"-s\d+$")


def is_copy(conference_id: str) -> bool:
    """Tell whether a conference id is a synthetic copy's ("pycon-us-2012-s3")."""
    return bool(_COPY.search(conference_id))


def synthetic_copies(talks: list[Talk], conferences: dict[str, Conference], copies: range):
    """Yield (talk, conference) for copies of every talk, copy k in its conference copy k."""
    for k in copies:
        for talk in talks:
            base = conferences.get(talk.conference_id) or Conference(talk.conference_id, talk.conference_id)
            conference = replace(base, id=f"{base.id}-s{k}", name=f"{base.name} (synthetic {k})")
            yield replace(talk, id=talk.id.replace("--", f"-s{k}--", 1), conference_id=conference.id,
                          catalogue_id=None, document_id="synthetic"), conference


def write_synthetic(store, pairs, on_progress=None, search: bool = True) -> int:
    """Write synthetic talks through the store's own write path (pipelined LOGGED batches).

    Without search, the talks get no search rows (about 70 per talk, one statement each): the page
    benchmark does not read them, and bench/search.py writes its own.
    """
    written, conferences, counts = 0, {}, {}
    for talk, conference in pairs:
        day = index_day(talk, conference)
        keys = index_keys(talk, day)
        if not search:
            keys = IndexKeys.of({t.name: keys.table(t.name) for t in INDEXES if t.batched})
        store.write_talk(talk, conference, day, keys, EMPTY_KEYS, wait=False, previous=None)  # new talks
        conferences[conference.id] = conference
        counts[conference.id] = counts.get(conference.id, 0) + 1
        written += 1
        if on_progress and written % 20000 == 0:
            on_progress(written)
    store.flush()
    for conference_id, conference in conferences.items():
        store.put_conference(conference, "synthetic", talk_count=counts[conference_id])
    return written
