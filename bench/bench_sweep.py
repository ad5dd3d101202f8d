"""A sweep's own cost over plain runner calls, on the same loopback server in the same run.

200 items x 2 OpenAI-compatible targets on the scripted server (a separate process, so its CPU is
not counted) answering after 100 ms, 16 calls at once per target, every call recorded in a run
log on disk. The plain runner does the same 400 calls with one ``arun`` per call behind a
semaphore of 16 per target; the sweep adds tagging, resume look-up, budget-free planning, grading
and the grades table. Beside them, the same 400 calls made with ``litellm.acompletion`` directly
(no workbench, no run log): the client path the workbench used for these targets before it
streamed ``openai/NAME@URL`` through the OpenAI SDK. Ideal wall time: 200 x 0.1 s / 16 = 1.25 s.

Run: ``.venv/bin/python bench/bench_sweep.py``
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench
from bench.common import figure, write
from workbench.evaluate import asweep
from workbench.runner.fanout import arun

ITEMS, CONCURRENCY, DELAY = 200, 16, 0.1
IDEAL = ITEMS * DELAY / CONCURRENCY
SERVER = (
    "import sys, time\nfrom tests.support import scripted_server\n"
    "scripted_server._Server.request_queue_size = 128\n"  # as a real server's backlog: 32 connects at once
    "with scripted_server.ScriptedServer() as s:\n    print(s.url, flush=True)\n    sys.stdin.read()\n"
)


def _targets(url: str) -> list[workbench.Target]:
    price = workbench.Price(0.15, 0.6)
    return [workbench.resolve(f"openai/{m}@{url}", locality="cloud", price=price) for m in ("delay-0.1", "delay-0.10")]


async def _plain(targets: list[workbench.Target], rows: list[dict[str, str]], store: workbench.Store) -> None:
    async def one(target: workbench.Target, gate: asyncio.Semaphore, prompt: str) -> None:
        async with gate:
            await arun(prompt, [target], max_tokens=8, seed=0, store=store)

    gates = {t.spec: asyncio.Semaphore(CONCURRENCY) for t in targets}
    await asyncio.gather(*(one(t, gates[t.spec], r["q"]) for t in targets for r in rows))


async def _litellm(url: str, rows: list[dict[str, str]]) -> None:
    from workbench.targets.litellm import import_litellm

    litellm = import_litellm()

    async def one(model: str, gate: asyncio.Semaphore, prompt: str) -> None:
        async with gate:
            response = await litellm.acompletion(
                model=f"openai/{model}", api_base=url, api_key="no-key-needed", max_tokens=8, seed=0,
                messages=[{"role": "user", "content": prompt}], stream=True, stream_options={"include_usage": True},
                max_retries=0, num_retries=0,
            )  # fmt: skip
            async for _ in response:
                pass

    models = ("delay-0.1", "delay-0.10")
    gates = {m: asyncio.Semaphore(CONCURRENCY) for m in models}
    await asyncio.gather(*(one(m, gates[m], r["q"]) for m in models for r in rows))


def _measure(make: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(make)  # type: ignore[arg-type]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Measure both, alternating, three rounds; report medians."""
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        targets = _targets(url)
        rows = [{"id": str(i), "q": f"Question {i}: what is {i} + 1?", "answer": str(i + 1)} for i in range(ITEMS)]
        calls = ITEMS * len(targets)
        with tempfile.TemporaryDirectory() as tmp:
            warm = workbench.Store(Path(tmp) / "warm.sqlite")
            asyncio.run(_plain(targets, rows[:20], warm))  # LiteLLM imported, connections opened
            asyncio.run(_litellm(url, rows[:20]))
            plain, swept, direct = [], [], []
            for round_ in range(3):
                store = workbench.Store(Path(tmp) / f"plain{round_}.sqlite")
                plain.append(_measure(_plain(targets, rows, store)))
                store = workbench.Store(Path(tmp) / f"sweep{round_}.sqlite")
                run = asweep(rows, "{q}", id_column="id", targets=targets, graders=["numeric:answer"], name="bench",
                             concurrency=CONCURRENCY, max_tokens=8, store=store)  # fmt: skip
                swept.append(_measure(run))
                direct.append(_measure(_litellm(url, rows)))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=10)
    med = lambda pairs, i: sorted(p[i] for p in pairs)[1]  # noqa: E731
    figures = [
        figure(f"sweep wall, {ITEMS} items x 2 targets, concurrency {CONCURRENCY}, 100 ms server", med(swept, 0), "s",
               goal=f"<= 1.2x the ideal {IDEAL:.2f} s", passed=med(swept, 0) <= 1.2 * IDEAL,
               ratio=med(swept, 0) / IDEAL, alternative="ideal", values=[p[0] for p in swept]),
        figure("plain runner wall, same calls", med(plain, 0), "s", ratio=med(plain, 0) / IDEAL,
               alternative="ideal", values=[p[0] for p in plain]),
        figure("sweep CPU per call", 1000 * med(swept, 1) / calls, "ms", goal="<= 2 ms",
               passed=med(swept, 1) / calls <= 0.002, values=[1000 * p[1] / calls for p in swept]),
        figure("plain runner CPU per call", 1000 * med(plain, 1) / calls, "ms",
               values=[1000 * p[1] / calls for p in plain]),
        figure("LiteLLM direct wall, same calls (no workbench, no run log)", med(direct, 0), "s",
               ratio=med(direct, 0) / IDEAL, alternative="ideal", values=[p[0] for p in direct]),
        figure("LiteLLM direct CPU per call", 1000 * med(direct, 1) / calls, "ms",
               values=[1000 * p[1] / calls for p in direct]),
        figure("plain runner CPU per call vs LiteLLM direct", med(plain, 1) / med(direct, 1), "x"),
        figure("the sweep's own CPU per call (sweep - plain runner)", 1000 * (med(swept, 1) - med(plain, 1)) / calls,
               "ms"),
    ]  # fmt: skip
    write("sweep", figures)


if __name__ == "__main__":
    main()
