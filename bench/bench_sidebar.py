"""Sidebar bench: the run-log endpoints answering with 10,000 calls, then 1,000,000 on SQLite and PostgreSQL.

    python bench/bench_sidebar.py     # figures, pass/short per goal, bench/results/sidebar.json

Goals: sidebar refresh with 10,000 calls in the log, endpoint answers in <= 100 ms (issue 7); at
1,000,000 calls, on SQLite and on PostgreSQL, every sidebar endpoint <= 100 ms including the first
read after a restart (issue 16). Measured end to end over HTTP against a real Jupyter server on
loopback (token auth, tornado, the query in a worker thread, JSON): each endpoint the sidebar calls
(``totals`` with each filter it offers, pages of 50 calls, filtered pages, one call in full). "First
read after a restart": the first request of each endpoint to a Jupyter server just started (the
database and the OS cache stay up); "warm": the same again. The million-call logs are built once
into a cache folder and reused (:mod:`bench.sidebar_log` says how); ``WORKBENCH_BENCH_CALLS``
sets another size.
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.big_log import TARGETS, WORDS
from bench.common import figure, spread, write
from bench.sidebar_log import postgres_log, sqlite_log
from tests.support.jupyter import running_jupyter
from tests.support.postgres import execute
from tests.support.records import make_record
from workbench.records import CallRecord, Locality, Privacy
from workbench.runlog.store import Store
from workbench.server import queries, totals

CALLS = 10_000
LARGE = int(os.environ.get("WORKBENCH_BENCH_CALLS", "1000000"))
RUNS = 30
RESTARTS = 3
GOAL_MS = 100.0


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


def small() -> list[dict[str, Any]]:
    """The 10,000-call figures (issue 7), SQLite; each first read on a hard link of the log not read before."""
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
            totals._cache.clear()
            start = time.perf_counter()
            totals.totals(conn)
            values.append((time.perf_counter() - start) * 1000)
        conn.close()
        figures.append(figure("  totals query alone, from the rollup (in process)", spread(values)["median"], "ms",
                              values=values))  # fmt: skip
    return figures


ENDPOINTS: list[tuple[str, str, dict[str, str]]] = [
    ("totals", "hybrid/api/totals", {}),
    ("totals, replayed included", "hybrid/api/totals", {"replayed": "include"}),
    ("totals of one target", "hybrid/api/totals", {"target": "openai/gpt-4o-mini"}),
    ("totals, cloud and flagged", "hybrid/api/totals", {"locality": "cloud", "flagged": "true"}),
    ("totals of one run", "hybrid/api/totals", {"run": f"r{LARGE // 6:06d}"}),
    ("page of 50 calls", "hybrid/api/calls", {"limit": "50"}),
    ("page of 50 calls at offset 1,000", "hybrid/api/calls", {"limit": "50", "offset": "1000"}),
    ("page half-way down, by cursor", "hybrid/api/calls",
     {"limit": "50", "before": f"{1.7e9 + (LARGE // 2) * 2.5!r},{LARGE // 2 + 1}"}),  # call c{LARGE//2}, rowid +1
    ("page of one target", "hybrid/api/calls", {"limit": "50", "target": "local/smollm2"}),
    ("page, cloud and flagged", "hybrid/api/calls", {"limit": "50", "locality": "cloud", "flagged": "true"}),
    ("page, not flagged", "hybrid/api/calls", {"limit": "50", "flagged": "false"}),
    ("page of one run", "hybrid/api/calls", {"limit": "50", "run": f"r{LARGE // 6:06d}"}),
    ("one call in full", f"hybrid/api/calls/c{LARGE // 2:07d}", {}),
]
"""Every endpoint and filter the sidebar sends."""


def _after_added(client: httpx.Client, location: Path | str, rng: random.Random) -> list[float]:
    """Totals, each right after one call was appended (then read as the poll that follows it would)."""
    writer = Store(location)
    added = iter(range(10**8, 10**8 + 10))

    def add() -> None:
        call = record(next(added), rng)
        writer.append(dataclasses.replace(call, call_id=f"bench-added-{call.call_id}", started_at=time.time()))

    try:
        return timed(client, "hybrid/api/totals", [{}] * 10, before=add)
    finally:
        writer.close()


def large(backend: str, location: Path | str, tmp: Path) -> list[dict[str, Any]]:
    """Each endpoint on the million-call log: first read after a restart (RESTARTS servers), then warm."""
    measured: dict[str, list[float]] = {}
    env = {"WORKBENCH_STORE": str(location)}
    rng = random.Random(7)
    for restart in range(RESTARTS):
        log = tmp / f"{backend}-server-{restart}.log"
        with (
            running_jupyter("server", tmp, tmp / f"jupyter-{backend}", log, env=env) as server,
            httpx.Client(base_url=server.url, headers={"Authorization": f"token {server.token}"}, timeout=60) as client,
        ):
            client.get("api/status").raise_for_status()
            for name, path, params in ENDPOINTS:
                measured.setdefault(f"{name}, first read after a restart", []).extend(timed(client, path, [params]))
            if restart < RESTARTS - 1:
                continue
            for name, path, params in ENDPOINTS:
                measured.setdefault(f"{name}, warm", []).extend(timed(client, path, [params] * RUNS))
            measured["totals, after a call was added"] = _after_added(client, location, rng)
    execute(location, "DELETE FROM calls WHERE call_id LIKE 'bench-added-%'")  # the cached log stays as built
    out = []
    for name, values in measured.items():
        median = spread(values)["median"]
        out.append(figure(f"sidebar endpoint, {LARGE:,} calls, {backend}: {name}", median, "ms", values=values,
                          goal=f"<= {GOAL_MS:g} ms", passed=median <= GOAL_MS))  # fmt: skip
    return out


def main() -> None:
    figures = small()
    built: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        log, built["sqlite"] = sqlite_log(LARGE, record)
        print(f"SQLite log of {LARGE:,} calls ready in {time.perf_counter() - start:.1f} s: {built['sqlite']}")
        figures += large("SQLite", log, Path(tmp))
        start = time.perf_counter()
        server, url, built["postgresql"] = postgres_log(LARGE, record)
        print(f"PostgreSQL log of {LARGE:,} calls ready in {time.perf_counter() - start:.1f} s: {built['postgresql']}")
        try:
            figures += large("PostgreSQL", url, Path(tmp))
        finally:
            server.halt()
    load = os.getloadavg()
    path = write("sidebar", figures, calls=CALLS, large_calls=LARGE, runs=RUNS, restarts=RESTARTS, built=built,
                 load_average=load)  # fmt: skip
    print(f"load average {load[0]:.2f}; wrote {path}")


if __name__ == "__main__":
    main()
