"""One measured sweep in a process of its own, so its peak memory and whole CPU are its own.

``python bench/sweep_child.py URL ITEMS CONCURRENCY STORE`` runs ITEMS items x 4
``openai/delay-0.1...@URL`` targets (all answering after 100 ms), CONCURRENCY calls at once per
target, cache/reuse off, every call recorded in the run log STORE, and prints one JSON line:
the sweep's own wall and CPU seconds and how many calls ended without error.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench
from workbench.evaluate import asweep

MODELS = ("delay-0.1", "delay-0.10", "delay-0.100", "delay-0.1000")
"""Four targets on one server, each answering after 0.1 s (the server reads the delay from the name)."""


def rows(items: int) -> list[dict[str, str]]:
    """The bench's dataset: a question and its numeric answer per item."""
    return [{"id": str(i), "q": f"Question {i}: what is {i} + 1?", "answer": str(i + 1)} for i in range(items)]


def main() -> None:
    """Run the sweep and print its figures."""
    url, items, concurrency, store = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    price = workbench.Price(0.15, 0.6)
    targets = [workbench.resolve(f"openai/{m}@{url}", locality="cloud", price=price) for m in MODELS]
    data = rows(items)
    wall, cpu = time.perf_counter(), time.process_time()
    result = asyncio.run(
        asweep(data, "{q}", id_column="id", targets=targets, graders=["numeric:answer"], name="bench",
               concurrency=concurrency, max_tokens=8, store=workbench.Store(store), progress=False, reuse=False)
    )  # fmt: skip
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ok = len(result.cells) - result.errors  # counted as the cells finished: reading 8,000 records back would
    # add their memory to the sweep's peak
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "ok": ok, "calls": items * len(targets)}), flush=True)


if __name__ == "__main__":
    main()
