"""Read-only queries over the run log's ``calls`` table, for the JupyterLab sidebar: pages of calls, one call.

Connections are opened read-only (SQLite's ``mode=ro``, PostgreSQL's read-only transactions,
through :func:`workbench.runlog.backends.open_reader`): the server never creates, migrates or
writes a run log. Which calls a page holds is decided in SQL with the record's own rules
(:mod:`workbench.server.rules`); each call is then shown by :mod:`workbench.server.present`,
which formats its figures, removes secrets and masks personal data. The summary is in
:mod:`workbench.server.totals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.records import CallRecord
from workbench.runlog.backends import Reader, open_reader
from workbench.runlog.rows import from_row as record_from_row
from workbench.server import present
from workbench.server.rules import FLAGGED_OFF_DEVICE_SQL

__all__ = [
    "MAX_PAGE", "CallFilter", "Cursor", "call_detail", "call_record", "count_calls", "list_calls", "open_readonly",
    "page_sql", "parse_cursor",
]  # fmt: skip

MAX_PAGE = 500
"""The most calls one page may hold."""


@dataclass(frozen=True)
class CallFilter:
    """Which calls a page (and the summary) holds; ``None`` means any."""

    target: str | None = None
    locality: str | None = None
    flagged: bool | None = None
    """True: only the calls that sent flagged data off the device (:data:`FLAGGED_OFF_DEVICE_SQL`)."""
    run_id: str | None = None

    def clauses(self) -> tuple[list[str], list[Any]]:
        """The SQL conditions (all must hold) and their arguments."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, value in (("target", self.target), ("locality", self.locality), ("run_id", self.run_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.flagged is not None:
            clauses.append(FLAGGED_OFF_DEVICE_SQL if self.flagged else f"NOT {FLAGGED_OFF_DEVICE_SQL}")
        return clauses, args

    def rollup_clauses(self) -> tuple[list[str], list[Any]]:
        """The same conditions on the run log's rollup tables (:mod:`workbench.runlog.rollup`); not for a run."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, value in (("target", self.target), ("locality", self.locality)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.flagged is not None:
            clauses.append("flagged = ?")
            args.append(1 if self.flagged else 0)
        return clauses, args

    def rolled_up(self, conn: Reader) -> bool:
        """Whether the log's rollup answers for these calls: it has one, and no run is asked for."""
        return self.run_id is None and conn.has_rollup()

    def where(self) -> tuple[str, list[Any]]:
        """The SQL ``WHERE`` clause (possibly empty) and its arguments."""
        clauses, args = self.clauses()
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def open_readonly(location: str | Path) -> Reader | None:
    """A read-only connection to the run log at a path or ``postgresql://`` URL; ``None`` if there is no log yet."""
    return open_reader(location)


def count_calls(conn: Reader, where: CallFilter) -> int:
    """How many calls ``where`` keeps: from the rollup, else by the run's index."""
    if where.rolled_up(conn):
        clauses, args = where.rollup_clauses()
        sql = "SELECT coalesce(sum(calls), 0) FROM calls_rollup" + "".join(
            f"{' WHERE' if i == 0 else ' AND'} {c}" for i, c in enumerate(clauses)
        )
        return int(conn.execute(sql, args).fetchone()[0])
    clause, args = where.where()
    return int(conn.execute(f"SELECT count(*) FROM calls{clause}", args).fetchone()[0])


Cursor = tuple[float, int]
"""Where a page ends: the last call's ``started_at`` and ``rowid``; the next page starts below it."""


def page_sql(where: CallFilter, limit: int, offset: int, before: Cursor | None = None) -> tuple[str, list[Any]]:
    """The query of one page, newest first, below ``before`` if given: an index gives the order and the start."""
    clauses, args = where.clauses()
    if before is not None:  # a range on started_at (indexed), then the ties by rowid
        clauses.append("started_at <= ? AND (started_at < ? OR rowid < ?)")
        args += [before[0], before[0], before[1]]
    clause = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT rowid AS page_rowid, * FROM calls{clause} ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?"
    return sql, [*args, limit, offset]


def list_calls(
    conn: Reader, where: CallFilter, *, limit: int = 50, offset: int = 0, before: Cursor | None = None
) -> dict[str, Any]:
    """One page of calls, newest first, and how many calls match ``where`` in all.

    ``offset`` walks the index that far; ``before`` (the ``next`` of the page above) starts right
    where that page ended, at any depth. ``next`` is ``None`` on the last page.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    total = count_calls(conn, where)
    page: dict[str, Any] = {"total": total, "limit": limit, "offset": offset, "calls": [], "next": None}
    if offset >= total:
        return page
    rows = conn.execute(*page_sql(where, limit, offset, before)).fetchall()
    page["calls"] = [present.row(record_from_row(r)) for r in rows]
    if len(rows) == limit:
        page["next"] = f"{rows[-1]['started_at']!r},{rows[-1]['page_rowid']}"
    return page


def parse_cursor(text: str) -> Cursor:
    """A ``next`` cursor as given back (``started_at,rowid``); ``ValueError`` if it is not one."""
    started, rowid = text.split(",")
    return float(started), int(rowid)


def call_record(conn: Reader, call_id: str) -> CallRecord | None:
    """The :class:`~workbench.records.CallRecord` with this id, or ``None``."""
    row = conn.execute("SELECT * FROM calls WHERE call_id = ?", [call_id]).fetchone()
    return None if row is None else record_from_row(row)


def call_detail(conn: Reader, call_id: str, *, reveal: bool = False) -> dict[str, Any] | None:
    """One call in full for the detail view (see :func:`workbench.server.present.detail`); ``None`` if absent."""
    record = call_record(conn, call_id)
    return None if record is None else present.detail(record, reveal=reveal)
