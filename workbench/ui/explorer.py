"""The routing explorer widget: a policy, a cloud-share slider and a split seed over routing outcomes.

Rendering only: every number comes from :class:`workbench.routing.exploration.Exploration`, which
scores each (policy, seed) once; a slider move is one :meth:`Exploration.at` lookup, one batched
restyle of the operating-point trace and three HTML values. :meth:`Explorer.freeze` replaces every
display of the explorer by static HTML of its last state, so a saved notebook keeps what it showed.
"""

from __future__ import annotations

import html
import uuid
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.routing.exploration import Exploration, Point, explorable_policies
from workbench.routing.plots import policy_style
from workbench.ui.format import dollars, seconds

if TYPE_CHECKING:
    from workbench.routing.outcomes import Outcomes

__all__ = ["Explorer", "explore", "point_html", "point_text", "tables_html"]

_COLUMNS = ("rank", "prompt", "score", "edge_score", "cloud_score", "cloud_cost_usd", "privacy_entities", "side")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def point_text(p: Point) -> str:
    """The figures of ``p`` as lines of text."""
    lines = [
        f"{p.policy}, split seed {p.seed}, top {_pct(p.share)} of the ranking to the cloud"
        + (" (flagged prompts kept on the edge)" if p.pinned else ""),
        f"quality {p.quality:.3f} (95% CI {p.quality_low:.3f}-{p.quality_high:.3f}, n={p.n})"
        + (f"; the pin costs {p.pin_cost:.3f}" if p.pinned else ""),
        f"cost {dollars(p.cost_usd)}, saved {_pct(p.cost_saved)} of all-cloud",
        f"cloud share {_pct(p.cloud_share)} of calls ({p.cloud_calls}), {_pct(p.cloud_cost_share)} of cloud cost",
        f"APGR {'n/a' if p.apgr is None else f'{p.apgr:.3f}'}, PGR here {'n/a' if p.pgr is None else f'{p.pgr:.3f}'}",
        f"privacy: {p.flagged_to_cloud} of {p.flagged_total} prompts with personal data go to the cloud",
        f"router misses {p.missed_total} prompts only the cloud got right",
    ]
    if p.latency_p50_s is not None:
        lines.append(f"latency p50 {seconds(p.latency_p50_s)}, p90 {seconds(p.latency_p90_s)}")
    return "\n".join(lines)


def point_html(p: Point) -> str:
    """The figures of ``p`` as a small HTML list."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in point_text(p).splitlines())
    return f"<ul class='workbench-explore-figures' style='margin:0;padding-left:1.2em'>{items}</ul>"


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "cloud_cost_usd":
        return dollars(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in _COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, r[c])}</td>" for c in _COLUMNS) + "</tr>" for r in rows)
    return (
        f"<div><b>{html.escape(title)}</b> ({len(rows)})<table style='font-size:11px;border-collapse:collapse'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def tables_html(p: Point) -> str:
    """The two tables of ``p``: prompts crossing to the cloud here, and the router's misses."""
    return _table("Last prompts to cross from edge to cloud", p.crossing) + _table(
        "Kept on the edge where only the cloud was right (router surest first)", p.missed
    )


