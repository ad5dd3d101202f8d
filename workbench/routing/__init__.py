"""Routing: which prompts stay on the edge, which escalate to the cloud, and what that saves.

Policies (:class:`Policy`) score prompts and decide live on a :class:`~workbench.records.Request`
(:meth:`Policy.decide` -> :class:`Decision`); the same scores are simulated over recorded outcomes
(:func:`load_routellm`, :func:`from_run_log`) with a held-out split (:func:`run_experiment`),
giving quality, dollars, cloud share and the standard routing metrics (APGR, share for X% of the gap);
:func:`per_seed` / :func:`verdict` summarise them over split seeds and :func:`curve_figure` plots them
in each policy's fixed colour (:data:`POLICY_STYLES`). A fitted, calibrated policy is saved with
:meth:`Policy.save` and read back with :func:`load_policy`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.records import Price
    from workbench.routing.bootstrap import Interval, bootstrap_metrics
    from workbench.routing.calibration import threshold_for_budget, threshold_for_share
    from workbench.routing.cascade import CascadePolicy
    from workbench.routing.cost_aware import PerDollarRouter
    from workbench.routing.costing import count_tokens
    from workbench.routing.decision import Decision, Side
    from workbench.routing.experiment import (
        POLICIES,
        ExperimentReport,
        make_policy,
        policy_curves,
        prepare,
        run_experiment,
        simulate_at_quality,
    )
    from workbench.routing.learned import LearnedRouter
    from workbench.routing.live import RoutedRun, aroute, route
    from workbench.routing.metrics import apgr, curve_metrics, oracle_scores, share_for_gap, share_for_quality
    from workbench.routing.outcomes import Outcomes, split
    from workbench.routing.plots import POLICY_STYLES, curve_figure, policy_style
    from workbench.routing.policy import AlwaysCloud, AlwaysEdge, Policy, RandomPolicy
    from workbench.routing.routellm import default_routellm_dir, load_routellm
    from workbench.routing.rules import RulesPolicy
    from workbench.routing.runlog import from_run_log
    from workbench.routing.saved import PolicySpec, experiment_provenance, load_policy, resolve_policy
    from workbench.routing.simulation import Simulation, rank_curve, simulate, sweep
    from workbench.routing.summary import (
        calls_and_dollars,
        cost_vs_calls,
        expected_random,
        format_calls_and_dollars,
        format_table,
        per_seed,
        routellm_datasets,
        summarise,
        verdict,
    )
    from workbench.runner.pricing import price_for
    from workbench.ui.explorer import explore

# Submodules load on first use (PEP 562), so importing the package (or the CLI) stays cheap.
_HOMES = {
    "explore": "workbench.ui.explorer",
    "AlwaysCloud": "workbench.routing.policy",
    "AlwaysEdge": "workbench.routing.policy",
    "CascadePolicy": "workbench.routing.cascade",
    "Decision": "workbench.routing.decision",
    "ExperimentReport": "workbench.routing.experiment",
    "Interval": "workbench.routing.bootstrap",
    "LearnedRouter": "workbench.routing.learned",
    "Outcomes": "workbench.routing.outcomes",
    "POLICIES": "workbench.routing.experiment",
    "Policy": "workbench.routing.policy",
    "Price": "workbench.records.price",
    "RandomPolicy": "workbench.routing.policy",
    "Simulation": "workbench.routing.simulation",
    "RulesPolicy": "workbench.routing.rules",
    "Side": "workbench.routing.decision",
    "apgr": "workbench.routing.metrics",
    "bootstrap_metrics": "workbench.routing.bootstrap",
    "count_tokens": "workbench.routing.costing",
    "curve_metrics": "workbench.routing.metrics",
    "default_routellm_dir": "workbench.routing.routellm",
    "from_run_log": "workbench.routing.runlog",
    "load_routellm": "workbench.routing.routellm",
    "make_policy": "workbench.routing.experiment",
    "oracle_scores": "workbench.routing.metrics",
    "policy_curves": "workbench.routing.experiment",
    "prepare": "workbench.routing.experiment",
    "price_for": "workbench.runner.pricing",
    "rank_curve": "workbench.routing.simulation",
    "simulate": "workbench.routing.simulation",
    "simulate_at_quality": "workbench.routing.experiment",
    "route": "workbench.routing.live",
    "aroute": "workbench.routing.live",
    "RoutedRun": "workbench.routing.live",
    "run_experiment": "workbench.routing.experiment",
    "share_for_gap": "workbench.routing.metrics",
    "share_for_quality": "workbench.routing.metrics",
    "split": "workbench.routing.outcomes",
    "sweep": "workbench.routing.simulation",
    "threshold_for_share": "workbench.routing.calibration",
    "threshold_for_budget": "workbench.routing.calibration",
    "PerDollarRouter": "workbench.routing.cost_aware",
    "calls_and_dollars": "workbench.routing.summary",
    "cost_vs_calls": "workbench.routing.summary",
    "POLICY_STYLES": "workbench.routing.plots",
    "curve_figure": "workbench.routing.plots",
    "policy_style": "workbench.routing.plots",
    "expected_random": "workbench.routing.summary",
    "format_calls_and_dollars": "workbench.routing.summary",
    "format_table": "workbench.routing.summary",
    "per_seed": "workbench.routing.summary",
    "routellm_datasets": "workbench.routing.summary",
    "summarise": "workbench.routing.summary",
    "verdict": "workbench.routing.summary",
    "PolicySpec": "workbench.routing.saved",
    "experiment_provenance": "workbench.routing.saved",
    "load_policy": "workbench.routing.saved",
    "resolve_policy": "workbench.routing.saved",
}

__all__ = [
    "POLICIES",
    "POLICY_STYLES",
    "AlwaysCloud",
    "AlwaysEdge",
    "CascadePolicy",
    "Decision",
    "ExperimentReport",
    "Interval",
    "LearnedRouter",
    "Outcomes",
    "PerDollarRouter",
    "Policy",
    "PolicySpec",
    "Price",
    "RandomPolicy",
    "RoutedRun",
    "RulesPolicy",
    "Side",
    "Simulation",
    "apgr",
    "aroute",
    "bootstrap_metrics",
    "calls_and_dollars",
    "cost_vs_calls",
    "count_tokens",
    "curve_figure",
    "curve_metrics",
    "default_routellm_dir",
    "expected_random",
    "experiment_provenance",
    "explore",
    "format_calls_and_dollars",
    "format_table",
    "from_run_log",
    "load_policy",
    "load_routellm",
    "make_policy",
    "oracle_scores",
    "per_seed",
    "policy_curves",
    "policy_style",
    "prepare",
    "price_for",
    "rank_curve",
    "resolve_policy",
    "route",
    "routellm_datasets",
    "run_experiment",
    "share_for_gap",
    "share_for_quality",
    "simulate",
    "simulate_at_quality",
    "split",
    "summarise",
    "sweep",
    "threshold_for_budget",
    "threshold_for_share",
    "verdict",
]


__getattr__ = lazy_names(__name__, _HOMES)


def __dir__() -> list[str]:
    return sorted(__all__)
