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

__all__ = ["MAX_PAGE", "CallFilter", "call_detail", "call_record", "list_calls", "open_readonly"]

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

    def where(self) -> tuple[str, list[Any]]:
        """The SQL ``WHERE`` clause (possibly empty) and its arguments."""
        clauses, args = self.clauses()
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def open_readonly(location: str | Path) -> Reader | None:
    """A read-only connection to the run log at a path or ``postgresql://`` URL; ``None`` if there is no log yet."""
    return open_reader(location)


def list_calls(conn: Reader, where: CallFilter, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of calls, newest first, and how many calls match ``where`` in all."""
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    clause, args = where.where()
    total = int(conn.execute(f"SELECT count(*) FROM calls{clause}", args).fetchone()[0])
    rows = conn.execute(
        f"SELECT * FROM calls{clause} ORDER BY started_at DESC, rowid DESC LIMIT ? OFFSET ?",
        [*args, limit, offset],
    ).fetchall()
    return {"total": total, "limit": limit, "offset": offset, "calls": [present.row(record_from_row(r)) for r in rows]}


def call_record(conn: Reader, call_id: str) -> CallRecord | None:
    """The :class:`~workbench.records.CallRecord` with this id, or ``None``."""
    row = conn.execute("SELECT * FROM calls WHERE call_id = ?", [call_id]).fetchone()
    return None if row is None else record_from_row(row)


def call_detail(conn: Reader, call_id: str, *, reveal: bool = False) -> dict[str, Any] | None:
    """One call in full for the detail view (see :func:`workbench.server.present.detail`); ``None`` if absent."""
    record = call_record(conn, call_id)
    return None if record is None else present.detail(record, reveal=reveal)
