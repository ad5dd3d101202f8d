"""What a notebook shows: the streaming panel, the dashboard and live plots, and small tables for ``%hybrid``.

Rendering only: every figure comes from the records (:mod:`workbench.ui.table`). ``ipywidgets`` and
``plotly`` are imported on first use, so ``%load_ext workbench`` stays fast.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from workbench.records.result import RunResult
    from workbench.routing.live import RoutedRun
    from workbench.routing.policy import Policy
    from workbench.runlog.store import Store
    from workbench.ui.dashboard import Dashboard
    from workbench.ui.panel import Panel, PanelRunResult
    from workbench.ui.plots import LivePlots

__all__ = [
    "Dashboard",
    "LivePlots",
    "Panel",
    "PanelRunResult",
    "StoreInfo",
    "TargetsTable",
    "route_with_panel",
    "run_with_panel",
    "widget_frontend",
]

_T = TypeVar("_T")

_HOMES = {
    "Dashboard": "workbench.ui.dashboard",
    "LivePlots": "workbench.ui.plots",
    "Panel": "workbench.ui.panel",
    "PanelRunResult": "workbench.ui.panel",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'workbench.ui' has no attribute {name!r}")


def widget_frontend() -> bool:
    """Whether code runs in a Jupyter kernel, whose frontend can show widgets (not a plain console)."""
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def run_with_panel(
    prompt: str,
    targets: Sequence[str],
    *,
    store: Store | bool = True,
    panel: bool = True,
    plots: LivePlots | Dashboard | None = None,
    update_interval: float = 0.1,
    **run_kwargs: Any,
) -> RunResult:
    """Run ``prompt`` on ``targets`` with a streaming panel on screen (in a kernel), and the live plots fed.

    Bad requests and targets raise before anything is displayed (:func:`workbench.runner.validate.check_run`).
    With a panel the result is a :class:`PanelRunResult`, so the comparison is not shown twice;
    without one, the plain :class:`RunResult` (an HTML table and text) is the display.
    """
    from workbench.runner.fanout import RunOptions, run
    from workbench.runner.validate import check_run

    request_fields = ("system", "temperature", "max_tokens", "seed", "stop")
    options = RunOptions(**{k: v for k, v in run_kwargs.items() if k not in request_fields})
    asked = {k: run_kwargs[k] for k in request_fields if k in run_kwargs}
    resolved = [target for target, _ in check_run(prompt, targets, options, warn=False, **asked).calls]
    shown = panel and widget_frontend()
    result = _shown_in_panel(
        [t.spec for t in resolved] if shown else None, update_interval, plots,
        lambda sinks: run(prompt, resolved, store=store, sinks=sinks, **run_kwargs),
    )  # fmt: skip
    if not shown:
        return result
    from workbench.ui.panel import PanelRunResult

    return PanelRunResult(result.run_id, result.records, result.unrecorded, result.store_error)


def _shown_in_panel(
    columns: list[str] | None,
    update_interval: float,
    plots: LivePlots | Dashboard | None,
    execute: Callable[[list[Any]], _T],
) -> _T:
    """``execute(sinks)`` with the live plots fed and, unless ``columns`` is None, a streaming panel on screen.

    While it runs the panel is a widget; when it ends (answered, failed or interrupted) it is
    replaced in place by static HTML and text with no widget view, and a :class:`Dashboard` fed
    by the run is redrawn, so a saved notebook shows both after it is reopened in a new kernel.
    """
    view: Panel | None = None
    handle: Any = None
    if columns is not None:
        from IPython.display import display

        from workbench.ui.panel import Panel

        view = Panel(columns, update_interval=update_interval)
        handle = display(view, display_id=True)
    interrupted = False
    try:
        return execute([s for s in (view, plots) if s is not None])
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if view is not None:
            view.finish(interrupted=interrupted)
            if handle is not None:
                handle.update(view)
        from workbench.ui.dashboard import Dashboard

        if isinstance(plots, Dashboard):
            plots.refresh()


def route_with_panel(
    prompt: str,
    policy: Policy,
    targets: Sequence[str],
    *,
    shadow: bool = False,
    store: Store | bool = True,
    panel: bool = True,
    plots: LivePlots | Dashboard | None = None,
    update_interval: float = 0.1,
    **run_kwargs: Any,
) -> RoutedRun:
    """Route ``prompt`` with ``policy`` (:mod:`workbench.routing.live`), streaming the calls that run into a panel.

    The panel gets a column per call actually made; each footer shows the decision and its reason.
    """
    from workbench.routing.live import route, split_sides

    split_sides(targets)  # a bad pair of targets fails before anything is displayed
    return _shown_in_panel(
        [] if panel and widget_frontend() else None, update_interval, plots,
        lambda sinks: route(prompt, policy, targets, shadow=shadow, store=store, sinks=sinks, **run_kwargs),
    )  # fmt: skip


class TargetsTable:
    """``%hybrid targets``: known targets, where they run, whether their key is set (never the key)."""

    def __init__(self, defaults: Sequence[str]) -> None:
        from workbench.targets import known_targets

        self.defaults = list(defaults)
        known = known_targets()
        self.rows: list[tuple[str, str, str, bool]] = [
            (k.spec, k.locality.label, _key_state(k.key_variable, k.key_present), k.spec in self.defaults)
            for k in known
        ]
        listed = {k.spec for k in known}
        self.rows += [(spec, "-", "-", True) for spec in self.defaults if spec not in listed]

    def __repr__(self) -> str:
        lines = [f"{'target':<36} {'where':<16} {'key':<28} default"]
        lines += [f"{s:<36} {w:<16} {k:<28} {'yes' if d else ''}" for s, w, k, d in self.rows]
        lines.append("Keys come from the environment or a .env file; any LiteLLM model id also works.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td><code>{html.escape(s)}</code></td><td>{html.escape(w)}</td><td>{html.escape(k)}</td>"
            f"<td>{'✓' if d else ''}</td></tr>"
            for s, w, k, d in self.rows
        )
        return (
            "<table class='workbench-targets'><tr><th>target</th><th>where</th><th>key</th><th>default</th></tr>"
            f"{cells}</table><small>Keys come from the environment or a <code>.env</code> file; "
            "any LiteLLM model id also works.</small>"
        )


def _key_state(variable: str | None, present: bool) -> str:
    if variable is None:
        return "none needed"
    return f"{variable} set" if present else f"{variable} not set"


class StoreInfo:
    """``%hybrid store``: where the run log is and how many calls it holds."""

    def __init__(self, store: Store) -> None:
        self.path = str(store.path)
        self.count = store.count()

    def __repr__(self) -> str:
        return f"Run log: {self.path} ({_calls(self.count)}). Read it with workbench.Store({self.path!r}).to_pandas()"

    def _repr_html_(self) -> str:
        path = html.escape(self.path)
        return (
            f"Run log: <code>{path}</code> ({_calls(self.count)}). "
            f"Read it with <code>workbench.Store({html.escape(repr(self.path))}).to_pandas()</code>"
        )


def _calls(count: int) -> str:
    return f"{count} call{'' if count == 1 else 's'}"
