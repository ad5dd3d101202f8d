"""Cost against quality per target, with the Pareto frontier: renders :meth:`Sweep.scores`, computes no figure.

x is dollars per item (a target's recorded cost over its cells), y the mean score with its 95%
interval as error bars. The frontier joins the targets no other target beats on both: none is
as cheap or cheaper and scores as high or higher, better on one of the two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.ui.format import dollars, target_colour

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["FRONTIER", "frontier_figure", "pareto_front"]

FRONTIER = "Pareto frontier"
"""The name of the frontier's trace."""


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> list[int]:
    """The indices of the points no other point dominates (cheaper or as cheap, and better or as good), by cost."""
    points = list(zip(costs, scores, strict=True))

    def dominated(i: int) -> bool:
        ci, si = points[i]
        return any(c <= ci and s >= si and (c < ci or s > si) for j, (c, s) in enumerate(points) if j != i)

    return sorted((i for i in range(len(points)) if not dominated(i)), key=lambda i: (points[i][0], -points[i][1]))


def frontier_figure(scores: pd.DataFrame, *, title: str = "Cost against quality") -> go.Figure:
    """One point per target of ``scores`` (the frame :meth:`Sweep.scores` returns), and the frontier line.

    A target whose cost is unknown (``cost_usd`` NaN) or that has no score cannot be placed: it is
    named under the title instead.
    """
    import plotly.graph_objects as go

    figure = go.Figure()
    placed: list[tuple[str, float, float]] = []
    unplaced: list[str] = []
    for index, (target, row) in enumerate(scores.iterrows()):
        n, cost, score = int(row["n"]), float(row["cost_usd"]), float(row["score"])
        if not n or math.isnan(cost) or math.isnan(score):
            unplaced.append(str(target))
            continue
        per_item = cost / n
        placed.append((str(target), per_item, score))
        figure.add_trace(go.Scatter(
            x=[per_item], y=[score], mode="markers+text", name=str(target), text=[str(target)],
            textposition="top center", marker={"size": 11, "color": target_colour(index)},
            error_y={"type": "data", "symmetric": False, "array": [float(row["ci_high"]) - score],
                     "arrayminus": [score - float(row["ci_low"])]},
            hovertemplate=(f"{target}<br>{dollars(per_item)} per item<br>score {score:.1%} "
                           f"({float(row['ci_low']):.1%} to {float(row['ci_high']):.1%}), n={n}<extra></extra>"),
        ))  # fmt: skip
    front = pareto_front([p[1] for p in placed], [p[2] for p in placed])
    if front:
        figure.add_trace(go.Scatter(
            x=[placed[i][1] for i in front], y=[placed[i][2] for i in front], mode="lines", name=FRONTIER,
            line={"dash": "dash", "color": "#555"}, hoverinfo="skip",
        ))  # fmt: skip
    note = f"<br><sup>no cost or score, not placed: {', '.join(unplaced)}</sup>" if unplaced else ""
    figure.update_layout(
        title={"text": f"{title}{note}"}, xaxis_title="dollars per item", yaxis_title="mean score (95% interval)",
        yaxis={"range": [-0.05, 1.1], "tickformat": ".0%"}, template="plotly_white", height=420,
    )  # fmt: skip
    return figure
