"""The policy interface, and the baselines: always-edge, always-cloud, random at a cloud share.

A policy scores prompts (higher means more reason to use the cloud) and sends to the cloud those
with ``score >= threshold``. The same scores drive a live decision (:meth:`Policy.decide` on a
:class:`~workbench.records.Request`) and a simulation over recorded outcomes (:meth:`Policy.score_outcomes`).
Every score carries a tiny stable per-prompt tie-break, so a threshold can reach any share.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from workbench.errors import ConfigError
from workbench.routing.calibration import threshold_for_share
from workbench.routing.decision import Decision, Side
from workbench.routing.tiebreak import TIE_SCALE, stable_uniform

if TYPE_CHECKING:
    from workbench.records import Request
    from workbench.routing.outcomes import Outcomes
    from workbench.routing.policy_file import PolicyFile

__all__ = ["AlwaysCloud", "AlwaysEdge", "Policy", "RandomPolicy"]


class Policy(abc.ABC):
    """Decides, per request, edge or cloud, with a reason.

    ``uses_edge_response``: the policy reads the edge model's answer (a cascade): run the edge target
    first, then call ``decide(request, edge_response=answer)``. ``trainable``: call :meth:`fit` on
    training outcomes before use. ``sweepable``: a threshold sweep of its scores is meaningful.
    """

    name: ClassVar[str] = "policy"
    trainable: ClassVar[bool] = False
    sweepable: ClassVar[bool] = True
    uses_edge_response: bool = False
    saved_file: PolicyFile | None = None
    """The file this policy was loaded from (:func:`~workbench.routing.load_policy`), else ``None``."""

    def __init__(self, threshold: float) -> None:
        self.threshold = float(threshold)

    def state(self) -> dict[str, Any]:
        """Settings (and what :meth:`fit` learned) as plain JSON values; :meth:`from_state` rebuilds the policy."""
        return {"threshold": self.threshold}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Policy:
        """The policy that :meth:`state` described."""
        return cls(**state)

    def save(self, path: str | os.PathLike[str], *, provenance: Mapping[str, Any]) -> PolicyFile:
        """Write this policy (threshold, settings, fitted model) to a JSON file that carries ``provenance``.

        ``provenance`` names the ``data`` (outcomes source or sweep), ``split``, ``seed`` and ``metrics``
        at fit time (``apgr``, ``cloud_share``); the workbench and format versions are added. Read it back
        with :func:`workbench.routing.load_policy`.
        """
        from workbench.routing.policy_file import write_policy_file

        return write_policy_file(path, self.name, self.state(), provenance)

    @abc.abstractmethod
    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Escalation scores without the tie-break; higher means more reason to use the cloud."""

    def scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Escalation scores with the stable tie-break added."""
        if self.uses_edge_response and edge_responses is None:
            raise ConfigError(
                f"The {self.name} policy reads the edge model's answer, and none was given: run the edge "
                "target first (or use outcomes with responses, such as GSM8K; MMLU files have none)."
            )
        raw = np.asarray(self.raw_scores(prompts, edge_responses), dtype=np.float64)
        return raw + TIE_SCALE * stable_uniform(prompts)

    def score_outcomes(self, data: Outcomes) -> np.ndarray:
        """Scores for every prompt of recorded outcomes (with their edge responses where used)."""
        return self.scores(data.prompts, data.edge_responses if self.uses_edge_response else None)

    def fit(self, data: Outcomes) -> Policy:
        """Learn from training outcomes; fixed policies ignore this. Returns ``self``."""
        return self

    def route(self, scores: np.ndarray) -> np.ndarray:
        """True where a score sends its prompt to the cloud."""
        return np.asarray(scores) >= self.threshold

    def calibrate(self, scores: np.ndarray, cloud_share: float) -> float:
        """Set (and return) the threshold that sends ``cloud_share`` of these scored prompts to the cloud."""
        self.threshold = threshold_for_share(scores, cloud_share)
        return self.threshold

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """Why this score: policies override this to name the signal that fired."""
        return f"score {score:.3f}"

    def decide(self, request: Request, *, edge_response: str | None = None) -> Decision:
        """The decision for one live request (and, for a cascade, the edge model's answer to it)."""
        prompt = request.text
        responses = [edge_response] if edge_response is not None else None
        score = float(self.scores([prompt], responses if self.uses_edge_response else None)[0])
        side: Side = "cloud" if score >= self.threshold else "edge"
        relation = ">=" if side == "cloud" else "<"
        reason = (
            f"{self.name}: {self.explain(prompt, edge_response, score)} {relation} "
            f"threshold {self.threshold:.3f} -> {side}"
        )
        return Decision(side, reason, score)


class AlwaysEdge(Policy):
    """Every request stays on the edge."""

    name = "always-edge"
    sweepable = False

    def __init__(self, threshold: float = float("inf")) -> None:
        super().__init__(float("inf"))

    def state(self) -> dict[str, Any]:
        """Nothing to keep: the side is fixed."""
        return {}

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Zero for every prompt."""
        return np.zeros(len(prompts))

    def calibrate(self, scores: np.ndarray, cloud_share: float) -> float:
        """Not adjustable: use the random policy for a given cloud share."""
        raise ConfigError(f"{self.name} has no threshold; use --policy random --cloud-share P for a share.")

    def decide(self, request: Request, *, edge_response: str | None = None) -> Decision:
        """Always the edge."""
        return Decision("edge", f"{self.name}: every request stays on the edge")


class AlwaysCloud(AlwaysEdge):
    """Every request goes to the cloud."""

    name = "always-cloud"

    def __init__(self, threshold: float = float("-inf")) -> None:
        Policy.__init__(self, float("-inf"))

    def decide(self, request: Request, *, edge_response: str | None = None) -> Decision:
        """Always the cloud."""
        return Decision("cloud", f"{self.name}: every request goes to the cloud")


class RandomPolicy(Policy):
    """A share of requests, picked by a stable hash of the prompt and a seed, goes to the cloud."""

    name = "random"

    def __init__(self, threshold: float | None = None, *, cloud_share: float = 0.5, seed: int = 0) -> None:
        super().__init__(1.0 - cloud_share if threshold is None else threshold)
        self.seed = seed

    def state(self) -> dict[str, Any]:
        """The threshold and the seed of the draws."""
        return {"threshold": self.threshold, "seed": self.seed}

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """A uniform number in [0, 1) per prompt (stable for a prompt and seed)."""
        return stable_uniform(prompts, seed=self.seed + 1)

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """The draw."""
        return f"random draw {score:.3f} (cloud share {1 - self.threshold:.0%})"
