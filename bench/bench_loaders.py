"""Loaders bench: reading part of a 1,000,000-call run log into pandas, on SQLite and on PostgreSQL.

    python bench/bench_loaders.py [CALLS]   # figures, pass/short per goal, bench/results/loaders.json

Goal (issue 16, section 4): at 1,000,000 calls, one sweep's 10,000 records into pandas in <= 0.5 s
and <= 200 MB, on both databases. The log is built once into ``bench/.cache/`` by
:mod:`bench.big_log` (about ten minutes the first time) and reused. Each figure is measured in a
fresh process of its own: the first read after opening the log (its time and the process's peak
memory growth over its memory before the read, /proc's VmHWM reset first), then the median of
further reads and their CPU time (the 2 shared cores make wall time noisy). Reported beside the
goal: the sweep with its answers, six columns of it, one run, a one-hour and a one-day window, and
a sweep loaded whole (``load_sweep(...).to_pandas()``: records, grades and judges' calls).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import big_log
from bench.common import figure, write

CALLS = 1_000_000
RUNS = 5
GOAL_S, GOAL_MB = 0.5, 200.0
HOUR = 3600.0
AT = big_log.T0 + 400_000 * big_log.STEP_S  # a window in the middle of the log
SIX = ["call_id", "target", "error_type", "cost_usd", "latency_s", "output_tokens"]
READS: dict[str, str] = {
    "one sweep's 10,000 calls (default columns)": "store.to_pandas(sweep='sweep-17')",
    "  the same with the answers": "store.to_pandas(sweep='sweep-17', columns=[*DEFAULT_COLUMNS, 'response'])",
    "  the same, six columns": f"store.to_pandas(sweep='sweep-17', columns={SIX})",
    "one run (2 calls)": "store.to_pandas(run_id='r100000')",
    "a one-hour window (1,440 calls)": f"store.to_pandas(since={AT}, until={AT + HOUR})",
    "a one-day window (34,560 calls)": f"store.to_pandas(since={AT}, until={AT + 24 * HOUR})",
    "a sweep loaded whole (records, grades, judges)": "load_sweep('sweep-00', store=store).to_pandas()",
}
"""What is read, as the Python a user writes; only the first has a goal."""


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(location: str, read: str) -> dict[str, Any]:
    """One read, measured in this process: the first time, the memory it took, then the median of more."""
    import pandas  # noqa: F401  (imported before the baseline: the read's memory is what it adds)

    from workbench.evaluate.grading import load_sweep
    from workbench.runlog.query import DEFAULT_COLUMNS
    from workbench.runlog.store import Store

    store = Store(location)
    store.count()  # the connection is made and the schema read before the clock starts
    code = compile(read, "<read>", "eval")
    scope = {"store": store, "load_sweep": load_sweep, "DEFAULT_COLUMNS": DEFAULT_COLUMNS}
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _rss_mb("VmRSS")
    start = time.perf_counter()
    frame = eval(code, scope)
    first = time.perf_counter() - start
    grown = _rss_mb("VmHWM") - before
    rows = len(frame)
    del frame
    again, cpu = [], []
    for _ in range(RUNS):
        start, started_cpu = time.perf_counter(), time.process_time()
        eval(code, scope)
        again.append(time.perf_counter() - start)
        cpu.append(time.process_time() - started_cpu)
    store.close()
    return {"first_s": first, "grown_mb": grown, "rows": rows, "again_s": again, "cpu_s": cpu}


def measure(location: str, read: str) -> dict[str, Any]:
    """:func:`child` in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", location, read], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main(calls: int) -> None:
    figures: list[dict[str, Any]] = []
    sqlite = str(big_log.sqlite_log(calls))
    server = big_log.postgres_server()
    try:
        logs = {"SQLite": sqlite, "PostgreSQL": big_log.postgres_log(server, calls)}
        for kind, location in logs.items():
            for name, read in READS.items():
                got = measure(location, read)
                median = statistics.median(got["again_s"])
                label = f"{kind}, {calls:,} calls: {name.strip()}"
                goal: dict[str, Any] = {}
                if not name.startswith(" ") and "10,000" in name:
                    whole = got["rows"] == big_log.SWEEP_SIZE  # an empty read passes nothing
                    goal = {"goal": f"<= {GOAL_S:g} s", "passed": whole and max(median, got["first_s"]) <= GOAL_S}
                figures.append(figure(f"{label}: time ({got['rows']:,} rows)", median, "s", values=got["again_s"],
                                      **goal))  # fmt: skip
                figures.append(figure(f"{label}: first read after opening", got["first_s"], "s", **goal))
                figures.append(figure(f"{label}: CPU time of this process (not the server's)",
                                      statistics.median(got["cpu_s"]), "s", values=got["cpu_s"]))  # fmt: skip
                mb_goal = {"goal": f"<= {GOAL_MB:g} MB", "passed": got["grown_mb"] <= GOAL_MB} if goal else {}
                figures.append(figure(f"{label}: memory growth (peak RSS)", got["grown_mb"], "MB", **mb_goal))
    finally:
        server.halt()
    load = os.getloadavg()
    path = write("loaders", figures, calls=calls, runs=RUNS, load_average=load)
    print(f"load average {load[0]:.2f}; wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else CALLS)
