"""The workbench's own cost, measured directly: a target with no model that yields ready-made tokens.

``ReadyTokens(n)`` streams ``n`` pieces of text that already exist, so a call through
``workbench.run`` costs only what the workbench adds: the loop hand-over, the privacy guard,
provenance, the meter, pricing, the run log (a durable SQLite append) and a headless panel as a
sink. The same stream consumed directly (``asyncio.run`` over the target, no workbench) is the
baseline; the difference is the workbench's cost. Per call: one token. Per token: the extra cost
of ``LONG`` tokens over one token, divided by the extra tokens. Every call's prompt differs, so
the guard's per-text cache never answers for it. Calls of every kind are interleaved, so load
from other processes falls on all of them alike.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import workbench
from bench.common import figure
from workbench.records import Locality, Request, TextDelta, Usage
from workbench.runlog.store import Store
from workbench.targets import BaseTarget
from workbench.ui.panel import Panel

NAME = "ready-made tokens, no model"
"""How the bench output names this target."""
SPEC = "bench/ready-made-tokens"
PROMPT = "Explain in two sentences why the sky is blue. Call {i}."
LONG = 1000
CALLS = 300


class ReadyTokens(BaseTarget):
    """A target without a model: yields ``n`` ready-made tokens, then their count."""

    provider = "none"
    model = NAME
    locality = Locality.DEVICE

    def __init__(self, n: int) -> None:
        self.spec = SPEC
        self.n = n
        self.pieces = [f" tok{i % 10}" for i in range(n)]

    async def prepare(self) -> None:
        """Nothing to load."""

    async def stream(self, request: Request) -> AsyncIterator[TextDelta | Usage]:
        """The ready-made pieces, one event each, then exact counts."""
        for piece in self.pieces:
            yield TextDelta(piece)
        yield Usage(input_tokens=12, output_tokens=self.n)


async def _consume(target: ReadyTokens, request: Request) -> str:
    parts = []
    async for event in target.stream(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
    return "".join(parts)


def direct(target: ReadyTokens, i: int) -> Callable[[], object]:
    """The baseline call: build the request, run the stream on a new event loop, keep the text."""
    return lambda: asyncio.run(_consume(target, Request.build(PROMPT.format(i=i))))


def through(target: ReadyTokens, i: int, store: Store | bool) -> Callable[[], object]:
    """The same call through ``workbench.run``, with the run log and a headless panel (made beforehand) as sinks."""
    panel = Panel([SPEC])

    def call() -> None:
        record = workbench.run(PROMPT.format(i=i), [target], store=store, sinks=[panel], max_tokens=None)[0]
        assert record.ok and record.output_tokens == target.n and panel.records == [record]

    return call


def _clock(call: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(store_path: Path, calls: int = CALLS) -> dict[str, list[tuple[float, float]]]:
    """Interleaved calls, (wall, cpu) seconds each, by kind.

    ``direct_1``/``through_1``: one token; ``direct_long``/``through_long``: ``LONG`` tokens;
    ``unlogged_1``: one token with the run log off; ``memory_1``: with the run log in memory-backed
    ``/dev/shm`` (no disk flush to wait for).
    """
    store = Store(store_path)
    in_memory = Store(Path(tempfile.mkdtemp(dir="/dev/shm" if Path("/dev/shm").is_dir() else None)) / "log.sqlite")
    short, long = ReadyTokens(1), ReadyTokens(LONG)
    kinds: dict[str, Callable[[int], Callable[[], object]]] = {
        "direct_1": lambda i: direct(short, i),
        "through_1": lambda i: through(short, i, store),
        "direct_long": lambda i: direct(long, i),
        "through_long": lambda i: through(long, i, store),
        "unlogged_1": lambda i: through(short, i, False),
        "memory_1": lambda i: through(short, i, in_memory),
    }
    for i in range(10):  # warm every path: imports, caches, the store's connection, the loop thread
        for make in kinds.values():
            make(i)()
    out: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for i in range(100, 100 + calls):
        for kind, make in kinds.items():
            out[kind].append(_clock(make(i)))
    in_memory.close()
    shutil.rmtree(in_memory.path.parent)
    return out


def extra(times: dict[str, list[tuple[float, float]]], kind: str, base: str, clock: int = 0) -> list[float]:
    """Seconds ``kind`` took beyond ``base``, call by interleaved call (``clock`` 0: wall, 1: CPU)."""
    return [t[clock] - b[clock] for t, b in zip(times[kind], times[base], strict=True)]


def per_call(times: dict[str, list[tuple[float, float]]], clock: int = 0) -> float:
    """Median seconds the workbench adds to a one-token call."""
    return statistics.median(extra(times, "through_1", "direct_1", clock))


def per_token(times: dict[str, list[tuple[float, float]]], clock: int = 0) -> list[float]:
    """Seconds the workbench adds per streamed token, call by call: the long call's extra less the median per call."""
    base = per_call(times, clock)
    return [(c - base) / (LONG - 1) for c in extra(times, "through_long", "direct_long", clock)]


def panel_setup(runs: int) -> list[float]:
    """Seconds to make a one-column headless panel, as ``%%hybrid`` does once per cell (ipywidgets)."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        Panel([SPEC])
        out.append(time.perf_counter() - start)
    return out


def figures(store_path: Path) -> list[dict[str, Any]]:
    """The workbench's own cost per call and per token, with the baseline and what makes up the cost."""
    times = measure(store_path)
    ms = [x * 1000 for x in extra(times, "through_1", "direct_1")]
    token_us = [x * 1e6 for x in per_token(times)]
    cpu_ms = [x * 1000 for x in extra(times, "through_1", "direct_1", clock=1)]
    log_ms = [x * 1000 for x in extra(times, "through_1", "unlogged_1")]
    memory_ms = [x * 1000 for x in extra(times, "memory_1", "direct_1")]
    base = [t[0] * 1000 for t in times["direct_1"]]
    setup = [x * 1000 for x in panel_setup(100)]
    sinks = "runner, guard, provenance, meter, pricing, run log on disk, headless panel sink"
    return [
        figure(f"{NAME}: 1-token call straight from the target (no workbench)", statistics.median(base), "ms",
               values=base),
        figure(f"workbench cost per call ({NAME}; {sinks})", statistics.median(ms), "ms", goal="<= 1 ms median",
               passed=statistics.median(ms) <= 1.0, values=ms),
        figure(f"workbench cost per streamed token ({NAME}; {LONG} vs 1 token)", statistics.median(token_us), "us",
               goal="<= 20 us median", passed=statistics.median(token_us) <= 20.0, values=token_us),
        figure("  of which per call: CPU time (all threads)", statistics.median(cpu_ms), "ms", values=cpu_ms),
        figure("  the same call with the run log in memory (/dev/shm: no disk flush)", statistics.median(memory_ms),
               "ms", values=memory_ms),
        figure("  of which per call: the durable run-log append (vs run log off)", statistics.median(log_ms), "ms",
               values=log_ms),
        figure("headless panel set-up, once per %%hybrid cell (1 column, ipywidgets)", statistics.median(setup), "ms",
               values=setup),
    ]
