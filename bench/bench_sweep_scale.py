"""Sweeps at scale (issue 15): the rate held under 429s, resume latency, memory over 50,000 cells.

- Rate: the scripted server (a separate process) allows R requests a second per model (a token
  bucket holding R/5) and answers 429 with ``Retry-After`` above it; a sweep of 12 x R items at
  concurrency 16 sends to it. Sustained rate: successful calls a second between the first and the
  last success, read from the run log. Goal: >= 0.85 R with no failed cell. Beside it, the same
  sweep against the unlimited model, the client's own ceiling on this machine in the same run.
- Resume: a 10,000-item sweep whose first 9,000 cells were answered by an earlier run (a real sweep
  into a real run log, through a target with no model that yields ready-made tokens), rerun by
  name: seconds from calling ``asweep`` to the target's first new request. Goal: <= 1 s.
- Memory: a 50,000-cell sweep through the same no-model target in a fresh process: peak resident
  memory during the sweep (``VmHWM``, reset through ``/proc/self/clear_refs`` just before it) minus
  the resident memory just before it, dataset already loaded.
  Goal: <= 150 MB. (Sweeps run through the blocking ``sweep``, as the CLI and notebook do:
  ``asyncio.run`` in the main thread formats its task's result on the way out, Sweep.__repr__
  included, which reads every record back to print the scores.)

Run: ``.venv/bin/python bench/bench_sweep_scale.py`` (``--only rate|resume|memory``).
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench
from bench.common import figure, write
from bench.null_engine import ReadyTokens
from workbench.evaluate import asweep, sweep
from workbench.records import Request, TextDelta, Usage
from workbench.runlog.sweeps import sweep_records

RATES = (50, 100)
SECONDS = 12  # each rate sweep sends R x SECONDS items
CONCURRENCY = 16
RESUME_ITEMS, RESUME_DONE, RESUME_GOAL_S = 10_000, 9_000, 1.0
MEMORY_CELLS, MEMORY_GOAL_MB = 50_000, 150.0
ROOT = Path(__file__).resolve().parent.parent
SERVER = (
    "import sys\nfrom tests.support import scripted_server\n"
    "scripted_server._Server.request_queue_size = 128\n"
    "with scripted_server.ScriptedServer() as s:\n    print(s.url, flush=True)\n    sys.stdin.read()\n"
    "    print(dict(s.refused), flush=True)\n"
)


def _rows(n: int) -> list[dict[str, str]]:
    return [{"id": str(i), "q": f"Question {i}: what is {i} + 1?", "answer": str(i + 1)} for i in range(n)]


class _Watched(ReadyTokens):
    """The no-model target, noting when its first request arrives."""

    first_at: float | None = None

    async def stream(self, request: Request) -> AsyncIterator[TextDelta | Usage]:
        """Note the time, then the ready-made tokens."""
        if self.first_at is None:
            self.first_at = time.perf_counter()
        async for event in super().stream(request):
            yield event


def _rate(url: str, model: str, items: int, store: workbench.Store) -> tuple[float, int, int, float]:
    """(sustained successes a second, failed cells, calls sent, wall seconds) of one sweep."""
    target = workbench.resolve(f"openai/{model}@{url}", locality="cloud", price=workbench.Price(0.15, 0.6))
    start = time.perf_counter()
    result = sweep(_rows(items), "{q}", id_column="id", targets=[target], name=model, store=store,
                   concurrency=CONCURRENCY, max_tokens=8, progress=False)  # fmt: skip
    wall = time.perf_counter() - start
    ok = sorted(r.started_at + (r.e2e_s or 0.0) for r in sweep_records(store, model) if r.ok)
    return (len(ok) - 1) / (ok[-1] - ok[0]), result.errors, result.sent, wall


def rate_figures(folder: Path) -> list[dict[str, object]]:
    """Sustained rate against R = 50 and 100 requests a second, and the unlimited ceiling."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    out = []
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        _rate(url, "ok", 50, workbench.Store(folder / "warm.sqlite"))  # the OpenAI SDK imported, connections open
        ceiling, _, _, _ = _rate(url, "delay-0", max(RATES) * SECONDS, workbench.Store(folder / "ceiling.sqlite"))
        for rate in RATES:
            items = rate * SECONDS
            store = workbench.Store(folder / f"r{rate}.sqlite")
            sustained, failed, sent, wall = _rate(url, f"rps-{rate}", items, store)
            out.append(figure(
                f"sustained rate under 429s, R = {rate}/s, {items} items: {sent - items} refused and re-sent, "
                f"{failed} cells failed, {wall:.1f} s wall", sustained / rate, "x R",
                goal=">= 0.85 R, 0 cells failed", passed=sustained >= 0.85 * rate and failed == 0,
            ))  # fmt: skip
        out.append(figure("the client's own ceiling here: same sweep, unlimited server", ceiling, "calls/s"))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        print(f"server's 429s by model: {server.stdout.readline().strip()}")  # type: ignore[union-attr]
        server.wait(timeout=10)
    return out


