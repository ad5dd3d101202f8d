"""Plots of recorded calls, static or live: ``workbench.plots.from_store()``, ``latency_figure(records)``.

A re-export of :mod:`workbench.ui.plots`, so the figures have a short public home.
"""

from __future__ import annotations

from workbench.ui.plots import LivePlots, cost_figure, figures, from_store, latency_figure, write_html

__all__ = ["LivePlots", "cost_figure", "figures", "from_store", "latency_figure", "write_html"]
