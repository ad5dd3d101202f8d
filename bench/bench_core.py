"""Core goals, each measured side by side with the alternative a user would pick, in one run.

- the workbench's own cost, measured directly with a target that yields ready-made tokens and no
  model (``bench/null_engine.py``): <= 1 ms per call and <= 20 us per streamed token;
- end to end, a local call through the workbench vs llama-cpp-python called directly (same
  model, prompt, settings, loaded once, calls alternated): within 3% (ratio <= 1.03), with the
  spread of the per-pair ratios (two ~1 s generations differ by more than 1 ms run to run, so
  the difference of their times cannot resolve the per-call goal);
- 8 network-bound targets (8 local HTTP servers answering after a fixed delay) at once vs the
  slowest alone: <= 1.15x;
- ``python -c "import workbench"`` <= 300 ms, litellm not imported.

Run: ``.venv/bin/python bench/bench_core.py``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workbench
from bench import null_engine
from bench.common import figure, timed, write
from tests.support.scripted_server import ScriptedServer
from workbench.targets.llamacpp import load_model, smollm2_path

PROMPT = "Explain in two sentences why the sky is blue."
SETTINGS = {"temperature": 0.0, "seed": 42, "max_tokens": 64}
RUNS = 15


def direct_call(llm: object) -> int:
    """llama-cpp-python as a user would call it: stream a chat completion, keep the text."""
    parts = []
    for chunk in llm.create_chat_completion(  # type: ignore[attr-defined]
        messages=[{"role": "user", "content": PROMPT}], stream=True, **SETTINGS
    ):
        text = chunk["choices"][0]["delta"].get("content")
        if text:
            parts.append(text)
    return len("".join(parts))


def overhead(store: workbench.Store | bool) -> tuple[list[float], list[float], list[float]]:
    """Alternate direct and workbench calls; return their wall times and the workbench's tokens/s."""
    llm = load_model(smollm2_path())
    target = workbench.resolve("local/smollm2")
    direct_call(llm)
    workbench.run(PROMPT, [target], store=store, **SETTINGS)  # warm both paths
    direct, through, tps = [], [], []
    for _ in range(RUNS):
        direct += timed(lambda: direct_call(llm), 1)
        start = time.perf_counter()
        record = workbench.run(PROMPT, [target], store=store, **SETTINGS)[0]
        through.append(time.perf_counter() - start)
        tps.append(record.decode_tps or 0.0)
    return direct, through, tps


def concurrency(delay: float = 1.0, n: int = 8) -> tuple[list[float], list[float]]:
    """The slowest target alone vs n such targets at once, each on its own local server."""
    servers = [ScriptedServer().__enter__() for _ in range(n)]
    try:
        targets = [workbench.resolve(f"openai/delay-{delay}@{s.url}") for s in servers]
        workbench.run("hi", targets[:1], store=False)  # import LiteLLM, open clients
        alone = timed(lambda: workbench.run("hi", targets[:1], store=False), 5)
        together = timed(lambda: workbench.run("hi", targets, store=False), 5)
        return alone, together
    finally:
        for server in servers:
            server.__exit__()


def cloud_overhead(runs: int = 30) -> tuple[list[float], list[float]]:
    """The LiteLLM path through the workbench vs LiteLLM called directly, same local server and request."""
    import asyncio

    from workbench.targets.litellm import import_litellm

    litellm = import_litellm()

    async def direct_litellm(url: str) -> None:
        response = await litellm.acompletion(
            model="openai/ok",
            api_base=url,
            api_key="no-key-needed",
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            stream_options={"include_usage": True},
            max_retries=0,
            num_retries=0,
            max_tokens=64,
        )
        async for _ in response:
            pass

    with ScriptedServer() as server:
        target = workbench.resolve(f"openai/ok@{server.url}")
        workbench.run(PROMPT, [target], store=False, max_tokens=64)
        asyncio.run(direct_litellm(server.url))
        direct, through = [], []
        for _ in range(runs):
            direct += timed(lambda: asyncio.run(direct_litellm(server.url)), 1)
            through += timed(lambda: workbench.run(PROMPT, [target], store=False, max_tokens=64), 1)
        return direct, through


