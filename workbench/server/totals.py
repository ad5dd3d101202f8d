"""The run log's summary for the sidebar and status bar: counts, spend, TTFT percentiles, flagged off device.

Read from the log's running totals (``calls_rollup`` and the TTFT histogram ``calls_ttft``, kept
by the database as calls arrive: :mod:`workbench.runlog.rollup`), so a summary costs the same at
ten calls or a million; one run's summary is computed from that run's calls (by their index), and
so is any summary of a log that predates the rollup. Either way the rules are those of
:mod:`workbench.runlog.rules`. Replayed calls are counted, but left out of the statistics (spend,
TTFT percentiles) unless ``include_replayed``: nothing was spent or timed when they were answered.
Calls never sent never enter the percentiles, which are exact or say ``within 1%``
(:mod:`workbench.server.percentiles`). Figures come as values and as text formatted by
:mod:`workbench.ui.format`; the palette comes from ``workbench/ui/style.json``.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from workbench.records import Locality
from workbench.runlog.backends import Reader
from workbench.runlog.rollup import GROUP_SELECT
from workbench.runlog.rules import TIMED_SQL
from workbench.server.percentiles import APPROXIMATE, EXACT, QUANTILES, percentile, ttft_by_target
from workbench.server.present import scrub
from workbench.server.queries import CallFilter
from workbench.ui.format import count, dollars, seconds, style

__all__ = ["EDGE", "LOCALITIES", "percentile", "totals"]

EDGE = tuple(locality.value for locality in Locality if locality.edge)
"""Localities counted as edge spend (the bytes stay on hardware the team controls)."""

LOCALITIES = tuple(locality.value for locality in Locality)

_MAX_CACHED = 64
_ROLLUP_SELECT = (
    "SELECT target, locality, replayed, unsent, flagged, calls, errors, usd, unknown, latest FROM calls_rollup"
)


def _spend_text(spend: dict[str, Any]) -> str:
    return dollars(spend["usd"]) + (f" (+{spend['unknown']} unknown)" if spend["unknown"] else "")


def _groups(conn: Reader, where: CallFilter) -> list[Any]:
    """Rows of (target, locality, replayed, unsent, flagged, calls, errors, usd, unknown, latest)."""
    if where.rolled_up(conn):
        clauses, args = where.rollup_clauses()
        return conn.execute(f"{_ROLLUP_SELECT} WHERE {' AND '.join(['calls <> 0', *clauses])}", args).fetchall()
    clause, args = where.where()
    return conn.execute(f"{GROUP_SELECT}{clause} GROUP BY 1, 2, 3, 4, 5", args).fetchall()


def _ttft(conn: Reader, where: CallFilter, include_replayed: bool) -> dict[str, dict[str, Any]]:
    """Per target: measured, p50/p90/p99, precision."""
    clauses, args = where.clauses()
    counted = [] if include_replayed else ["replayed = 0"]
    if where.rolled_up(conn):
        rollup, rollup_args = where.rollup_clauses()
        unflagged, unflagged_args = dataclasses.replace(where, flagged=None).clauses()
        flagged = None if where.flagged is None else int(where.flagged)
        calls = ([*unflagged, *counted], unflagged_args)
        return ttft_by_target(conn, ([*rollup, *counted], rollup_args), calls, flagged=flagged)
    condition = " AND ".join([*clauses, *counted, TIMED_SQL, "ttft_s IS NOT NULL"])
    values: dict[str, list[float]] = {}
    sql = f"SELECT target, ttft_s FROM calls WHERE {condition} ORDER BY target, ttft_s"
    for target, ttft in conn.execute(sql, args):
        values.setdefault(target, []).append(float(ttft))
    return {
        target: {"measured": len(v), **{f"p{q}": percentile(v, q / 100) for q in QUANTILES}, "precision": EXACT}
        for target, v in values.items()
    }


def _summarize(groups: list[Any], ttft: dict[str, dict[str, Any]], include_replayed: bool) -> dict[str, Any]:
    counts = dict.fromkeys(("calls", "replayed", "unsent", "counted", "errors", "flagged"), 0)
    cost = {name: {"calls": 0, "usd": 0.0, "unknown": 0} for name in LOCALITIES}
    per_target: dict[tuple[str, str], int] = {}
    latest: float | None = None
    for target, locality, replayed, unsent, flagged, calls, errors, usd, unknown, last in groups:
        calls = int(calls)
        counts["calls"] += calls
        counts["replayed"] += calls if replayed else 0
        counts["unsent"] += calls if unsent else 0
        counts["errors"] += int(errors)
        counts["flagged"] += calls if flagged == 1 else 0
        per_target[(target, locality)] = per_target.get((target, locality), 0) + calls
        latest = last if latest is None or (last is not None and last > latest) else latest
        if include_replayed or not replayed:
            counts["counted"] += calls
            spend = cost.setdefault(locality, {"calls": 0, "usd": 0.0, "unknown": 0})
            spend["calls"] += calls
            spend["usd"] += float(usd)
            spend["unknown"] += int(unknown)
    split = {
        side: {key: sum(cost[n][key] for n in names if n in cost) for key in ("usd", "unknown", "calls")}
        for side, names in (("edge", EDGE), ("cloud", ("cloud",)))
    }
    rows = []
    for target, row in sorted(ttft.items()):
        mark = "≈" if row["precision"] == APPROXIMATE else ""
        text = {f"p{q}": mark + seconds(row[f"p{q}"]) for q in QUANTILES}
        rows.append({"target": scrub(target), **row, "text": text})
    return {
        "calls": counts["calls"],
        "replayed": counts["replayed"],
        "unsent": counts["unsent"],
        "counted": counts["counted"],
        "include_replayed": include_replayed,
        "errors": counts["errors"],
        "flagged_off_device": counts["flagged"],
        "latest": latest,
        "cost": cost,
        "spend": split,
        "text": {
            **{side: _spend_text(spend) for side, spend in split.items()},
            "calls": count(counts["calls"], "call"),
            "errors": count(counts["errors"], "error"),
        },
        "targets": [
            {"target": scrub(t), "locality": loc, "calls": n} for (t, loc), n in sorted(per_target.items()) if n
        ],
        "ttft": rows,
    }


def palette() -> dict[str, Any]:
    """The colours of ``workbench/ui/style.json`` the sidebar and status bar use: by locality, and by state."""
    return {"locality": dict(style()["locality"]), "state": dict(style()["state"])}


_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def totals(
    conn: Reader | None, where: CallFilter | None = None, *, include_replayed: bool = False
) -> dict[str, Any]:
    """The calls ``where`` keeps at a glance: counts, cost by locality and edge/cloud, TTFT percentiles, flagged.

    ``usd`` sums the counted calls whose cost is known; ``unknown`` counts those whose cost is not
    (no price known), which are never counted as free. A summary is kept until the log's
    fingerprint (its count and last rowid, read from the rollup and an index) changes.
    """
    where = where or CallFilter()
    if conn is None:
        return {**_summarize([], {}, include_replayed), "palette": palette()}
    key = conn.fingerprint()
    name = (key[0], where, include_replayed)
    with _cache_lock:
        cached = _cache.get(name)
    if cached is not None and cached[0] == key:
        return {**cached[1], "palette": palette()}
    summary = _summarize(_groups(conn, where), _ttft(conn, where, include_replayed), include_replayed)
    with _cache_lock:
        _cache.pop(name, None)
        _cache[name] = (key, summary)  # the most recently used last
        while len(_cache) > _MAX_CACHED:
            del _cache[next(iter(_cache))]
    return {**summary, "palette": palette()}
