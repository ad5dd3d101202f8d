"""Cost against quality per target and per routing policy, with the Pareto frontier across both.

Renders :meth:`Sweep.scores` and, optionally, :func:`workbench.routing.frontier.route_curves`; computes
no figure. x is dollars per item (a target's recorded cost over its cells), y the mean score with its
95% interval as error bars; a routing policy is a line of its operating points on the held-out half.
The frontier joins the points nothing beats on both: none as cheap or cheaper and scoring as high or
higher, better on one of the two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.routing.plots import policy_style
from workbench.ui.format import dollars, target_colour

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["FRONTIER", "frontier_figure", "pareto_front"]

FRONTIER = "Pareto frontier"
"""The name of the frontier's trace."""


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> list[int]:
    """The indices of the points no other point dominates (cheaper or as cheap, and better or as good), by cost."""
    order = sorted(range(len(costs)), key=lambda i: (costs[i], -scores[i]))
    front: list[int] = []
    for i in order:  # by cost: a point is on the front when it scores above everything as cheap or cheaper
        last = front[-1] if front else None
        if last is None or scores[i] > scores[last] or (costs[i], scores[i]) == (costs[last], scores[last]):
            front.append(i)
    return front


def frontier_figure(
    scores: pd.DataFrame, *, routes: pd.DataFrame | None = None, title: str = "Cost against quality"
) -> go.Figure:
    """One point per target of ``scores`` (the frame :meth:`Sweep.scores` returns), a line per routing
    policy of ``routes`` (the frame :func:`~workbench.routing.frontier.route_curves` returns), and the frontier.

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
    for policy, curve in [] if routes is None else routes.groupby("policy", sort=False):
        shares = [float(v) for v in curve["cloud_share"]]
        x, y = [float(v) for v in curve["cost_per_item"]], [float(v) for v in curve["quality"]]
        placed += [(f"{policy} at {s:.0%} cloud", c, q) for s, c, q in zip(shares, x, y, strict=True)]
        hover = f"{policy}<br>%{{customdata}} to the cloud<br>%{{x:$.4g}} per item<br>score %{{y:.1%}}<extra></extra>"
        figure.add_trace(go.Scatter(
            x=x, y=y, mode="lines", name=f"route: {policy} (held-out half)", hovertemplate=hover,
            line={"color": policy_style(str(policy))["color"]}, customdata=[f"{s:.0%}" for s in shares],
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
