"""The run log's two databases behind one small interface: SQLite (a file, the default) and PostgreSQL (a URL).

Everything that differs between them lives here: connecting, placeholders, transactions, retries,
the migrations' SQL, and turning a fault into a one-line error. The queries above are written once,
in the SQL both accept (``?`` placeholders, ``ON CONFLICT ... DO NOTHING``, ``rowid``, ``json_extract``;
PostgreSQL gets the SQLite functions the queries use from its first migration). psycopg is
imported only for a PostgreSQL URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from workbench.runlog.location import is_url

__all__ = ["Backend", "Reader", "open_backend", "open_reader"]

Migrations = Sequence[tuple[str, str]]


class Backend(Protocol):
    """A run log's database, as the :class:`~workbench.runlog.store.Store` uses it."""

    path: Path | str
    """Where it is, as it may be shown: the file's path, or the URL with its password masked."""

    def rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """The rows of a query (``?`` placeholders); each row reads by index and by column name."""
        ...

    def write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run ``sql`` once per row in one transaction, retried while that is safe; a :class:`StoreError` else."""
        ...

    def applied(self) -> list[str]:
        """The names of the migrations applied to this log, in order (none for a new log)."""
        ...

    def migrate(self, migrations: Migrations) -> list[str]:
        """Apply the named migrations not yet applied, in one transaction; return their names."""
        ...

    def close(self) -> None:
        """Release the connection(s)."""
        ...


class Reader(Protocol):
    """A read-only connection for the sidebar's queries."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """A cursor over the rows of ``sql`` (``?`` placeholders): ``fetchone``, ``fetchall``."""
        ...

    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a call is added or removed; ends with the calls' count and their last rowid."""
        ...

    def close(self) -> None:
        """Close it."""
        ...


def open_backend(location: Path | str, *, readonly: bool) -> Backend:
    """The database of the run log at ``location`` (a path, or a ``postgresql://`` URL)."""
    if is_url(location):
        from workbench.runlog.backends.postgres import PostgresBackend

        return PostgresBackend(str(location), readonly=readonly)
    from workbench.runlog.backends.sqlite import SqliteBackend

    return SqliteBackend(Path(location), readonly=readonly)


def open_reader(location: Path | str) -> Reader | None:
    """A read-only connection to the run log at ``location``; ``None`` when it holds no calls table yet."""
    if is_url(location):
        from workbench.runlog.backends.postgres import open_pg_reader

        return open_pg_reader(str(location))
    from workbench.runlog.backends.sqlite import open_sqlite_reader

    return open_sqlite_reader(Path(location))
