"""Cascade policy: answer on the edge first; escalate to the cloud when checks on that answer fail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from workbench.routing.checks import CHECK_NAMES, run_checks
from workbench.routing.policy import Policy

__all__ = ["DEFAULT_WEIGHTS", "CascadePolicy"]

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "no_answer": 2.0,
    "odd_answer": 2.0,
    "arithmetic_errors": 2.0,
    "hedges": 1.0,
    "kilochars": 0.5,
}
"""Weight of each failed check in the escalation score. A failed hard check (2) alone crosses the
default threshold of 1.5; hedging and length rank the rest."""


class CascadePolicy(Policy):
    """Escalate when the edge answer fails its checks: no extractable final answer, a non-numeric answer
    (for numeric tasks), wrong arithmetic, hedging words; long answers score a little higher.

    The defaults suit GSM8K-style answers (``#### 42``); pass ``answer_pattern=None, numeric=False`` for
    free-form tasks.
    """

    name = "cascade"
    uses_edge_response = True

    def __init__(
        self,
        threshold: float = 1.5,
        *,
        answer_pattern: str | None = r"####\s*(.+)",
        numeric: bool = True,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    ) -> None:
        super().__init__(threshold)
        self.answer_pattern = answer_pattern
        self.numeric = numeric
        self.weights = np.array([weights.get(name, 0.0) for name in CHECK_NAMES])

    def state(self) -> dict[str, Any]:
        """Threshold, answer pattern, numeric switch and the weight of each check."""
        return {
            "threshold": self.threshold,
            "answer_pattern": self.answer_pattern,
            "numeric": self.numeric,
            "weights": {name: float(w) for name, w in zip(CHECK_NAMES, self.weights, strict=True)},
        }

    def check_matrix(self, edge_responses: Sequence[str]) -> np.ndarray:
        """One row of check signals per answer, columns as :data:`~workbench.routing.checks.CHECK_NAMES`."""
        rows = [run_checks(r, answer_pattern=self.answer_pattern, numeric=self.numeric) for r in edge_responses]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(CHECK_NAMES))

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Weighted sum of the failed checks."""
        assert edge_responses is not None
        return self.check_matrix(edge_responses) @ self.weights

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """The checks that failed."""
        values = self.check_matrix([edge_response or ""])[0]
        failed = [f"{n}={v:g}" for n, v in zip(CHECK_NAMES, values, strict=True) if v and n != "kilochars"]
        return f"edge answer checks failed: {', '.join(failed) or 'none'}; score {score:.3f}"
