"""Compare the index tables with what the talks table implies: stale, missing and total rows.

Used by tests ("no stale index row"), by `rebuild_indexes` to find orphans, and by digests.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from archive.indexes.tables import INDEX_BY_NAME, INDEX_KEY_COLUMNS, INDEX_TABLES, index_keys
from archive.domain import Talk



@dataclass(frozen=True)
class IndexAudit:
    """Rows an index has that no talk implies (orphans) and rows talks imply that are absent."""

    orphans: dict[str, set[tuple]]
    missing: dict[str, set[tuple]]

    def clean(self) -> bool:
        """Tell whether every index table matches the talks (a kept table, list_buckets, may also
        hold rows no talk implies any more: an emptied month bucket, which readers skip)."""
        return (not any(rows for table, rows in self.orphans.items() if not INDEX_BY_NAME[table].kept)
                and not any(self.missing.values()))


def expected_rows(talks: Iterable[tuple[Talk, object]]) -> dict[str, set[tuple]]:
    """Return the index keys every stored (talk, index_day) pair implies, per table."""
    expected: dict[str, set[tuple]] = {t: set() for t in INDEX_TABLES}
    for talk, day in talks:
        keys = index_keys(talk, day)
        for table in INDEX_TABLES:
            expected[table] |= keys.table(table)
    return expected


def audit(expected: dict[str, set[tuple]], actual: dict[str, set[tuple]]) -> IndexAudit:
    """Diff expected against actual index keys."""
    return IndexAudit(
        orphans={t: actual[t] - expected[t] for t in INDEX_TABLES},
        missing={t: expected[t] - actual[t] for t in INDEX_TABLES},
    )


def digest(rows_by_table: dict[str, Iterable[dict]]) -> str:
    """Return one hash over every table's rows, independent of row order."""
    h = hashlib.sha256()
    for table in sorted(rows_by_table):
        lines = sorted(repr(sorted(r.items())) for r in rows_by_table[table])
        h.update(table.encode() + b"\0" + "\n".join(lines).encode() + b"\0")
    return h.hexdigest()


__all__ = ["INDEX_KEY_COLUMNS", "IndexAudit", "audit", "digest", "expected_rows"]
