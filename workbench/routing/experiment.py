"""Experiments: a policy over outcome data on a held-out split -> one report; every policy -> curves.

The CLI (``hybrid experiment``), the notebook and the bench all go through these functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.calibration import threshold_for_budget
from workbench.routing.cascade import CascadePolicy
from workbench.routing.cost_aware import PerDollarRouter
from workbench.routing.learned import LearnedRouter
from workbench.routing.metrics import curve_metrics
from workbench.routing.outcomes import Outcomes, split
from workbench.routing.policy import AlwaysCloud, AlwaysEdge, Policy, RandomPolicy
from workbench.routing.rules import RulesPolicy
from workbench.routing.simulation import Simulation, rank_curve, simulate

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "POLICIES",
    "ExperimentReport",
    "SplitName",
    "make_policy",
    "policy_curves",
    "prepare",
    "run_experiment",
    "simulate_at_quality",
]

SplitName = Literal["train", "test", "all"]

POLICIES: dict[str, Callable[[int], Policy]] = {
    "always-edge": lambda seed: AlwaysEdge(),
    "always-cloud": lambda seed: AlwaysCloud(),
    "random": lambda seed: RandomPolicy(seed=seed),
    "rules": lambda seed: RulesPolicy(),
    "cascade": lambda seed: CascadePolicy(),
    "learned": lambda seed: LearnedRouter(seed=seed),
    "learned-cascade": lambda seed: LearnedRouter(use_edge_response=True, seed=seed),
    "learned-per-dollar": lambda seed: PerDollarRouter(seed=seed),
}
"""Policy names, as the CLI takes them, and how to build each with a seed."""


def make_policy(name: str, *, seed: int = 0) -> Policy:
    """A fresh policy by name (see :data:`POLICIES`)."""
    try:
        return POLICIES[name](seed)
    except KeyError:
        raise ConfigError(f"Unknown policy {name!r}; choose one of: {', '.join(POLICIES)}.") from None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True)
class ExperimentReport:
    """One policy on one split: the simulated totals at its threshold, and the threshold-free curve metrics."""

    policy: str
    split: str
    seed: int
    threshold: float
    simulation: Simulation
    metrics: dict[str, float]
    edge_model: str
    cloud_model: str
    cost_basis: str
    tokens_estimated: bool
    cost_estimated: bool
    trained_on: int = 0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN and infinities become ``null``)."""
        data = asdict(self)
        data["simulation"] = self.simulation.to_dict()
        return _clean(data)


def prepare(
    data: Outcomes, policy: Policy, *, split_name: SplitName = "test", seed: int = 0, test_fraction: float = 0.5
) -> tuple[Outcomes, np.ndarray, int]:
    """Train the policy if it learns (on the train split only) and score the evaluated prompts.

    Returns the evaluated outcomes, their scores and the number of training prompts.
    """
    if split_name not in ("train", "test", "all"):
        raise ConfigError(f"split {split_name!r} is not one of train, test, all.")
    train, test = split(data, seed=seed, test_fraction=test_fraction)
    trained_on = 0
    if policy.trainable:
        if split_name != "test":
            raise ConfigError(
                f"{policy.name} learns from outcomes, so it is evaluated on held-out prompts only: use split 'test'."
            )
        policy.fit(train)
        trained_on = len(train)
    evaluated = {"train": train, "test": test, "all": data}[split_name]
    return evaluated, policy.score_outcomes(evaluated), trained_on


