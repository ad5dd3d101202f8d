"""The run log's two databases behind one small interface: SQLite (a file, the default) and PostgreSQL (a URL).

Everything that differs between them lives here: connecting, placeholders, transactions, retries,
the migrations' SQL, and turning a fault into a one-line error. The queries above are written once,
in the SQL both accept (``?`` placeholders, ``ON CONFLICT ... DO NOTHING``, ``rowid``, ``json_extract``;
PostgreSQL gets the SQLite functions the queries use from its first migration). psycopg is
imported only for a PostgreSQL URL.
"""

from __future__ import annotations

from pathlib import Path

from workbench.runlog.backends.base import Backend, Migrations, Reader
from workbench.runlog.location import is_url

__all__ = ["Backend", "Migrations", "Reader", "open_backend", "open_reader"]

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
