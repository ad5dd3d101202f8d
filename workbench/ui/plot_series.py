"""The series behind the plots: records -> points, built incrementally and shared by static and live figures.

Calls are numbered in the order they started (:func:`in_log_order`). The latency builder plots
time to first token and latency by target, failed calls as crosses, and rings calls that sent
flagged data off the device; a call never sent is only counted. The cost builder adds up dollars,
edge against cloud.

A replayed call (answered from the run log) is marked with a violet diamond. When the call it
replays is in the same figure, it is only that mark: it adds no second measurement and no spend.
When it stands alone (a reproduction's fresh log), it stands for its recording and is drawn as the
recording was, mark included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from workbench.records.call import NOT_SENT, CallRecord, Locality
from workbench.ui.format import locality_colour, style, target_colour
from workbench.ui.table import figure_rows

__all__ = [
    "COST_LAYOUT",
    "LATENCY_LAYOUT",
    "REPLAY_MARKS",
    "CostBuilder",
    "Hover",
    "LatencyBuilder",
    "Series",
    "build",
    "in_log_order",
    "replayed_from",
]

_FLAGGED = "flagged data sent off device"
_FAILED = "failed calls"
REPLAY_MARKS = "replayed (recorded figures)"
"""The name of the trace that marks replayed calls."""
_EDGE, _CLOUD = "edge (device + private network)", "cloud"


@dataclass
class Series:
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


class Hover:
    """Hover text of a call: its figures, written once per call and kept (calls are renumbered, not rewritten)."""

    def __init__(self) -> None:
        self._rows: dict[str, str] = {}

    def __call__(self, number: int, record: CallRecord) -> str:
        rows = self._rows.get(record.call_id)
        if rows is None:
            rows = self._rows[record.call_id] = "<br>".join(f"{k}: {v}" for k, v in figure_rows(record))
        return f"<b>{record.target}</b> · call {number}<br>{rows}"


_FAILED_STYLE: dict[str, Any] = {
    "mode": "markers",
    "marker": {"color": style()["state"]["failed"], "size": 9, "symbol": "x"},
}


class LatencyBuilder:
    """Records -> latency/TTFT series by target, plus failed and flagged overlays."""

    def __init__(self, hover: Hover | None = None) -> None:
        self.hover = hover or Hover()
        self.series: dict[str, Series] = {}
        self._targets: list[str] = []
        self._unsent = 0
        self._shown: set[str] = set()

    def _get(self, name: str, style: dict[str, Any]) -> Series:
        if name not in self.series:
            self.series[name] = Series({"name": name, **style})
        return self.series[name]

    def add(self, number: int, record: CallRecord) -> list[str]:
        """Add one record as call ``number``; return the names of the series it changed."""
        palette = style()["state"]
        if record.latency_s is None or not record.timed:  # never sent: no timing to plot, only counted
            self._unsent += 1
            failed = self._get(_FAILED, _FAILED_STYLE)
            failed.style["name"] = f"{_FAILED} (+{self._unsent} not sent, no timings)"
            return [_FAILED]
        latency = record.latency_s
        text = self.hover(number, record)
        changed: list[str] = []
        self._shown.add(record.call_id)
        if record.replayed:
            marker = {"color": palette["replayed"], "size": 11, "symbol": "diamond-open", "line": {"width": 2}}
            self._get(REPLAY_MARKS, {"mode": "markers", "marker": marker}).add(number, latency, text)
            changed.append(REPLAY_MARKS)
            if replayed_from(record) in self._shown:  # a second look at a call already drawn
                return changed
            record = dataclasses.replace(record, replayed=False)  # standing alone: drawn as recorded
        if record.target not in self._targets:
            self._targets.append(record.target)
        colour = target_colour(self._targets.index(record.target))
        group = {"legendgroup": record.target, "mode": "markers"}
        if record.ok:
            name = f"{record.target} · latency"
            self._get(name, {**group, "marker": {"color": colour, "size": 8}}).add(number, latency, text)
            changed.append(name)
            if record.ttft_s is not None:
                name = f"{record.target} · first token"
                style_ = {**group, "marker": {"color": colour, "size": 8, "symbol": "circle-open"}}
                self._get(name, style_).add(number, record.ttft_s, text)
                changed.append(name)
        else:
            self._get(_FAILED, _FAILED_STYLE).add(number, latency, text)
            changed.append(_FAILED)
        if record.flagged_off_device:
            style_ = {
                "mode": "markers",
                "marker": {"color": "rgba(0,0,0,0)", "size": 18, "line": {"color": palette["flagged"], "width": 2}},
            }
            self._get(_FLAGGED, style_).add(number, latency, text)
            changed.append(_FLAGGED)
        return changed


def replayed_from(record: CallRecord) -> str | None:
    """The call id a replayed record answers from (``None`` for a live call)."""
    replay = record.provenance.get("replay") if record.replayed else None
    return str(replay.get("of")) if isinstance(replay, dict) and replay.get("of") else None


class CostBuilder:
    """Records -> cumulative dollars, edge against cloud; unknown costs counted, not added."""

    def __init__(self, hover: Hover | None = None) -> None:
        self.hover = hover or Hover()
        self.series: dict[str, Series] = {}
        self._total = {_EDGE: 0.0, _CLOUD: 0.0}
        self._unknown = {_EDGE: 0, _CLOUD: 0}
        self._shown: set[str] = set()
        for name, colour in ((_EDGE, locality_colour(Locality.DEVICE)), (_CLOUD, locality_colour(Locality.CLOUD))):
            self.series[name] = Series(
                {
                    "name": name,
                    "mode": "lines+markers",
                    "line": {"color": colour},
                    "line_shape": "hv",
                    "marker": {"size": 5},
                }
            )

    def add(self, number: int, record: CallRecord) -> list[str]:
        """Add one record as call ``number``; return the names of the series it changed."""
        self._shown.add(record.call_id)
        if record.cost_basis == NOT_SENT or replayed_from(record) in self._shown:
            return []  # nothing spent, or already counted with the call it replays
        group = _EDGE if record.locality.edge else _CLOUD
        series = self.series[group]
        if record.cost_usd is None:
            self._unknown[group] += 1
            series.style["name"] = f"{group} (+{self._unknown[group]} calls, cost unknown)"
        else:
            self._total[group] += record.cost_usd
            series.add(number, self._total[group], self.hover(number, record))
        return [group]


def layout(title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": "call"}},
        "yaxis": {"title": {"text": y_title}},
        "height": 340,
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "legend": {"font": {"size": 10}},
        **extra,
    }


def in_log_order(records: Iterable[CallRecord]) -> list[CallRecord]:
    """Records in the order they started (the run log's order): the numbering of every plot."""
    return sorted(records, key=lambda r: r.started_at)


def build(builder: LatencyBuilder | CostBuilder, records: Iterable[CallRecord]) -> None:
    for number, record in enumerate(in_log_order(records), start=1):
        builder.add(number, record)


LATENCY_LAYOUT = layout("Time to first token and latency per call", "seconds", yaxis_type="log")
COST_LAYOUT = layout("Cumulative cost: edge vs cloud", "US dollars", yaxis_rangemode="nonnegative")