def run_experiment(
    data: Outcomes,
    policy: str | Policy,
    *,
    threshold: float | None = None,
    cloud_share: float | None = None,
    cost_budget: float | None = None,
    split_name: SplitName = "test",
    seed: int = 0,
    test_fraction: float = 0.5,
) -> ExperimentReport:
    """Replay ``policy`` on the ``split_name`` prompts of ``data``.

    ``cloud_share`` calibrates the threshold on the evaluated prompts' scores (prompts only, never their
    outcomes); ``cost_budget`` (a fraction of the all-cloud bill) calibrates it on the train half, the
    threshold whose simulated spend there stays within the budget (costs are outcomes, so the evaluated
    half's are not read); ``threshold`` sets it; none keeps the policy's default.
    """
    if sum(x is not None for x in (threshold, cloud_share, cost_budget)) > 1:
        raise ConfigError("Give one of a threshold, a cloud share or a cost budget, not several.")
    chosen = make_policy(policy, seed=seed) if isinstance(policy, str) else policy
    evaluated, scores, trained_on = prepare(data, chosen, split_name=split_name, seed=seed, test_fraction=test_fraction)
    extra_notes: list[str] = []
    if cost_budget is not None:
        if not chosen.sweepable:
            raise ConfigError(f"{chosen.name} has no threshold; use --policy random --cost-budget F for a budget.")
        train = split(data, seed=seed, test_fraction=test_fraction)[0]
        chosen.threshold = threshold_for_budget(
            chosen.score_outcomes(train), train, budget_fraction=cost_budget, edge_first=chosen.uses_edge_response
        )
        extra_notes.append(
            f"threshold calibrated on the train half to spend at most {cost_budget:.0%} of its all-cloud bill"
        )
    elif cloud_share is not None:
        chosen.calibrate(scores, cloud_share)
    elif threshold is not None:
        chosen.threshold = float(threshold)
    edge, cloud = evaluated.array("edge_score"), evaluated.array("cloud_score")
    result = simulate(evaluated, chosen.route(scores), edge_first=chosen.uses_edge_response)
    notes = list(data.notes) + extra_notes
    if chosen.uses_edge_response:
        notes.append("cascade: the edge answered every prompt; escalated prompts paid for both calls")
    return ExperimentReport(
        policy=chosen.name,
        split=split_name,
        seed=seed,
        threshold=chosen.threshold,
        simulation=result,
        metrics=curve_metrics(edge, cloud, scores) if chosen.sweepable else {},
        edge_model=data.edge_model,
        cloud_model=data.cloud_model,
        cost_basis=data.cost_basis,
        tokens_estimated=data.tokens_estimated,
        cost_estimated=data.cost_estimated,
        trained_on=trained_on,
        notes=tuple(notes),
    )


def policy_curves(data: Outcomes, names: Sequence[str], *, seed: int = 0, test_fraction: float = 0.5) -> pd.DataFrame:
    """The quality curve of each policy (and the oracle) on the test split: policy, cloud_share, quality.

    ``random`` is its expectation, the straight line from all-edge to all-cloud (one random draw only
    adds noise around it). Policies that need edge responses are skipped when the outcomes have none.
    """
    import pandas as pd

    from workbench.routing.metrics import oracle_scores

    _, test = split(data, seed=seed, test_fraction=test_fraction)
    frames = []
    for name in names:
        if name == "random":
            ends = [test.frame["edge_score"].mean(), test.frame["cloud_score"].mean()]
            frames.append(pd.DataFrame({"policy": name, "cloud_share": [0.0, 1.0], "quality": ends}))
            continue
        policy = make_policy(name, seed=seed)
        if policy.uses_edge_response and data.edge_responses is None:
            continue
        evaluated, scores, _ = prepare(data, policy, seed=seed, test_fraction=test_fraction)
        edge, cloud = evaluated.array("edge_score"), evaluated.array("cloud_score")
        if not policy.sweepable:
            share = float(policy.route(scores).mean())
            frames.append(
                pd.DataFrame(
                    {"policy": name, "cloud_share": [share], "quality": [cloud.mean() if share else edge.mean()]}
                )
            )
            continue
        shares, quality = rank_curve(edge, cloud, scores)
        frames.append(pd.DataFrame({"policy": name, "cloud_share": shares, "quality": quality}))
    edge, cloud = test.array("edge_score"), test.array("cloud_score")
    shares, quality = rank_curve(edge, cloud, oracle_scores(edge, cloud))
    frames.append(pd.DataFrame({"policy": "oracle", "cloud_share": shares, "quality": quality}))
    return pd.concat(frames, ignore_index=True)


def simulate_at_quality(
    data: Outcomes, scores: np.ndarray, target: float, *, edge_first: bool = False
) -> Simulation | None:
    """The simulation at the smallest cloud share (highest scores first) whose quality reaches ``target``.

    ``None`` when even sending everything to the cloud does not reach it.
    """
    edge, cloud = data.array("edge_score"), data.array("cloud_score")
    _, quality = rank_curve(edge, cloud, scores)
    reached = np.flatnonzero(quality >= target - 1e-12)
    if reached.size == 0:
        return None
    mask = np.zeros(len(data), dtype=bool)
    mask[np.argsort(-np.asarray(scores), kind="stable")[: reached[0]]] = True
    return simulate(data, mask, edge_first=edge_first)
