"""Bootstrap intervals for the curve metrics: resample the evaluated prompts, keep the router fixed."""

from __future__ import annotations

import numpy as np

from workbench.routing.metrics import GAP_FRACTIONS

__all__ = ["Interval", "bootstrap_metrics"]

Interval = tuple[float, float, float]
"""(median, low, high) of a metric over bootstrap resamples; low/high bound the central interval."""


def _first_reached(quality: np.ndarray, shares: np.ndarray, target: np.ndarray) -> np.ndarray:
    reached = quality >= target[:, None] - 1e-12
    index = np.argmax(reached, axis=1)
    out = shares[np.arange(len(index)), index]
    return np.where(reached.any(axis=1), out, np.nan)


def bootstrap_metrics(
    edge: np.ndarray,
    cloud: np.ndarray,
    scores: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Interval]:
    """Median and central ``level`` interval of APGR and the cloud shares of :func:`curve_metrics`.

    Each resample draws the prompts with replacement (as multinomial weights) and recomputes the
    whole curve in the policy's fixed score order; every resample is one vectorised row.
    """
    rng = np.random.default_rng(seed)
    order = np.argsort(-np.asarray(scores), kind="stable")
    e = np.asarray(edge, dtype=np.float64)[order]
    c = np.asarray(cloud, dtype=np.float64)[order]
    n = len(e)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    zeros = np.zeros((n_boot, 1))
    shares = np.hstack([zeros, np.cumsum(weights, axis=1)]) / n
    q_edge, q_cloud = weights @ e / n, weights @ c / n
    quality = q_edge[:, None] + np.hstack([zeros, np.cumsum(weights * (c - e), axis=1)]) / n
    gap = q_cloud - q_edge
    with np.errstate(invalid="ignore", divide="ignore"):
        pgr = (quality - q_edge[:, None]) / gap[:, None]
        apgr = np.sum((pgr[:, 1:] + pgr[:, :-1]) * np.diff(shares, axis=1), axis=1) / 2
    apgr = np.where(gap > 0, apgr, np.nan)
    samples = {"apgr": apgr}
    for fraction in GAP_FRACTIONS:
        target = np.where(gap > 0, q_edge + fraction * gap, np.nan)
        samples[f"share_for_{round(fraction * 100)}pct_gap"] = _first_reached(quality, shares, target)
    samples["share_for_95pct_cloud_quality"] = _first_reached(quality, shares, 0.95 * q_cloud)
    tail = (1 - level) / 2 * 100
    return {
        name: (
            float(np.nanmedian(values)),
            float(np.nanpercentile(values, tail)),
            float(np.nanpercentile(values, 100 - tail)),
        )
        for name, values in samples.items()
    }