class Explorer:
    """The widget; build it with :func:`explore`. ``point`` is what it shows now."""

    def __init__(self, data: Outcomes, *, policy: str | None = None, share: float = 0.3, seed: int = 0) -> None:
        import plotly.graph_objects as go

        self.data = data
        self._cache: dict[tuple[str, int], Exploration] = {}
        names = explorable_policies(data)
        self.frozen = False
        self._display_id = f"workbench-explore-{uuid.uuid4().hex}"
        self.policy = widgets.Dropdown(
            options=names, value=policy or ("learned" if "learned" in names else names[0]), description="policy"
        )
        self.share = widgets.FloatSlider(value=100 * share, min=0, max=100, step=0.5, description="cloud %",
                                         continuous_update=True, readout_format=".1f")  # fmt: skip
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=10_000, description="split seed")
        self.pin = widgets.Checkbox(value=False, description="keep flagged prompts on the edge")
        self.figures = widgets.HTML()
        self.tables = widgets.HTML()
        self.figure = go.FigureWidget()
        self.figure.update_layout(height=360, margin={"l": 50, "r": 10, "t": 40, "b": 40}, yaxis_title="quality")
        for name in ("curve", "curve without the pin", "oracle", "operating point"):
            self.figure.add_scatter(x=[], y=[], name=name, mode="markers" if name == "operating point" else "lines")
        self._point_trace = self.figure.data[3]
        self._point_trace.marker = {"size": 14, "color": "#000000", "symbol": "x"}
        self.share.observe(lambda _: self.move(), names="value")
        self.pin.observe(lambda _: self.redraw(), names="value")
        self.policy.observe(lambda _: self.redraw(), names="value")
        self.seed.observe(lambda _: self.redraw(), names="value")
        controls = widgets.HBox([self.policy, self.seed, self.pin])
        self.container = widgets.VBox([controls, self.share, self.figures, self.figure, self.tables])
        self.redraw()

    def exploration(self) -> Exploration:
        """The precomputed ranking of the chosen (policy, seed)."""
        key = (str(self.policy.value), int(self.seed.value))
        if key not in self._cache:
            self._cache[key] = Exploration(self.data, key[0], seed=key[1])
        return self._cache[key]

    def _x(self, ex: Exploration, curve: dict[str, Any]) -> Any:
        return curve["cost_usd"] if ex.costs_known else curve["cloud_share"]

    def redraw(self) -> None:
        """Draw the curves of the chosen policy and seed (after a change of policy, seed or pin), then move."""
        ex = self.exploration()
        pinned = bool(self.pin.value)
        oracle = self._cache.setdefault(("oracle", ex.seed), Exploration(self.data, "oracle", seed=ex.seed)) \
            if ex.policy != "oracle" else ex  # fmt: skip
        style = policy_style(ex.policy)
        curves = [
            (ex.curve(pinned), style["color"], None),
            (ex.curve(False) if pinned else None, style["color"], "dot"),
            (oracle.curve(pinned), policy_style("oracle")["color"], "dot"),
        ]
        with self.figure.batch_update():
            for trace, (curve, colour, dash) in zip(self.figure.data[:3], curves, strict=True):
                trace.x = [] if curve is None else self._x(ex, curve)
                trace.y = [] if curve is None else curve["quality"]
                trace.line = {"color": colour, "dash": dash}
            self.figure.data[0].name = ex.policy + (" (flagged pinned)" if pinned else "")
            self.figure.layout.xaxis.title = "dollars" if ex.costs_known else "share of calls sent to the cloud"
            self.figure.layout.title = f"{ex.policy} on the held-out half (split seed {ex.seed}, n={ex.n})"
        self.move()

    def move(self) -> Point:
        """Show the operating point at the slider's share: figures, point on the curve, tables."""
        ex = self.exploration()
        self.point = p = ex.at(float(self.share.value) / 100, pinned=bool(self.pin.value))
        x = p.cost_usd if ex.costs_known else p.cloud_share
        self.figure.plotly_restyle({"x": [[x]], "y": [[p.quality]]}, trace_indexes=[3])
        self.figures.value = point_html(p)
        self.tables.value = tables_html(p)
        return p

    def static_bundle(self) -> dict[str, str]:
        """The last state as HTML (the figure with plotly.js from its CDN, the figures, the tables) and text."""
        import plotly.io as pio

        figure = pio.to_html(self.figure, full_html=False, include_plotlyjs="cdn")
        body = point_html(self.point) + figure + tables_html(self.point)
        page = f"<div class='workbench-explore workbench-static'>{body}</div>"
        return {"text/html": page, "text/plain": point_text(self.point)}

    def freeze(self) -> None:
        """Replace every display of this explorer by static HTML of its current state (for a saved notebook)."""
        from IPython.display import update_display

        self.frozen = True
        self.container.close()
        update_display(self.static_bundle(), display_id=self._display_id, raw=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view while live, with the static HTML and text beside it; only those once frozen."""
        if self.frozen:
            return dict(self.static_bundle())
        bundle: dict[str, Any] = self.container._repr_mimebundle_(**kwargs) or {}
        return {**bundle, **self.static_bundle()}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), display_id=self._display_id, raw=True)


def explore(data: Outcomes, *, policy: str | None = None, share: float = 0.3, seed: int = 0) -> Explorer:
    """An interactive routing experiment over ``data``: pick a policy, move the cloud share, change the split seed.

    Display it in a notebook; call :meth:`Explorer.freeze` to leave a static view of its last state.
    """
    return Explorer(data, policy=policy, share=share, seed=seed)
