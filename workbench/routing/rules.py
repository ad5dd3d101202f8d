"""Rule policy: long prompts and task keywords escalate; anything the privacy check flags stays local."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.routing.policy import Policy
from workbench.routing.privacy_hook import count_entities

__all__ = ["DEFAULT_KEYWORDS", "RulesPolicy"]

DEFAULT_KEYWORDS = (
    "prove",
    "derive",
    "calculate",
    "compute",
    "how many",
    "how much",
    "percent",
    "probability",
    "step by step",
    "explain why",
    "law",
    "legal",
    "court",
    "statute",
    "plaintiff",
    "defendant",
    "contract",
    "diagnos",
    "algorithm",
    "code",
    "function",
    "equation",
)
"""Task words that suggest multi-step reasoning or specialist knowledge (matched case-insensitively)."""


class RulesPolicy(Policy):
    """Score = prompt characters / ``chars_per_point`` + number of distinct task keywords present.

    With ``keep_flagged_local`` a prompt in which the privacy check finds personal data or a secret
    scores ``-inf``: it stays on the edge whatever the threshold.
    """

    name = "rules"

    def __init__(
        self,
        threshold: float = 2.0,
        *,
        chars_per_point: float = 1000.0,
        keywords: Sequence[str] = DEFAULT_KEYWORDS,
        keep_flagged_local: bool = True,
    ) -> None:
        super().__init__(threshold)
        self.chars_per_point = chars_per_point
        self.keywords = tuple(keywords)
        self.keep_flagged_local = keep_flagged_local
        self._patterns = [re.compile(r"\b" + re.escape(k), re.IGNORECASE) for k in self.keywords]

    def state(self) -> dict[str, Any]:
        """Threshold, length scale, keywords and the privacy switch."""
        return {
            "threshold": self.threshold,
            "chars_per_point": self.chars_per_point,
            "keywords": list(self.keywords),
            "keep_flagged_local": self.keep_flagged_local,
        }

    def keywords_in(self, prompt: str) -> list[str]:
        """The task keywords found in ``prompt``."""
        return [k for k, p in zip(self.keywords, self._patterns, strict=True) if p.search(prompt)]

    def raw_scores(self, prompts: Sequence[str], edge_responses: Sequence[str] | None = None) -> np.ndarray:
        """Length points plus keyword hits; ``-inf`` for privacy-flagged prompts."""
        scores = np.array([len(p) / self.chars_per_point + len(self.keywords_in(p)) for p in prompts])
        if self.keep_flagged_local:
            flagged = np.array([bool(count_entities(p)) for p in prompts], dtype=bool)
            scores[flagged] = -np.inf
        return scores

    def explain(self, prompt: str, edge_response: str | None, score: float) -> str:
        """Which rule fired."""
        if self.keep_flagged_local and (entities := count_entities(prompt)):
            found = ", ".join(f"{kind} x{count}" for kind, count in sorted(entities.items()))
            return f"privacy: {found} found, stays on the device; score {score}"
        words = self.keywords_in(prompt)
        listed = ", ".join(repr(w) for w in words) if words else "none"
        return f"{len(prompt):,} chars, keywords {listed}: score {score:.3f}"
