"""The runner's append (``Store.aappend``): durable before it returns, off the event loop, one transaction per group."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

import workbench
from tests.support.postgres import refuse_inserts
from tests.support.records import make_record
from tests.support.scripted_server import ScriptedServer
from workbench.errors import NotRecorded
from workbench.records import CallRecord
from workbench.runlog.spool import read_spool
from workbench.runlog.store import Store


def test_records_finishing_while_a_write_waits_share_the_next_transaction_and_the_loop_runs_on(
    tmp_path: Path,
) -> None:
    log = tmp_path / "runs.sqlite"
    store = Store(log)
    batches: list[int] = []

    def counted(records: Sequence[CallRecord]) -> None:
        batches.append(len(records))
        store.append_many(records)

    store._group._write = counted  # the real write, counted
    holder = sqlite3.connect(log, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock for 0.4 s
    threading.Timer(0.4, lambda: holder.execute("COMMIT")).start()

    async def scenario() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        first = asyncio.create_task(store.aappend(make_record(target="first")))
        await asyncio.sleep(0.05)  # the first write is now waiting for the lock
        await asyncio.gather(first, *(store.aappend(make_record(target=f"t{i}")) for i in range(10)))
        ticking.cancel()
        return ticks

    started = time.monotonic()
    ticks = asyncio.run(scenario())
    assert time.monotonic() - started >= 0.35
    assert ticks >= 15, "the event loop must keep running while the run log waits for its lock"
    assert batches == [1, 10]
    assert Store(log, readonly=True).count() == 11


def test_a_failed_group_write_reaches_every_waiter_and_keeps_the_calls_in_the_spool(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    store = Store(log)
    refuse_inserts(log)
    records = [make_record(target=f"t{i}") for i in range(3)]

    async def scenario() -> list[BaseException | None]:
        return await asyncio.gather(*(store.aappend(r) for r in records), return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert all(isinstance(o, NotRecorded) for o in outcomes)
    assert {r.call_id for r in read_spool(log)} == {r.call_id for r in records}
    refuse_inserts(log, False)
    asyncio.run(store.aappend(make_record(target="next")))
    assert Store(log, readonly=True).count() == 4


def test_every_call_is_in_the_run_log_before_a_sink_sees_its_record(tmp_path: Path) -> None:
    log = tmp_path / "runs.sqlite"
    store = Store(log)
    seen: list[bool] = []

    class Reader(workbench.BaseSink):
        def on_record(self, record: CallRecord) -> None:
            ids = {r.call_id for r in Store(log, readonly=True).records()}
            seen.append(record.call_id in ids)

    with ScriptedServer() as server:
        targets = [workbench.resolve(f"openai/ok{i}@{server.url}") for i in range(4)]
        result = workbench.run("hi", targets, store=store, sinks=[Reader()], max_tokens=8)
    assert not any(r.error_type for r in result.records)
    assert seen == [True] * 4


if __name__ == "__main__":
    pytest.main([__file__])
