"""The PostgreSQL run log: psycopg 3 with a connection pool; appends idempotent on the call id and retried.

A dropped connection (a restarted server, ``pg_terminate_backend``) is retried on a fresh one: an
append is ``INSERT ... ON CONFLICT (call_id) DO NOTHING``, so a retry after a commit whose answer
was lost writes nothing twice. A server that stays unreachable is a one-line
:class:`~workbench.errors.StoreError`, and the :class:`~workbench.runlog.store.Store` keeps the
calls in its spool. Credentials come from the URL, the ``PG*`` environment or ``~/.pgpass``
(libpq reads them); every text shown passes through :func:`workbench.runlog.location.masked`.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from workbench.errors import StoreError
from workbench.runlog.backends.base import Migrations
from workbench.runlog.backends.pg_schema import MIGRATIONS_TABLE, pg_sql
from workbench.runlog.location import masked
from workbench.runlog.rollup import COUNT_SQL, SCAN_COUNT_SQL

__all__ = ["POOL_WAIT_S", "PgReader", "PostgresBackend", "Row", "explain_pg", "open_pg_reader"]

log = logging.getLogger("workbench")
T = TypeVar("T")

POOL_WAIT_S = 5.0
"""How long an operation waits for a connection (the server unreachable) before it gives up."""
RETRIES = 3
"""Tries of one operation whose connection dropped, or that a deadlock on the running totals rolled back."""
_INSTALL = "pip install 'hybrid-workbench[postgres]'"
_MIGRATION_LOCK = 0x68796272  # pg_advisory_xact_lock key: one process migrates a log at a time
# One batch of several rows at a time: each row's trigger updates running totals (workbench.runlog.rollup), and two
# batches taking those rows in different orders would deadlock; a single row cannot.
_BATCH_LOCK = 0x68796273


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg_pool
    except ImportError as exc:
        raise StoreError(f"A PostgreSQL run log needs psycopg, which is not installed: {_INSTALL}") from exc
    return psycopg, psycopg_pool


class Row(tuple[Any, ...]):
    """A row that reads by index and by column name, as :class:`sqlite3.Row` does."""

    _index: dict[str, int]

    def keys(self) -> list[str]:
        """The column names."""
        return list(self._index)

    def __getitem__(self, key: Any) -> Any:
        return tuple.__getitem__(self, self._index[key] if isinstance(key, str) else key)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row._index = index
        return row

    return make


@functools.lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    """The shared queries' ``?`` placeholders as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


def explain_pg(exc: BaseException, where: Path | str, doing: str) -> StoreError:
    """The one-line error, password masked, for a fault met while ``doing`` something with the log at ``where``."""
    psycopg, _ = _psycopg()
    text = masked(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    state = getattr(exc, "sqlstate", None)
    head = f"Cannot {doing} the run log at {where}"
    if state == "28P01" or "password authentication failed" in text or "no password supplied" in text:
        fix = "check the user and password (in the URL, PGPASSWORD or ~/.pgpass)"
    elif state == "3D000" or ("database" in text and "does not exist" in text):
        fix = "create the database (createdb NAME) or fix its name in the URL"
    elif state == "25006":
        fix = "it was opened read-only; open it with Store(url) to record calls"
    elif state == "42501":
        fix = "grant this user rights on the database, or use another user"
    elif isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"{head}: the PostgreSQL server is not reachable ({text}). Start it or check the host and port "
            "in the URL (WORKBENCH_STORE or --store)."
        )
    else:
        fix = "check the server's log, or set WORKBENCH_STORE (or --store) to another log"
    return StoreError(f"{head}: {text}. Fix: {fix}.")


def _options(readonly: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"autocommit": True, "row_factory": _row_factory, "connect_timeout": 5}
    if readonly:
        kwargs["options"] = "-c default_transaction_read_only=on"
    return kwargs


