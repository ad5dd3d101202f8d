"""The labelled set runs, and precision/recall per type stay at or above the recorded floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.privacy import ENTITY_TYPES, STRUCTURED_TYPES
from workbench.privacy.evaluate import Score, load_labelled, score

DATA = Path(__file__).parent / "data"
ROWS = load_labelled(DATA / "privacy_labelled.jsonl")
HOLDOUT = load_labelled(DATA / "privacy_holdout.jsonl")
FLOORS = json.loads((DATA / "privacy_floors.json").read_text())
SCORES = {"labelled": score(ROWS), "holdout": score(HOLDOUT)}


def test_labelled_set_is_big_and_varied() -> None:
    assert len(ROWS) >= 60
    negatives = [row for row in ROWS if not row.gold]
    assert len(negatives) >= 20
    per_type = {kind: sum(g.type == kind for row in ROWS for g in row.gold) for kind in ENTITY_TYPES}
    assert all(count >= 5 for count in per_type.values()), per_type


@pytest.mark.parametrize("dataset", ["labelled", "holdout"])
@pytest.mark.parametrize("kind", ENTITY_TYPES)
def test_no_regression_below_recorded_floor(dataset: str, kind: str) -> None:
    floor = FLOORS[dataset][kind]
    got = SCORES[dataset][kind]
    assert got.precision >= floor["precision"], (dataset, kind, got)
    assert got.recall >= floor["recall"], (dataset, kind, got)


def test_floors_meet_the_goal_for_structured_types() -> None:
    for kind in STRUCTURED_TYPES:
        floor = FLOORS["labelled"][kind]
        assert floor["precision"] >= 0.95 and floor["recall"] >= 0.95, kind


def test_scoring_counts_misses_and_false_findings() -> None:
    # The scorer itself can fail: a partial span is both a false finding and a miss.
    from workbench.privacy import Inspection, Span

    row = ROWS[0]
    gold = row.gold[0]
    partial = Span(gold.start, gold.end - 1, gold.type)
    result = score([row], lambda text: Inspection((partial,), len(text)))[gold.type]
    assert result == Score(tp=0, fp=1, fn=1)
