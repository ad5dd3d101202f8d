"""What the run log asks of a database: :class:`Backend` for the store, :class:`Reader` for the sidebar."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Backend", "Migrations", "Reader"]

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

    def columns(self, table: str) -> list[str]:
        """The names of ``table``'s columns as the database holds them (a newer version may have changed them)."""
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
        """Changes whenever a call is added or removed; ends with the calls' count and their last rowid.

        Read from the rollup and the rowid index, never by counting the table (unless the log predates 008).
        """
        ...

    def has_rollup(self) -> bool:
        """Whether the log keeps running totals (migration ``009_rollup``, :mod:`workbench.runlog.rollup`)."""
        ...

    def close(self) -> None:
        """Close it."""
        ...
