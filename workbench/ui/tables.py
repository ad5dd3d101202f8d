"""Small tables for ``%hybrid targets`` and ``%hybrid store``."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.ui.format import count

if TYPE_CHECKING:
    from workbench.runlog.store import Store

__all__ = ["StoreInfo", "TargetsTable"]


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
        self.calls = store.count()

    def __repr__(self) -> str:
        calls = count(self.calls, "call")
        return f"Run log: {self.path} ({calls}). Read it with workbench.Store({self.path!r}).to_pandas()"

    def _repr_html_(self) -> str:
        path, calls = html.escape(self.path), count(self.calls, "call")
        return (
            f"Run log: <code>{path}</code> ({calls}). "
            f"Read it with <code>workbench.Store({html.escape(repr(self.path))}).to_pandas()</code>"
        )
