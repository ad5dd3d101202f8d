"""Sidebar bench: the run-log endpoints answering with 10,000 calls in the log.

    python bench/bench_sidebar.py     # figures, pass/short per goal, bench/results/sidebar.json

Goal (issue 7): sidebar refresh with 10,000 calls in the log, endpoint answers in <= 100 ms.
Measured end to end over HTTP against a real Jupyter server on loopback (token auth, tornado,
the query in a worker thread, JSON): each endpoint the sidebar calls on a refresh (``totals``,
a page of 50 calls), a filtered page, and one call in full. The query alone, in process, is
reported beside them for information.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import figure, spread, write
from tests.support.jupyter import running_jupyter
from tests.support.records import make_record
from workbench.records import CallRecord, Locality, Privacy
from workbench.runlog.store import Store
from workbench.server import queries, totals

CALLS = 10_000
RUNS = 30
GOAL_MS = 100.0
TARGETS = [("local/smollm2", Locality.DEVICE), ("mlc/Llama-3.2-3B@http://10.0.0.5:8000", Locality.PRIVATE_NETWORK),
           ("openai/gpt-4o-mini", Locality.CLOUD), ("anthropic/claude-3-5-haiku-latest", Locality.CLOUD)]  # fmt: skip
WORDS = ("the", "a", "customer", "order", "refund", "email", "invoice", "summarize", "translate",
         "explain", "why", "how", "plan", "route", "cost")  # fmt: skip


def record(i: int, rng: random.Random) -> CallRecord:
    """A plausible record: a mix of targets and prompts, some failed, flagged, or of unknown cost."""
    target, locality = TARGETS[i % len(TARGETS)]
    failed = rng.random() < 0.05
    entities = {"email": 1} if rng.random() < 0.1 else {}
    prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 80)))
    return make_record(
        call_id=f"c{i:06d}", run_id=f"r{i // 3:05d}", target=target, provider=target.split("/")[0],
        model=target.split("/")[1], locality=locality, started_at=1.7e9 + i * 2.5,
        ttft_s=None if failed else rng.lognormvariate(-2.5, 0.6), latency_s=rng.uniform(0.2, 4.0),
        input_tokens=len(prompt) // 4, output_tokens=None if failed else rng.randint(10, 300),
        tokens_estimated=False, decode_tps=None if failed else rng.uniform(20, 120),
        cost_usd=None if locality is Locality.CLOUD and rng.random() < 0.05 else rng.uniform(0, 0.003),
        cost_basis="bench", params={"temperature": 0.0, "max_tokens": 256, "seed": None, "stop": []},
        response=" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 200))),
        prompt=({"role": "user", "content": prompt},),
        error_type="TargetError" if failed else None, error_message="HTTP 429" if failed else None,
        privacy=Privacy(entities, locality.value, "flag") if entities else None,
    )  # fmt: skip


def timed(client: httpx.Client, path: str, params: list[dict[str, str]], before: Any = None) -> list[float]:
    """Milliseconds per GET, one per entry of ``params``; ``before()`` runs untimed before each."""
    out = []
    for one in params:
        if before is not None:
            before()
        start = time.perf_counter()
        client.get(path, params=one).raise_for_status()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "runs.sqlite"
        rng = random.Random(42)
        store = Store(log)
        store.append_many(record(i, rng) for i in range(CALLS))
        assert store.count() == CALLS
        store.close()
        # Hard links: the same log under other names, each read for the first time (a cold, full read).
        links = [Path(tmp) / f"link{i}.sqlite" for i in range(RUNS)]
        for link in links:
            os.link(log, link)
        env = {"WORKBENCH_STORE": str(log)}
        measured: dict[str, list[float]] = {}
        with (
            running_jupyter("server", Path(tmp), Path(tmp) / "jupyter", Path(tmp) / "server.log", env=env) as server,
            httpx.Client(base_url=server.url, headers={"Authorization": f"token {server.token}"}, timeout=30) as client,
        ):
            client.get("api/status").raise_for_status()
            measured["totals, first read of the log"] = timed(
                client, "hybrid/api/totals", [{"store": str(link)} for link in links]
            )
            client.get("hybrid/api/totals").raise_for_status()
            measured["totals, unchanged log"] = timed(client, "hybrid/api/totals", [{}] * RUNS)
            writer = Store(log)
            counter = iter(range(CALLS, CALLS + RUNS))
            measured["totals, after a call was added"] = timed(
                client, "hybrid/api/totals", [{}] * RUNS, before=lambda: writer.append(record(next(counter), rng))
            )
            writer.close()
            measured["page of 50 calls, first view"] = timed(
                client, "hybrid/api/calls", [{"limit": "50", "offset": str(50 * i)} for i in range(RUNS)]
            )
            measured["page of 50 calls, again"] = timed(client, "hybrid/api/calls", [{"limit": "50"}] * RUNS)
            flagged = {"limit": "50", "locality": "cloud", "flagged": "true"}
            measured["filtered page (cloud, flagged)"] = timed(client, "hybrid/api/calls", [flagged] * RUNS)
            measured["one call in full"] = timed(client, "hybrid/api/calls/c005000", [{}] * RUNS)
            measured["baseline: /api/status (no run log)"] = timed(client, "api/status", [{}] * RUNS)
        figures = []
        for name, values in measured.items():
            median = spread(values)["median"]
            goal = {} if name.startswith("baseline") else {"goal": f"<= {GOAL_MS:g} ms", "passed": median <= GOAL_MS}
            figures.append(figure(f"sidebar endpoint, {CALLS:,} calls: {name}", median, "ms", values=values, **goal))
        conn = queries.open_readonly(log)
        assert conn is not None
        values = []
        for _ in range(RUNS):
            totals._tallies.clear()
            start = time.perf_counter()
            totals.totals(conn)
            values.append((time.perf_counter() - start) * 1000)
        conn.close()
        figures.append(figure("  totals query alone, whole table (in process)", spread(values)["median"], "ms",
                              values=values))  # fmt: skip
    load = os.getloadavg()
    path = write("sidebar", figures, calls=CALLS, runs=RUNS, load_average=load)
    print(f"load average {load[0]:.2f}; wrote {path}")


if __name__ == "__main__":
    main()
