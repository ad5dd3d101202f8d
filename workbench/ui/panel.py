"""The side-by-side panel: one column per target, answers streaming in, figures underneath.

The panel is a sink. The runner calls it from its event-loop thread; text is buffered and the
columns are redrawn at most every ``update_interval`` seconds (one redraw for all columns), so
four targets at 100 tokens/s cost ten small widget messages per second, not four hundred.
The panel renders records; every figure it shows comes from :func:`workbench.ui.table.figure_rows`.
When the run ends, :meth:`Panel.finish` freezes it: from then on it displays as plain HTML and
text with no widget view, so a saved notebook shows the answers when reopened in a new kernel.
"""

from __future__ import annotations

import asyncio
import html
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from workbench.records.call import CallRecord, Locality
from workbench.records.events import CallStart
from workbench.records.result import RunResult
from workbench.runner.sinks import BaseSink
from workbench.ui.format import count, locality_colour
from workbench.ui.table import figure_rows, records_html, records_text

__all__ = ["Panel", "PanelRunResult", "badge_html", "call_status"]


_STYLE = """<style>
.workbench-panel {gap: 8px; align-items: stretch}
.workbench-column {flex: 1 1 0; min-width: 180px; border: 1px solid var(--jp-border-color1, #ccc);
  border-radius: 4px; padding: 6px 8px}
.workbench-answer .widget-html-content {white-space: pre-wrap; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; line-height: 1.4; min-height: 3em; max-height: 24em; overflow-y: auto}
.workbench-column .widget-html-content {line-height: 1.35}
.workbench-footer table {font-size: 11px; border-collapse: collapse; line-height: 1.3}
.workbench-footer td {padding: 0 6px 0 0; vertical-align: top}
.workbench-badge {color: #fff; border-radius: 3px; padding: 1px 5px; font-size: 11px; margin-left: 4px}
.workbench-error {color: #b00020; white-space: pre-wrap; font-size: 12px}
</style>"""

# The frozen panel: the same columns as plain HTML. Inline styles too, for viewers that drop <style>.
_STATIC_PANEL = "display:flex;flex-wrap:wrap;gap:8px;align-items:stretch"
_STATIC_COLUMN = "flex:1 1 0;min-width:180px;border:1px solid #ccc;border-radius:4px;padding:6px 8px;line-height:1.35"
_STATIC_ANSWER = ("white-space:pre-wrap;font-family:var(--jp-code-font-family,monospace);font-size:12px;"
                  "line-height:1.4;min-height:3em;max-height:24em;overflow-y:auto;margin:4px 0")
_CANCELLED = "CallCancelled"


def badge_html(locality: Locality, provider: str = "") -> str:
    """The locality badge: ``on device``, ``private network`` or ``cloud · PROVIDER``."""
    text = locality.label if locality is not Locality.CLOUD or not provider else f"cloud · {provider}"
    return f"<span class='workbench-badge' style='background:{locality_colour(locality)}'>{html.escape(text)}</span>"


def call_status(record: CallRecord) -> str:
    """A column's status word: done, stopped at max tokens, interrupted after N tokens, or failed."""
    if record.error_type == _CANCELLED:
        return f"interrupted after {count(record.output_tokens or 0, 'token')}"
    if not record.ok:
        return "failed"
    limit = record.params.get("max_tokens")
    if isinstance(limit, int) and record.output_tokens is not None and record.output_tokens >= limit:
        return "stopped at max tokens"
    return "done"


def _header_html(target: str, badge: str, status: str) -> str:
    return f"<b>{html.escape(target)}</b>{badge} <small>{html.escape(status)}</small>"


def _footer_html(record: CallRecord) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td><b>{html.escape(value)}</b></td></tr>"
        for label, value in figure_rows(record)
    )
    return f"<table>{rows}</table>"


@dataclass
class _Column:
    target: str
    box: widgets.VBox
    header: widgets.HTML
    answer: widgets.HTML
    footer: widgets.HTML
    call_id: str | None = None
    text: str = ""
    dirty: bool = False
    badge: str = ""
    status: str = "waiting"
    recorded: bool = False


