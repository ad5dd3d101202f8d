"""Open a SQLite run log safely, and say in one line what is wrong when it cannot be used.

Every fault of the file itself (missing, unreadable, read-only, not a database, damaged, locked
for too long) becomes a :class:`~workbench.errors.StoreError` whose message names the file, what
is wrong with it and the fix. A damaged file is never touched.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from workbench.errors import StoreError

__all__ = ["LOCK_WAIT_S", "connect", "explain", "with_lock_retry"]

log = logging.getLogger("workbench")
T = TypeVar("T")

LOCK_WAIT_S = 120.0
"""How long a writer waits for another process's write lock before it gives up."""

_SLICE_MS = 2000  # busy_timeout of one try; between tries the writer says it is waiting


def explain(exc: BaseException, path: Path, doing: str) -> StoreError:
    """The one-line error for a fault met while ``doing`` something with the run log at ``path``."""
    text = str(exc)
    lowered = text.lower()
    fresh_path = "set WORKBENCH_STORE (or --store) to a new path"
    if "not a database" in lowered or "file is encrypted" in lowered:
        message = (
            f"{path} is not a SQLite run log ({text}); it was left untouched. "
            f"Check the path, or {fresh_path}."
        )
    elif "malformed" in lowered or "corrupt" in lowered or "disk image" in lowered:
        message = (
            f"The run log at {path} is damaged ({text}); it was left untouched. Recover what it holds with "
            f"`sqlite3 {path} .recover | sqlite3 recovered.sqlite`, or {fresh_path}."
        )
    elif "readonly" in lowered or "read-only" in lowered or isinstance(exc, PermissionError):
        message = (
            f"Cannot {doing} the run log at {path}: it is read-only ({text}). "
            f"Make it and its folder writable, or {fresh_path}."
        )
    elif "locked" in lowered or "busy" in lowered:
        message = (
            f"Cannot {doing} the run log at {path}: another process held its write lock for "
            f"{LOCK_WAIT_S:g} s. Wait for it to finish, or {fresh_path}."
        )
    elif not path.exists() and doing == "read":
        message = f"There is no run log at {path}. Check the path (--store or WORKBENCH_STORE)."
    elif path.exists() and not os.access(path, os.R_OK):
        message = f"Cannot {doing} the run log at {path}: permission denied. Fix its permissions, or {fresh_path}."
    else:
        message = f"Cannot {doing} the run log at {path}: {text}. Check the file, or {fresh_path}."
    return StoreError(message)


def with_lock_retry(path: Path, doing: str, action: Callable[[], T], *, wait_s: float = LOCK_WAIT_S) -> T:
    """Run ``action``, retrying while another process holds the write lock; say once that it waits."""
    deadline = time.monotonic() + wait_s
    said = False
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise explain(exc, path, doing) from exc
            if not said:
                log.warning("Waiting for the run log at %s: another process holds its write lock.", path)
                said = True
            time.sleep(0.05)


def _read_only(path: Path, query: str) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?{query}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout={_SLICE_MS}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a damaged header or a locked WAL fails here
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection to ``path``: read-only (never creates, never locks for writing) or read-write in WAL mode."""
    if readonly:
        if not path.is_file():
            raise StoreError(f"There is no run log at {path}. Check the path (--store or WORKBENCH_STORE).")
        try:
            conn = _read_only(path, "mode=ro")
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise explain(exc, path, "read") from exc
            # A WAL log in a folder this process cannot write: no shared-memory file can be made, so read
            # it as a snapshot (what another process writes meanwhile is not seen).
            try:
                conn = _read_only(path, "mode=ro&immutable=1")
            except sqlite3.Error as again:
                raise explain(again, path, "read") from again
        except sqlite3.Error as exc:
            raise explain(exc, path, "read") from exc
        conn.row_factory = sqlite3.Row
        return conn
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=_SLICE_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={_SLICE_MS}")
        # Switching to WAL can answer BUSY without calling the busy handler: it needs its own retry.
        with_lock_retry(path, "open", lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
        conn.execute("PRAGMA synchronous=FULL")
    except (OSError, sqlite3.Error) as exc:
        raise explain(exc, path, "open") from exc
    return conn
