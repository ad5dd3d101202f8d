"""Outcome data: one row per prompt, with how the edge and the cloud model did on it.

Column contract of :attr:`Outcomes.frame` (one row per prompt):

- ``prompt`` (str), ``source`` (str: the file or run the row came from)
- ``edge_score``, ``cloud_score``: quality in [0, 1] (1 = correct)
- ``edge_response``, ``cloud_response``: the answers, or missing when the data has none
- ``edge_input_tokens``, ``edge_output_tokens``, ``cloud_input_tokens``, ``cloud_output_tokens``
- ``edge_cost_usd``, ``cloud_cost_usd``: dollars per call (NaN when unknown)
- ``edge_latency_s``, ``cloud_latency_s``: seconds per call (NaN when unknown)
- ``privacy_entities``: how many personal-data or secret entities the prompt carries
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "Outcomes", "split"]

COLUMNS = (
    "prompt",
    "source",
    "edge_score",
    "cloud_score",
    "edge_response",
    "cloud_response",
    "edge_input_tokens",
    "edge_output_tokens",
    "cloud_input_tokens",
    "cloud_output_tokens",
    "edge_cost_usd",
    "cloud_cost_usd",
    "edge_latency_s",
    "cloud_latency_s",
    "privacy_entities",
)


@dataclass(frozen=True)
class Outcomes:
    """Per-prompt outcomes of an edge and a cloud model, and how their costs were obtained.

    ``cost_basis`` says where prices and token counts came from; ``tokens_estimated`` and
    ``cost_estimated`` are true when any count was estimated rather than counted.
    """

    frame: pd.DataFrame
    edge_model: str
    cloud_model: str
    cost_basis: str = ""
    tokens_estimated: bool = False
    cost_estimated: bool = False
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        missing = [c for c in COLUMNS if c not in self.frame.columns]
        if missing:
            raise ConfigError(f"Outcome frame lacks columns {missing}; build it with a loader in workbench.routing.")

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def prompts(self) -> list[str]:
        """The prompt texts, in row order."""
        return self.frame["prompt"].astype(str).tolist()

    @property
    def edge_responses(self) -> list[str] | None:
        """The edge model's answers, or ``None`` when the data has none (then no cascade can run)."""
        column = self.frame["edge_response"]
        if column.isna().any():
            return None
        return column.astype(str).tolist()

    def array(self, column: str) -> np.ndarray:
        """One numeric column as a float array (missing values are NaN)."""
        return self.frame[column].to_numpy(dtype=np.float64, na_value=np.nan)

    def take(self, rows: np.ndarray) -> Outcomes:
        """The outcomes of the given row positions, same metadata."""
        return replace(self, frame=self.frame.iloc[rows].reset_index(drop=True))

    def concat(self, other: Outcomes) -> Outcomes:
        """These rows followed by ``other``'s; the two must be for the same pair of models."""
        import pandas as pd

        if (self.edge_model, self.cloud_model) != (other.edge_model, other.cloud_model):
            raise ConfigError("Outcomes for different models cannot be combined; load each pair separately.")
        basis = self.cost_basis if self.cost_basis == other.cost_basis else f"{self.cost_basis}; {other.cost_basis}"
        return replace(
            self,
            frame=pd.concat([self.frame, other.frame], ignore_index=True),
            cost_basis=basis,
            tokens_estimated=self.tokens_estimated or other.tokens_estimated,
            cost_estimated=self.cost_estimated or other.cost_estimated,
            notes=tuple(dict.fromkeys(self.notes + other.notes)),
        )


def split(data: Outcomes, *, seed: int = 0, test_fraction: float = 0.5) -> tuple[Outcomes, Outcomes]:
    """A deterministic train/test split of the prompts: the same seed gives the same split.

    Rows with the same prompt text always land on the same side, so no test prompt is seen in training.
    """
    if not 0 < test_fraction < 1:
        raise ConfigError(f"test_fraction={test_fraction} must be between 0 and 1 (exclusive).")
    from workbench.routing.tiebreak import stable_uniform

    u = stable_uniform(data.prompts, seed=seed + 7919)
    order = np.argsort(u, kind="stable")
    # Cut at a quantile of the per-prompt hash, so duplicates share a side.
    n_test = round(len(data) * test_fraction)
    if n_test in (0, len(data)):
        raise ConfigError(f"{len(data)} prompts are too few to split with test_fraction={test_fraction}.")
    cut = u[order[n_test - 1]]
    test_mask = u <= cut
    return data.take(np.flatnonzero(~test_mask)), data.take(np.flatnonzero(test_mask))
