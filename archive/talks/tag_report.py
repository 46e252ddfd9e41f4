"""The tag report (pure): the largest tags, and which raw tags tagging merged or dropped, and why.

`notes-archive tags` gathers the talks of the configured sources as parsed (their `tags` still
the raw catalogue or notes tags) and hands them here; the largest tags come from the archive's
tag counts or, with --from-sources, from tagging those same talks.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from archive.domain import Talk
from archive.talks.tagging import DROP_REASONS, Vocabulary, explain_tags, load_vocabulary, normalise_tag, tag_talk


@dataclass
class TagReport:
    """What tagging made of the raw tags of some talks; every count is a number of talks."""

    talks: int = 0
    raw_uses: int = 0                                               # (talk, raw tag) pairs
    raw_tags: Counter = field(default_factory=Counter)              # normalised raw tag -> talks
    counts: Counter = field(default_factory=Counter)                # tag given by tag_talk -> talks
    merges: dict[str, Counter] = field(default_factory=dict)        # vocabulary key -> raw tag -> talks
    drops: dict[str, Counter] = field(default_factory=dict)         # reason -> raw tag -> talks
    kept: Counter = field(default_factory=Counter)                  # raw tags kept as they are -> talks


def build_report(talks: Iterable[Talk], vocabulary: Vocabulary | None = None) -> TagReport:
    """Return the report over talks whose `tags` are still their raw (catalogue or notes) tags."""
    vocabulary = vocabulary or load_vocabulary()
    report = TagReport()
    for talk in talks:
        report.talks += 1
        raw = list(dict.fromkeys(t for t in talk.tags if normalise_tag(t)))
        report.counts.update(tag_talk(talk.title, talk.notes_source, talk.conference_id, talk.kind,
                                      extra_tags=raw, vocabulary=vocabulary))
        seen = set()
        for decision in explain_tags(raw, talk.conference_id, vocabulary):
            tag = normalise_tag(decision.raw)
            if tag in seen:  # "Django" and "django" on one talk are one use
                continue
            seen.add(tag)
            report.raw_uses += 1
            report.raw_tags[tag] += 1
            if decision.tag is None:
                report.drops.setdefault(decision.reason, Counter())[tag] += 1
            elif decision.tag != tag:
                report.merges.setdefault(decision.tag, Counter())[tag] += 1
            else:
                report.kept[tag] += 1
    return report


def largest(counts: Mapping[str, int], top: int) -> list[tuple[str, int]]:
    """Return the top tags by count, ties by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def _ordered(counter: Counter, limit: int | None = None) -> list[tuple[str, int]]:
    return largest(counter, len(counter) if limit is None else limit)


def report_dict(report: TagReport, top_tags: list[tuple[str, int]], counted_from: str,
                examples: int | None = None) -> dict:
    """Return the report as plain data (for --json), raw tags of each merge and drop by count."""
    drops = {reason: report.drops[reason] for reason in DROP_REASONS if reason in report.drops}
    return {
        "counted_from": counted_from,
        "largest": [{"tag": t, "talks": n} for t, n in top_tags],
        "talks": report.talks,
        "raw": {"uses": report.raw_uses, "tags": len(report.raw_tags),
                "kept": len(report.kept), "merged": sum(len(c) for c in report.merges.values()),
                "dropped": sum(len(c) for c in drops.values())},
        "merges": [{"into": key, "talks": sum(c.values()), "from": dict(_ordered(c, examples))}
                   for key, c in sorted(report.merges.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))],
        "drops": [{"reason": reason, "tags": len(c), "talks": sum(c.values()), "examples": dict(_ordered(c, examples))}
                  for reason, c in drops.items()],
    }


def render_json(report: TagReport, top_tags: list[tuple[str, int]], counted_from: str) -> str:
    """Return the whole report as JSON."""
    return json.dumps(report_dict(report, top_tags, counted_from), indent=2, ensure_ascii=False)


def render_text(report: TagReport, top_tags: list[tuple[str, int]], counted_from: str, examples: int = 8) -> str:
    """Return the report as readable text: largest tags, merges, then drops by reason."""
    data = report_dict(report, top_tags, counted_from, examples)
    raw = data["raw"]
    lines = [f"largest tags ({counted_from}):"]
    width = max((len(t) for t, _ in top_tags), default=0)
    lines += [f"  {tag:<{width}}  {n:>7}" for tag, n in top_tags] or ["  (none)"]
    lines += ["", f"raw tags of {report.talks} talks: {raw['tags']} tags in {raw['uses']} uses; kept {raw['kept']}, "
                  f"merged {raw['merged']}, dropped {raw['dropped']}", "", "merged into a vocabulary tag:"]
    for merge in data["merges"]:
        lines.append(f"  {merge['into']} <- " + ", ".join(f"{t} ({n})" for t, n in merge["from"].items())
                     + (f", ... ({merge['talks']} talks)" if len(report.merges[merge["into"]]) > examples else ""))
    if not data["merges"]:
        lines.append("  (none)")
    lines += ["", "dropped (not topics):"]
    for drop in data["drops"]:
        lines.append(f"  {drop['reason']}: {drop['tags']} tags, {drop['talks']} uses: "
                     + ", ".join(f"{t} ({n})" for t, n in drop["examples"].items())
                     + (", ..." if drop["tags"] > examples else ""))
    if not data["drops"]:
        lines.append("  (none)")
    return "\n".join(lines)
