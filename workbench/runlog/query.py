"""What a read of the run log asks for, as one SQL query: the columns, and filters the indexes answer.

A read names its columns (the large ``prompt`` and ``response`` are left out unless named) and may
filter by run, sweep, target and time; each filter is a ``WHERE`` clause written once in the SQL both
databases take, so only the rows and columns asked for leave the database. The run id filter uses
``calls_run``, the sweep ``calls_sweep``, the target ``calls_target_started`` and the time window
``calls_started``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.errors import ConfigError
from workbench.records import COLUMNS
from workbench.records.frame import FRAME_COLUMNS

__all__ = ["DEFAULT_COLUMNS", "SWEEP_NAME", "TEXT_COLUMNS", "Filters", "Moment", "pick_columns", "select_sql"]

TEXT_COLUMNS = ("prompt", "response")
"""The large columns (the prompt sent and the answer), read only when named."""
DEFAULT_COLUMNS = tuple(c for c in FRAME_COLUMNS if c not in TEXT_COLUMNS)
"""What ``Store.to_pandas()`` reads when no columns are named: every column but the prompt and the answer."""
SWEEP_NAME = "CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.sweep.name') END"
"""A call's sweep name, spelled exactly as the ``calls_sweep`` index (migration 006) is, so the index answers.

A provenance holding NaN or Infinity (a routing threshold) is not JSON to SQLite: that call has no sweep."""

Moment = float | dt.datetime | str
"""A point in time: seconds since the epoch, a datetime (naive means UTC) or an ISO 8601 text."""
Many = str | Sequence[str] | None


def _seconds(moment: Moment, name: str) -> float:
    if isinstance(moment, bool):
        raise ConfigError(f"{name}= is a time: seconds since the epoch, a datetime or an ISO 8601 text.")
    if isinstance(moment, int | float):
        return float(moment)
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            raise ConfigError(f"{name}={moment!r} is not a time; write ISO 8601, e.g. 2026-11-29T10:00.") from None
    if isinstance(moment, dt.datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()
    raise ConfigError(f"{name}= is a time: seconds since the epoch, a datetime or an ISO 8601 text, not {moment!r}.")


def _many(values: Many) -> tuple[str, ...] | None:
    if values is None:
        return None
    return (values,) if isinstance(values, str) else tuple(values)


@dataclass(frozen=True)
class Filters:
    """Which calls a read wants; ``None`` (or an empty filter list of none given) means any."""

    run_id: tuple[str, ...] | None = None
    sweep: str | None = None
    target: tuple[str, ...] | None = None
    since: float | None = None
    """Calls started at or after this (seconds since the epoch)."""
    until: float | None = None
    """Calls started before this (seconds since the epoch)."""

    @classmethod
    def of(
        cls,
        *,
        run_id: Many = None,
        sweep: str | None = None,
        target: Many = None,
        since: Moment | None = None,
        until: Moment | None = None,
    ) -> Filters:
        """Filters from a read's arguments: one id or target, or several; times in any :data:`Moment` form."""
        return cls(
            _many(run_id), sweep, _many(target),
            None if since is None else _seconds(since, "since"), None if until is None else _seconds(until, "until"),
        )  # fmt: skip

    def where(self) -> tuple[str, list[Any]]:
        """The ``WHERE`` clause (empty when nothing is filtered) and its arguments."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, values in (("run_id", self.run_id), ("target", self.target)):
            if values is not None:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})" if values else "1 = 0")
                args += values
        if self.sweep is not None:
            clauses.append(f"{SWEEP_NAME} = ?")
            args.append(self.sweep)
        if self.since is not None:
            clauses.append("started_at >= ?")
            args.append(self.since)
        if self.until is not None:
            clauses.append("started_at < ?")
            args.append(self.until)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), args


def pick_columns(columns: Sequence[str] | Literal["all"] | None) -> tuple[str, ...]:
    """The columns a read selects: :data:`DEFAULT_COLUMNS` for ``None``, every one for ``"all"``, else those named."""
    if columns is None:
        return DEFAULT_COLUMNS
    if columns == "all":
        return FRAME_COLUMNS
    picked = (columns,) if isinstance(columns, str) else tuple(columns)
    unknown = [c for c in picked if c not in COLUMNS]
    if unknown:
        hint = " (the answer is 'response')" if "answer" in unknown else ""
        raise ConfigError(f"The run log has no column {unknown[0]!r}{hint}; its columns are {', '.join(COLUMNS)}.")
    return tuple(dict.fromkeys(picked))


def select_sql(
    columns: Sequence[str], filters: Filters, *, newest_first: bool = True, limit: int | None = None
) -> tuple[str, list[Any]]:
    """The query reading ``columns`` of the calls ``filters`` wants, in start order, and its arguments."""
    where, args = filters.where()
    order = "DESC" if newest_first else "ASC"
    sql = f"SELECT {', '.join(columns)} FROM calls{where} ORDER BY started_at {order}, rowid {order}"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return sql, args
