"""Import fidelity on notes-dev: four real repositories (eight conferences) nobody here wrote."""
from __future__ import annotations

import pytest

from bench import fidelity

pytestmark = pytest.mark.integration


def test_notes_dev_imports_nearly_every_expected_talk_and_almost_nothing_else(clean_store, corpus):
    scores = fidelity.run(clean_store, corpus)
    total = fidelity.totals(scores)
    assert total["expected"] == 102
    assert total["recall"] >= 0.95, [m for s in scores for m in s.misses]
    assert total["precision"] >= 0.95, [f for s in scores for f in s.false]
    assert not [t for s in scores for t in s.not_talks_imported]
    by_key = {s.key: s for s in scores}
    # Day folders date their talks (monday/, tuesday/) once the conference has dates.
    djangocon = by_key["mjtamlyn__djangocon-notes"]
    assert djangocon.days_expected == 8 and djangocon.days_right == 8
    # Talks link to the catalogue where the conference is in it.
    assert all(s.linked > 0 for s in scores if s.in_catalogue)
    # The committed report is what this run gives: regenerate it with `python -m bench.fidelity`.
    assert fidelity.DOC.read_text() == fidelity.render(scores)
