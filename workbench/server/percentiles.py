"""TTFT percentiles by target without reading the log: the rollup's histogram finds the bucket, an index the value.

The histogram (``calls_ttft``, :mod:`workbench.runlog.rollup`) says how many counted TTFTs of a
target lie below each 1%-wide bucket, so the bucket holding any rank is known from a few hundred
small rows. The values of that one bucket are then read in order from the ``(target, ttft_s)``
index, with the same conditions, and the percentile is the exact one (ranks interpolated linearly,
as :func:`numpy.percentile` does). A bucket holding more than :data:`REFINE_LIMIT` values is not
read: the value is placed inside it by its rank, which is within 1% of the exact one, and the row
says so (``precision``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.runlog.backends import Reader
from workbench.runlog.rollup import FLAGGED_KEY_SQL
from workbench.runlog.rules import TIMED_SQL

__all__ = ["APPROXIMATE", "EXACT", "QUANTILES", "REFINE_LIMIT", "bucket_sql", "percentile", "ttft_by_target"]

QUANTILES = (50, 90, 99)
REFINE_LIMIT = 20_000
"""The most values of one bucket read to give a percentile exactly."""
EXACT = "exact"
APPROXIMATE = "within 1%"


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of sorted values, interpolated linearly between ranks."""
    if not ordered:
        raise ValueError("percentile of no values")
    return _interpolated(len(ordered), q, ordered.__getitem__)


def _interpolated(n: int, q: float, value_at: Callable[[int], float]) -> float:
    position = (n - 1) * q
    low = int(position)
    high = min(low + 1, n - 1)
    below = value_at(low)
    return below + (value_at(high) - below) * (position - low)


_COVERED = "target, ttft_s, replayed, locality, cost_basis, latency_s"  # the columns of the calls_ttft_value index


def bucket_sql(clauses: list[str], *, bounded: bool, privacy: bool, flagged: bool = False) -> str:
    """Two TTFTs in order from a rank of one target's bucket that ``clauses`` keep.

    ``?``: target, the flagged key (if ``flagged``), low, high (if ``bounded``), the clauses' arguments,
    the rank. The bucket's rows come from an index first: ``(target, ttft_s, ...)``, which holds every
    column the clauses read unless one needs ``privacy``, or ``(target, flagged key, ttft_s)`` for the
    flagged filter; then the filters apply (``MATERIALIZED`` keeps that order: a planner that misjudges
    the privacy rule would otherwise walk every flagged call).
    """
    key = [f"{FLAGGED_KEY_SQL} = ?"] if flagged else []
    bound = " AND ".join(["target = ?", *key, "ttft_s >= ?", *(["ttft_s < ?"] if bounded else [])])
    return (
        f"WITH bucket AS MATERIALIZED (SELECT {_COVERED}{', privacy' if privacy else ''} FROM calls WHERE {bound})"
        f" SELECT ttft_s FROM bucket WHERE {' AND '.join(clauses or ['1 = 1'])} ORDER BY ttft_s LIMIT 2 OFFSET ?"
    )


class _Target:
    """One target's histogram, and the values of the buckets read so far."""

    def __init__(
        self, conn: Reader, target: str, conditions: tuple[list[str], list[Any]], flagged: int | None, limit: int
    ) -> None:
        self.conn, self.target, self.conditions, self.flagged, self.limit = conn, target, conditions, flagged, limit
        self.privacy = any("privacy" in clause for clause in conditions[0])
        self.buckets: list[tuple[int, int]] = []
        self.values: dict[tuple[int, int], float] = {}
        self.precision = EXACT

    @property
    def count(self) -> int:
        return sum(n for _, n in self.buckets)

    def value_at(self, rank: int) -> float:
        before = 0
        for bucket, n in self.buckets:
            if rank < before + n:
                return self._in_bucket(bucket, n, rank - before)
            before += n
        raise ValueError(f"rank {rank} beyond the {before} values of {self.target}")

    def _bounds(self, bucket: int) -> tuple[float, float | None]:
        rows = self.conn.execute(
            "SELECT bucket, lo FROM ttft_buckets WHERE bucket IN (?, ?) ORDER BY bucket", [bucket, bucket + 1]
        ).fetchall()
        return float(rows[0][1]), float(rows[1][1]) if len(rows) > 1 else None

    def _in_bucket(self, bucket: int, n: int, rank: int) -> float:
        lo, hi = self._bounds(bucket)
        if (bucket, rank) not in self.values and (n <= self.limit or hi is None or lo <= 0):
            clauses, args = self.conditions
            sql = bucket_sql(clauses, bounded=hi is not None, privacy=self.privacy, flagged=self.flagged is not None)
            key = [self.flagged] if self.flagged is not None else []
            bounds = [lo, *([hi] if hi is not None else [])]
            rows = self.conn.execute(sql, [self.target, *key, *bounds, *args, rank]).fetchall()
            for i, row in enumerate(rows):
                self.values[(bucket, rank + i)] = float(row[0])
        if (bucket, rank) in self.values:
            return self.values[(bucket, rank)]
        self.precision = APPROXIMATE  # the rank's place in a bucket 1% wide (or a call removed meanwhile)
        return float(lo * (hi / lo) ** ((rank + 0.5) / n)) if hi is not None and lo > 0 else lo


def ttft_by_target(
    conn: Reader,
    histogram: tuple[list[str], list[Any]],
    calls: tuple[list[str], list[Any]],
    *,
    flagged: int | None = None,
    limit: int = REFINE_LIMIT,
) -> dict[str, dict[str, Any]]:
    """Per target: how many TTFTs were measured, p50/p90/p99, and their precision.

    ``histogram`` is the conditions on ``calls_ttft`` (its key columns, the flagged key among them);
    ``calls`` the same conditions on ``calls`` (counted calls only) but the flagged rule, whose key
    (1 or 0) is ``flagged``; each with their arguments.
    """
    clauses, args = histogram
    where = " AND ".join(["n <> 0", *clauses])
    rows = conn.execute(
        f"SELECT target, bucket, sum(n) FROM calls_ttft WHERE {where} GROUP BY target, bucket ORDER BY target, bucket",
        args,
    ).fetchall()
    conditions = ([*calls[0], TIMED_SQL, "ttft_s IS NOT NULL"], calls[1])
    targets: dict[str, _Target] = {}
    for target, bucket, n in rows:
        if int(n) > 0:
            one = targets.setdefault(target, _Target(conn, target, conditions, flagged, limit))
            one.buckets.append((int(bucket), int(n)))
    out = {}
    for target, one in targets.items():
        figures = {f"p{q}": _interpolated(one.count, q / 100, one.value_at) for q in QUANTILES}
        out[target] = {"measured": one.count, **figures, "precision": one.precision}
    return out