def resume_figures(folder: Path) -> list[dict[str, object]]:
    """Seconds from rerunning a 10,000-cell sweep with 9,000 done to its first new request."""
    store_path = folder / "resume.sqlite"
    rows = _rows(RESUME_ITEMS)
    kwargs = dict(id_column="id", name="resume", graders=["numeric:answer"], max_tokens=None, progress=False)
    sweep(rows[:RESUME_DONE], "{q}", targets=[ReadyTokens(4)], store=workbench.Store(store_path),
          concurrency=CONCURRENCY, **kwargs)  # fmt: skip
    target = _Watched(4)
    store = workbench.Store(store_path)  # a fresh handle, as a new run opens it

    async def rerun() -> float:
        task = asyncio.ensure_future(asweep(rows, "{q}", targets=[target], store=store, **kwargs))
        start = time.perf_counter()
        while target.first_at is None and not task.done():
            await asyncio.sleep(0.001)
        first = (target.first_at or time.perf_counter()) - start
        result = await task
        assert result.sent == RESUME_ITEMS - RESUME_DONE and result.errors == 0, result
        return first

    first = asyncio.run(rerun())
    return [figure(f"resume a {RESUME_ITEMS:,}-cell sweep with {RESUME_DONE:,} done: first new request", first, "s",
                   goal=f"<= {RESUME_GOAL_S:g} s", passed=first <= RESUME_GOAL_S)]  # fmt: skip


def _peak_rss() -> int:
    """Peak resident bytes since the last reset (``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_child(cells: int) -> None:
    """In a fresh process: sweep ``cells`` cells through the no-model target, print the RSS growth in MB."""
    import psutil

    rows = _rows(cells)
    data = workbench.evaluate.load_dataset(rows, "{q}", id_column="id")
    with tempfile.TemporaryDirectory() as folder:
        store = workbench.Store(Path(folder) / "memory.sqlite")
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # the peak so far (building the rows) is not the sweep's
        before = psutil.Process().memory_info().rss
        start = time.perf_counter()
        result = sweep(data, targets=[ReadyTokens(4)], graders=["numeric:answer"], name="memory", store=store,
                       concurrency=CONCURRENCY, max_tokens=None, progress=False)  # fmt: skip
        wall = time.perf_counter() - start
        peak = _peak_rss()
        after = psutil.Process().memory_info().rss
    print(json.dumps({"grown_mb": (peak - before) / 2**20, "after_mb": (after - before) / 2**20, "wall_s": wall,
                      "cells": len(result.cells), "errors": result.errors}))  # fmt: skip


def memory_figures() -> list[dict[str, object]]:
    """Peak resident memory growth over a 50,000-cell sweep, in a fresh process."""
    done = subprocess.run([sys.executable, __file__, "--memory-child", str(MEMORY_CELLS)], cwd=ROOT, check=True,
                          capture_output=True, text=True)  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["cells"] == MEMORY_CELLS and found["errors"] == 0, found
    return [
        figure(f"{MEMORY_CELLS:,}-cell sweep: peak resident memory growth ({found['wall_s']:.0f} s wall)",
               found["grown_mb"], "MB", goal=f"<= {MEMORY_GOAL_MB:g} MB", passed=found["grown_mb"] <= MEMORY_GOAL_MB),
        figure("of which still held after the sweep (its Sweep result)", found["after_mb"], "MB"),
    ]  # fmt: skip


def main() -> None:
    """Measure the parts asked for (all by default) and write bench/results/sweep_scale.json."""
    if sys.argv[1:2] == ["--memory-child"]:
        memory_child(int(sys.argv[2]))
        return
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    figures: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as folder:
        if only in (None, "rate"):
            figures += rate_figures(Path(folder))
        if only in (None, "resume"):
            figures += resume_figures(Path(folder))
        if only in (None, "memory"):
            figures += memory_figures()
    if only is None:  # a part alone only prints
        print(f"wrote {write('sweep_scale', figures)}")


if __name__ == "__main__":
    main()
