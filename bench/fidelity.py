"""Import fidelity on notes nobody here wrote: ../shared/corpus/notes-dev against its expectations.

Each conference folder of notes-dev becomes its own notes source (conference id: the name's slug,
which is the pyvideo event folder where the catalogue has the event), imported with the catalogue
events they share into the real node; then every talk the notes gave (the notes' own view, from
`source_talks`) is matched against `expectations.json`: title (or one of its `alt_titles`),
compared folded, and the first speaker where the notes name one.

    .venv/bin/python -m bench.fidelity        # writes docs/import-fidelity.md (scratch keyspace)
"""
from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from archive.config import PROJECT_ROOT, load_settings
from archive.domain import Talk, fold, same_person, slugify
from archive.service.runner import run_import

CORPUS = (PROJECT_ROOT / ".." / "shared" / "corpus").resolve()
DOC = PROJECT_ROOT / "docs" / "import-fidelity.md"
# Facts the notes and the catalogue lack, so that day folders can be dated (Zurich, 4-8 June 2012).
KNOWN_DATES = {"DjangoCon Europe 2012": ("2012-06-04", "2012-06-08")}


@dataclass
class Score:
    """How one conference's notes came out."""

    key: str
    conference_id: str
    expected: int = 0
    found: int = 0
    right: int = 0
    false: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    not_talks_imported: list[str] = field(default_factory=list)
    days_expected: int = 0
    days_right: int = 0
    in_catalogue: bool = False
    linked: int = 0


def conference_id(name: str) -> str:
    """Return the conference id a notes-dev conference is configured with (the pyvideo folder's name)."""
    return slugify(name)


def sources_toml(corpus: Path = CORPUS) -> str:
    """Return a sources file with one notes source per expectations entry, plus their catalogue events."""
    expectations = json.loads((corpus / "notes-dev" / "expectations.json").read_text())
    parts, events = [], []
    for key, entry in expectations.items():
        cid = conference_id(entry["conference"])
        if (corpus / "pyvideo-data" / cid).is_dir():
            events.append(f'"{cid}/*"')
        dates = KNOWN_DATES.get(entry["conference"])
        when = f"start = {dates[0]}\nend = {dates[1]}\n" if dates else ""
        parts.append(f'[[source]]\nname = "{key}"\nkind = "notes"\npath = "{corpus / "notes-dev" / key}"\n'
                     f'[source.conference]\nid = "{cid}"\nname = "{entry["conference"]}"\n{when}')
    parts.append(f'[[source]]\nname = "pyvideo"\nkind = "catalogue"\npath = "{corpus / "pyvideo-data"}"\n'
                 f'include = [{", ".join(events)}]\n')
    return "\n".join(parts)


def _right_speaker(talk: Talk, wanted: list[str]) -> bool:
    if not wanted:
        return True
    got = talk.speakers[0].name if talk.speakers else ""
    return bool(got) and (fold(got) == fold(wanted[0]) or same_person(got, wanted[0]))


def score(key: str, entry: dict, notes: list[Talk], merged: list[Talk], in_catalogue: bool,
          day_names: dict) -> Score:
    """Return how the talks the notes gave match a conference's expectations (pure)."""
    result = Score(key, conference_id(entry["conference"]), expected=len(entry["talks"]), found=len(notes),
                   in_catalogue=in_catalogue)
    left = list(notes)
    for expected in entry["talks"]:
        titles = {fold(expected["title"])} | {fold(t) for t in expected.get("alt_titles", ())}
        match = next((t for t in left if fold(t.title) in titles), None)
        if match is None:
            result.misses.append(f"{expected['title']!r} ({expected['file']}): not found")
            continue
        left.remove(match)
        if not _right_speaker(match, expected["speakers"]):
            got = ", ".join(s.name for s in match.speakers) or "nobody"
            result.misses.append(f"{expected['title']!r}: speaker {got}, expected {expected['speakers'][0]}")
            continue
        result.right += 1
        if expected.get("day"):
            result.days_expected += 1
            result.days_right += bool(match.date and day_names.get(match.date) == expected["day"])
    result.false = [f"{t.title!r} ({t.document_id.split(':', 1)[-1]})" for t in left]
    not_talks = {fold(n) for n in entry.get("not_talks", ())}
    result.not_talks_imported = [t.title for t in notes if fold(t.title) in not_talks]
    result.linked = sum(1 for t in merged if t.catalogue_id and t.notes_source)
    return result


