"""Held-out reports: not for tuning, only a floor so that a change cannot quietly undo how far the
pipeline generalises (see corpora/heldout/README.md for their history)."""
from __future__ import annotations

import pytest

from conftest import CORPORA, own_reports, score_sample

HELD_OUT = sorted(
    [(CORPORA / "heldout" / "reports" / f"{gold.name.removesuffix('.gold.json')}.txt", gold)
     for gold in (CORPORA / "heldout" / "gold").glob("*.gold.json")]
    + [pair for pair in own_reports() if "heldout" in pair[0].name])

#: The acceptance figures of the issues, applied to reports written apart from development.
FLOORS = {"heading_f1": 0.95, "area_acc": 0.85, "quantity_f1": 0.95, "entity_f1": 0.85,
          "activity_f1": 0.85}


def test_there_are_held_out_reports():
    assert len(HELD_OUT) >= 4


@pytest.mark.parametrize("report, gold", HELD_OUT, ids=lambda path: path.name)
def test_held_out_reports_stay_above_the_floors(report, gold, scorer):
    scores = score_sample(report, gold, scorer)
    below = {name: scores[name] for name, floor in FLOORS.items() if scores[name] < floor}
    assert not below, below
