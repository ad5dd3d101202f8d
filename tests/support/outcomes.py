"""One factory of hand-made routing outcomes, for tests whose answers are worked out by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from workbench.routing.outcomes import Outcomes


def make_outcomes(
    edge: Sequence[float],
    cloud: Sequence[float],
    *,
    cloud_cost: float | Sequence[float] = 1.0,
    edge_cost: float | Sequence[float] = 0.1,
    prompts: Sequence[str] | None = None,
    responses: Any = "",
    privacy_entities: Any = 0,
) -> Outcomes:
    """Prompt i is ``q{i}`` unless given; 10 input and 5 output tokens a call; latency 1 s edge, 3 s cloud."""
    n = len(edge)
    frame = pd.DataFrame(
        {
            "prompt": list(prompts) if prompts is not None else [f"q{i}" for i in range(n)],
            "source": "hand",
            "edge_score": list(edge),
            "cloud_score": list(cloud),
            "edge_response": responses,
            "cloud_response": responses,
            "edge_input_tokens": 10.0,
            "edge_output_tokens": 5.0,
            "cloud_input_tokens": 10.0,
            "cloud_output_tokens": 5.0,
            "edge_cost_usd": edge_cost,
            "cloud_cost_usd": cloud_cost,
            "edge_latency_s": 1.0,
            "cloud_latency_s": 3.0,
            "privacy_entities": privacy_entities,
        }
    )
    return Outcomes(frame, "edge-model", "cloud-model", cost_basis="hand-made")
