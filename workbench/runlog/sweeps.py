"""The calls of a named sweep, read back from the run log, and the grades recorded beside them.

A sweep tags each of its calls in provenance with ``{"sweep": {"name": N, "item": ID, "repeat": K}}``;
:func:`sweep_records` finds them through the ``calls_sweep`` index (migration
``006_sweeps_and_grades``). Grades live in the ``grades`` table, keyed by (call, grader, version).
An LLM judge's calls are tagged ``{"judge": {"of": CALL, "grader": G, "sweep": N}}`` instead, so they
are never read as answers; :func:`judge_records` finds them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.records import COLUMNS, CallRecord
from workbench.records.call import CallOutcome
from workbench.runlog.query import SWEEP_NAME
from workbench.runlog.rows import from_row, from_rows
from workbench.runlog.store import Store

__all__ = [
    "CellRow", "GradeRow", "judge_records", "read_grades", "records_by_id", "responses_by_id", "sweep_cells",
    "sweep_names", "sweep_records", "write_grades",
]  # fmt: skip

_NAME = SWEEP_NAME  # the indexed expressions, spelled as their indexes are (migrations 006 and 008)
_WRITE_GRADE = (
    "INSERT INTO grades (call_id, grader, version, score, reason, graded_at) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (call_id, grader, version) DO UPDATE"
    " SET score = excluded.score, reason = excluded.reason, graded_at = excluded.graded_at"
)
_JUDGED = "CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.judge.sweep') END"


@dataclass(frozen=True, slots=True)
class GradeRow:
    """One grade of one call, as the ``grades`` table holds it."""

    call_id: str
    grader: str
    version: str
    score: float
    reason: str
    graded_at: float = 0.0


def _rows(store: Store, sql: str, args: Sequence[object]) -> list[Any]:
    return store._rows(sql, args)


def _record(store: Store) -> str:
    return ", ".join(store.selected(COLUMNS))  # what a record holds: never request_hash, which provenance repeats


def sweep_records(store: Store, name: str) -> list[CallRecord]:
    """Every call recorded for the sweep ``name``, oldest first (replayed copies included, as recorded)."""
    sql = f"SELECT {_record(store)} FROM calls WHERE {_NAME} = ? ORDER BY started_at, rowid"
    return from_rows(_rows(store, sql, (name,)))


@dataclass(frozen=True, slots=True)
class CellRow(CallOutcome):
    """A sweep's call without its texts: its tag, whether it failed, and what it cost (what a resume needs)."""

    call_id: str
    target: str
    item: str
    repeat: int
    error_type: str | None
    cost_usd: float | None
    cost_basis: str
    replayed: bool

    @classmethod
    def of(cls, record: CallRecord, item: str, repeat: int) -> CellRow:
        """The row of a record of the cell (``item``, its target, ``repeat``)."""
        return cls(record.call_id, record.target, item, repeat, record.error_type, record.cost_usd,
                   record.cost_basis, record.replayed)  # fmt: skip


def sweep_cells(store: Store, name: str) -> list[CellRow]:
    """:func:`sweep_records` without the texts: only the columns and tag fields a resume reads, oldest first."""
    tag = "CASE WHEN json_valid(provenance) THEN json_extract(provenance, '$.sweep.{}') END"
    sql = (
        f"SELECT call_id, target, {tag.format('item')}, {tag.format('repeat')}, error_type, cost_usd, cost_basis, "
        f"replayed FROM calls WHERE {_NAME} = ? ORDER BY started_at, rowid"
    )
    rows = _rows(store, sql, (name,))
    return [CellRow(r[0], r[1], str(r[2]), int(r[3]), r[4], r[5], r[6], bool(r[7])) for r in rows]


def _by_id(store: Store, columns: str, call_ids: Iterable[str]) -> list[Any]:
    ids = list(dict.fromkeys(call_ids))
    rows: list[Any] = []
    for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
        chunk = ids[start : start + 500]
        rows += _rows(store, f"SELECT {columns} FROM calls WHERE call_id IN ({', '.join('?' for _ in chunk)})", chunk)
    return rows


def records_by_id(store: Store, call_ids: Iterable[str]) -> dict[str, CallRecord]:
    """The recorded calls with these ids, by id."""
    return {r.call_id: r for r in map(from_row, _by_id(store, "*", call_ids))}


def responses_by_id(store: Store, call_ids: Iterable[str]) -> dict[str, str]:
    """The answers of the recorded calls with these ids, by id (what re-grading reads)."""
    return {str(r[0]): str(r[1]) for r in _by_id(store, "call_id, response", call_ids)}


def judge_records(store: Store, name: str) -> list[CallRecord]:
    """Every judge's call made while grading the sweep ``name``, oldest first (through the ``calls_judged`` index)."""
    sql = f"SELECT {_record(store)} FROM calls WHERE {_JUDGED} = ? ORDER BY started_at, rowid"
    return from_rows(_rows(store, sql, (name,)))


def sweep_names(store: Store) -> list[str]:
    """The names of the sweeps the run log holds, in the order they were first recorded."""
    sql = f"SELECT {_NAME} AS name, min(started_at) AS first FROM calls WHERE {_NAME} IS NOT NULL GROUP BY name"
    return [str(row[0]) for row in sorted(_rows(store, sql, ()), key=lambda r: r[1])]


def read_grades(store: Store, call_ids: Iterable[str] | None = None) -> list[GradeRow]:
    """The grades recorded for these calls (all grades when ``None``), oldest first."""
    columns = "call_id, grader, version, score, reason, graded_at"
    if call_ids is None:
        rows = _rows(store, f"SELECT {columns} FROM grades ORDER BY graded_at, rowid", ())
    else:
        ids = list(dict.fromkeys(call_ids))
        rows = []
        for start in range(0, len(ids), 500):  # SQLite caps the number of bound parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows += _rows(store, f"SELECT {columns} FROM grades WHERE call_id IN ({marks}) ORDER BY graded_at", chunk)
    return [GradeRow(r[0], r[1], r[2], float(r[3]), r[4], float(r[5])) for r in rows]


def write_grades(store: Store, grades: Sequence[GradeRow]) -> None:
    """Record grades in one transaction; a grade already there for (call, grader, version) is replaced."""
    if not grades:
        return
    now = time.time()
    rows = [(g.call_id, g.grader, g.version, g.score, g.reason, g.graded_at or now) for g in grades]

    store.write_rows(_WRITE_GRADE, rows)
