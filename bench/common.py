"""Shared by the bench scripts: medians with spread, goal checks, and one results format.

Each script writes ``bench/results/<name>.json``: a machine description and a list of figures,
each ``{"figure", "goal", "measured", "unit", "ratio", "alternative", "status", "runs", "spread"}``.
``bench/run_all.py`` gathers them into ``bench/results.json`` and a Markdown table.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    from workbench.targets.device import cpu_model

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``fn``."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median with min, max and interquartile range."""
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "q1": q[0], "q3": q[2]}


def figure(
    name: str,
    measured: float,
    unit: str,
    *,
    goal: str = "",
    passed: bool | None = None,
    ratio: float | None = None,
    alternative: str = "",
    values: Sequence[float] = (),
) -> dict[str, Any]:
    """One reported figure; ``passed=None`` means it has no goal (reported for information)."""
    status = "info" if passed is None else ("pass" if passed else "short")
    row = {
        "figure": name,
        "goal": goal,
        "measured": measured,
        "unit": unit,
        "ratio": ratio,
        "alternative": alternative,
        "status": status,
        "runs": len(values),
        "spread": spread(values) if values else None,
    }
    ratio_text = f"  ratio {ratio:.3f} vs {alternative}" if ratio is not None else ""
    print(f"[{status:5}] {name}: {measured:.4g} {unit}{ratio_text}  (goal: {goal or '-'})", flush=True)
    return row


def write(name: str, figures: list[dict[str, Any]], **extra: Any) -> Path:
    """Write ``bench/results/<name>.json``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"bench": name, "machine": machine(), "figures": figures, **extra}, indent=2))
    return path
