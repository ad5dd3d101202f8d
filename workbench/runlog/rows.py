"""A :class:`~workbench.records.CallRecord` as a row of the run log's ``calls`` table, and back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from workbench.records import COLUMNS, CallRecord

__all__ = [
    "BOOL_COLUMNS", "COLUMNS", "INSERT_SQL", "JSON_COLUMNS", "STORED_COLUMNS", "decoded", "decoded_columns", "from_row",
    "from_rows", "to_row",
]  # fmt: skip

JSON_COLUMNS = ("params", "prompt", "engine_metrics", "privacy", "provenance")
"""Columns holding JSON text."""
BOOL_COLUMNS = ("tokens_estimated", "replayed")
"""Columns holding 0 or 1."""
_STORED = (*COLUMNS, "request_hash")  # request_hash: provenance["request_hash"], indexed for replay look-ups
STORED_COLUMNS = _STORED
"""The ``calls`` table's columns this version writes and reads: the record's, then ``request_hash``."""
_EMPTY_OBJECT = ("params", "engine_metrics", "provenance")  # NULL in calls recorded before these were kept

INSERT_SQL = (
    f"INSERT INTO calls ({', '.join(_STORED)}) VALUES ({', '.join('?' for _ in _STORED)})"
    " ON CONFLICT (call_id) DO NOTHING"
)
"""The one statement that appends a row made by :func:`to_row` (a call id already there is left as it is).

SQLite and PostgreSQL both take it (:mod:`workbench.runlog.backends`)."""


def to_row(record: CallRecord) -> tuple[Any, ...]:
    """The values of ``record`` in the order of :data:`INSERT_SQL`."""
    data = record.to_dict()
    for name in JSON_COLUMNS:
        if data[name] is not None:
            data[name] = json.dumps(data[name], sort_keys=True)
    for name in BOOL_COLUMNS:
        data[name] = int(data[name])
    data["request_hash"] = record.provenance.get("request_hash")
    return tuple(data[name] for name in _STORED)


def decoded(row: Any) -> dict[str, Any]:
    """A row (``sqlite3.Row``, or the PostgreSQL backend's) as a dict of Python values.

    A column this version does not know of is left out, one it needs is None.
    """
    data = {name: None for name in COLUMNS} | {k: v for k, v in dict(row).items() if k in _STORED}
    data["provenance"] = data["provenance"] or "{}"  # calls recorded before 003_provenance have none
    data["params"] = data["params"] or "{}"
    data["engine_metrics"] = data["engine_metrics"] or "{}"
    for name in JSON_COLUMNS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    for name in BOOL_COLUMNS:
        data[name] = bool(data[name])
    return data


def decoded_columns(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, list[Any]]:
    """The rows of a query selecting ``names``, as one list of Python values per column (JSON read only for these)."""
    values = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
    out: dict[str, list[Any]] = {}
    for name, column in zip(names, values, strict=True):
        if name in _EMPTY_OBJECT:
            column = [{} if v is None else json.loads(v) for v in column]
        elif name in JSON_COLUMNS:
            column = [None if v is None else json.loads(v) for v in column]
        elif name in BOOL_COLUMNS:
            column = [bool(v) for v in column]
        out[name] = column
    return out


def from_row(row: Any) -> CallRecord:
    """The record a ``calls`` row holds."""
    return CallRecord.from_dict(decoded(row))


def from_rows(rows: Sequence[Sequence[Any]]) -> list[CallRecord]:
    """The records of rows selecting :data:`COLUMNS` in order, each column's JSON decoded in one pass."""
    rows_of = zip(*decoded_columns(COLUMNS, rows).values(), strict=True)
    return [CallRecord.from_dict(dict(zip(COLUMNS, values, strict=True))) for values in rows_of]
