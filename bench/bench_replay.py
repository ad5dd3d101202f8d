"""Replay figure: reproducing a notebook of 100 recorded calls takes <= 2 s beyond kernel start.

A notebook of 100 cells, each one ``workbench.run`` call to the real local model (SmolLM2, 4 tokens)
whose result is displayed, is executed live once (recording 100 calls), saved, and exported with
``hybrid export``. Then ``reproduce_bundle`` runs it RUNS times: hash checks, a fresh directory,
a kernel, 100 cells in strict replay, and the comparison of every output and call. "Beyond kernel
start" is the whole reproduce wall time minus the kernel start that reproduce measures itself; a
bare kernel start (nbclient, one trivial cell) is measured separately in the same run for scale.

Run: ``.venv/bin/python bench/bench_replay.py``  (writes bench/results/replay.json)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import figure, write  # noqa: E402

CALLS = 100
RUNS = 3
GOAL_S = 2.0


def record_notebook(folder: Path) -> Path:
    """Execute the 100-call notebook live against its own log, save it, export it; return the bundle."""
    import nbformat
    from nbclient import NotebookClient

    from workbench.sharing import export_bundle

    cells = ["import workbench"] + [
        f'workbench.run("Give me word number {i}.", ["local/smollm2"], max_tokens=4, temperature=0)'
        for i in range(CALLS)
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    log = folder / "runs.sqlite"
    env = {**os.environ, "WORKBENCH_STORE": str(log), "WORKBENCH_REPLAY": "off"}
    NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(folder)}}).execute(env=env)
    nbformat.write(notebook, folder / "hundred.ipynb")
    summary = export_bundle(folder / "hundred.ipynb", folder / "bundle", store=log)
    assert summary.calls == CALLS, summary
    return folder / "bundle"


def bare_kernel_start() -> float:
    """Seconds for nbclient to start a kernel and run one trivial cell."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    start = time.perf_counter()
    NotebookClient(notebook, timeout=60).execute()
    return time.perf_counter() - start


def main() -> None:
    from workbench.sharing import reproduce_bundle

    with tempfile.TemporaryDirectory(prefix="bench-replay-") as scratch:
        started = time.perf_counter()
        bundle = record_notebook(Path(scratch))
        print(f"recorded and exported {CALLS} live calls in {time.perf_counter() - started:.1f} s", flush=True)
        kernels = [bare_kernel_start() for _ in range(RUNS)]
        beyond, totals, starts, cells = [], [], [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            report = reproduce_bundle(bundle, timeout=120)
            total = time.perf_counter() - start
            assert report.matches and report.calls_replayed == CALLS, str(report)
            totals.append(total)
            starts.append(report.kernel_start_s)
            cells.append(report.execute_s)
            beyond.append(total - report.kernel_start_s)
    measured = statistics.median(beyond)
    figures = [
        figure(
            f"reproduce a {CALLS}-call notebook, beyond kernel start",
            measured,
            "s",
            goal=f"<= {GOAL_S:g} s",
            passed=measured <= GOAL_S,
            values=beyond,
        ),
        figure("of which: executing the 100 cells (replayed)", statistics.median(cells), "s", values=cells),
        figure("kernel start inside reproduce", statistics.median(starts), "s", values=starts),
        figure("bare kernel start (nbclient, one cell)", statistics.median(kernels), "s", values=kernels),
        figure("whole reproduce", statistics.median(totals), "s", values=totals),
    ]
    print(f"wrote {write('replay', figures, calls=CALLS, runs=RUNS)}")


if __name__ == "__main__":
    main()
