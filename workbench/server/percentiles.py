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
from workbench.runlog.rules import TIMED_SQL

__all__ = ["APPROXIMATE", "EXACT", "QUANTILES", "REFINE_LIMIT", "percentile", "ttft_by_target"]

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


class _Target:
    """One target's histogram, and the values of the buckets read so far."""

    def __init__(self, conn: Reader, target: str, conditions: tuple[list[str], list[Any]], limit: int) -> None:
        self.conn, self.target, self.conditions, self.limit = conn, target, conditions, limit
        self.buckets: list[tuple[int, int]] = []
        self.values: dict[int, list[float]] = {}
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
        if n > self.limit and hi is not None and lo > 0:
            self.precision = APPROXIMATE  # the rank's place in a bucket 1% wide
            return float(lo * (hi / lo) ** ((rank + 0.5) / n))
        if bucket not in self.values:
            clauses, args = self.conditions
            bound = ["ttft_s >= ?", *(["ttft_s < ?"] if hi is not None else [])]
            rows = self.conn.execute(
                f"SELECT ttft_s FROM calls WHERE {' AND '.join(['target = ?', *bound, *clauses])} ORDER BY ttft_s",
                [self.target, lo, *([hi] if hi is not None else []), *args],
            ).fetchall()
            self.values[bucket] = [float(row[0]) for row in rows]
        values = self.values[bucket]  # a call appended meanwhile may shift it by one rank
        return values[min(rank, len(values) - 1)]


def ttft_by_target(
    conn: Reader,
    histogram: tuple[list[str], list[Any]],
    calls: tuple[list[str], list[Any]],
    *,
    limit: int = REFINE_LIMIT,
) -> dict[str, dict[str, Any]]:
    """Per target: how many TTFTs were measured, p50/p90/p99, and their precision.

    ``histogram`` is the conditions on ``calls_ttft`` (its key columns); ``calls`` the same
    conditions on ``calls`` (counted calls only), both with their arguments.
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
            targets.setdefault(target, _Target(conn, target, conditions, limit)).buckets.append((int(bucket), int(n)))
    out = {}
    for target, one in targets.items():
        figures = {f"p{q}": _interpolated(one.count, q / 100, one.value_at) for q in QUANTILES}
        out[target] = {"measured": one.count, **figures, "precision": one.precision}
    return out
