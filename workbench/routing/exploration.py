"""The numbers behind the interactive routing explorer: one policy on one split seed, at any cloud share.

:class:`Exploration` scores the held-out prompts once (training the policy on the other half when it
learns) and keeps them in rank order with cumulative sums of every figure, so :meth:`Exploration.at`
answers a cloud share with a handful of lookups plus one O(n) mask (latency percentiles, the two
tables). Sending the ``k`` highest-scored prompts to the cloud is the operating point at share ``k/n``.

:meth:`Exploration.at_budget` is the same routing calibrated to a dollar budget instead: the largest cut of
the ranking whose spend on these prompts stays within it (the rule of
:func:`~workbench.routing.threshold_for_budget`, answered from the cumulative sums).

With ``pinned=True`` prompts carrying personal data (``privacy_entities > 0``) stay on the edge: the
same ``k`` highest-scored prompts are chosen, the flagged ones among them are kept back, and
``pin_cost`` is the quality that costs. The explorer widget (:mod:`workbench.ui.explorer`) only
renders what this module computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.experiment import POLICIES, SplitName, make_policy, prepare
from workbench.routing.metrics import apgr, oracle_scores
from workbench.routing.outcomes import Outcomes, split

__all__ = ["TABLE_ROWS", "Exploration", "Point", "explorable_policies"]

TABLE_ROWS = 10
"""How many prompts each table of :class:`Point` lists."""

PROMPT_CHARS = 120


def explorable_policies(data: Outcomes) -> list[str]:
    """The policies whose threshold a slider can move on ``data`` (plus ``oracle``, the bound)."""
    names = []
    for name in POLICIES:
        policy = make_policy(name)
        if policy.sweepable and not (policy.uses_edge_response and data.edge_responses is None):
            names.append(name)
    return [*names, "oracle"]


def _cum(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(values)])


def _none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


@dataclass(frozen=True)
class Point:
    """The routing at one cloud share: figures, and the prompts the two tables list.

    ``share`` is the slider's share of the ranking; ``cloud_share`` the share of calls actually sent
    (lower when flagged prompts are pinned). ``quality_low``/``quality_high``: 95% Wilson interval.
    ``flagged_to_cloud``: prompts with personal data sent to the cloud. ``crossing``: the last prompts
    to cross from edge to cloud at this point (the lowest-scored of those sent); ``missed``: prompts
    kept on the edge where only the cloud was right, the router's surest mistakes first. ``budget_usd``:
    the dollar budget the point was calibrated to (None when the slider set the share).
    """

    policy: str
    seed: int
    pinned: bool
    share: float
    n: int
    cloud_calls: int
    cloud_share: float
    cloud_cost_share: float | None
    quality: float
    quality_low: float
    quality_high: float
    quality_unpinned: float
    pin_cost: float
    cost_usd: float | None
    cost_saved: float | None
    pgr: float | None
    apgr: float | None
    latency_p50_s: float | None
    latency_p90_s: float | None
    flagged_to_cloud: int
    flagged_total: int
    missed_total: int
    budget_usd: float | None = None
    crossing: list[dict[str, Any]] = field(default_factory=list)
    missed: list[dict[str, Any]] = field(default_factory=list)


class Exploration:
    """``policy`` scored once on the held-out half of ``data`` for split ``seed``; ask :meth:`at` for any share.

    ``split_name`` "all" evaluates every prompt (only for policies that do not learn).
    """

    def __init__(
        self, data: Outcomes, policy: str, *, seed: int = 0, test_fraction: float = 0.5, split_name: SplitName = "test"
    ) -> None:
        self.policy, self.seed = policy, seed
        if policy == "oracle":
            evaluated = (
                data
                if split_name == "all"
                else split(data, seed=seed, test_fraction=test_fraction)[split_name == "test"]
            )
            scores = oracle_scores(evaluated.array("edge_score"), evaluated.array("cloud_score"))
            self.edge_first = False
        else:
            chosen = make_policy(policy, seed=seed)
            if not chosen.sweepable:
                raise ConfigError(f"{policy} has no threshold to move; choose one of {explorable_policies(data)}.")
            evaluated, scores, _ = prepare(data, chosen, split_name=split_name, seed=seed, test_fraction=test_fraction)
            self.edge_first = chosen.uses_edge_response
        order = np.argsort(-np.asarray(scores), kind="stable")
        self.n = n = len(order)
        self.scores = np.asarray(scores, dtype=np.float64)[order]
        self.prompts = np.asarray(evaluated.prompts, dtype=object)[order]
        col = {c: evaluated.array(c)[order] for c in (
            "edge_score", "cloud_score", "edge_cost_usd", "cloud_cost_usd",
            "edge_latency_s", "cloud_latency_s", "privacy_entities",
        )}  # fmt: skip
        self.edge, self.cloud = col["edge_score"], col["cloud_score"]
        self.cloud_cost = col["cloud_cost_usd"]
        self.entities = np.nan_to_num(col["privacy_entities"])
        self.flagged = self.entities > 0
        flag = self.flagged.astype(np.float64)
        gain = self.cloud - self.edge
        extra = self.cloud_cost - (0.0 if self.edge_first else col["edge_cost_usd"])
        self._sum_edge = float(self.edge.sum())
        self._edge_cost = float(col["edge_cost_usd"].sum())
        self._all_cloud = float(self.cloud_cost.sum())
        self._gain, self._gain_pinned = _cum(gain), _cum(gain * flag)
        self._extra, self._extra_pinned = _cum(extra), _cum(extra * flag)
        self._cc, self._cc_pinned = _cum(self.cloud_cost), _cum(self.cloud_cost * flag)
        self._flag = _cum(flag)
        self._lat_edge = col["edge_latency_s"]
        self._lat_cloud = col["cloud_latency_s"] + (col["edge_latency_s"] if self.edge_first else 0.0)
        self.has_latency = bool(np.isfinite(self._lat_edge).any() or np.isfinite(self._lat_cloud).any())
        self._ranks = np.arange(n)
        self._gain_pos = gain > 0
        self.quality_edge, self.quality_cloud = self._sum_edge / n, float(self.cloud.sum()) / n
        self.costs_known = bool(np.isfinite(self._extra[-1]) and np.isfinite(self._edge_cost))
        self._apgr = {p: self._curve_apgr(p) for p in (False, True)}
        self._spend = {p: self.curve(p)["cost_usd"] for p in (False, True)}

    def spend_range(self, pinned: bool = False) -> tuple[float, float]:
        """The least and most a cut of the ranking spends: the span a dollar-budget slider needs."""
        spend = self._spend[pinned]
        return float(np.nanmin(spend)), float(np.nanmax(spend))

    def share_for_budget(self, budget_usd: float, pinned: bool = False) -> float:
        """The largest share of the ranking whose spend stays within ``budget_usd`` (0 if all-edge exceeds it)."""
        if not self.costs_known:
            raise ConfigError("Some outcome costs are unknown: move the cloud share instead of a dollar budget.")
        within = np.flatnonzero(self._spend[pinned] <= budget_usd * (1 + 1e-12))
        return int(within[-1]) / self.n if within.size else 0.0

    def at_budget(self, budget_usd: float, pinned: bool = False) -> Point:
        """The routing calibrated to ``budget_usd``: :meth:`at` the share :meth:`share_for_budget` gives."""
        return replace(self.at(self.share_for_budget(budget_usd, pinned), pinned), budget_usd=float(budget_usd))

    def curve(self, pinned: bool = False) -> dict[str, np.ndarray]:
        """Every cut k = 0..n of the ranking: ``cloud_share`` (calls), ``quality`` and ``cost_usd``."""
        p = float(pinned)
        sent = np.arange(self.n + 1) - p * self._flag
        return {
            "cloud_share": sent / self.n,
            "quality": (self._sum_edge + self._gain - p * self._gain_pinned) / self.n,
            "cost_usd": self._edge_cost + self._extra - p * self._extra_pinned,
        }

    def _curve_apgr(self, pinned: bool) -> float | None:
        c = self.curve(pinned)
        shares, quality = c["cloud_share"], c["quality"]
        if shares[-1] < 1.0:  # pinned: the curve stays flat past the last prompt it may send
            shares, quality = np.append(shares, 1.0), np.append(quality, quality[-1])
        return _none(apgr(shares, quality, self.quality_edge, self.quality_cloud))

    def at(self, share: float, pinned: bool = False) -> Point:
        """The routing that sends the top ``share`` of the ranking to the cloud (flagged ones kept back if pinned)."""
        from workbench.evaluate.results import wilson_interval

        if not 0.0 <= share <= 1.0:
            raise ConfigError(f"cloud share {share} must be between 0 and 1.")
        n, k, p = self.n, round(share * self.n), float(pinned)
        sent = int(k - p * self._flag[k])
        unpinned = float((self._sum_edge + self._gain[k]) / n)
        quality = float(unpinned - p * self._gain_pinned[k] / n)
        cost = float(self._edge_cost + self._extra[k] - p * self._extra_pinned[k])
        low, high = wilson_interval(min(max(quality, 0.0), 1.0), n)
        gap = self.quality_cloud - self.quality_edge
        mask = self._ranks < k
        if pinned:
            mask &= ~self.flagged
        missed = ~mask & self._gain_pos
        return Point(
            policy=self.policy, seed=self.seed, pinned=pinned, share=share, n=n,
            cloud_calls=sent, cloud_share=sent / n,
            cloud_cost_share=_none(float(self._cc[k] - p * self._cc_pinned[k]) / self._all_cloud)
            if self._all_cloud else None,
            quality=quality, quality_low=low, quality_high=high, quality_unpinned=unpinned,
            pin_cost=unpinned - quality,
            cost_usd=_none(cost), cost_saved=_none(1.0 - cost / self._all_cloud) if self._all_cloud else None,
            pgr=(quality - self.quality_edge) / gap if gap > 0 else None,
            apgr=self._apgr[pinned],
            **self._latency(mask),
            flagged_to_cloud=int(self._flag[k]) if not pinned else 0,
            flagged_total=int(self._flag[-1]),
            missed_total=int(missed.sum()),
            crossing=self._rows(np.flatnonzero(mask)[-TABLE_ROWS:][::-1], mask, k),
            missed=self._rows(np.flatnonzero(missed)[::-1][:TABLE_ROWS], mask, k),
        )  # fmt: skip

    def _latency(self, mask: np.ndarray) -> dict[str, float | None]:
        if not self.has_latency:
            return {"latency_p50_s": None, "latency_p90_s": None}
        routed = np.where(mask, self._lat_cloud, self._lat_edge)
        if np.isnan(routed).all():
            return {"latency_p50_s": None, "latency_p90_s": None}
        p50, p90 = np.nanpercentile(routed, [50, 90])
        return {"latency_p50_s": float(p50), "latency_p90_s": float(p90)}

    def _rows(self, ranks: np.ndarray, mask: np.ndarray, k: int) -> list[dict[str, Any]]:
        rows = []
        for r in ranks:
            prompt = str(self.prompts[r])
            kept = "pinned: personal data" if r < k else "below threshold"
            rows.append({
                "rank": int(r) + 1,
                "prompt": prompt if len(prompt) <= PROMPT_CHARS else prompt[: PROMPT_CHARS - 1] + "…",
                "score": float(self.scores[r]),
                "edge_score": float(self.edge[r]),
                "cloud_score": float(self.cloud[r]),
                "cloud_cost_usd": _none(float(self.cloud_cost[r])),
                "privacy_entities": int(self.entities[r]),
                "side": "cloud" if mask[r] else kept,
            })  # fmt: skip
        return rows
