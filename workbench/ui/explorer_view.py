"""The routing explorer's state as text and plain HTML: its figures, its two tables and its curve as SVG.

Rendering only: every number comes from :class:`workbench.routing.exploration.Point` and
:meth:`~workbench.routing.exploration.Exploration.curve`. The widget (:mod:`workbench.ui.explorer`)
shows these live, and leaves them as its static last state in the notebook. The curve is inline SVG,
so the static view draws without plotly.js (which a reopened notebook may not be able to load).
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from workbench.routing.exploration import Point
from workbench.ui.format import dollars, seconds

__all__ = ["curve_svg", "point_html", "point_text", "static_html", "tables_html"]

_COLUMNS = ("rank", "prompt", "score", "edge_score", "cloud_score", "cloud_cost_usd", "privacy_entities", "side")
_WIDTH, _HEIGHT, _PAD = 520, 260, 40
_MOST_VERTICES = 400
"""A curve is thinned to about this many vertices in the SVG (the figures are exact; the drawing need not be)."""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def point_text(p: Point) -> str:
    """The figures of ``p`` as lines of text."""
    chosen = (
        f"dollar budget {dollars(p.budget_usd)}: " if p.budget_usd is not None else ""
    ) + f"{p.policy}, split seed {p.seed}, top {_pct(p.share)} of the ranking to the cloud"
    lines = [
        chosen + (" (flagged prompts kept on the edge)" if p.pinned else ""),
        f"quality {p.quality:.3f} (95% CI {p.quality_low:.3f}-{p.quality_high:.3f}, n={p.n})"
        + (f"; the pin costs {p.pin_cost:.3f} (unpinned {p.quality_unpinned:.3f})" if p.pinned else ""),
        f"cost {dollars(p.cost_usd)}, saved {_pct(p.cost_saved)} of all-cloud",
        f"cloud share {_pct(p.cloud_share)} of calls ({p.cloud_calls}), {_pct(p.cloud_cost_share)} of cloud cost",
        f"APGR {_num(p.apgr)}, PGR here {_num(p.pgr)}",
        f"privacy: {p.flagged_to_cloud} of {p.flagged_total} prompts with personal data go to the cloud",
        f"router misses {p.missed_total} prompts only the cloud got right",
    ]
    if p.latency_p50_s is not None:
        lines.append(f"latency p50 {seconds(p.latency_p50_s)}, p90 {seconds(p.latency_p90_s)}")
    return "\n".join(lines)


def point_html(p: Point) -> str:
    """The figures of ``p`` as a small HTML list."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in point_text(p).splitlines())
    return f"<ul class='workbench-explore-figures' style='margin:0;padding-left:1.2em'>{items}</ul>"


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key == "cloud_cost_usd":
        return dollars(value)
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in _COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, r[c])}</td>" for c in _COLUMNS) + "</tr>" for r in rows)
    return (
        f"<div><b>{html.escape(title)}</b> ({len(rows)})<table style='font-size:11px;border-collapse:collapse'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def tables_html(p: Point) -> str:
    """The two tables of ``p``: prompts crossing to the cloud here, and the router's misses."""
    return _table("Last prompts to cross from edge to cloud", p.crossing) + _table(
        "Kept on the edge where only the cloud was right (router surest first)", p.missed
    )


def curve_svg(
    curves: list[tuple[np.ndarray, np.ndarray, str, str]], point: tuple[float, float], *, x_title: str, title: str
) -> str:
    """Curves ``(x, y, colour, dash)`` and the operating point as an inline SVG drawing with its axes' ranges."""
    finite = [(x[np.isfinite(x) & np.isfinite(y)], y[np.isfinite(x) & np.isfinite(y)], c, d) for x, y, c, d in curves]
    xs = np.concatenate([x for x, *_ in finite] + [[point[0]]])
    ys = np.concatenate([y for _, y, *_ in finite] + [[point[1]]])
    x0, x1 = float(np.nanmin(xs)), float(np.nanmax(xs))
    y0, y1 = float(np.nanmin(ys)), float(np.nanmax(ys))
    sx = (_WIDTH - 2 * _PAD) / ((x1 - x0) or 1.0)
    sy = (_HEIGHT - 2 * _PAD) / ((y1 - y0) or 1.0)

    def at(x: float, y: float) -> str:
        return f"{_PAD + (x - x0) * sx:.1f},{_HEIGHT - _PAD - (y - y0) * sy:.1f}"

    lines = []
    for x, y, colour, dash in finite:
        step = max(1, len(x) // _MOST_VERTICES)
        keep: Any = np.unique(np.r_[np.arange(0, len(x), step), len(x) - 1]) if len(x) else []
        vertices = " ".join(at(float(x[i]), float(y[i])) for i in keep)
        dashes = " stroke-dasharray='4 3'" if dash else ""
        lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2'{dashes} points='{vertices}'/>")
    px, py = at(*point).split(",")
    marker = f"<circle class='workbench-explore-point' cx='{px}' cy='{py}' r='6' fill='#000'/>"
    axes = (
        f"<text x='{_PAD}' y='{_HEIGHT - 8}' font-size='11'>{html.escape(x_title)}: {x0:.4g} to {x1:.4g}</text>"
        f"<text x='4' y='{_PAD - 8}' font-size='11'>quality {y0:.3f} to {y1:.3f}</text>"
        f"<text x='{_PAD}' y='14' font-size='12' font-weight='bold'>{html.escape(title)}</text>"
        f"<rect x='{_PAD}' y='{_PAD}' width='{_WIDTH - 2 * _PAD}' height='{_HEIGHT - 2 * _PAD}' fill='none' "
        "stroke='#999'/>"
    )
    return (
        f"<svg class='workbench-explore-curve' width='{_WIDTH}' height='{_HEIGHT}' xmlns='http://www.w3.org/2000/svg'>"
        f"{axes}{''.join(lines)}{marker}</svg>"
    )


def static_html(p: Point, svg: str) -> str:
    """The explorer's last state as one block of plain HTML: figures, curve, tables."""
    # tex2jax_ignore / mathjax_ignore: JupyterLab would typeset the text between two dollar signs as LaTeX
    body = f"{point_html(p)}{svg}{tables_html(p)}"
    return f"<div class='workbench-explore workbench-static tex2jax_ignore mathjax_ignore'>{body}</div>"
