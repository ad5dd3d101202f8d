"""Threshold calibration: the threshold that sends a requested share of prompts to the cloud (as RouteLLM
does), or that keeps the simulated spend within a dollar budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.routing.outcomes import Outcomes

__all__ = ["threshold_for_budget", "threshold_for_share"]


def _cut(scores: np.ndarray, k: int) -> float:
    """The threshold sending the ``k`` highest finite scores to the cloud (midpoint to the next one)."""
    values = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("inf")
    if k <= 0:
        return float(np.nextafter(finite[0], np.inf))
    if k >= finite.size:
        return float(finite[-1])
    return float((finite[k - 1] + finite[k]) / 2)


def threshold_for_share(scores: np.ndarray, cloud_share: float) -> float:
    """The threshold such that ``scores >= threshold`` holds for ``round(cloud_share * n)`` scores.

    The cut is the midpoint between the k-th and (k+1)-th highest scores, so with distinct scores the
    share is met to within one prompt. Scores of ``-inf`` (prompts that must stay local) are never
    counted in: the threshold stays at or above the lowest finite score. Only scores are used, never
    outcomes, so calibrating on the very prompts to be routed leaks nothing about their answers.
    """
    if not 0 <= cloud_share <= 1:
        raise ConfigError(f"cloud share {cloud_share} must be between 0 and 1 (e.g. 0.3 for 30%).")
    return _cut(scores, round(cloud_share * np.asarray(scores).size))


def threshold_for_budget(
    scores: np.ndarray,
    data: Outcomes,
    *,
    budget_usd: float | None = None,
    budget_fraction: float | None = None,
    edge_first: bool = False,
) -> float:
    """The threshold whose simulated spend on ``data`` (scored by ``scores``) stays within a dollar budget.

    Give ``budget_usd`` or ``budget_fraction`` (of ``data``'s all-cloud bill). Prompts escalate highest
    score first while the spend (edge calls of the prompts kept, cloud calls of those escalated; with
    ``edge_first`` every edge call too) stays within the budget; the most prompts that fit are escalated.
    When even all-edge exceeds it, nothing escalates. Calibrate on one half and route the other: the
    spend there is an estimate.
    """
    if (budget_usd is None) == (budget_fraction is None):
        raise ConfigError("Give a budget in dollars or as a fraction of the all-cloud bill, exactly one.")
    edge, cloud = data.array("edge_cost_usd"), data.array("cloud_cost_usd")
    if np.isnan(edge).any() or np.isnan(cloud).any():
        raise ConfigError("Some outcome costs are unknown: calibrate to a cloud share instead of a dollar budget.")
    if budget_fraction is not None:
        if budget_fraction < 0:
            raise ConfigError(f"budget fraction {budget_fraction} must be at least 0 (e.g. 0.4 for 40%).")
        budget = budget_fraction * float(cloud.sum())
    else:
        budget = float(budget_usd)  # type: ignore[arg-type]
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")
    order = order[np.isfinite(values[order])]
    extra = (cloud if edge_first else cloud - edge)[order]
    spend = float(edge.sum()) + np.concatenate([[0.0], np.cumsum(extra)])
    within = np.flatnonzero(spend <= budget * (1 + 1e-12))
    return _cut(values, int(within[-1]) if within.size else 0)
