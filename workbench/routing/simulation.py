"""Replay: what a routing would have given on recorded outcomes (quality, dollars, share, latency, privacy)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from workbench.routing.outcomes import Outcomes

__all__ = ["Simulation", "rank_curve", "simulate", "sweep"]


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class Simulation:
    """Totals for one routing of a set of prompts.

    ``cloud_share`` counts calls; ``cloud_cost_share`` weighs each call by its cloud price (the escalated
    prompts' share of the all-cloud bill), so it exceeds ``cloud_share`` when the escalated prompts are
    the longer ones. ``cost_usd`` is ``None`` when some price or token count is unknown; ``latency_s`` (mean per prompt)
    is ``None`` when the outcomes carry no latency. ``edge_first``: the edge answered every prompt
    (a cascade), so escalated prompts paid for both calls.
    """

    n: int
    cloud_calls: int
    cloud_share: float
    cloud_cost_share: float | None
    quality: float
    quality_edge: float
    quality_cloud: float
    cost_usd: float | None
    cost_all_edge_usd: float | None
    cost_all_cloud_usd: float | None
    cost_saved: float | None
    latency_s: float | None
    privacy_entities_left: int
    edge_first: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _arrays(data: Outcomes) -> dict[str, np.ndarray]:
    return {c: data.array(c) for c in (
        "edge_score", "cloud_score", "edge_cost_usd", "cloud_cost_usd",
        "edge_latency_s", "cloud_latency_s", "privacy_entities",
    )}  # fmt: skip


def simulate(data: Outcomes, to_cloud: np.ndarray, *, edge_first: bool = False) -> Simulation:
    """Totals when the prompts marked in ``to_cloud`` go to the cloud and the rest stay on the edge."""
    a = _arrays(data)
    mask = np.asarray(to_cloud, dtype=bool)
    n = len(mask)
    edge_paid = np.ones(n, dtype=bool) if edge_first else ~mask
    cost = float(np.sum(np.where(edge_paid, a["edge_cost_usd"], 0.0)) + np.sum(a["cloud_cost_usd"][mask]))
    all_cloud = float(np.sum(a["cloud_cost_usd"]))
    latency = np.where(mask, a["cloud_latency_s"], 0.0) + np.where(edge_paid, a["edge_latency_s"], 0.0)
    return Simulation(
        n=n,
        cloud_calls=int(mask.sum()),
        cloud_share=float(mask.mean()) if n else 0.0,
        cloud_cost_share=_finite(float(np.sum(a["cloud_cost_usd"][mask])) / all_cloud) if all_cloud else None,
        quality=float(np.mean(np.where(mask, a["cloud_score"], a["edge_score"]))),
        quality_edge=float(np.mean(a["edge_score"])),
        quality_cloud=float(np.mean(a["cloud_score"])),
        cost_usd=_finite(cost),
        cost_all_edge_usd=_finite(float(np.sum(a["edge_cost_usd"]))),
        cost_all_cloud_usd=_finite(all_cloud),
        cost_saved=_finite(1.0 - cost / all_cloud) if all_cloud else None,
        latency_s=_finite(float(np.mean(latency))),
        privacy_entities_left=int(np.sum(a["privacy_entities"][mask])),
        edge_first=edge_first,
    )


def sweep(data: Outcomes, scores: np.ndarray, thresholds: np.ndarray, *, edge_first: bool = False) -> pd.DataFrame:
    """One row per threshold (prompts with ``score >= threshold`` go to the cloud), all at once.

    Columns: threshold, cloud_share, quality, cost_usd, cost_saved, latency_s, privacy_entities_left.
    """
    import pandas as pd

    a = _arrays(data)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    mask = (np.asarray(scores)[None, :] >= thresholds[:, None]).astype(np.float64)
    n = mask.shape[1]
    edge_cost, cloud_cost = a["edge_cost_usd"], a["cloud_cost_usd"]
    extra = cloud_cost if edge_first else cloud_cost - edge_cost
    cost = edge_cost.sum() + mask @ extra
    edge_lat, cloud_lat = a["edge_latency_s"], a["cloud_latency_s"]
    latency = (edge_lat.sum() + mask @ (cloud_lat if edge_first else cloud_lat - edge_lat)) / n
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "cloud_share": mask.mean(axis=1),
            "quality": (a["edge_score"].sum() + mask @ (a["cloud_score"] - a["edge_score"])) / n,
            "cost_usd": cost,
            "cost_saved": 1.0 - cost / cloud_cost.sum(),
            "latency_s": latency,
            "privacy_entities_left": mask @ a["privacy_entities"],
        }
    )


def rank_curve(edge: np.ndarray, cloud: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cloud share and quality for every cut of the score ranking: k = 0..n highest scores to the cloud."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    gain = (np.asarray(cloud) - np.asarray(edge))[order]
    n = len(order)
    quality = (np.sum(edge) + np.concatenate([[0.0], np.cumsum(gain)])) / n
    return np.arange(n + 1) / n, quality
