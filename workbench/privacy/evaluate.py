"""Precision and recall of the inspector on a labelled set (JSON lines).

Each line is ``{"text": ..., "entities": [{"type": ..., "value": ...}]}``; a value is located
by its first occurrence in the text. A finding counts as correct when it has the labelled type
and covers the whole labelled value: a partial match would leave part of the value in the clear.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.privacy.inspection import ENTITY_TYPES, Inspection, Span
from workbench.privacy.inspector import inspect

__all__ = ["LabelledText", "Score", "load_labelled", "score"]


@dataclass(frozen=True)
class LabelledText:
    """One labelled prompt: its text and the spans it should yield."""

    text: str
    gold: tuple[Span, ...]


@dataclass(frozen=True)
class Score:
    """Counts for one entity type, with precision and recall (1.0 when there is nothing to get wrong)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Share of findings that were right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of labelled entities that were found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the counts and the two ratios (rounded to 4 places)."""
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


def load_labelled(path: str | Path) -> list[LabelledText]:
    """Read a labelled set; raise ``ValueError`` naming the line if a value is not in its text."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = json.loads(line)
        text, gold = data["text"], []
        for entity in data["entities"]:
            start = text.find(entity["value"])
            if start < 0 or entity["type"] not in ENTITY_TYPES:
                raise ValueError(f"{path}:{number}: a {entity['type']} label does not fit its text")
            gold.append(Span(start, start + len(entity["value"]), entity["type"]))
        rows.append(LabelledText(text, tuple(gold)))
    return rows


def score(rows: Iterable[LabelledText], inspector: Callable[[str], Inspection] = inspect) -> dict[str, Score]:
    """Precision and recall per entity type of ``inspector`` over ``rows``."""
    counts = {kind: [0, 0, 0] for kind in ENTITY_TYPES}
    for row in rows:
        unmatched = list(row.gold)
        for found in inspector(row.text).spans:
            hit = next(
                (g for g in unmatched if g.type == found.type and found.start <= g.start and found.end >= g.end), None
            )
            if hit is None:
                counts[found.type][1] += 1
            else:
                unmatched.remove(hit)
                counts[found.type][0] += 1
        for missed in unmatched:
            counts[missed.type][2] += 1
    return {kind: Score(*values) for kind, values in counts.items()}
