"""The SQLite run log: a file in WAL mode, appends durable (``synchronous=FULL``) behind ``BEGIN IMMEDIATE``.

File faults become one-line errors (:mod:`workbench.runlog.faults`); a writer waits for another
process's write lock and says so.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from workbench.runlog.backends.base import Migrations
from workbench.runlog.faults import connect, explain, with_lock_retry
from workbench.runlog.rollup import COUNT_SQL, SCAN_COUNT_SQL

__all__ = ["SqliteBackend", "SqliteReader", "open_sqlite_reader"]

T = TypeVar("T")


class SqliteBackend:
    """A SQLite run log file (see :class:`workbench.runlog.backends.Backend`)."""

    def __init__(self, path: Path, *, readonly: bool) -> None:
        self.path: Path | str = path
        self._file = path
        self._lock = threading.Lock()
        self._conn = connect(path, readonly=readonly)

    def _run(self, doing: str, action: Callable[[], T], *, retry: bool = True) -> T:
        try:
            return with_lock_retry(self._file, doing, action) if retry else action()
        except sqlite3.Error as exc:
            raise explain(exc, self._file, doing) from exc

    def rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """The rows of ``sql``, as :class:`sqlite3.Row`."""

        def read() -> list[Any]:
            with self._lock:
                return list(self._conn.execute(sql, args))

        return self._run("read", read, retry=False)

    def write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """``sql`` for every row, in one ``BEGIN IMMEDIATE`` transaction, waiting out other writers."""

        def insert() -> None:
            with self._lock, self._transaction():
                self._conn.executemany(sql, rows)

        self._run("write to", insert)

    def applied(self) -> list[str]:
        """The migrations recorded in ``_migrations``, in order."""

        def read() -> list[str]:
            with self._lock:
                has_table = self._conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
                ).fetchone()
                if not has_table:
                    return []
                return [r[0] for r in self._conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

        return self._run("read", read, retry=False)

    def columns(self, table: str) -> list[str]:
        """The table's columns (``PRAGMA table_info``)."""
        return [str(row[1]) for row in self.rows(f"PRAGMA table_info({table})", ())]

    def migrate(self, migrations: Migrations) -> list[str]:
        """Apply what is missing; the transaction also proves, before any call is made, that the log takes writes."""

        def apply() -> list[str]:
            done: list[str] = []
            with self._lock, self._transaction():
                self._conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
                applied = {row[0] for row in self._conn.execute("SELECT name FROM _migrations")}
                for name, sql in migrations:
                    if name in applied:
                        continue
                    for statement in statements(sql):
                        self._conn.execute(statement)
                    self._conn.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", (name,))
                    done.append(name)
            return done

        return self._run("open", apply)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def statements(sql: str) -> list[str]:
    """The statements of a migration's text, whole (a trigger's body holds semicolons of its own)."""
    out: list[str] = []
    pending = ""
    for part in sql.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                out.append(pending)
            pending = ""
    if pending.strip(" \n\t;"):
        out.append(pending)
    return out


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._rollup: bool | None = None

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")


class SqliteReader:
    """A read-only (``mode=ro``) connection for the sidebar (see :class:`workbench.runlog.backends.Reader`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._rollup: bool | None = None

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A cursor over the rows of ``sql``."""
        return self._conn.execute(sql, args)

    def fingerprint(self) -> tuple[Any, ...]:
        """The database and WAL files' sizes and times, the calls' count and last rowid."""
        path = self._conn.execute("PRAGMA database_list").fetchone()[2]
        stats: list[Any] = [path]
        for name in (path, path + "-wal"):
            try:
                st = os.stat(name)
                stats += [st.st_size, st.st_mtime_ns]
            except OSError:
                stats += [None, None]
        return (*stats, *self._conn.execute(COUNT_SQL if self.has_rollup() else SCAN_COUNT_SQL).fetchone())

    def has_rollup(self) -> bool:
        """Whether the log has the rollup tables (migration ``009_rollup``)."""
        if self._rollup is None:
            found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calls_rollup'"
            self._rollup = self._conn.execute(found).fetchone() is not None
        return self._rollup

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def open_sqlite_reader(path: Path) -> SqliteReader | None:
    """A read-only connection to the log at ``path``; ``None`` if there is no log (or no calls table) there yet."""
    if not path.is_file():
        return None
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA mmap_size=268435456")  # a full read maps the file instead of ~4,000 read() calls
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='calls'").fetchone() is None:
        conn.close()
        return None
    return SqliteReader(conn)
