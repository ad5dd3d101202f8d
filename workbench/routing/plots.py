"""Routing plots: one fixed colour and line style per policy, so a policy looks the same in every figure.

:data:`POLICY_STYLES` is the only place routing colours are chosen; :func:`policy_style` reads it (and
gives a policy it does not list a colour fixed by its name), and :func:`curve_figure` draws with it.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["POLICY_STYLES", "curve_figure", "policy_style"]

POLICY_STYLES: dict[str, dict[str, str | None]] = {
    "always-edge": {"color": "#2ca02c", "dash": None},
    "always-cloud": {"color": "#d62728", "dash": None},
    "random": {"color": "#7f7f7f", "dash": "dash"},
    "rules": {"color": "#ff7f0e", "dash": None},
    "cascade": {"color": "#8c564b", "dash": None},
    "learned": {"color": "#1f77b4", "dash": None},
    "learned-cascade": {"color": "#9467bd", "dash": None},
    "learned-per-dollar": {"color": "#17becf", "dash": None},
    "oracle": {"color": "#111111", "dash": "dot"},
}
"""Colour (hex) and plotly dash style of each policy, by the names :data:`~workbench.routing.POLICIES` uses."""

_SPARE = ("#17becf", "#bcbd22", "#e377c2", "#aec7e8", "#ffbb78", "#98df8a")


def policy_style(name: str) -> dict[str, str | None]:
    """The colour and dash of ``name``; a policy not in :data:`POLICY_STYLES` gets a spare colour fixed by its name."""
    if name in POLICY_STYLES:
        return dict(POLICY_STYLES[name])
    return {"color": _SPARE[zlib.crc32(name.encode()) % len(_SPARE)], "dash": None}


def curve_figure(
    curves: pd.DataFrame, *, title: str, target_quality: float | None = None, target_label: str = "95% of cloud"
) -> go.Figure:
    """Quality against the share of calls sent to the cloud, one trace per policy of ``curves``.

    ``curves`` has the columns of :func:`~workbench.routing.policy_curves` (policy, cloud_share, quality);
    a policy with one row is a point. ``target_quality`` draws a dotted line labelled ``target_label``.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, curve in curves.groupby("policy", sort=False):
        style = policy_style(str(name))
        point = len(curve) == 1
        fig.add_trace(
            go.Scatter(
                x=curve["cloud_share"],
                y=curve["quality"],
                mode="markers" if point else "lines",
                name=str(name),
                line={"color": style["color"], "dash": style["dash"]},
                marker={"color": style["color"], "size": 10},
            )
        )
    if target_quality is not None:
        fig.add_hline(y=target_quality, line_dash="dot", line_color="#999999", annotation_text=target_label)
    fig.update_layout(
        title=title,
        xaxis_title="share of calls sent to the cloud",
        yaxis_title="accuracy",
        xaxis_tickformat=".0%",
        height=450,
    )
    return fig
