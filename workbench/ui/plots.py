"""Records as plotly figures: pure functions for static plots, and a live sink that appends.

* :func:`latency_figure`: time to first token (open marks) and total latency (filled marks) per
  call, by target; failed calls as grey crosses; calls that sent flagged data off the device
  ringed in red.
* :func:`cost_figure`: cumulative dollars, edge (on device + private network) against cloud.
  A call whose cost is unknown adds nothing and is counted in the trace name, never as $0.

Both are built by the same incremental builders that :class:`LivePlots` uses, so a static
figure from the run log and the live one show exactly the same points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from workbench.request import CallRecord, Locality
from workbench.sinks import BaseSink
from workbench.table import figure_rows

if TYPE_CHECKING:
    from workbench.store import Store

__all__ = ["LivePlots", "cost_figure", "figures", "from_store", "latency_figure", "write_html"]

_FLAGGED = "flagged data sent off device"
_FAILED = "failed calls"
_EDGE, _CLOUD = "edge (device + private network)", "cloud"


@dataclass
class _Series:
    style: dict[str, Any]
    x: list[int] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def add(self, x: int, y: float, text: str) -> None:
        self.x.append(x)
        self.y.append(y)
        self.text.append(text)

    def trace(self) -> go.Scatter:
        return go.Scatter(x=self.x, y=self.y, hovertext=self.text, hoverinfo="text+y", **self.style)


def _hover(number: int, record: CallRecord) -> str:
    rows = "<br>".join(f"{label}: {value}" for label, value in figure_rows(record))
    return f"<b>{record.target}</b> · call {number}<br>{rows}"


class _LatencyBuilder:
    """Records -> latency/TTFT series by target, plus failed and flagged overlays."""

    def __init__(self) -> None:
        self.series: dict[str, _Series] = {}
        self._targets: list[str] = []

    def _get(self, name: str, style: dict[str, Any]) -> _Series:
        if name not in self.series:
            self.series[name] = _Series({"name": name, **style})
        return self.series[name]

    def add(self, number: int, record: CallRecord) -> list[str]:
        """Add one record as call ``number``; return the names of the series it changed."""
        if record.target not in self._targets:
            self._targets.append(record.target)
        colour = qualitative.Plotly[self._targets.index(record.target) % len(qualitative.Plotly)]
        group = {"legendgroup": record.target, "mode": "markers"}
        text = _hover(number, record)
        changed: list[str] = []
        if record.ok:
            name = f"{record.target} · latency"
            self._get(name, {**group, "marker": {"color": colour, "size": 8}}).add(number, record.latency_s, text)
            changed.append(name)
            if record.ttft_s is not None:
                name = f"{record.target} · first token"
                style = {**group, "marker": {"color": colour, "size": 8, "symbol": "circle-open"}}
                self._get(name, style).add(number, record.ttft_s, text)
                changed.append(name)
        else:
            style = {"mode": "markers", "marker": {"color": "#888", "size": 9, "symbol": "x"}}
            self._get(_FAILED, style).add(number, record.latency_s, text)
            changed.append(_FAILED)
        if record.privacy is not None and record.privacy.left_device:
            style = {"mode": "markers", "marker": {"color": "rgba(0,0,0,0)", "size": 18,
                                                   "line": {"color": "#d62728", "width": 2}}}
            self._get(_FLAGGED, style).add(number, record.latency_s, text)
            changed.append(_FLAGGED)
        return changed


class _CostBuilder:
    """Records -> cumulative dollars, edge against cloud; unknown costs counted, not added."""

    def __init__(self) -> None:
        self.series: dict[str, _Series] = {}
        self._total = {_EDGE: 0.0, _CLOUD: 0.0}
        self._unknown = {_EDGE: 0, _CLOUD: 0}
        for name, colour in ((_EDGE, "#1b7f3b"), (_CLOUD, "#1f5fbf")):
            self.series[name] = _Series({"name": name, "mode": "lines+markers", "line": {"color": colour},
                                         "line_shape": "hv", "marker": {"size": 5}})

    def add(self, number: int, record: CallRecord) -> list[str]:
        """Add one record as call ``number``; return the names of the series it changed."""
        group = _CLOUD if record.locality is Locality.CLOUD else _EDGE
        series = self.series[group]
        if record.cost_usd is None:
            self._unknown[group] += 1
            series.style["name"] = f"{group} (+{self._unknown[group]} calls, cost unknown)"
        else:
            self._total[group] += record.cost_usd
            series.add(number, self._total[group], _hover(number, record))
        return [group]


def _layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "xaxis": {"title": {"text": "call"}}, "yaxis": {"title": {"text": y_title}},
            "height": 340, "margin": {"l": 60, "r": 10, "t": 40, "b": 40}, "legend": {"font": {"size": 10}},
            **extra}


def _build(builder: _LatencyBuilder | _CostBuilder, records: Iterable[CallRecord]) -> None:
    for number, record in enumerate(records, start=1):
        builder.add(number, record)


def _figure(builder: _LatencyBuilder | _CostBuilder, layout: dict[str, Any], widget: bool) -> go.Figure:
    cls = go.FigureWidget if widget else go.Figure
    return cls(data=[s.trace() for s in builder.series.values()], layout=layout)


_LATENCY_LAYOUT = _layout("Time to first token and latency per call", "seconds", yaxis_type="log")
_COST_LAYOUT = _layout("Cumulative cost: edge vs cloud", "US dollars")


def latency_figure(records: Sequence[CallRecord], *, widget: bool = False) -> go.Figure:
    """TTFT and latency per call (oldest first), by target; failed and flagged calls marked."""
    builder = _LatencyBuilder()
    _build(builder, records)
    return _figure(builder, _LATENCY_LAYOUT, widget)


def cost_figure(records: Sequence[CallRecord], *, widget: bool = False) -> go.Figure:
    """Cumulative dollars per call (oldest first), edge against cloud."""
    builder = _CostBuilder()
    _build(builder, records)
    return _figure(builder, _COST_LAYOUT, widget)


def figures(records: Sequence[CallRecord]) -> list[go.Figure]:
    """Both static figures for ``records`` (oldest first)."""
    return [latency_figure(records), cost_figure(records)]


def from_store(store: Store | str | Path | None = None, *, limit: int | None = 1000) -> list[go.Figure]:
    """The static figures of the newest ``limit`` calls in a run log (default: the current one)."""
    from workbench.store import Store

    log = store if isinstance(store, Store) else Store(store, readonly=True)
    return figures(log.records(limit=limit)[::-1])


def write_html(
    path: str | Path, source: Store | Sequence[CallRecord] | str | Path | None = None, *, limit: int | None = 1000
) -> Path:
    """Save the figures of a run log (or of ``records``, oldest first) as one self-contained HTML page.

    plotly.js is embedded, so the page opens offline and can be attached or exported as it is.
    """

    if isinstance(source, Sequence) and not isinstance(source, str):
        figs = figures(source)
    else:
        figs = from_store(source, limit=limit)
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figs)]
    out = Path(path)
    out.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Hybrid Workbench plots</title></head>"
        f"<body>{''.join(parts)}</body></html>",
        encoding="utf-8",
    )
    return out


class LivePlots(BaseSink):
    """The figures as FigureWidgets that grow as each call finishes; pass it as a sink and display it.

    A finished record appends to the traces it belongs to (one batched restyle of those traces);
    nothing else is redrawn.
    """

    def __init__(self, records: Iterable[CallRecord] = ()) -> None:
        import ipywidgets as widgets

        self._latency, self._cost = _LatencyBuilder(), _CostBuilder()
        self.count = 0
        for record in records:
            self.count += 1
            self._latency.add(self.count, record)
            self._cost.add(self.count, record)
        self.latency = _figure(self._latency, _LATENCY_LAYOUT, widget=True)
        self.cost = _figure(self._cost, _COST_LAYOUT, widget=True)
        self._keys = {id(self.latency): list(self._latency.series), id(self.cost): list(self._cost.series)}
        self.widget = widgets.VBox([self.latency, self.cost])
        self.widget.add_class("workbench-plots")

    def on_record(self, record: CallRecord) -> None:
        """Append the finished call to both figures."""
        self.count += 1
        for builder, fig in ((self._latency, self.latency), (self._cost, self.cost)):
            changed = builder.add(self.count, record)
            keys = self._keys[id(fig)]
            for key in changed:
                if key not in keys:
                    keys.append(key)
                    fig.add_trace(builder.series[key].trace())
            with fig.batch_update():
                for key in changed:
                    series, trace = builder.series[key], fig.data[keys.index(key)]
                    trace.update(x=np.asarray(series.x), y=np.asarray(series.y, dtype=float),
                                 hovertext=np.asarray(series.text, dtype=object), name=series.style["name"])

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = (
            f"LivePlots: {self.count} calls (shown as widgets in Jupyter; "
            "workbench.plots.from_store() for static figures)"
        )
        return bundle
