"""Run log figures: append rate, query time at 100,000 records, two writers at once.

The alternative a user would pick is a plain ``sqlite3`` insert with the same schema and no
durability settings (the default rollback journal): the ratio shows what WAL + FULL sync and the
workbench's record conversion cost per append.

Run: ``.venv/bin/python bench/bench_store.py``
"""

from __future__ import annotations

import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import figure, timed, write  # noqa: E402
from tests.support.records import make_record  # noqa: E402
from workbench.runlog.rows import INSERT_SQL, to_row  # noqa: E402
from workbench.runlog.store import MIGRATIONS, Store  # noqa: E402

N_APPEND = 300
N_BIG = 100_000


def single_appends(location: Path | str, n: int = N_APPEND) -> list[float]:
    """Seconds per durable single-record append (the runner's path: one per finished call), to a file or URL."""
    store = Store(location)
    records = [make_record(call_id=f"s{i}", started_at=float(i)) for i in range(n)]
    out = []
    for record in records:
        start = time.perf_counter()
        store.append(record)
        out.append(time.perf_counter() - start)
    store.close()
    return out


def plain_sqlite_appends(path: Path) -> list[float]:
    """The alternative: the same rows through plain sqlite3 with default settings."""
    conn = sqlite3.connect(path)
    for _, migration in MIGRATIONS:
        for statement in filter(str.strip, migration.split(";")):
            conn.execute(statement)
    rows = [to_row(make_record(call_id=f"p{i}", started_at=float(i))) for i in range(N_APPEND)]
    sql = INSERT_SQL
    out = []
    for row in rows:
        start = time.perf_counter()
        conn.execute(sql, row)
        conn.commit()
        out.append(time.perf_counter() - start)
    return out


def big_store(path: Path) -> Store:
    """A log with 100,000 records, written in batches."""
    store = Store(path)
    targets = ["local/smollm2", "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest", "mlc/llama"]
    batch = []
    for i in range(N_BIG):
        batch.append(make_record(call_id=f"b{i}", run_id=f"r{i // 4}", target=targets[i % 4], started_at=float(i)))
        if len(batch) == 5000:
            store.append_many(batch)
            batch = []
    return store


def two_writers(path: Path, each: int = 200) -> tuple[float, int]:
    """Two processes appending ``each`` records at once; returns (seconds, records found)."""
    Store(path)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.support.records import make_record
        from workbench.runlog.store import Store
        store = Store({str(path)!r})
        for i in range({each}):
            store.append(make_record(call_id=f"{{sys.argv[1]}}-{{i}}", started_at=float(i)))
        """
    )
    start = time.perf_counter()
    writers = [subprocess.Popen([sys.executable, "-c", script, name]) for name in ("a", "b")]
    codes = [w.wait() for w in writers]
    elapsed = time.perf_counter() - start
    assert codes == [0, 0], codes
    return elapsed, Store(path).count()


def main() -> None:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        ours = single_appends(Path(tmp) / "ours.sqlite")
        plain = plain_sqlite_appends(Path(tmp) / "plain.sqlite")
        o, p = statistics.median(ours), statistics.median(plain)
        figures.append(
            figure(
                "durable append, one record",
                o * 1000,
                "ms",
                values=[x * 1000 for x in ours],
                ratio=o / p,
                alternative="plain sqlite3 insert+commit",
            )
        )
        figures.append(figure("append rate, one record per transaction", 1 / o, "records/s"))
        start = time.perf_counter()
        store = big_store(Path(tmp) / "big.sqlite")
        build = time.perf_counter() - start
        figures.append(figure("batch append rate (5,000 per transaction)", N_BIG / build, "records/s"))
        recent = timed(lambda: store.records(limit=50), 9)
        figures.append(
            figure(
                "50 most recent of 100,000", statistics.median(recent) * 1000, "ms", values=[x * 1000 for x in recent]
            )
        )
        one_target = timed(lambda: store.records(target="mlc/llama", limit=100), 9)
        figures.append(
            figure(
                "100 most recent of one target, of 100,000",
                statistics.median(one_target) * 1000,
                "ms",
                values=[x * 1000 for x in one_target],
            )
        )
        one_run = timed(lambda: store.records(run_id="r12345"), 9)
        figures.append(
            figure(
                "one run's records, of 100,000",
                statistics.median(one_run) * 1000,
                "ms",
                values=[x * 1000 for x in one_run],
            )
        )
        frame = timed(lambda: store.to_pandas(), 3)
        figures.append(figure("all 100,000 records to pandas", statistics.median(frame), "s", values=frame))
        elapsed, found = two_writers(Path(tmp) / "two.sqlite")
        figures.append(
            figure(
                "two writers, 200 appends each: records kept",
                found,
                "records",
                goal="400 (nothing lost)",
                passed=found == 400,
            )
        )
        figures.append(figure("two writers: combined append rate", 400 / elapsed, "records/s"))
    print(f"wrote {write('store', figures)}")


if __name__ == "__main__":
    main()
