"""A sweep's per-target scores as an HTML table and as text: renders :meth:`Sweep.scores`, computes nothing."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from workbench.ui.format import dollars, seconds

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["scores_html", "scores_text"]

_HEADINGS = ("target", "score", "95% interval", "n", "errors", "cost", "per correct", "latency p50", "latency p90")


def _known(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _cells(target: str, row: Any) -> tuple[str, ...]:
    score, low, high = _known(row["score"]), _known(row["ci_low"]), _known(row["ci_high"])
    return (
        target,
        "-" if score is None else f"{score:.1%}",
        "-" if low is None or high is None else f"{low:.1%} to {high:.1%}",
        str(int(row["n"])),
        str(int(row["errors"])),
        dollars(_known(row["cost_usd"])),
        "-" if _known(row["cost_per_correct_usd"]) is None else dollars(_known(row["cost_per_correct_usd"])),
        seconds(_known(row["latency_p50_s"])),
        seconds(_known(row["latency_p90_s"])),
    )


def _rows(scores: pd.DataFrame) -> list[tuple[str, ...]]:
    return [_cells(str(target), row) for target, row in scores.iterrows()]


def _grader(scores: pd.DataFrame) -> str:
    graders = {g for g in scores["grader"] if isinstance(g, str)} if len(scores) else set()
    return f"graded by {', '.join(sorted(graders))}" if graders else "not graded"


def scores_html(head: str, scores: pd.DataFrame) -> str:
    """``head`` above a table with a row per target of ``scores`` (the frame :meth:`Sweep.scores` returns)."""
    heading = "".join(f"<th>{h}</th>" for h in _HEADINGS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in _rows(scores))
    return (
        f"<div class='workbench-sweep'><b>{html.escape(head)}</b>; {html.escape(_grader(scores))}"
        f"<table><tr>{heading}</tr>{body}</table></div>"
    )


def scores_text(head: str, scores: pd.DataFrame) -> str:
    """The same as :func:`scores_html`, as aligned plain text."""
    rows = [_HEADINGS, *_rows(scores)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADINGS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join([f"{head}; {_grader(scores)}", *lines])
