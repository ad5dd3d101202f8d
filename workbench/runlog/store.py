"""The run log: every call recorded, in SQLite (a file, WAL) or PostgreSQL (a URL), safe from several processes.

The schema grows by small named migrations, applied in order and recorded in
``_migrations``. Appends are durable and idempotent on the call id; the database's differences
(SQLite's ``BEGIN IMMEDIATE`` write lock, PostgreSQL's pool and reconnects) live in
:mod:`workbench.runlog.backends`. The runner awaits :meth:`Store.aappend`: the same durable
append in a worker thread, records that finish together sharing one transaction.

``Store(path_or_url)`` opens for writing: it creates and migrates the log, refuses a log migrated by a
newer version, and writes in any calls spooled earlier (:mod:`workbench.runlog.spool`). An append that
fails raises :class:`~workbench.errors.NotRecorded` after keeping the records in memory and in
the spool. ``Store(path, readonly=True)`` only reads: it never creates, migrates or locks the file.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.errors import NotRecorded, StoreError
from workbench.records import CallRecord, CallStart
from workbench.runlog.backends import open_backend
from workbench.runlog.group_commit import GroupCommit
from workbench.runlog.location import default_location, is_url
from workbench.runlog.query import Filters, Moment, pick_columns, select_sql
from workbench.runlog.rows import COLUMNS, INSERT_SQL, decoded_columns, from_row, from_rows, to_row
from workbench.runlog.schema import MIGRATIONS
from workbench.runlog.spool import read_spool, remove_spool, write_spool
from workbench.runner.sinks import BaseSink

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "MIGRATIONS", "Store", "default_location", "default_store_path", "open_store"]

log = logging.getLogger("workbench")

def default_store_path() -> Path:
    """The local run log file: ``$WORKBENCH_STORE`` when it is a path, else ``.workbench/runs.sqlite`` here.

    Where ``$WORKBENCH_STORE`` is a PostgreSQL URL, local files beside the log still go to
    ``.workbench/``; :func:`~workbench.runlog.location.default_location` is the log itself.
    """
    location = default_location()
    return location if isinstance(location, Path) else Path.cwd() / ".workbench" / "runs.sqlite"


Location = str | os.PathLike[str]
_open: dict[Path | str, Store] = {}
_open_lock = threading.Lock()


def _key(location: Location) -> Path | str:
    return str(location) if is_url(location) else Path(location).expanduser().resolve()


def open_store(location: Location | None = None) -> Store:
    """The process's one open writable :class:`Store` for a path or ``postgresql://`` URL.

    The default is ``$WORKBENCH_STORE``, else ``.workbench/runs.sqlite`` here.
    """
    where = _key(location if location is not None else default_location())
    with _open_lock:
        if where not in _open:
            _open[where] = Store(where)
        return _open[where]


class Store(BaseSink):
    """A run log, SQLite or PostgreSQL. Use it as a sink: every finished record is appended."""

    def __init__(self, location: Location | None = None, *, readonly: bool = False) -> None:
        chosen = location if location is not None else default_location()
        self._backend = open_backend(str(chosen) if is_url(chosen) else Path(chosen), readonly=readonly)
        self.path: Path | str = self._backend.path
        """Where the log is: the SQLite file, or the PostgreSQL URL with its password masked."""
        self.readonly = readonly
        self._pending: list[CallRecord] = []
        self._watchers: list[Callable[[Sequence[CallRecord]], None]] = []
        self._group = GroupCommit(self.append_many)
        try:
            self.newer = self._unknown_migrations()
            """Migrations applied by a newer version of the workbench; such a log is only read."""
        except StoreError:
            self._backend.close()
            raise
        if readonly:
            return
        if self.newer:
            self._backend.close()
            raise StoreError(
                f"The run log at {self.path} was migrated by a newer hybrid-workbench (unknown migration "
                f"{', '.join(self.newer)}); this version only reads it. Upgrade (pip install -U hybrid-workbench), "
                "or set WORKBENCH_STORE to another path."
            )
        self.migrate()
        self.recover()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}{', readonly=True' if self.readonly else ''})"

    def _unknown_migrations(self) -> list[str]:
        known = {name for name, _ in MIGRATIONS}
        return [name for name in self._backend.applied() if name not in known]

    def migrate(self) -> list[str]:
        """Apply the migrations not yet applied; return their names."""
        try:
            return self._backend.migrate(MIGRATIONS)
        except StoreError:
            self._backend.close()
            raise

    def append(self, record: CallRecord) -> None:
        """Append one record, durably."""
        self.append_many([record])

    async def aappend(self, record: CallRecord) -> None:
        """:meth:`append` for a coroutine: returns once the record is durably written, as ``append`` does.

        The write runs in a worker thread (:mod:`workbench.runlog.group_commit`), one transaction
        for the records that finish meanwhile, so the event loop never waits on the disk.
        """
        await self._group.append(record)

    def append_many(self, records: Iterable[CallRecord]) -> None:
        """Append records in one transaction, with any that an earlier append could not write.

        On failure the records stay in memory (the next append retries them) and in the spool file,
        and :class:`~workbench.errors.NotRecorded` says which calls and where they are kept.
        """
        new = list(records)
        if self.readonly:
            raise StoreError(f"{self!r} was opened read-only; open it with Store(path) to record calls.")
        batch = list({r.call_id: r for r in (*self._pending, *new)}.values())
        try:
            self._write(batch)
        except StoreError as exc:
            self._pending = batch
            try:
                spool: str | None = str(write_spool(new, self.path))
                kept = f"kept in {spool}; `hybrid store recover` writes them in once the log is writable"
            except OSError as spool_exc:
                spool = None
                kept = f"kept in memory only (no spool file could be written: {spool_exc})"
            ids = tuple(r.call_id for r in batch)
            raise NotRecorded(f"{len(batch)} call(s) not recorded: {exc} The calls are {kept}.", ids, spool) from exc
        if self._pending:
            self._pending = []
            self.recover()
        for watcher in list(self._watchers):
            try:
                watcher(batch)
            except Exception as exc:  # a display that fails must not fail the call it shows
                log.warning("run log watcher %r failed: %s", watcher, exc)

    def watch(self, callback: Callable[[Sequence[CallRecord]], None]) -> Callable[[], None]:
        """Call ``callback(records)`` after each write through this object; return a function that stops it.

        Every call this process records, by any run or API, passes here: the live dashboard uses it so
        it shows exactly the calls of the log.
        """
        self._watchers.append(callback)
        return lambda: self._watchers.remove(callback) if callback in self._watchers else None

    def _write(self, records: Sequence[CallRecord]) -> None:
        self._backend.write(INSERT_SQL, [to_row(r) for r in records])

    def write_rows(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a write (``?`` placeholders) once per row, in one transaction; a :class:`StoreError` when it fails."""
        if self.readonly:
            raise StoreError(f"{self!r} was opened read-only; open it with Store(path) to record.")
        self._backend.write(sql, rows)

    def recover(self) -> int:
        """Write in the calls spooled for this log (by this or any process); return how many were new."""
        spooled = read_spool(self.path)
        if not spooled:
            return 0
        before = self.count()
        self._write(spooled)
        remove_spool(self.path)
        added = self.count() - before
        log.warning("Recorded %d call(s) kept from an earlier failed write into the run log at %s.", added, self.path)
        return added

    def on_call_start(self, start: CallStart) -> None:
        """Nothing is stored until the call has finished."""

    def on_record(self, record: CallRecord) -> None:
        """Sink hook: append the finished record."""
        self.append(record)

    def _rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        return self._backend.rows(sql, args)

    def records(
        self,
        *,
        run_id: str | Sequence[str] | None = None,
        sweep: str | None = None,
        target: str | Sequence[str] | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
        limit: int | None = None,
    ) -> list[CallRecord]:
        """Whole records, newest first, of the calls the filters name (:meth:`to_pandas` says how they read)."""
        filters = Filters.of(run_id=run_id, sweep=sweep, target=target, since=since, until=until)
        return from_rows(self._rows(*select_sql(self.selected(COLUMNS), filters, limit=limit)))

    def to_pandas(
        self,
        *,
        run_id: str | Sequence[str] | None = None,
        sweep: str | None = None,
        target: str | Sequence[str] | None = None,
        since: Moment | None = None,
        until: Moment | None = None,
        columns: Sequence[str] | Literal["all"] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The calls as a DataFrame, one row per call, newest first; the database filters and picks the columns.

        ``run_id`` and ``target`` take one value or several; ``sweep`` is a sweep's name; ``since``
        (inclusive) and ``until`` (exclusive) bound the start time: seconds since the epoch, a datetime
        (naive is UTC) or ISO 8601 text. ``columns`` names the columns to read, in their order;
        by default every column but ``prompt`` and ``response`` (the answer), which are read only
        when named; ``"all"`` reads every one (the columns of ``RunResult.to_pandas``).
        """
        from workbench.records.frame import frame_from_columns

        names = pick_columns(columns)
        filters = Filters.of(run_id=run_id, sweep=sweep, target=target, since=since, until=until)
        rows = self._rows(*select_sql(self.selected(names), filters, limit=limit))
        return frame_from_columns(decoded_columns(names, rows))

    def selected(self, names: Sequence[str]) -> list[str]:
        """``names`` as a query selects them: a column a newer version removed or renamed reads as NULL."""
        if not self.newer:
            return list(names)
        present = set(self._backend.columns("calls"))
        return [name if name in present else f"NULL AS {name}" for name in names]

    def recorded(self, target: str, request_hash: str) -> list[CallRecord]:
        """Calls of ``target`` made live (not replayed) for the request with this fingerprint, oldest first.

        A strict replay's miss (``ReplayMissing``) was never a call, so it is no recording either.
        """
        sql = (
            "SELECT * FROM calls WHERE request_hash = ? AND target = ? AND replayed = 0"
            " AND coalesce(error_type, '') != 'ReplayMissing' ORDER BY started_at, rowid"
        )
        return [from_row(row) for row in self._rows(sql, (request_hash, target))]

    def count(self) -> int:
        """How many calls are recorded."""
        return int(self._rows("SELECT count(*) FROM calls", ())[0][0])

    def migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        return [row[0] for row in self._rows("SELECT name FROM _migrations ORDER BY rowid", ())]

    def close(self) -> None:
        """Close the connection(s)."""
        self._backend.close()
