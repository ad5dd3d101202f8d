"""A large run log for the benches, built once into ``bench/.cache/`` (git-ignored) and reused.

    python bench/big_log.py [CALLS]   # build (or find) the SQLite log and its PostgreSQL copy

:func:`sqlite_log` appends ``CALLS`` records through the real :meth:`Store.append_many` in batches of
10,000; :func:`postgres_log` starts a PostgreSQL server whose data folder lives in the cache and copies
the SQLite log into it with the real ``hybrid store copy`` (:func:`workbench.runlog.copy.copy_log`).
A log is only used once complete: it is built under a temporary name and renamed (SQLite), or
marked done in a file beside the data folder (PostgreSQL). Any bench may use it; the calls are:

- calls two and a half seconds apart, alternately a plain call and a sweep's;
- the plain calls two to a run (``run_id`` ``r000000``...: the run of call ``i`` is ``i // 3``);
- the sweeps' calls 10,000 to a sweep (``sweep-00``... ``sweep-49`` at a million; the sweep's name is
  its run id; 2,500 items x the four targets), with grades for :data:`GRADED_SWEEP`;
- four targets (device, private network, two clouds), 5% failed, 10% flagged, some costs unknown,
  prompts of 10 to 80 words and answers of 20 to 200 (about 1 kB a call).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.postgres import PostgresServer, find_bin
from tests.support.records import make_record
from workbench.records import CallRecord, Locality, Privacy
from workbench.runlog.store import Store
from workbench.runlog.sweeps import GradeRow, write_grades

CACHE = Path(__file__).resolve().parent / ".cache"
BATCH = 10_000
SWEEP_SIZE = 10_000
GRADED_SWEEP = "sweep-00"
T0 = 1.7e9
STEP_S = 2.5
TARGETS = [("local/smollm2", Locality.DEVICE), ("mlc/Llama-3.2-3B@http://10.0.0.5:8000", Locality.PRIVATE_NETWORK),
           ("openai/gpt-4o-mini", Locality.CLOUD), ("anthropic/claude-3-5-haiku-latest", Locality.CLOUD)]  # fmt: skip
WORDS = ("the", "a", "customer", "order", "refund", "email", "invoice", "summarize", "translate",
         "explain", "why", "how", "plan", "route", "cost")  # fmt: skip
"""The benches' record mix: the targets (with their localities) and the words of prompts and answers."""


def _texts(rng: random.Random, low: int, high: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))) for _ in range(997)]


def records(calls: int, seed: int = 42) -> Iterator[CallRecord]:
    """The bench's calls, oldest first (see the module's docstring)."""
    rng = random.Random(seed)
    prompts, answers = _texts(rng, 10, 80), _texts(rng, 20, 200)
    sweeps = (calls // 2) // SWEEP_SIZE
    for i in range(calls):
        target, locality = TARGETS[(i // 2) % len(TARGETS)]
        failed = rng.random() < 0.05
        in_sweep = i % 2 == 1 and (i // 2) // SWEEP_SIZE < sweeps
        sweep = f"sweep-{(i // 2) // SWEEP_SIZE:02d}" if in_sweep else None
        provenance: dict[str, object] = {"request_hash": f"h{i % 50_000}"}
        if sweep:  # each (item, target) once: 2,500 items x 4 targets
            item = (i // 2) % SWEEP_SIZE // len(TARGETS)
            provenance["sweep"] = {"name": sweep, "item": str(item), "repeat": 0}
        prompt = prompts[i % len(prompts)]
        yield make_record(
            call_id=f"c{i:07d}", run_id=sweep or f"r{i // 3:06d}", target=target, provider=target.split("/")[0],
            model=target.split("/")[1], locality=locality, started_at=T0 + i * STEP_S,
            ttft_s=None if failed else rng.lognormvariate(-2.5, 0.6), latency_s=rng.uniform(0.2, 4.0),
            input_tokens=len(prompt) // 4, output_tokens=None if failed else rng.randint(10, 300),
            tokens_estimated=False, decode_tps=None if failed else rng.uniform(20, 120),
            cost_usd=None if locality is Locality.CLOUD and rng.random() < 0.05 else rng.uniform(0, 0.003),
            cost_basis="bench", params={"temperature": 0.0, "max_tokens": 256, "seed": None, "stop": []},
            response=answers[(i * 7) % len(answers)], prompt=({"role": "user", "content": prompt},),
            error_type="TargetError" if failed else None, error_message="HTTP 429" if failed else None,
            privacy=Privacy({"email": 1}, locality.value, "flag") if rng.random() < 0.1 else None,
            provenance=provenance,
        )  # fmt: skip


def sqlite_log(calls: int, cache: Path = CACHE) -> Path:
    """The SQLite log of ``calls`` calls in ``cache``, built now if it is not there yet."""
    path = cache / f"log-{calls}.sqlite"
    if path.is_file():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f"log-{calls}.partial.sqlite"
    for stale in cache.glob(f"{partial.name}*"):
        stale.unlink()
    start = time.perf_counter()
    store = Store(partial)
    batch: list[CallRecord] = []
    for record in records(calls):
        batch.append(record)
        if len(batch) == BATCH:
            store.append_many(batch)
            batch = []
    store.append_many(batch)
    graded = [r.call_id for r in store.records(sweep=GRADED_SWEEP)]
    write_grades(store, [GradeRow(c, "exact:answer", "1", float(n % 3 != 0), "bench") for n, c in enumerate(graded)])
    store.close()  # the last connection closed checkpoints the WAL: one file to rename
    partial.rename(path)
    print(f"built {path} ({calls:,} calls) in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def postgres_server(cache: Path = CACHE) -> PostgresServer:
    """A PostgreSQL server on loopback whose data folder is ``cache/pg`` (made on first use); stop it when done."""
    from tests.support.postgres import _free_port

    folder = cache / "pg"
    server = PostgresServer(find_bin(), folder, _free_port())
    if not (folder / "data" / "PG_VERSION").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        server._as_owner([str(server.bin / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", server.user,
                          "-E", "UTF8", "--no-sync"])  # fmt: skip
    server.resume()
    return server


def postgres_log(server: PostgresServer, calls: int, cache: Path = CACHE) -> str:
    """The URL of a database on ``server`` holding the SQLite log of ``calls`` calls, copied in if not there yet."""
    from workbench.runlog.copy import copy_log

    name = f"log_{calls}"
    url = f"{server.base}/{name}"
    done = cache / f"pg-{name}.done"
    if done.is_file():
        return url
    source = sqlite_log(calls, cache)
    server.sql(f"DROP DATABASE IF EXISTS {name}")
    server.sql(f"CREATE DATABASE {name}")
    start = time.perf_counter()
    result = copy_log(source, url)
    server.sql("VACUUM ANALYZE", name)
    done.write_text(str(result))
    print(f"copied into PostgreSQL in {time.perf_counter() - start:.0f} s: {result}", flush=True)
    return url


if __name__ == "__main__":
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(sqlite_log(calls))
    pg = postgres_server()
    try:
        print(postgres_log(pg, calls))
    finally:
        pg.halt()
