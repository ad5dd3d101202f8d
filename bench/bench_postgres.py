"""PostgreSQL run log figures on loopback: single-append latency, and 4 writer processes x 10,000 records.

The server is Debian's PostgreSQL, started here as the tests start it (tests/support/postgres.py),
with durable commits (``fsync=on``, ``synchronous_commit=on``). The alternative shown beside the
append is the floor the disk sets: a one-integer ``INSERT`` committed through psycopg on the same
server, so the ratio is what the workbench adds (record conversion, the pool's connection check,
the indexes).

Run: ``.venv/bin/python bench/bench_postgres.py``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_store import single_appends  # noqa: E402
from bench.common import figure, write  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402
from workbench.runlog.store import Store  # noqa: E402

N_APPEND = 1000
WRITERS = 4
PER_WRITER = 10_000

_WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from tests.support.records import make_record
    from workbench.runlog.store import Store
    store = Store({url!r})
    name = sys.argv[1]
    for i in range({n}):
        store.append(make_record(call_id=f"{{name}}-{{i}}", started_at=float(i)))
    """
)


def floor(url: str) -> list[float]:
    """Seconds per committed one-integer insert through psycopg: what the disk's sync costs alone."""
    import psycopg

    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE floor (x integer)")
        for i in range(N_APPEND):
            start = time.perf_counter()
            conn.execute("INSERT INTO floor VALUES (%s)", [i])
            out.append(time.perf_counter() - start)
    return out


def writers(url: str) -> tuple[float, int, int]:
    """4 processes appending 10,000 records each at once: seconds, records found, distinct call ids."""
    Store(url).close()
    script = _WRITER.format(root=str(ROOT), url=url, n=PER_WRITER)
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", script, f"w{k}"]) for k in range(WRITERS)]
    codes = [p.wait(timeout=3600) for p in procs]
    elapsed = time.perf_counter() - start
    assert codes == [0] * WRITERS, codes
    store = Store(url, readonly=True)
    found = int(store._rows("SELECT count(*) FROM calls", ())[0][0])
    distinct = int(store._rows("SELECT count(DISTINCT call_id) FROM calls", ())[0][0])
    return elapsed, found, distinct


def main() -> None:
    """Start a server, measure, write bench/results/postgres.json."""
    server = PostgresServer.start()
    figures = []
    try:
        values = single_appends(server.database(), N_APPEND)
        base = floor(server.database())
        median_ms, floor_ms = statistics.median(values) * 1000, statistics.median(base) * 1000
        figures.append(
            figure("PostgreSQL append, median on loopback", median_ms, "ms", goal="<= 2 ms", passed=median_ms <= 2.0,
                   ratio=median_ms / floor_ms, alternative="a committed one-integer INSERT (the disk's sync)",
                   values=[v * 1000 for v in values])
        )  # fmt: skip
        figures.append(figure("committed one-integer INSERT (floor)", floor_ms, "ms", values=[v * 1000 for v in base]))
        elapsed, found, distinct = writers(server.database())
        expected = WRITERS * PER_WRITER
        lost = expected - distinct
        figures.append(figure(f"{WRITERS} writers x {PER_WRITER:,}: lost", lost, "records", goal="0", passed=lost == 0))
        figures.append(
            figure(f"{WRITERS} writers x {PER_WRITER:,}: duplicated", found - distinct, "records", goal="0",
                   passed=found == distinct)
        )  # fmt: skip
        figures.append(figure(f"{WRITERS} writers: combined append rate", expected / elapsed, "records/s"))
    finally:
        server.stop()
    print(f"wrote {write('postgres', figures)}")


if __name__ == "__main__":
    main()
