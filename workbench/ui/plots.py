"""Records as plotly figures: pure functions for static plots, and a live view of a run log.

* :func:`latency_figure`: time to first token (open marks) and total latency (filled marks) per
  call, by target; failed calls as grey crosses; replayed calls (recorded figures, nothing sent) as
  violet diamonds; calls that sent flagged data off the device ringed in red. A call never sent has
  no timings and is not plotted; the failed trace's name counts it.
* :func:`cost_figure`: cumulative dollars spent, edge (on device + private network) against cloud,
  from 0. A call whose cost is unknown adds nothing and is counted in the trace name, never as $0;
  replayed and unsent calls spend nothing.

One rule for both and for :class:`LivePlots`: calls are numbered in the order they started (the run
log's order), and every recorded call is shown. They share the incremental builders, so a static
figure from the run log and the live one show exactly the same points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from workbench.records.call import CallRecord
from workbench.runner.sinks import BaseSink
from workbench.ui.format import count
from workbench.ui.plot_series import (
    COST_LAYOUT,
    LATENCY_LAYOUT,
    CostBuilder,
    Hover,
    LatencyBuilder,
    build,
    in_log_order,
)

if TYPE_CHECKING:
    from workbench.runlog.store import Store

__all__ = ["LivePlots", "cost_figure", "figures", "from_store", "latency_figure", "write_html"]


def _figure(builder: LatencyBuilder | CostBuilder, layout: dict[str, Any], widget: bool) -> go.Figure:
    cls = go.FigureWidget if widget else go.Figure
    return cls(data=[s.trace() for s in builder.series.values()], layout=layout)


def latency_figure(records: Sequence[CallRecord], *, widget: bool = False, hover: Hover | None = None) -> go.Figure:
    """TTFT and latency per call (oldest first), by target; failed and flagged calls marked.

    ``hover``: hover texts already written for some of these calls (kept across figures and redraws).
    """
    builder = LatencyBuilder(hover)
    build(builder, records)
    return _figure(builder, LATENCY_LAYOUT, widget)


def cost_figure(records: Sequence[CallRecord], *, widget: bool = False, hover: Hover | None = None) -> go.Figure:
    """Cumulative dollars per call (oldest first), edge against cloud; ``hover`` as for :func:`latency_figure`."""
    builder = CostBuilder(hover)
    build(builder, records)
    return _figure(builder, COST_LAYOUT, widget)


def figures(records: Sequence[CallRecord], *, hover: Hover | None = None) -> list[go.Figure]:
    """Both static figures for ``records`` (oldest first), each call's hover text written once for both."""
    hover = hover or Hover()
    return [latency_figure(records, hover=hover), cost_figure(records, hover=hover)]


def from_store(store: Store | str | Path | None = None, *, limit: int | None = 1000) -> list[go.Figure]:
    """The static figures of the newest ``limit`` calls in a run log (default: the current one)."""
    from workbench.runlog.store import Store

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
    """The figures as FigureWidgets that grow as each call finishes; display it.

    Given a run log, it shows every call recorded through that :class:`~workbench.runlog.store.Store`
    object, by any run or API (:meth:`Store.watch`), so it holds exactly the calls of the static
    figures. It is also a sink: a record it already has is ignored. A call that started after all
    the others shown is appended (one batched restyle of the traces it belongs to); one that started
    earlier renumbers the calls, and the figures are redrawn.
    """

    def __init__(self, records: Iterable[CallRecord] = (), *, store: Store | None = None) -> None:
        import ipywidgets as widgets

        self._records: list[CallRecord] = []
        self._seen: set[str] = set()
        self._hover = Hover()
        self.latency = go.FigureWidget(layout=LATENCY_LAYOUT)
        self.cost = go.FigureWidget(layout=COST_LAYOUT)
        self._redraw([r for r in in_log_order(records) if not self._seen_before(r)])
        self.widget = widgets.VBox([self.latency, self.cost])
        self.widget.add_class("workbench-plots")
        self.unwatch = store.watch(self._recorded) if store is not None else None
        """Stop following the run log (``None`` when not following one)."""

    @property
    def count(self) -> int:
        """How many calls the figures show."""
        return len(self._records)

    def _seen_before(self, record: CallRecord) -> bool:
        if record.call_id in self._seen:
            return True
        self._seen.add(record.call_id)
        return False

    def _redraw(self, records: list[CallRecord]) -> None:
        self._records = records
        self._latency, self._cost = LatencyBuilder(self._hover), CostBuilder(self._hover)
        build(self._latency, records)
        build(self._cost, records)
        keys = {id(self.latency): list(self._latency.series), id(self.cost): list(self._cost.series)}
        for fig, builder in ((self.latency, self._latency), (self.cost, self._cost)):
            if getattr(self, "_keys", {}).get(id(fig)) == keys[id(fig)]:  # same traces: restyle them in place
                self._restyle(fig, builder, keys[id(fig)])
                continue
            with fig.batch_update():
                fig.data = ()
                fig.add_traces([series.trace() for series in builder.series.values()])
        self._keys = keys

    @staticmethod
    def _restyle(
        fig: go.FigureWidget, builder: LatencyBuilder | CostBuilder, names: list[str], only: Iterable[str] | None = None
    ) -> None:
        """Send the points of the series ``only`` (default all) to their traces; ``names`` is the traces' order."""
        with fig.batch_update():
            for name in names if only is None else only:
                series, trace = builder.series[name], fig.data[names.index(name)]
                trace.update(
                    x=np.asarray(series.x),
                    y=np.asarray(series.y, dtype=float),
                    hovertext=np.asarray(series.text, dtype=object),
                    name=series.style["name"],
                )

    def _recorded(self, records: Sequence[CallRecord]) -> None:
        for record in records:
            self.on_record(record)

    def on_record(self, record: CallRecord) -> None:
        """Add the finished call to both figures, in start order."""
        if self._seen_before(record):
            return
        if self._records and record.started_at < self._records[-1].started_at:
            self._redraw(in_log_order([*self._records, record]))
            return
        self._records.append(record)
        for builder, fig in ((self._latency, self.latency), (self._cost, self.cost)):
            changed = builder.add(len(self._records), record)
            keys = self._keys[id(fig)]
            for key in changed:
                if key not in keys:
                    keys.append(key)
                    fig.add_trace(builder.series[key].trace())
            if changed:
                self._restyle(fig, builder, keys, changed)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = (
            f"LivePlots: {count(self.count, 'call')} (shown as widgets in Jupyter; "
            "workbench.plots.from_store() for static figures)"
        )
        return bundle
