"""A notebook cell's run: the calls made with a streaming panel on screen and the dashboard fed.

The magics (:mod:`workbench.magic`) parse a cell and hand over here; what is shown comes from
:mod:`workbench.ui`, the calls from :mod:`workbench.runner` (or :mod:`workbench.routing.live`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from workbench.evaluate.results import Sweep
    from workbench.records.result import RunResult
    from workbench.routing.live import RoutedRun
    from workbench.routing.policy import Policy
    from workbench.runlog.store import Store
    from workbench.targets import Target
    from workbench.ui.dashboard import Dashboard
    from workbench.ui.plots import LivePlots

__all__ = ["route_with_panel", "run_with_panel", "sweep_with_progress", "widget_frontend"]

_T = TypeVar("_T")


def widget_frontend() -> bool:
    """Whether code runs in a Jupyter kernel, whose frontend can show widgets (not a plain console)."""
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def run_with_panel(
    prompt: str,
    targets: Sequence[str | Target],
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
    targets: Sequence[str | Target],
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


def sweep_with_progress(
    data: Any,
    prompt: str,
    targets: Sequence[str | Target],
    *,
    graders: Sequence[str] = (),
    name: str | None = None,
    repeats: int = 1,
    id_column: str | None = None,
    system: str | None = None,
    store: Store | None = None,
    progress: bool = True,
    plots: LivePlots | Dashboard | None = None,
    **sweep_kwargs: Any,
) -> Sweep:
    """:func:`workbench.sweep` with a progress bar on screen (in a kernel) and the dashboard fed.

    The bar follows the run log, so it counts the cells an earlier run of the named sweep finished
    as done. When the sweep ends (finished, stopped at the budget, failed or interrupted) the bar is
    replaced in place by static HTML, and a :class:`Dashboard` is redrawn with the sweep's calls.
    """
    from workbench.evaluate.cells import to_send
    from workbench.evaluate.datasets import load_dataset
    from workbench.evaluate.engine import sweep
    from workbench.evaluate.recorded import RecordedCells
    from workbench.records import new_id
    from workbench.runlog.store import open_store
    from workbench.runlog.sweeps import sweep_cells

    dataset = load_dataset(data, prompt, system=system, id_column=id_column)
    log = store if store is not None else open_store()
    name = name or f"sweep-{new_id()[:12]}"
    view = handle = unwatch = None
    if progress and widget_frontend():
        from IPython.display import display

        from workbench.ui.progress import SweepProgress

        done = RecordedCells.from_rows(log, sweep_cells(log, name)).rows  # outcomes only, no texts
        specs = [t if isinstance(t, str) else t.spec for t in targets]
        queued = sum(len(to_send(dataset.item_ids, t, repeats, done, False)) for t in specs)
        total = len(dataset) * len(targets) * repeats
        view = SweepProgress(name, total, done=max(total - queued, 0))
        handle = display(view, display_id=True)
        unwatch = log.watch(view.recorded)
    outcome = "failed"
    try:
        result = sweep(dataset, targets=list(targets), graders=list(graders), name=name, repeats=repeats,
                       store=log, progress=False if view is not None else None, **sweep_kwargs)  # fmt: skip
        outcome = "stopped at the budget" if result.stopped == "budget" else "finished"
        return result
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    finally:
        if unwatch is not None:
            unwatch()
        if view is not None:
            view.finish(outcome)
            if handle is not None:
                handle.update(view)
        from workbench.ui.dashboard import Dashboard

        if isinstance(plots, Dashboard):
            plots.refresh()
