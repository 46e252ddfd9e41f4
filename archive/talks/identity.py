"""Which stored talk became which (pure): the ids that moved when a conference was relinked.

A talk's id is derived from what its sources say (archive.domain.talk_id, or the catalogue's
own id), so it changes when a notes talk is linked to a catalogue talk (it takes the catalogue's
id), when that link is undone, and when a notes file retitles its one talk. The talk is still the
same one: the same notes (document and anchor) or the same catalogue entry. The relink that
changes the id records old -> new, so every id a talk ever had keeps answering.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from archive.domain import Talk


def identities(talk: Talk) -> set[tuple[str, ...]]:
    """Return what makes a talk the same talk across ids: its catalogue entry, and its notes' place."""
    found: set[tuple[str, ...]] = set()
    if talk.catalogue_id:
        found.add(("catalogue", talk.catalogue_id))
    if talk.notes_format and talk.document_id:
        found.add(("notes", talk.document_id, talk.anchor))
    return found


def moved_ids(gone: Mapping[str, Talk], current: Iterable[Talk]) -> dict[str, str]:
    """Return old id -> new id for each gone talk that one current talk (and only one) continues."""
    holders: dict[tuple[str, ...], set[str]] = {}
    for talk in current:
        for key in identities(talk):
            holders.setdefault(key, set()).add(talk.id)
    moved = {}
    for old_id, talk in gone.items():
        successors = set().union(*(holders.get(key, set()) for key in identities(talk))) - {old_id}
        if len(successors) == 1:  # two candidates: the talk split or merged, and no guess is made
            moved[old_id] = successors.pop()
    return moved
