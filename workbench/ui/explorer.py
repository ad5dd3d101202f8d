"""The routing explorer widget: a policy, a slider (cloud share or dollar budget) and a split seed over outcomes.

Rendering only: every number comes from :class:`workbench.routing.exploration.Exploration`, which
scores each (policy, seed) once; a slider move is one :meth:`Exploration.at` (or
:meth:`~Exploration.at_budget`) lookup, one batched restyle of the operating-point trace and two HTML values.

In a notebook it is two outputs: the live widget (marked ``{"workbench": {"view": "live"}}`` in its
output metadata) and a static snapshot of its last state (:mod:`workbench.ui.explorer_view`), redrawn
in place :data:`SNAPSHOT_DELAY` seconds after the slider stops and hidden by a CSS rule while the
live widget is on the page. Saving through a Jupyter server running the workbench's extension drops
the live output (:mod:`workbench.server.saving`), so the saved notebook shows the snapshot and no
"Error displaying widget". :meth:`Explorer.freeze` leaves the snapshot alone on screen now.
"""

from __future__ import annotations

import asyncio
import html
import uuid
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.errors import ConfigError
from workbench.routing.exploration import Exploration, Point, explorable_policies
from workbench.routing.plots import policy_style
from workbench.ui.explorer_view import curve_svg, point_html, point_text, static_html, tables_html

if TYPE_CHECKING:
    from workbench.routing.outcomes import Outcomes

__all__ = ["LIVE_MARK", "SNAPSHOT_DELAY", "Explorer", "explore"]

SNAPSHOT_DELAY = 0.3
"""Seconds after the last slider move before the static snapshot is redrawn (a drag redraws it once)."""
LIVE_MARK = {"workbench": {"view": "live"}}
"""Output metadata of the live widget's output: a saving server drops it and keeps the snapshot."""
SHARE, BUDGET = "cloud share", "dollar budget"


