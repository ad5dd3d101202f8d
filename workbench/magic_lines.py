"""The ``%hybrid`` line forms: ``targets``, ``dashboard``, ``store [PATH|URL]``, ``replay [MODE]``.

Each is one small function of the magic's state (:class:`LineState`), so the cell magic in
:mod:`workbench.magic` stays parsing and hand-over only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


_LINE_FORMS: dict[str, tuple[Callable[[LineState, list[str]], Any], int, str]] = {
    "targets": (_targets, 0, "no arguments"),
    "dashboard": (_dashboard, 0, "no arguments"),
    "store": (_store, 1, "one PATH or postgresql:// URL"),
    "replay": (_replay, 1, f"one of {'|'.join(REPLAY_MODES)}"),
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