def run(store, corpus: Path = CORPUS) -> list[Score]:
    """Import notes-dev (and the catalogue events it shares) into store and score every conference."""
    expectations = json.loads((corpus / "notes-dev" / "expectations.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sources_toml(corpus))
        summary = run_import(store, sources)
    if summary.failed:
        raise RuntimeError(f"notes-dev documents failed to import: {summary.errors}")
    scores = []
    for key, entry in expectations.items():
        cid = conference_id(entry["conference"])
        facts = store.source_facts(cid)
        merged = [talk for talk, _day in store.stored_talks_of_conference(cid).values()]
        day_names = {t.date: t.date.strftime("%A") for t in facts.notes if t.date}
        scores.append(score(key, entry, list(facts.notes), merged, bool(facts.catalogue), day_names))
    return scores


def totals(scores: list[Score]) -> dict:
    """Return the recall and precision over all conferences."""
    expected = sum(s.expected for s in scores)
    found = sum(s.found for s in scores)
    right = sum(s.right for s in scores)
    false = sum(len(s.false) for s in scores)
    return {"expected": expected, "found": found, "right": right, "false": false,
            "recall": right / expected if expected else 0.0,
            "precision": (found - false) / found if found else 0.0}


def render(scores: list[Score]) -> str:
    """Return docs/import-fidelity.md for these scores."""
    total = totals(scores)
    lines = [
        "# Import fidelity on notes nobody here wrote",
        "",
        "Generated by `.venv/bin/python -m bench.fidelity` (and checked by `tests/integration/test_fidelity.py`):",
        "each conference of `../shared/corpus/notes-dev/` is imported as its own notes source with the",
        "default layout inference (`layout = \"auto\"`), together with the pyvideo events it shares, and the",
        "talks the notes gave are matched against `expectations.json`. A talk is *right* when its title (or",
        "an alternative title the notes give) matches, compared case- and punctuation-blind, and its first",
        "speaker is the expected one where the notes name one. *False* talks are imported talks that match no",
        "expected talk. *Linked* counts notes talks merged with their catalogue talk.",
        "",
        f"**Over all: {total['right']} of {total['expected']} expected talks right "
        f"({total['recall']:.1%}); {total['found']} imported, {total['false']} false "
        f"(precision {total['precision']:.1%}).**",
        "",
        "| notes | conference | expected | found | right | false | days right | in catalogue | linked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        days = f"{s.days_right}/{s.days_expected}" if s.days_expected else "-"
        catalogue = "yes" if s.in_catalogue else "no"
        lines.append(f"| `{s.key}` | `{s.conference_id}` | {s.expected} | {s.found} | {s.right} | {len(s.false)} | "
                     f"{days} | {catalogue} | {s.linked if s.in_catalogue else '-'} |")
    lines += ["", "## Misses and false talks", ""]
    for s in scores:
        for miss in s.misses:
            lines.append(f"- `{s.key}`: missed {miss}")
        for false in s.false:
            lines.append(f"- `{s.key}`: false talk {false}")
        for title in s.not_talks_imported:
            lines.append(f"- `{s.key}`: a `not_talks` heading became a talk: {title!r}")
    if not any(s.misses or s.false or s.not_talks_imported for s in scores):
        lines.append("None.")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Import notes-dev into a scratch keyspace on the configured node and write docs/import-fidelity.md."""
    from archive import storage

    settings = dataclasses.replace(load_settings(), keyspace=f"fidelity_{uuid.uuid4().hex[:8]}")
    storage.apply_schema(settings)
    store = storage.connect(settings)
    try:
        scores = run(store)
    finally:
        store.close()
        storage.drop_keyspace(settings, settings.keyspace)
    DOC.write_text(render(scores))
    print(f"wrote {DOC.relative_to(PROJECT_ROOT)}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                                                for k, v in totals(scores).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