class Explorer:
    """The widget; build it with :func:`explore`. ``point`` is what it shows now."""

    def __init__(self, data: Outcomes, *, policy: str | None = None, share: float = 0.3, seed: int = 0) -> None:
        import plotly.graph_objects as go

        self.data = data
        self._cache: dict[tuple[str, int], Exploration] = {}
        names = explorable_policies(data)
        self.frozen = False
        self._key = uuid.uuid4().hex
        self._shown = False
        self._pending: asyncio.TimerHandle | None = None
        self._configuring = False
        chosen = policy or self._first_that_fits(names, seed)
        self.policy = widgets.Dropdown(options=names, value=chosen, description="policy")
        self._shown_policy = chosen
        self.axis = widgets.Dropdown(options=[SHARE], value=SHARE, description="slider sets")
        self.share = widgets.FloatSlider(value=100 * share, min=0, max=100, step=0.5, description="cloud %",
                                         continuous_update=True, readout_format=".1f")  # fmt: skip
        self.share.add_class("workbench-explore-slider")
        self.seed = widgets.BoundedIntText(value=seed, min=0, max=10_000, description="split seed")
        self.pin = widgets.Checkbox(value=False, description="keep flagged prompts on the edge")
        self.figures = widgets.HTML()
        self.figures.add_class("workbench-explore-live-figures")
        self.tables = widgets.HTML()
        self.figure = go.FigureWidget()
        self.figure.update_layout(height=360, margin={"l": 50, "r": 10, "t": 40, "b": 40}, yaxis_title="quality")
        for name in ("curve", "curve without the pin", "oracle", "operating point"):
            self.figure.add_scatter(x=[], y=[], name=name, mode="markers" if name == "operating point" else "lines")
        self._point_trace = self.figure.data[3]
        self._point_trace.marker = {"size": 14, "color": "#000000", "symbol": "x"}
        if self.exploration().costs_known:
            self.axis.options = [SHARE, BUDGET]
        self.share.observe(lambda _: None if self._configuring else self.move(), names="value")
        self.axis.observe(lambda _: self.redraw(), names="value")
        self.pin.observe(lambda _: self.redraw(), names="value")
        self.policy.observe(lambda _: self._change_policy(), names="value")
        self.seed.observe(lambda _: self.redraw(), names="value")
        controls = widgets.HBox([self.policy, self.seed, self.pin])
        self.container = widgets.VBox([controls, widgets.HBox([self.axis, self.share]), self.figures, self.figure,
                                       self.tables])  # fmt: skip
        self.container.add_class(f"workbench-explore-live-{self._key}")
        self.redraw()

    def _first_that_fits(self, names: list[str], seed: int) -> str:
        """The learned router if it can be trained on these outcomes, else the first policy that can."""
        errors = []
        for name in sorted(names, key=lambda n: n != "learned"):
            try:
                self._cache[(name, seed)] = Exploration(self.data, name, seed=seed)
                return name
            except ConfigError as exc:
                errors.append(f"{name}: {exc}")
        raise ConfigError("No routing policy can be explored on these outcomes (" + "; ".join(errors) + ").")

    def _change_policy(self) -> None:
        """Show the chosen policy; one that cannot run on these outcomes says why, and the last one stays."""
        try:
            self.exploration()
        except ConfigError as exc:
            self.policy.value = self._shown_policy  # redraws the policy shown so far
            self.figures.value = f"<p><b>{html.escape(str(exc))}</b></p>" + self.figures.value
            return
        self._shown_policy = str(self.policy.value)
        self.redraw()

    def exploration(self) -> Exploration:
        """The precomputed ranking of the chosen (policy, seed)."""
        key = (str(self.policy.value), int(self.seed.value))
        if key not in self._cache:
            self._cache[key] = Exploration(self.data, key[0], seed=key[1])
        return self._cache[key]

    def _x(self, ex: Exploration, curve: dict[str, Any]) -> Any:
        return curve["cost_usd"] if ex.costs_known else curve["cloud_share"]

    def _curves(self) -> list[tuple[Any, Any, str | None]]:
        ex, pinned = self.exploration(), bool(self.pin.value)
        oracle = self._cache.setdefault(("oracle", ex.seed), Exploration(self.data, "oracle", seed=ex.seed)) \
            if ex.policy != "oracle" else ex  # fmt: skip
        colour = policy_style(ex.policy)["color"]
        return [
            (ex.curve(pinned), colour, None),
            (ex.curve(False) if pinned else None, colour, "dot"),
            (oracle.curve(pinned), policy_style("oracle")["color"], "dot"),
        ]

    def _configure_slider(self, ex: Exploration) -> None:
        """Make the slider a cloud share (%) or a dollar budget over the spend this ranking can reach."""
        self._configuring = True
        try:
            if self.axis.value == BUDGET:
                low, high = ex.spend_range(bool(self.pin.value))
                last = getattr(self, "point", None)
                kept = high if last is None else last.budget_usd if last.budget_usd is not None else last.cost_usd
                value = min(max(float(kept or low), low), high)
                self.share.min, self.share.max = -1e9, 1e9  # widen first: min may not pass max on the way
                self.share.step = (high - low) / 1000 or 1e-9
                self.share.min, self.share.max, self.share.value = low, high, value
                self.share.description, self.share.readout_format = "budget $", ".4g"
            else:
                value = 100 * self.point.share if hasattr(self, "point") else self.share.value
                self.share.min, self.share.max = -1e9, 1e9
                self.share.step, self.share.min, self.share.max, self.share.value = 0.5, 0, 100, value
                self.share.description, self.share.readout_format = "cloud %", ".1f"
        finally:
            self._configuring = False

    def redraw(self) -> None:
        """Draw the curves of the chosen policy and seed (after a change of policy, seed, pin or axis), then move."""
        ex = self.exploration()
        self._configure_slider(ex)
        with self.figure.batch_update():
            for trace, (curve, colour, dash) in zip(self.figure.data[:3], self._curves(), strict=True):
                trace.x = [] if curve is None else self._x(ex, curve)
                trace.y = [] if curve is None else curve["quality"]
                trace.line = {"color": colour, "dash": dash}
            self.figure.data[0].name = ex.policy + (" (flagged pinned)" if self.pin.value else "")
            self.figure.data[1].name, self.figure.data[2].name = f"{ex.policy} without the pin", "oracle"
            self.figure.layout.xaxis.title = "dollars" if ex.costs_known else "share of calls sent to the cloud"
            self.figure.layout.title = f"{ex.policy} on the held-out half (split seed {ex.seed}, n={ex.n})"
        self.move()

    def move(self) -> Point:
        """Show the operating point at the slider's value: figures, point on the curve, tables."""
        ex, pinned = self.exploration(), bool(self.pin.value)
        value = float(self.share.value)
        if self.axis.value == BUDGET:
            self.point = p = ex.at_budget(value, pinned=pinned)
        else:
            self.point = p = ex.at(value / 100, pinned=pinned)
        x = p.cost_usd if ex.costs_known else p.cloud_share
        self.figure.plotly_restyle({"x": [[x]], "y": [[p.quality]]}, trace_indexes=[3])
        self.figures.value = point_html(p)
        self.tables.value = tables_html(p)
        self._schedule_snapshot()
        return p

    def static_bundle(self) -> dict[str, str]:
        """The last state as plain HTML (figures, the curve as SVG, tables) and text."""
        ex = self.exploration()
        p = self.point
        curves = [(self._x(ex, c), c["quality"], colour, dash or "") for c, colour, dash in self._curves() if c]
        svg = curve_svg(curves, (p.cost_usd if ex.costs_known else p.cloud_share, p.quality),  # type: ignore[arg-type]
                        x_title="dollars" if ex.costs_known else "cloud share",
                        title=f"{ex.policy} on the held-out half (split seed {ex.seed}, n={ex.n})")  # fmt: skip
        return {"text/html": static_html(p, svg), "text/plain": point_text(p)}

    def _snapshot_bundle(self) -> dict[str, str]:
        bundle = self.static_bundle()
        live, static = f"workbench-explore-live-{self._key}", f"workbench-explore-static-{self._key}"
        hide = f"<style>.jp-OutputArea:has(.{live}) .{static} {{display: none}}</style>"
        return {**bundle, "text/html": f"{hide}<div class='{static}'>{bundle['text/html']}</div>"}

    def snapshot(self) -> None:
        """Redraw the static snapshot under the widget with the current state (what a saved notebook keeps)."""
        from IPython.display import update_display

        self._pending = None
        if self._shown:
            update_display(self._snapshot_bundle(), display_id=f"workbench-explore-static-{self._key}", raw=True)

    def _schedule_snapshot(self) -> None:
        if not self._shown or self.frozen:
            return
        if self._pending is not None:
            self._pending.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a plain script): draw it now
            self.snapshot()
            return
        self._pending = loop.call_later(SNAPSHOT_DELAY, self.snapshot)

    def freeze(self) -> None:
        """Close the widget, leaving the static snapshot of its current state on screen (and in the notebook)."""
        from IPython.display import update_display

        if self._pending is not None:
            self._pending.cancel()
        self.snapshot()
        self.frozen = True
        self.container.close()
        if self._shown:
            update_display({"text/plain": ""}, display_id=f"workbench-explore-live-{self._key}", raw=True)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view and a line of text while live; the static HTML and text once frozen."""
        if self.frozen:
            return dict(self.static_bundle())
        bundle: dict[str, Any] = self.container._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/plain": "Routing explorer (live widget; its last state is shown below it)"}

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self.frozen:
            display(self.static_bundle(), raw=True)
            return
        self._shown = True
        display(self._repr_mimebundle_(), display_id=f"workbench-explore-live-{self._key}", raw=True,
                metadata=LIVE_MARK)  # fmt: skip
        display(self._snapshot_bundle(), display_id=f"workbench-explore-static-{self._key}", raw=True)


def explore(data: Outcomes, *, policy: str | None = None, share: float = 0.3, seed: int = 0) -> Explorer:
    """An interactive routing experiment over ``data``: pick a policy, move the cloud share or a dollar budget,
    change the split seed. Display it in a notebook; its static last state stays in the saved notebook.
    """
    return Explorer(data, policy=policy, share=share, seed=seed)
