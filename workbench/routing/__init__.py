"""Routing: which prompts stay on the edge, which escalate to the cloud, and what that saves.

Policies (:class:`Policy`) score prompts and decide live on a :class:`~workbench.request.Request`
(:meth:`Policy.decide` -> :class:`Decision`); the same scores replay over recorded outcomes
(:func:`load_routellm`, :func:`from_run_log`) with a held-out split (:func:`run_experiment`),
giving quality, dollars, cloud share and the standard routing metrics (APGR, share for X% of the gap).
"""

from __future__ import annotations

from workbench.routing.bootstrap import Interval, bootstrap_metrics
from workbench.routing.calibration import threshold_for_share
from workbench.routing.cascade import CascadePolicy
from workbench.routing.costing import Price, count_tokens, price_for
from workbench.routing.decision import Decision, Side
from workbench.routing.experiment import (
    POLICIES,
    ExperimentReport,
    make_policy,
    policy_curves,
    prepare,
    replay_at_quality,
    run_experiment,
)
from workbench.routing.learned import LearnedRouter
from workbench.routing.metrics import apgr, curve_metrics, oracle_scores, share_for_gap, share_for_quality
from workbench.routing.outcomes import Outcomes, split
from workbench.routing.policy import AlwaysCloud, AlwaysEdge, Policy, RandomPolicy
from workbench.routing.replay import ReplayResult, rank_curve, replay, sweep
from workbench.routing.routellm import default_routellm_dir, load_routellm
from workbench.routing.rules import RulesPolicy
from workbench.routing.runlog import from_run_log

__all__ = [
    "POLICIES",
    "AlwaysCloud",
    "AlwaysEdge",
    "CascadePolicy",
    "Decision",
    "ExperimentReport",
    "Interval",
    "LearnedRouter",
    "Outcomes",
    "Policy",
    "Price",
    "RandomPolicy",
    "ReplayResult",
    "RulesPolicy",
    "Side",
    "apgr",
    "bootstrap_metrics",
    "count_tokens",
    "curve_metrics",
    "default_routellm_dir",
    "from_run_log",
    "load_routellm",
    "make_policy",
    "oracle_scores",
    "policy_curves",
    "prepare",
    "price_for",
    "rank_curve",
    "replay",
    "replay_at_quality",
    "run_experiment",
    "share_for_gap",
    "share_for_quality",
    "split",
    "sweep",
    "threshold_for_share",
]
