"""The learned router ranked by expected quality gain per dollar (``learned-per-dollar``).

The gain is :class:`~workbench.routing.LearnedRouter`'s score, P(cloud correct) - P(edge correct). The
dollars are what escalating costs over staying on the edge (cloud minus edge cost), predicted from the
prompt's length by a straight line fitted to the training outcomes' cost columns: the prompt is all a
live decision has, and a held-out prompt's own recorded cost (its cloud answer's length) stays unread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.learned import LearnedRouter

if TYPE_CHECKING:
    from workbench.routing.outcomes import Outcomes

__all__ = ["PerDollarRouter"]

FLOOR = 0.05
"""A predicted escalation cost never falls below this fraction of the training mean (no division by ~0)."""


class PerDollarRouter(LearnedRouter):
    """Scores prompts by predicted quality gain per relative dollar: gain / (cost / mean training cost).

    Dividing by the cost relative to the training mean keeps the score in the learned router's units:
    at an average-priced prompt it equals the predicted gain, so the default threshold 0.2 means the same.
    """

    name = "learned-per-dollar"

    def __init__(
        self, threshold: float = 0.2, *, use_edge_response: bool = False, seed: int = 0, c: float = 0.3
    ) -> None:
        if use_edge_response:
            raise ConfigError("learned-per-dollar reads the prompt only; use learned-cascade for the edge answer.")
        super().__init__(threshold, seed=seed, c=c)
        self.cost_line: tuple[float, float] = (0.0, 0.0)
        self.mean_cost = 0.0

    def fit(self, data: Outcomes) -> PerDollarRouter:
        """Train the gain models and the cost line on ``data`` (the training split only)."""
        delta = data.array("cloud_cost_usd") - data.array("edge_cost_usd")
        if np.isnan(delta).any():
            raise ConfigError("Some training outcomes have no cost: use 'learned' (it ranks without dollars).")
        self.mean_cost = float(delta.mean())
        if self.mean_cost <= 0:
            raise ConfigError("The cloud is no dearer than the edge on these outcomes: use 'learned'.")
        lengths = np.array([len(p) for p in data.prompts], dtype=np.float64)
        if np.ptp(lengths) > 0:
            slope, intercept = np.polyfit(lengths, delta, 1)
        else:
            slope, intercept = 0.0, self.mean_cost
        self.cost_line = (float(slope), float(intercept))
        super().fit(data)
        return self

    def predicted_cost(self, prompts: Sequence[str]) -> np.ndarray:
        """Predicted cloud-minus-edge dollars of escalating each prompt (at least FLOOR of the mean)."""
        slope, intercept = self.cost_line
        lengths = np.array([len(p) for p in prompts], dtype=np.float64)
        return np.maximum(slope * lengths + intercept, FLOOR * self.mean_cost)

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Predicted gain divided by the predicted escalation cost relative to the training mean."""
        gain = super().raw_scores(prompts, None)
        return np.asarray(gain * self.mean_cost / self.predicted_cost(prompts))

    def state(self) -> dict[str, Any]:
        """The learned router's state and the cost line."""
        return {**super().state(), "cost_line": list(self.cost_line), "mean_cost": self.mean_cost}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> PerDollarRouter:
        """The fitted router that :meth:`state` described."""
        router = super().from_state(state)
        assert isinstance(router, PerDollarRouter)
        slope, intercept = state["cost_line"]
        router.cost_line = (float(slope), float(intercept))
        router.mean_cost = float(state["mean_cost"])
        return router

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """The predicted gain per relative dollar."""
        cost = float(self.predicted_cost([prompt])[0])
        return f"predicted gain per average-priced escalation {score:+.3f} (escalation ~${cost:.6f})"