class PostgresBackend:
    """A run log in a PostgreSQL database (see :class:`workbench.runlog.backends.Backend`)."""

    def __init__(self, url: str, *, readonly: bool) -> None:
        psycopg, psycopg_pool = _psycopg()
        self.path: Path | str = masked(url)
        self._url = url
        self._readonly = readonly
        self._psycopg = psycopg
        self._pool_timeout = psycopg_pool.PoolTimeout
        try:  # a first connection says plainly why it cannot be made (the pool would only time out)
            psycopg.connect(url, **_options(readonly)).close()
        except psycopg.Error as exc:
            raise explain_pg(exc, self.path, "open") from exc
        self._pool = psycopg_pool.ConnectionPool(
            url, min_size=1, max_size=4, kwargs=_options(readonly), open=False, timeout=POOL_WAIT_S,
            check=psycopg_pool.ConnectionPool.check_connection, name="workbench-runlog",
        )  # fmt: skip
        self._pool.open(wait=False)

    def __repr__(self) -> str:
        return f"PostgresBackend({self.path!r})"

    def _retried(self, doing: str, action: Callable[[Any], T]) -> T:
        """``action(connection)``, on a fresh connection again when one drops (the actions are idempotent)."""
        for attempt in range(1, RETRIES + 1):
            try:
                with self._pool.connection() as conn:
                    return action(conn)
            except self._pool_timeout as exc:
                raise self._unreachable(doing, exc) from exc
            except self._psycopg.errors.TransactionRollback as exc:  # two appends' running totals crossed
                if attempt == RETRIES:
                    raise explain_pg(exc, self.path, doing) from exc
                time.sleep(random.uniform(0.0, 0.01 * attempt))
            except self._psycopg.OperationalError as exc:
                if attempt == RETRIES:
                    raise explain_pg(exc, self.path, doing) from exc
                log.warning("The connection to the run log at %s dropped (%s); trying again.", self.path,
                            masked(str(exc).strip().splitlines()[0] if str(exc).strip() else "closed"))
                time.sleep(0.1 * attempt)
            except self._psycopg.Error as exc:
                raise explain_pg(exc, self.path, doing) from exc
        raise AssertionError("unreachable")

    def _unreachable(self, doing: str, timeout: BaseException) -> StoreError:
        try:
            self._psycopg.connect(self._url, **_options(self._readonly)).close()
        except self._psycopg.Error as exc:
            return explain_pg(exc, self.path, doing)
        return explain_pg(timeout, self.path, doing)

    def rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """The rows of ``sql``, as :class:`Row`."""
        return self._retried("read", lambda conn: conn.execute(_pg(sql), list(args)).fetchall())

    def write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """``sql`` for every row, in one transaction (one statement: autocommit)."""
        query = _pg(sql)

        def insert(conn: Any) -> None:
            if len(rows) == 1:
                conn.execute(query, rows[0])
                return
            with conn.transaction(), conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_BATCH_LOCK])
                cur.executemany(query, rows)

        if rows:
            self._retried("write to", insert)

    def applied(self) -> list[str]:
        """The migrations recorded in ``_migrations``, in order."""

        def read(conn: Any) -> list[str]:
            if conn.execute("SELECT to_regclass('_migrations')").fetchone()[0] is None:
                return []
            return [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]

        return self._retried("read", read)

    def columns(self, table: str) -> list[str]:
        """The table's columns, from the information schema."""
        sql = (
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?"
        )
        return [str(row[0]) for row in self.rows(sql, (table,))]

    def migrate(self, migrations: Migrations) -> list[str]:
        """Apply what is missing, one process at a time (an advisory lock), in one transaction."""

        def apply(conn: Any) -> list[str]:
            done: list[str] = []
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
                conn.execute(MIGRATIONS_TABLE)
                applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
                for name, sql in migrations:
                    if name not in applied:
                        conn.execute(pg_sql(name, sql))
                        conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (%s, now()::text)", [name])
                        done.append(name)
            return done

        return self._retried("open", apply)

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()


class PgReader:
    """A read-only pooled connection for the sidebar (see :class:`workbench.runlog.backends.Reader`)."""

    def __init__(self, pool: Any, conn: Any, where: str) -> None:
        self._pool, self._conn, self._where = pool, conn, where
        self._rollup: bool | None = None

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """A cursor over the rows of ``sql``."""
        return self._conn.execute(_pg(sql), list(args))

    def fingerprint(self) -> tuple[Any, ...]:
        """The log's URL (masked), the calls' count and last rowid."""
        return (self._where, *self.execute(COUNT_SQL if self.has_rollup() else SCAN_COUNT_SQL).fetchone())

    def has_rollup(self) -> bool:
        """Whether the log has the rollup tables (migration ``009_rollup``)."""
        if self._rollup is None:
            self._rollup = self.execute("SELECT to_regclass('calls_rollup')").fetchone()[0] is not None
        return self._rollup

    def close(self) -> None:
        """Hand the connection back to the pool."""
        self._pool.putconn(self._conn)


_readers: dict[str, Any] = {}
_readers_lock = threading.Lock()


@contextmanager
def _explained(where: str) -> Iterator[None]:
    psycopg, psycopg_pool = _psycopg()
    try:
        yield
    except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
        raise explain_pg(exc, where, "read") from exc


def open_pg_reader(url: str) -> PgReader | None:
    """A read-only connection to the log at ``url`` from this process's pool; ``None`` if it has no calls yet."""
    psycopg, psycopg_pool = _psycopg()
    where = masked(url)
    with _readers_lock:
        if url not in _readers:
            with _explained(where):
                psycopg.connect(url, **_options(True)).close()
            _readers[url] = psycopg_pool.ConnectionPool(
                url, min_size=0, max_size=4, kwargs=_options(True), timeout=POOL_WAIT_S,
                check=psycopg_pool.ConnectionPool.check_connection, name="workbench-sidebar",
            )  # fmt: skip
        pool = _readers[url]
    with _explained(where):
        conn = pool.getconn()
        try:
            has_calls = conn.execute("SELECT to_regclass('calls')").fetchone()[0] is not None
        except psycopg.Error:
            pool.putconn(conn)
            raise
    if not has_calls:
        pool.putconn(conn)
        return None
    return PgReader(pool, conn, where)