def memory_after_load() -> tuple[float, float]:
    """Peak RSS (MB) of a fresh process after loading SmolLM2 through the workbench vs llama-cpp-python alone."""
    wb = (
        "import resource, asyncio, workbench; t = workbench.resolve('local/smollm2'); asyncio.run(t.prepare());"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    direct = (
        "import resource, llama_cpp; from workbench.targets.llamacpp import smollm2_path;"
        "llama_cpp.Llama(model_path=str(smollm2_path()), n_ctx=4096, verbose=False);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = [
        int(subprocess.run([sys.executable, "-c", c], capture_output=True, text=True, check=True).stdout)
        for c in (wb, direct)
    ]
    return out[0] / 1024, out[1] / 1024


def import_time() -> tuple[list[float], list[float], bool]:
    """Wall time of ``python -c "import workbench"`` vs a bare interpreter."""
    bare = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 7)
    code = "import sys, workbench; sys.exit(3 if 'litellm' in sys.modules else 0)"
    results: list[int] = []

    def once() -> None:
        results.append(subprocess.run([sys.executable, "-c", code]).returncode)

    importing = timed(once, 7)
    return bare, importing, all(rc == 0 for rc in results)


def main() -> None:
    figures = null_engine.figures(Path("/tmp/bench_core_null_store.sqlite"))
    direct, through, tps = overhead(store=workbench.Store(Path("/tmp/bench_core_store.sqlite")))
    d, w = statistics.median(direct), statistics.median(through)
    figures.append(figure("local call, llama-cpp-python direct", d * 1000, "ms", values=[x * 1000 for x in direct]))
    figures.append(
        figure(
            "local call through workbench (run log on)",
            w * 1000,
            "ms",
            values=[x * 1000 for x in through],
            ratio=w / d,
            alternative="llama-cpp-python direct",
        )
    )
    pairs = [t / s for t, s in zip(through, direct, strict=True)]
    figures.append(
        figure(
            "end-to-end ratio, local call through workbench / llama-cpp-python direct (alternated pairs)",
            statistics.median(pairs),
            "x",
            goal="<= 1.03 median (within 3%)",
            passed=statistics.median(pairs) <= 1.03,
            values=pairs,
        )
    )
    figures.append(figure("local decode tokens/s (workbench record)", statistics.median(tps), "tokens/s", values=tps))
    _, through_nostore, _ = overhead(store=False)
    figures.append(
        figure(
            "local call through workbench (run log off)",
            statistics.median(through_nostore) * 1000,
            "ms",
            values=[x * 1000 for x in through_nostore],
            ratio=statistics.median(through_nostore) / d,
            alternative="llama-cpp-python direct",
        )
    )
    alone, together = concurrency()
    ratio = statistics.median(together) / statistics.median(alone)
    figures.append(figure("1 network target (1.0 s server delay) alone", statistics.median(alone), "s", values=alone))
    figures.append(
        figure(
            "8 network targets at once",
            statistics.median(together),
            "s",
            values=together,
            goal="<= 1.15 x the slowest alone",
            passed=ratio <= 1.15,
            ratio=ratio,
            alternative="slowest alone",
        )
    )
    direct_cloud, through_cloud = cloud_overhead()
    dc, tc = statistics.median(direct_cloud), statistics.median(through_cloud)
    figures.append(
        figure("cloud path, LiteLLM direct (local server)", dc * 1000, "ms", values=[x * 1000 for x in direct_cloud])
    )
    figures.append(
        figure(
            "cloud path through workbench",
            tc * 1000,
            "ms",
            values=[x * 1000 for x in through_cloud],
            ratio=tc / dc,
            alternative="LiteLLM direct",
        )
    )
    figures.append(figure("workbench overhead per cloud-path call", (tc - dc) * 1000, "ms"))
    wb_mb, direct_mb = memory_after_load()
    figures.append(
        figure(
            "peak RSS after loading SmolLM2 via workbench",
            wb_mb,
            "MB",
            ratio=wb_mb / direct_mb,
            alternative="llama-cpp-python alone",
        )
    )
    bare, importing, no_litellm = import_time()
    figures.append(
        figure(
            "python -c pass (interpreter start)", statistics.median(bare) * 1000, "ms", values=[x * 1000 for x in bare]
        )
    )
    figures.append(
        figure(
            'python -c "import workbench"',
            statistics.median(importing) * 1000,
            "ms",
            values=[x * 1000 for x in importing],
            goal="<= 300 ms, litellm not imported",
            passed=statistics.median(importing) <= 0.3 and no_litellm,
            ratio=statistics.median(importing) / statistics.median(bare),
            alternative="bare interpreter",
        )
    )
    print(f"wrote {write('core', figures)}")


if __name__ == "__main__":
    main()
