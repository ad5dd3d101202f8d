"""The run log's summary for the sidebar and status bar: counts, spend, TTFT percentiles, flagged off device.

Computed in SQL over the calls a :class:`~workbench.server.queries.CallFilter` keeps, with the
rules of :mod:`workbench.server.rules`. Replayed calls are counted, but left out of the
statistics (spend, TTFT percentiles) unless ``include_replayed``: nothing was spent or timed
when they were answered. Calls never sent never enter the percentiles. Figures come as values and
as text formatted by :mod:`workbench.ui.format`; the palette comes from ``workbench/ui/style.json``.
"""

from __future__ import annotations

import threading
from typing import Any

from workbench.records import NOT_SENT, Locality
from workbench.runlog.backends import Reader
from workbench.server.present import scrub
from workbench.server.queries import CallFilter
from workbench.server.rules import FLAGGED_OFF_DEVICE_SQL, TIMED_SQL
from workbench.ui.format import count, dollars, seconds, style

__all__ = ["EDGE", "LOCALITIES", "percentile", "totals"]

EDGE = tuple(locality.value for locality in Locality if locality.edge)
"""Localities counted as edge spend (the bytes stay on hardware the team controls)."""

LOCALITIES = tuple(locality.value for locality in Locality)

_MAX_TALLIES = 64


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, interpolated linearly between ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _tally_sql(where: CallFilter, include_replayed: bool) -> tuple[str, list[Any]]:
    # One pass, grouped: per target and locality, the counts, sums, and every counted TTFT (as text
    # with 15 significant digits in SQLite, shortest exact in PostgreSQL: far below a clock's resolution).
    # Written in the SQL both databases take: counts of CASE, not sums of comparisons.
    counted = "(1 = 1)" if include_replayed else "(replayed = 0)"
    clauses, args = where.clauses()

    def tally(condition: str) -> str:
        return f"count(CASE WHEN {condition} THEN 1 END)"

    unsent = f"cost_basis = '{NOT_SENT}'"
    sql = (
        f"SELECT target, locality, count(*), {tally('replayed <> 0')}, {tally(unsent)},"
        f" {tally(counted)}, coalesce(sum(CASE WHEN {counted} THEN cost_usd END), 0.0),"
        f" {tally(f'{counted} AND cost_usd IS NULL')}, count(error_type), {tally(FLAGGED_OFF_DEVICE_SQL)},"
        f" max(started_at), group_concat(CASE WHEN {counted} AND {TIMED_SQL} THEN ttft_s END)"
        f" FROM calls WHERE {' AND '.join(['rowid > ?', *clauses])} GROUP BY target, locality"
    )
    return sql, args


def _spend_text(spend: dict[str, Any]) -> str:
    return dollars(spend["usd"]) + (f" (+{spend['unknown']} unknown)" if spend["unknown"] else "")


