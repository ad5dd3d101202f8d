"""A pre-save hook: live-only outputs (marked ``{"workbench": {"view": "live"}}``) stay out of saved notebooks.

The routing explorer (:mod:`workbench.ui.explorer`) shows a live widget and, under it, a static
snapshot of its last state. A widget's output cannot be shown again without the kernel that drew
it ("Error displaying widget: model not found"), so the saved file keeps the snapshot alone. The
notebook open in the browser is not touched: the widget stays live there until the page reloads.
"""

from __future__ import annotations

from typing import Any

__all__ = ["drop_live_outputs", "is_live"]


def is_live(output: dict[str, Any]) -> bool:
    """Whether ``output`` is one the workbench marked as live-only."""
    mark = (output.get("metadata") or {}).get("workbench")
    return isinstance(mark, dict) and mark.get("view") == "live"


def drop_live_outputs(model: dict[str, Any], **_: Any) -> None:
    """The Jupyter server's pre-save hook: remove live-only outputs from a notebook model being saved."""
    content = model.get("content")
    if model.get("type") != "notebook" or not isinstance(content, dict):
        return
    for cell in content.get("cells", []):
        outputs = cell.get("outputs")
        if outputs:
            cell["outputs"] = [o for o in outputs if not is_live(o)]
