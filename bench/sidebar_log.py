"""A run log of a million calls for the sidebar bench, built once into a cache folder and reused.

How it is built: 20,000 distinct records are made by the real code (``bench_sidebar.record`` through
``tests.support.records.make_record`` and ``workbench.runlog.rows.to_row``); the million rows are
those rows with a fresh call id, run id (three calls a run) and start time each. They go into a log
migrated up to the one before ``009_rollup``, SQLite in batches of 10,000 through the backend's
``write`` with the Store's own ``INSERT_SQL``, PostgreSQL by ``COPY``; then ``Store(location)``
applies ``009_rollup``, which rolls the existing million up once (its time is reported). After
that the log is the cache: ``$WORKBENCH_BENCH_CACHE`` (default ``/var/tmp/hybrid-workbench-bench``;
PostgreSQL's data folder must be readable by the ``postgres`` user, which ``/root`` is not).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.support.postgres import PostgresServer, find_bin
from workbench.records import CallRecord
from workbench.runlog.backends import open_backend
from workbench.runlog.rows import _STORED, INSERT_SQL, to_row
from workbench.runlog.schema import MIGRATIONS
from workbench.runlog.store import Store

__all__ = ["cache_dir", "postgres_log", "sqlite_log"]

DISTINCT = 20_000
BATCH = 10_000
_BEFORE_ROLLUP = MIGRATIONS[: [name for name, _ in MIGRATIONS].index("009_rollup")]
_VERSION = "2"  # 2: 009_rollup with calls_ttft_flagged


def cache_dir() -> Path:
    """Where the built logs are kept between runs."""
    folder = Path(os.environ.get("WORKBENCH_BENCH_CACHE", "/var/tmp/hybrid-workbench-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    return folder


def _rows(calls: int, record: Callable[[int, random.Random], CallRecord]) -> Iterator[list[tuple[Any, ...]]]:
    rng = random.Random(42)
    made = [to_row(record(i, rng)) for i in range(min(DISTINCT, calls))]
    at = {name: _STORED.index(name) for name in ("call_id", "run_id", "started_at")}
    for start in range(0, calls, BATCH):
        batch = []
        for i in range(start, min(start + BATCH, calls)):
            row = list(made[i % len(made)])
            row[at["call_id"]], row[at["run_id"]] = f"c{i:07d}", f"r{i // 3:06d}"
            row[at["started_at"]] = 1.7e9 + i * 2.5
            batch.append(tuple(row))
        yield batch


def _marker(path: Path, calls: int) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    found = json.loads(path.read_text())
    return found if found.get("calls") == calls and found.get("version") == _VERSION else None


def sqlite_log(calls: int, record: Callable[[int, random.Random], CallRecord]) -> tuple[Path, dict[str, Any]]:
    """The cached SQLite log of ``calls`` calls, built first if need be; what its building took."""
    folder = cache_dir()
    log, marker = folder / f"sidebar-{calls}.sqlite", folder / f"sidebar-{calls}.sqlite.json"
    built = _marker(marker, calls)
    if built is not None and log.is_file():
        return log, built
    for stale in folder.glob(f"sidebar-{calls}.sqlite*"):
        stale.unlink()
    start = time.perf_counter()
    older = open_backend(log, readonly=False)
    older.migrate(_BEFORE_ROLLUP)
    for batch in _rows(calls, record):
        older.write(INSERT_SQL, batch)
    older.close()
    loaded = time.perf_counter()
    Store(log).close()  # 009_rollup: rolls the million up once
    built = {"calls": calls, "version": _VERSION, "insert_s": loaded - start,
             "migrate_008_s": time.perf_counter() - loaded}  # fmt: skip
    marker.write_text(json.dumps(built))
    return log, built


def postgres_log(
    calls: int, record: Callable[[int, random.Random], CallRecord]
) -> tuple[PostgresServer, str, dict[str, Any]]:
    """A PostgreSQL server on the cached data folder, and the URL of its log of ``calls`` calls; stop it after."""
    folder = cache_dir() / "pg"
    marker = cache_dir() / f"sidebar-{calls}.pg.json"
    built = _marker(marker, calls)
    server = PostgresServer(find_bin(), folder, _free_port())
    if built is not None and (folder / "data").is_dir():
        server.resume()
        return server, f"{server.base}/{built['database']}", built
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    server = PostgresServer.start(folder)
    url = server.database()
    start = time.perf_counter()
    older = open_backend(url, readonly=False)
    older.migrate(_BEFORE_ROLLUP)
    older.close()
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY calls ({', '.join(_STORED)}) FROM STDIN") as copy:
            for batch in _rows(calls, record):
                for row in batch:
                    copy.write_row(row)
        conn.commit()
    loaded = time.perf_counter()
    Store(url).close()
    migrated = time.perf_counter()
    server.sql("VACUUM ANALYZE", url.rsplit("/", 1)[1])
    built = {"calls": calls, "version": _VERSION, "database": url.rsplit("/", 1)[1], "insert_s": loaded - start,
             "migrate_008_s": migrated - loaded, "vacuum_analyze_s": time.perf_counter() - migrated}  # fmt: skip
    marker.write_text(json.dumps(built))
    return server, url, built


def _free_port() -> int:
    from tests.support.postgres import _free_port as free

    return free()
