"""A sweep's progress bar in the notebook: done/total, errors, spend and time left; static once finished.

It follows the run log (:meth:`Store.watch`): every record tagged with the sweep's name moves it
on, from whichever thread wrote it. :meth:`SweepProgress.finish` freezes it: from then on it
displays as plain HTML and text with no widget view, so a saved notebook shows how the run ended.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from workbench.records.call import CallRecord
from workbench.ui.format import count, dollars, seconds

__all__ = ["SweepProgress"]

_CANCELLED = "CallCancelled"
_STATIC_BAR = "width:{pct:.1f}%;height:100%;background:{colour}"
_STATIC_TRACK = (
    "display:inline-block;vertical-align:middle;width:240px;height:12px;border:1px solid #ccc;margin-right:8px"
)


class SweepProgress:
    """The progress of sweep ``name``: ``done`` of ``total`` cells (``done`` starts at what an earlier run finished)."""

    def __init__(self, name: str, total: int, done: int = 0) -> None:
        self.name, self.total, self.done = name, total, done
        self.errors = 0
        self.spent_usd = 0.0
        self.finished = False
        self.outcome = ""
        self._started = time.monotonic()
        self._new = 0
        self._lock = threading.Lock()
        self.bar = widgets.IntProgress(value=done, min=0, max=max(total, 1), description="sweep",
                                       layout=widgets.Layout(width="240px"))  # fmt: skip
        self.label = widgets.HTML(value=self.text())
        self.container = widgets.HBox([self.bar, self.label])

    def recorded(self, records: Sequence[CallRecord]) -> None:
        """Count the calls of this sweep among ``records`` (a :meth:`Store.watch` callback)."""
        with self._lock:
            for record in records:
                tag = record.provenance.get("sweep")
                if not isinstance(tag, Mapping) or tag.get("name") != self.name or record.error_type == _CANCELLED:
                    continue
                self._new += 1
                self.done = min(self.done + 1, self.total)
                self.errors += not record.ok
                self.spent_usd += record.cost_usd or 0.0
            value, text = self.done, self.text()
        self.bar.value = value
        self.label.value = html.escape(text)

    def time_left_s(self) -> float | None:
        """Seconds left at this run's pace so far; ``None`` before its first call finished."""
        if not self._new:
            return None
        return (time.monotonic() - self._started) / self._new * (self.total - self.done)

    def text(self) -> str:
        """``12/40 done, 1 error, $0.0031 spent, about 8.2 s left`` (``finished``/``stopped`` once over)."""
        parts = [f"{self.done}/{self.total} done", count(self.errors, "error"), f"{dollars(self.spent_usd)} spent"]
        if self.finished:
            parts.append(self.outcome)
        elif (left := self.time_left_s()) is not None:
            parts.append(f"about {seconds(left)} left")
        return f"sweep {self.name}: " + ", ".join(parts)

    def finish(self, outcome: str) -> None:
        """Freeze the bar with how the run ended (``finished``, ``stopped at the budget``, ``interrupted``...)."""
        with self._lock:
            self.finished, self.outcome = True, outcome
            text = self.text()
        self.bar.value = self.done
        self.label.value = html.escape(text)

    def static_bundle(self) -> dict[str, str]:
        """The bar as it looks now, as HTML and text."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        colour = "#b00020" if self.errors else "#2e7d32"
        page = (
            f"<div class='workbench-progress workbench-static'><span style='{_STATIC_TRACK}'>"
            f"<span style='display:block;{_STATIC_BAR.format(pct=pct, colour=colour)}'></span></span>"
            f"{html.escape(self.text())}</div>"
        )
        return {"text/html": page, "text/plain": self.text()}

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        if self.finished:
            return dict(self.static_bundle())
        bundle: dict[str, Any] = self.container._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.text()
        return bundle
