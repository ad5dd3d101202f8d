"""The ``%hybrid`` line forms: ``targets``, ``dashboard``, ``store [PATH|URL]``, ``replay [MODE]``,
``explore VARIABLE``.

Each is one small function of the magic's state (:class:`LineState`), so the cell magic in
:mod:`workbench.magic` stays parsing and hand-over only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from workbench.records.choices import REPLAY_MODES

if TYPE_CHECKING:
    from workbench.runlog.store import Store
    from workbench.ui.dashboard import Dashboard

__all__ = ["COMMANDS", "LineState", "open_run_log", "run_line"]


@dataclass
class LineState:
    """What the line forms read and change: the magic's settings and its one dashboard."""

    settings: Any
    """The ``Hybrid`` configurable (``%config Hybrid``)."""
    plots: Dashboard | None = None
    plots_store: Path | str | None = None
    namespace: dict[str, Any] = field(default_factory=dict)
    """The notebook's variables (``explore`` reads one)."""

    def drop_dashboard(self) -> None:
        """Forget the dashboard of the run log used so far (it stops following that log)."""
        if self.plots is not None and self.plots.unwatch is not None:
            self.plots.unwatch()
        self.plots = None


def open_run_log(state: LineState, path: str | None = None) -> Store:
    """The run log at ``path``, else the one the settings name; a bad one is a ``UsageError``."""
    from workbench.errors import StoreError
    from workbench.runlog.store import open_store

    try:
        return open_store(path or state.settings.store_path or None)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def _targets(state: LineState, rest: list[str]) -> Any:
    from workbench import ui

    return ui.TargetsTable(state.settings.default_targets)


def _store(state: LineState, rest: list[str]) -> Any:
    from workbench import ui

    if rest:
        from workbench.runlog.location import is_url

        path = rest[0] if is_url(rest[0]) else str(Path(rest[0]).expanduser())
        open_run_log(state, path)  # opens (and migrates) it, or says why not, before switching
        state.settings.store_path = path
        state.drop_dashboard()
    return ui.StoreInfo(open_run_log(state))


def _dashboard(state: LineState, rest: list[str]) -> Any:
    from workbench import ui

    store = open_run_log(state)
    if state.plots is None or state.plots_store != store.path:
        state.drop_dashboard()
        state.plots = ui.Dashboard(store.records(limit=state.settings.dashboard_limit)[::-1], store=store)
        state.plots_store = store.path
    return state.plots


def _replay(state: LineState, rest: list[str]) -> str:
    if len(rest) > 1 or (rest and rest[0] not in REPLAY_MODES):
        raise UsageError(f"Use %hybrid replay {'|'.join(REPLAY_MODES)}.")
    if rest:
        state.settings.replay = rest[0]
    from workbench.runlog.replay import default_mode

    return str(state.settings.replay or default_mode())


def _explore(state: LineState, rest: list[str]) -> Any:
    """``explore VARIABLE``: the routing explorer over an ``Outcomes``, or a ``Sweep`` with ``edge=T cloud=T``."""
    from workbench.evaluate.results import Sweep
    from workbench.routing.outcomes import Outcomes
    from workbench.ui.explorer import explore

    usage = "Use %hybrid explore OUTCOMES, or %hybrid explore SWEEP edge=TARGET cloud=TARGET."
    if not rest:
        raise UsageError(usage)
    found = state.namespace.get(rest[0])
    pairs = dict(word.split("=", 1) for word in rest[1:] if "=" in word)
    if len(pairs) != len(rest) - 1 or not set(pairs) <= {"edge", "cloud"}:
        raise UsageError(usage)
    if isinstance(found, Sweep):
        if set(pairs) != {"edge", "cloud"}:
            raise UsageError(f"{rest[0]} is a Sweep: name its two sides, %hybrid explore {rest[0]} edge=T cloud=T.")
        found = found.outcomes(edge=pairs["edge"], cloud=pairs["cloud"])
    elif pairs:
        raise UsageError(f"edge= and cloud= go with a Sweep; {rest[0]} is already outcomes. " + usage)
    if not isinstance(found, Outcomes):
        raise UsageError(f"{rest[0]!r} is no Outcomes or Sweep in the notebook: " + usage)
    return explore(found)


_LINE_FORMS: dict[str, tuple[Callable[[LineState, list[str]], Any], int, str]] = {
    "targets": (_targets, 0, "no arguments"),
    "dashboard": (_dashboard, 0, "no arguments"),
    "store": (_store, 1, "one PATH or postgresql:// URL"),
    "replay": (_replay, 1, f"one of {'|'.join(REPLAY_MODES)}"),
    "explore": (_explore, 3, "an Outcomes variable, or a Sweep variable with edge=TARGET cloud=TARGET"),
}
COMMANDS = tuple(_LINE_FORMS)


def run_line(state: LineState, words: list[str]) -> Any:
    """Run ``%hybrid WORDS``: one of :data:`COMMANDS` and its arguments."""
    if not words or words[0] not in _LINE_FORMS:
        raise UsageError(f"Use %hybrid {' | '.join(COMMANDS)} (or %%hybrid for a prompt cell); see %hybrid?")
    name, rest = words[0], words[1:]
    form, most, takes = _LINE_FORMS[name]
    if len(rest) > most:
        raise UsageError(f"%hybrid {name} takes {takes}.")
    return form(state, rest)
