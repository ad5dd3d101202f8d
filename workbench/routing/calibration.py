"""Threshold calibration: the threshold that sends a requested share of prompts to the cloud (as RouteLLM does)."""

from __future__ import annotations

import numpy as np

from workbench.errors import ConfigError

__all__ = ["threshold_for_share"]


def threshold_for_share(scores: np.ndarray, cloud_share: float) -> float:
    """The threshold such that ``scores >= threshold`` holds for ``round(cloud_share * n)`` scores.

    The cut is the midpoint between the k-th and (k+1)-th highest scores, so with distinct scores the
    share is met to within one prompt. Scores of ``-inf`` (prompts that must stay local) are never
    counted in: the threshold stays at or above the lowest finite score. Only scores are used, never
    outcomes, so calibrating on the very prompts to be routed leaks nothing about their answers.
    """
    if not 0 <= cloud_share <= 1:
        raise ConfigError(f"cloud share {cloud_share} must be between 0 and 1 (e.g. 0.3 for 30%).")
    values = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("inf")
    k = round(cloud_share * values.size)
    if k <= 0:
        return float(np.nextafter(finite[0], np.inf))
    if k >= finite.size:
        return float(finite[-1])
    return float((finite[k - 1] + finite[k]) / 2)