class Panel(BaseSink):
    """A streaming side-by-side view of one run; display it, then pass it to ``run(sinks=[...])``."""

    def __init__(
        self,
        targets: Sequence[str],
        *,
        update_interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.update_interval = update_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._last_draw = float("-inf")
        self._scheduled = False
        self.records: list[CallRecord] = []
        self.draws = 0
        """How many redraws sent text to the frontend (for benches and tests)."""
        self._columns = [self._column(spec) for spec in targets]
        self._by_call: dict[str, _Column] = {}
        self.widget = widgets.HBox([c.box for c in self._columns])
        self.widget.add_class("workbench-panel")
        self._style = widgets.HTML(_STYLE)
        self.container = widgets.VBox([self._style, self.widget])
        self.finished = False
        """Whether :meth:`finish` froze the panel (it then displays as plain HTML and text)."""

    @staticmethod
    def _column(spec: str) -> _Column:
        header = widgets.HTML(_header_html(spec, "", "waiting"))
        header.add_class("workbench-header")
        answer = widgets.HTML("")
        answer.add_class("workbench-answer")
        footer = widgets.HTML("")
        footer.add_class("workbench-footer")
        box = widgets.VBox([header, answer, footer])
        box.add_class("workbench-column")
        return _Column(spec, box, header, answer, footer)

    @property
    def targets(self) -> list[str]:
        """The column targets, left to right."""
        return [c.target for c in self._columns]

    def text(self, index: int) -> str:
        """The answer text received so far by column ``index`` (drawn or not yet)."""
        return self._columns[index].text

    def on_call_start(self, start: CallStart) -> None:
        """Claim the first free column for this target and show its locality badge."""
        with self._lock:
            column = next((c for c in self._columns if c.target == start.target and c.call_id is None), None)
            if column is None:  # a target the panel was not told about: add a column
                column = self._column(start.target)
                self._columns.append(column)
                self.widget.children = (*self.widget.children, column.box)
            column.call_id = start.call_id
            self._by_call[start.call_id] = column
            column.badge, column.status = badge_html(start.locality, start.provider), "streaming"
        column.header.value = _header_html(start.target, column.badge, column.status)

    def on_delta(self, call_id: str, text: str) -> None:
        """Buffer text; redraw now if the last redraw is ``update_interval`` old, else schedule one."""
        with self._lock:
            column = self._by_call.get(call_id)
            if column is None:
                return
            column.text += text
            column.dirty = True
            wait = self._last_draw + self.update_interval - self._clock()
            if wait > 0:
                if not self._scheduled:
                    self._scheduled = self._schedule(wait)
                return
        self.flush()

    def _schedule(self, delay: float) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a bench, a test): the next delta or the record draws
            return False
        loop.call_later(delay, self.flush)
        return True

    def flush(self) -> None:
        """Send every column's buffered text to the frontend now."""
        with self._lock:
            self._scheduled = False
            self._last_draw = self._clock()
            pending = [(c, c.text) for c in self._columns if c.dirty]
            for column, _ in pending:
                column.dirty = False
        if pending:
            self.draws += 1
        for column, text in pending:
            column.answer.value = html.escape(text)

    def on_record(self, record: CallRecord) -> None:
        """Show the final answer, the figures, and the error if the call failed."""
        with self._lock:
            self.records.append(record)
            column = self._by_call.get(record.call_id)
            if column is None:
                return
            column.text, column.dirty, column.recorded = record.response, False, True
            column.badge, column.status = badge_html(record.locality, record.provider), call_status(record)
        column.header.value = _header_html(record.target, column.badge, column.status)
        answer = html.escape(record.response)
        if not record.ok and record.error_type != _CANCELLED:  # the status says it was interrupted
            answer += (
                f"<div class='workbench-error'><b>{html.escape(record.error_type or 'Error')}</b>: "
                f"{html.escape(record.error_message or '')}</div>"
            )
        column.answer.value = answer
        column.footer.value = _footer_html(record)

    def finish(self, *, interrupted: bool = False) -> None:
        """Freeze the panel at the end of its run: draw what is buffered, give every column a final status.

        A column with no record says ``interrupted`` (or ``no answer`` when the run stopped otherwise).
        From now on the panel displays as :meth:`static_bundle`, with no widget view.
        """
        self.flush()
        with self._lock:
            self.finished = True
            open_columns = [c for c in self._columns if not c.recorded]
        for column in open_columns:
            if column.call_id is None:
                column.status = "interrupted before it started" if interrupted else "no answer"
            else:
                column.status = "interrupted" if interrupted else "no answer"
            column.header.value = _header_html(column.target, column.badge, column.status)

    def static_bundle(self) -> dict[str, str]:
        """The panel as it looks now, as HTML (the same columns, badges, statuses, answers, figures) and text."""
        columns = "".join(
            f"<div class='workbench-column' style='{_STATIC_COLUMN}'>"
            f"<div class='workbench-header'>{c.header.value}</div>"
            f"<div class='workbench-answer' style='{_STATIC_ANSWER}'>{c.answer.value}</div>"
            f"<div class='workbench-footer'>{c.footer.value}</div></div>"
            for c in self._columns
        )
        page = f"{_STYLE}<div class='workbench-panel workbench-static' style='{_STATIC_PANEL}'>{columns}</div>"
        text = records_text(self._ordered()) if self.records else ""
        open_lines = [f"{c.target}: {c.status}" for c in self._columns if not c.recorded]
        return {"text/html": page, "text/plain": "\n".join(filter(None, [text, *open_lines]))}

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        if self.finished:
            return dict(self.static_bundle())
        bundle: dict[str, Any] = self.container._repr_mimebundle_(**kwargs) or {}
        if self.records:  # for frontends without widgets (nbconvert, GitHub): the same comparison
            bundle["text/html"] = records_html(self._ordered())
            bundle["text/plain"] = records_text(self._ordered())
        return bundle

    def _ordered(self) -> list[CallRecord]:
        order = {c.call_id: i for i, c in enumerate(self._columns)}
        return sorted(self.records, key=lambda r: order.get(r.call_id, len(order)))


@dataclass(frozen=True, repr=False)
class PanelRunResult(RunResult):
    """A :class:`RunResult` already shown in a panel: it displays as one line, not the table again."""

    def _repr_html_(self) -> str:
        targets = ", ".join(html.escape(r.target) for r in self.records)
        failed = sum(not r.ok for r in self.records)
        note = f", {failed} failed" if failed else ""
        calls = count(len(self.records), "call")
        if self.unrecorded:
            return (
                f"<div style='color:#b00020'><b>RunResult: {calls} ({targets}){note}; "
                f"{len(self.unrecorded)} NOT recorded in the run log.</b> {html.escape(self.store_error or '')}</div>"
            )
        return (
            f"<small>RunResult: {calls} ({targets}){note}, recorded; "
            f"<code>.to_pandas()</code> for the table.</small>"
        )