class _Tally:
    """Running totals of the calls one filter keeps, extended by the calls appended since (the log only grows)."""

    def __init__(self, where: CallFilter, include_replayed: bool) -> None:
        self.sql, self.args = _tally_sql(where, include_replayed)
        self.include_replayed = include_replayed
        self.key: tuple[Any, ...] = ()
        self.seen = 0  # calls in the whole table when last read
        self.max_rowid = 0
        self.counts = {"calls": 0, "replayed": 0, "unsent": 0, "counted": 0, "errors": 0, "flagged": 0}
        self.latest: float | None = None
        self.cost = {name: {"calls": 0, "usd": 0.0, "unknown": 0} for name in LOCALITIES}
        self.per_target: dict[tuple[str, str], int] = {}
        self.ttft: dict[str, list[float]] = {}
        self.summary: dict[str, Any] = {}

    def add(self, groups: list[tuple[Any, ...]]) -> None:
        """Count in the groups from the tally's SQL."""
        fresh: dict[str, list[float]] = {}
        for target, locality, calls, replayed, unsent, counted, usd, unknown, errors, flagged, latest, ttfts in groups:
            spend = self.cost.setdefault(locality, {"calls": 0, "usd": 0.0, "unknown": 0})
            spend["calls"] += counted
            spend["usd"] += usd
            spend["unknown"] += unknown
            self.per_target[(target, locality)] = self.per_target.get((target, locality), 0) + calls
            if ttfts:
                fresh.setdefault(target, []).extend(map(float, ttfts.split(",")))
            for name, value in zip(
                ("calls", "replayed", "unsent", "counted", "errors", "flagged"),
                (calls, replayed, unsent, counted, errors, flagged),
                strict=True,
            ):
                self.counts[name] += value
            self.latest = latest if self.latest is None or latest > self.latest else self.latest
        for target, values in fresh.items():
            self.ttft[target] = sorted(self.ttft.get(target, []) + values)
        self.summary = self._summarize()

    def _summarize(self) -> dict[str, Any]:
        cost = {name: dict(spend) for name, spend in self.cost.items()}
        split = {
            side: {key: sum(cost[n][key] for n in names if n in cost) for key in ("usd", "unknown", "calls")}
            for side, names in (("edge", EDGE), ("cloud", ("cloud",)))
        }
        ttft = []
        for target, values in sorted(self.ttft.items()):
            figures = {f"p{q}": percentile(values, q / 100) for q in (50, 90, 99)}
            ttft.append(
                {"target": scrub(target), "measured": len(values), **figures,
                 "text": {name: seconds(value) for name, value in figures.items()}}
            )  # fmt: skip
        counts = self.counts
        return {
            "calls": counts["calls"],
            "replayed": counts["replayed"],
            "unsent": counts["unsent"],
            "counted": counts["counted"],
            "include_replayed": self.include_replayed,
            "errors": counts["errors"],
            "flagged_off_device": counts["flagged"],
            "latest": self.latest,
            "cost": cost,
            "spend": split,
            "text": {
                **{side: _spend_text(spend) for side, spend in split.items()},
                "calls": count(counts["calls"], "call"),
                "errors": count(counts["errors"], "error"),
            },
            "targets": [
                {"target": scrub(t), "locality": loc, "calls": n} for (t, loc), n in sorted(self.per_target.items())
            ],
            "ttft": ttft,
        }


def palette() -> dict[str, Any]:
    """The colours of ``workbench/ui/style.json`` the sidebar and status bar use: by locality, and by state."""
    return {"locality": dict(style()["locality"]), "state": dict(style()["state"])}


_tallies: dict[tuple[Any, ...], _Tally] = {}
_tallies_lock = threading.Lock()


def totals(
    conn: Reader | None, where: CallFilter | None = None, *, include_replayed: bool = False
) -> dict[str, Any]:
    """The calls ``where`` keeps at a glance: counts, cost by locality and edge/cloud, TTFT percentiles, flagged.

    ``usd`` sums the counted calls whose cost is known; ``unknown`` counts those whose cost is not
    (no price known), which are never counted as free. The first request reads the whole table
    once; later ones read only the calls appended since (the sidebar polls), and read it all
    again if any call was removed.
    """
    where = where or CallFilter()
    if conn is None:
        empty = _Tally(where, include_replayed)
        empty.add([])
        return {**empty.summary, "palette": palette()}
    key = conn.fingerprint()
    path, count, max_rowid = key[0], key[-2], key[-1]
    with _tallies_lock:
        name = (path, where, include_replayed)
        tally = _tallies.pop(name, None)
        if tally is None or tally.key != key:
            if tally is None or max_rowid < tally.max_rowid:
                tally = _Tally(where, include_replayed)
            appended = conn.execute("SELECT count(*) FROM calls WHERE rowid > ?", [tally.max_rowid]).fetchone()[0]
            if tally.seen + appended != count:  # something was removed as well: count it all again
                tally = _Tally(where, include_replayed)
            tally.add(conn.execute(tally.sql, [tally.max_rowid, *tally.args]).fetchall())
            tally.key, tally.seen, tally.max_rowid = key, count, max_rowid
        _tallies[name] = tally  # the most recently used last
        while len(_tallies) > _MAX_TALLIES:
            del _tallies[next(iter(_tallies))]
        return {**tally.summary, "palette": palette()}
