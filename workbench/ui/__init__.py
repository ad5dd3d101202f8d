"""What a notebook shows: the streaming panel, the dashboard and live plots, and small tables for ``%hybrid``.

Rendering only: every figure comes from the records (:mod:`workbench.ui.table` and
:mod:`workbench.ui.format`); :mod:`workbench.notebook` runs calls with these on screen.
``ipywidgets`` and ``plotly`` are imported on first use, so ``%load_ext workbench`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_names

if TYPE_CHECKING:
    from workbench.ui.dashboard import Dashboard
    from workbench.ui.panel import Panel, PanelRunResult
    from workbench.ui.plots import LivePlots
    from workbench.ui.tables import StoreInfo, TargetsTable

__all__ = ["Dashboard", "LivePlots", "Panel", "PanelRunResult", "StoreInfo", "TargetsTable"]

_HOMES = {
    "Dashboard": "workbench.ui.dashboard",
    "LivePlots": "workbench.ui.plots",
    "Panel": "workbench.ui.panel",
    "PanelRunResult": "workbench.ui.panel",
    "StoreInfo": "workbench.ui.tables",
    "TargetsTable": "workbench.ui.tables",
}


__getattr__ = lazy_names(__name__, _HOMES)
