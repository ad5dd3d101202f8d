"""``%hybrid dashboard``: the latency and cost figures of every call, as static plotly outputs that survive a save.

Given a run log, the dashboard holds every call recorded through that
:class:`~workbench.runlog.store.Store` object, by any run or API (:meth:`Store.watch`); it is also a
sink (a call it already holds is ignored). :meth:`Dashboard.refresh` redraws its outputs in place:
the panel helpers call it when a run ends, and the magics after any cell that recorded calls
(:meth:`Dashboard.refresh_if_new`), on the kernel's main thread.
Calls are numbered in run-log order (by start time), as :func:`workbench.plots.from_store`
numbers them, so a dashboard and a static plot of the same log agree call by call. Nothing here
is a widget: a saved notebook shows the figures after it is reopened, and nbconvert renders them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from workbench.records.call import CallRecord
from workbench.records.request import new_id
from workbench.runner.sinks import BaseSink
from workbench.ui.format import count

if TYPE_CHECKING:
    from workbench.runlog.store import Store
    from workbench.ui.plot_series import Hover

__all__ = ["PLOTLY_MIME", "Dashboard"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"


class Dashboard(BaseSink):
    """Both figures of the records it holds; display it, feed it as a sink, call :meth:`refresh`."""

    def __init__(self, records: Iterable[CallRecord] = (), *, store: Store | None = None) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, CallRecord] = {r.call_id: r for r in records}
        self._drawn = -1
        self._hover: Hover | None = None
        self._display_ids: tuple[str, ...] = ()
        self.unwatch = store.watch(self._recorded) if store is not None else None
        """Stop following the run log (``None`` when not following one)."""

    @property
    def records(self) -> list[CallRecord]:
        """The calls shown, oldest first (run-log order)."""
        with self._lock:
            return sorted(self._records.values(), key=lambda r: r.started_at)

    @property
    def count(self) -> int:
        """How many calls the figures show."""
        return len(self._records)

    def on_record(self, record: CallRecord) -> None:
        """Keep the finished call (once); it is drawn at the next :meth:`refresh`."""
        with self._lock:
            self._records.setdefault(record.call_id, record)

    def _recorded(self, records: Sequence[CallRecord]) -> None:
        for record in records:
            self.on_record(record)

    def figures(self) -> list[Any]:
        """The latency and cost figures of the records, as :func:`workbench.plots.figures` draws them."""
        from workbench.ui.plot_series import Hover
        from workbench.ui.plots import figures

        if self._hover is None:  # kept across redraws: a call's figures never change
            self._hover = Hover()
        return figures(self.records, hover=self._hover)

    def bundles(self) -> list[dict[str, Any]]:
        """Each figure as a display bundle: plotly's JSON, an HTML fallback (plotly.js from its CDN), text."""
        import plotly.io as pio

        calls = count(self.count, "call")
        return [
            {
                PLOTLY_MIME: {**json.loads(pio.to_json(figure, remove_uids=True)), "config": {}},
                "text/html": pio.to_html(figure, full_html=False, include_plotlyjs="cdn"),
                "text/plain": f"{figure.layout.title.text}: {calls}",
            }
            for figure in self.figures()
        ]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if not self._display_ids:
            key = new_id()
            self._display_ids = (f"workbench-latency-{key}", f"workbench-cost-{key}")
        self._drawn = self.count
        for bundle, display_id in zip(self.bundles(), self._display_ids, strict=True):
            display(bundle, raw=True, display_id=display_id)

    def refresh_if_new(self) -> None:
        """:meth:`refresh` if calls came in since the last drawing."""
        if self.count != self._drawn:
            self.refresh()

    def refresh(self) -> None:
        """Redraw every place this dashboard is displayed (nothing when it was never displayed)."""
        if not self._display_ids:
            return
        self._drawn = self.count
        from IPython.display import update_display

        for bundle, display_id in zip(self.bundles(), self._display_ids, strict=True):
            # JupyterLab hands an updated output of the same type to the renderer that drew it, and
            # plotly's renderer keeps the plot it drew; an output of another type in between makes
            # JupyterLab build a new renderer for the new figure.
            update_display({"text/plain": bundle["text/plain"]}, raw=True, display_id=display_id)
            update_display(bundle, raw=True, display_id=display_id)

    def __repr__(self) -> str:
        return f"Dashboard: {count(self.count, 'call')} (workbench.plots.from_store() for a file)"
