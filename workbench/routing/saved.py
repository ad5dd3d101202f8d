"""Saved policies: load one back from its file, take a policy as a name, a Policy or a file path.

``policy.save(path, provenance=...)`` writes the file (:mod:`workbench.routing.policy_file` holds the
format); :func:`load_policy` reads it back into the same policy, with the same threshold and decisions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError
from workbench.routing.cascade import CascadePolicy
from workbench.routing.cost_aware import PerDollarRouter
from workbench.routing.experiment import POLICIES, make_policy
from workbench.routing.learned import LearnedRouter
from workbench.routing.policy import AlwaysCloud, AlwaysEdge, Policy, RandomPolicy
from workbench.routing.policy_file import read_policy_file
from workbench.routing.rules import RulesPolicy

if TYPE_CHECKING:
    from workbench.routing.experiment import ExperimentReport

__all__ = ["PolicySpec", "experiment_provenance", "load_policy", "resolve_policy"]

PolicySpec = Policy | str | os.PathLike[str]
"""What routing accepts as a policy: a Policy, a policy name (:data:`POLICIES`) or a saved policy file."""

_KINDS: dict[str, type[Policy]] = {
    "always-edge": AlwaysEdge,
    "always-cloud": AlwaysCloud,
    "random": RandomPolicy,
    "rules": RulesPolicy,
    "cascade": CascadePolicy,
    "learned": LearnedRouter,
    "learned-cascade": LearnedRouter,
    "learned-per-dollar": PerDollarRouter,
}


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """The policy saved at ``path`` (by :meth:`Policy.save`), checked: format version, fields, checksum.

    The policy's :attr:`~Policy.saved_file` keeps the file's path, checksum and provenance.
    """
    saved = read_policy_file(path)
    kind = _KINDS.get(saved.policy)
    if kind is None:
        raise ConfigError(f"{saved.path}: unknown saved policy {saved.policy!r}; save it again with this workbench.")
    try:
        policy = kind.from_state(saved.state)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(
            f"{saved.path}: the saved {saved.policy} policy's state is incomplete ({type(exc).__name__}: {exc}); "
            "save it again with this workbench."
        ) from None
    policy.saved_file = saved
    return policy


def resolve_policy(spec: PolicySpec) -> Policy:
    """A Policy as is; a policy name as a fresh policy; anything else as the path of a saved policy file."""
    if isinstance(spec, Policy):
        return spec
    if isinstance(spec, str) and spec in POLICIES:
        return make_policy(spec)
    path = Path(spec).expanduser()
    if isinstance(spec, os.PathLike) or path.is_file() or path.suffix == ".json":
        return load_policy(path)
    raise ConfigError(
        f"Unknown policy {spec!r}: not a policy name ({', '.join(POLICIES)}) nor a saved policy file; "
        "check the name or the path."
    )


def experiment_provenance(report: ExperimentReport, data: str) -> dict[str, Any]:
    """Provenance for :meth:`Policy.save` from the experiment that fitted and calibrated the policy.

    ``data`` names the outcomes (a RouteLLM file or folder, a sweep name).
    """
    clean = report.to_dict()  # NaN and infinities as None: JSON holds them
    simulation, metrics = clean["simulation"], clean["metrics"]
    return {
        "data": data,
        "split": report.split,
        "seed": report.seed,
        "trained_on": report.trained_on,
        "metrics": {
            "apgr": metrics.get("apgr"),
            "cloud_share": simulation["cloud_share"],
            "cloud_cost_share": simulation["cloud_cost_share"],
            "quality": simulation["quality"],
            "cost_saved": simulation["cost_saved"],
            "threshold": clean["threshold"],
        },
    }
