"""Standard routing metrics on a cost/quality curve: PGR, APGR, and the cloud share needed for a quality."""

from __future__ import annotations

import numpy as np

from workbench.routing.simulation import rank_curve

__all__ = ["GAP_FRACTIONS", "apgr", "curve_metrics", "oracle_scores", "share_for_gap", "share_for_quality"]

GAP_FRACTIONS = (0.5, 0.8, 0.95)
"""Shares of the edge-to-cloud quality gap the report asks the cloud share for."""


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


def apgr(shares: np.ndarray, quality: np.ndarray, edge_quality: float, cloud_quality: float) -> float:
    """Average performance gap recovered: the area under PGR(share) for shares 0..1 (RouteLLM).

    PGR = (quality - edge quality) / (cloud quality - edge quality). Random routing scores 0.5.
    """
    gap = cloud_quality - edge_quality
    if gap <= 0:
        return float("nan")
    return _trapezoid((np.asarray(quality) - edge_quality) / gap, np.asarray(shares))


def share_for_quality(shares: np.ndarray, quality: np.ndarray, target: float) -> float:
    """The smallest cloud share on the curve whose quality reaches ``target`` (NaN if none does)."""
    reached = np.flatnonzero(np.asarray(quality) >= target - 1e-12)
    return float(np.asarray(shares)[reached[0]]) if reached.size else float("nan")


def share_for_gap(
    shares: np.ndarray, quality: np.ndarray, edge_quality: float, cloud_quality: float, fraction: float
) -> float:
    """The smallest cloud share recovering ``fraction`` of the edge-to-cloud quality gap."""
    if cloud_quality <= edge_quality:
        return float("nan")
    return share_for_quality(shares, quality, edge_quality + fraction * (cloud_quality - edge_quality))


def curve_metrics(edge: np.ndarray, cloud: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """APGR, share for 50/80/95% of the gap, and share for 95% of the cloud model's quality."""
    shares, quality = rank_curve(edge, cloud, scores)
    q_edge, q_cloud = float(np.mean(edge)), float(np.mean(cloud))
    out = {"apgr": apgr(shares, quality, q_edge, q_cloud)}
    for fraction in GAP_FRACTIONS:
        out[f"share_for_{round(fraction * 100)}pct_gap"] = share_for_gap(shares, quality, q_edge, q_cloud, fraction)
    out["share_for_95pct_cloud_quality"] = share_for_quality(shares, quality, 0.95 * q_cloud)
    return out


def oracle_scores(edge: np.ndarray, cloud: np.ndarray) -> np.ndarray:
    """A perfect router's scores (it knows the outcomes): the bound no policy can beat."""
    from workbench.routing.tiebreak import TIE_SCALE

    gain = np.asarray(cloud, dtype=np.float64) - np.asarray(edge, dtype=np.float64)
    # Among equal gains, prefer prompts where the edge was wrong (no effect on quality; stable order).
    return gain + TIE_SCALE * (1.0 - np.asarray(edge, dtype=np.float64))
