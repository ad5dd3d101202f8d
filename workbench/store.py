"""The run log: every call recorded in SQLite (WAL), safe from several processes at once.

The schema grows by small named migrations, applied in order and recorded in
``_migrations``. Appends are durable (``synchronous=FULL``) and take the write lock up
front (``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import StoreError
from workbench.request import CallRecord, CallStart
from workbench.sinks import BaseSink

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MIGRATIONS", "Store", "default_store_path", "open_store"]

_JSON_COLUMNS = ("params", "prompt", "engine_metrics", "privacy", "provenance")
_BOOL_COLUMNS = ("tokens_estimated", "replayed")
COLUMNS = tuple(f.name for f in fields(CallRecord))
_STORED = (*COLUMNS, "request_hash")  # request_hash: provenance["request_hash"], indexed for replay look-ups

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "001_create_calls",
        """
        CREATE TABLE calls (
            call_id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL,
            target TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            locality TEXT NOT NULL,
            started_at REAL NOT NULL,
            ttft_s REAL,
            latency_s REAL NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL,
            decode_tps REAL,
            cost_usd REAL,
            cost_basis TEXT NOT NULL,
            params TEXT NOT NULL,
            response TEXT NOT NULL,
            prompt TEXT,
            engine_metrics TEXT NOT NULL,
            error_type TEXT,
            error_message TEXT,
            attempts INTEGER NOT NULL,
            privacy TEXT,
            replayed INTEGER NOT NULL
        );
        CREATE INDEX calls_run ON calls(run_id);
        CREATE INDEX calls_started ON calls(started_at);
        CREATE INDEX calls_target ON calls(target);
        """,
    ),
    (
        "002_target_time_index",
        """
        DROP INDEX calls_target;
        CREATE INDEX calls_target_started ON calls(target, started_at);
        """,
    ),
    (
        "003_provenance",
        """
        ALTER TABLE calls ADD COLUMN provenance TEXT;
        ALTER TABLE calls ADD COLUMN request_hash TEXT;
        CREATE INDEX calls_request ON calls(request_hash, target, started_at);
        """,
    ),
    (
        "004_queue_and_e2e",  # the wait for a busy engine and the time from submission; NULL for older calls
        """
        ALTER TABLE calls ADD COLUMN queue_s REAL;
        ALTER TABLE calls ADD COLUMN e2e_s REAL;
        """,
    ),
)


def default_store_path() -> Path:
    """``$WORKBENCH_STORE``, else ``.workbench/runs.sqlite`` under the working directory."""
    return Path(os.environ.get("WORKBENCH_STORE") or Path.cwd() / ".workbench" / "runs.sqlite")


INSERT_SQL = f"INSERT INTO calls ({', '.join(_STORED)}) VALUES ({', '.join('?' for _ in _STORED)})"
"""The one statement that appends a row made by :func:`_to_row`."""


_open: dict[Path, Store] = {}
_open_lock = threading.Lock()


def open_store(path: str | os.PathLike[str] | None = None) -> Store:
    """The process's one open :class:`Store` for ``path`` (default: :func:`default_store_path`)."""
    where = Path(path if path is not None else default_store_path()).expanduser().resolve()
    with _open_lock:
        if where not in _open:
            _open[where] = Store(where)
        return _open[where]


def _to_row(record: CallRecord) -> tuple[Any, ...]:
    data = record.to_dict()
    for name in _JSON_COLUMNS:
        if data[name] is not None:
            data[name] = json.dumps(data[name], sort_keys=True)
    for name in _BOOL_COLUMNS:
        data[name] = int(data[name])
    data["request_hash"] = record.provenance.get("request_hash")
    return tuple(data[name] for name in _STORED)


def _from_row(row: sqlite3.Row) -> CallRecord:
    data = dict(row)
    data["provenance"] = data["provenance"] or "{}"  # calls recorded before 003_provenance have none
    for name in _JSON_COLUMNS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    for name in _BOOL_COLUMNS:
        data[name] = bool(data[name])
    return CallRecord.from_dict(data)


class Store(BaseSink):
    """A SQLite run log. Use it as a sink: every finished record is appended."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=30000")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot open the run log at {self.path}: {exc}. Set WORKBENCH_STORE to a writable path."
            ) from exc
        self._lock = threading.Lock()
        self.migrate()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names."""
        applied: list[str] = []
        with self._lock, self._transaction():
            self._conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
            done = {row[0] for row in self._conn.execute("SELECT name FROM _migrations")}
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                for statement in filter(str.strip, sql.split(";")):
                    self._conn.execute(statement)
                self._conn.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", (name,))
                applied.append(name)
        return applied

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def append(self, record: CallRecord) -> None:
        """Append one record, durably."""
        self.append_many([record])

    def append_many(self, records: Iterable[CallRecord]) -> None:
        """Append records in one transaction."""
        rows = [_to_row(r) for r in records]
        try:
            with self._lock, self._transaction():
                self._conn.executemany(INSERT_SQL, rows)
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot write to the run log at {self.path}: {exc}") from exc

    def on_call_start(self, start: CallStart) -> None:
        """Nothing is stored until the call has finished."""

    def on_record(self, record: CallRecord) -> None:
        """Sink hook: append the finished record."""
        self.append(record)

    def records(
        self, *, run_id: str | None = None, target: str | None = None, limit: int | None = None
    ) -> list[CallRecord]:
        """Records, newest first, optionally of one run or one target."""
        sql, args = self._select(run_id=run_id, target=target, limit=limit)
        with self._lock:
            return [_from_row(row) for row in self._conn.execute(sql, args)]

    def to_pandas(
        self, *, run_id: str | None = None, target: str | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """The run log as a DataFrame, one row per call, newest first (same columns as ``RunResult.to_pandas``)."""
        from workbench.table import frame_from_rows

        sql, args = self._select(run_id=run_id, target=target, limit=limit)
        with self._lock:
            rows = [dict(row) for row in self._conn.execute(sql, args)]
        for row in rows:
            for name in _JSON_COLUMNS:
                if row[name] is not None:
                    row[name] = json.loads(row[name])
        return frame_from_rows(rows)

    def recorded(self, target: str, request_hash: str) -> list[CallRecord]:
        """Calls of ``target`` made live (not replayed) for the request with this fingerprint, oldest first.

        A strict replay's miss (``ReplayMissing``) was never a call, so it is no recording either.
        """
        sql = (
            "SELECT * FROM calls WHERE request_hash = ? AND target = ? AND replayed = 0"
            " AND coalesce(error_type, '') != 'ReplayMissing' ORDER BY started_at, rowid"
        )
        with self._lock:
            return [_from_row(row) for row in self._conn.execute(sql, (request_hash, target))]

    def count(self) -> int:
        """How many calls are recorded."""
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM calls").fetchone()[0])

    def migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        with self._lock:
            return [row[0] for row in self._conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @staticmethod
    def _select(*, run_id: str | None, target: str | None, limit: int | None) -> tuple[str, Sequence[Any]]:
        where: list[str] = []
        args: list[Any] = []
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        if target is not None:
            where.append("target = ?")
            args.append(target)
        sql = "SELECT * FROM calls" + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += " ORDER BY started_at DESC, rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return sql, args


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
