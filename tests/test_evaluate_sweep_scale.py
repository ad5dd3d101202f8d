"""Sweeps against a rate-limited server, over real HTTP on loopback (tests/support/scripted_server.py).

The ``rps-R`` model of the scripted server admits R requests a second (a token bucket) and answers
429 with ``Retry-After`` above it. A sweep paces itself (workbench/runner/throttle.py) and sends a
refused cell again after its Retry-After, so it ends with every cell answered.
"""

from __future__ import annotations

from pathlib import Path

import workbench
from tests.support.scripted_server import ScriptedServer
from workbench.errors import RateLimitError, ServerError
from workbench.evaluate import sweep
from workbench.evaluate.recorded import RecordedCells
from workbench.runlog.sweeps import read_grades, sweep_records
from workbench.runner.throttle import Throttle


def test_a_sweep_above_the_servers_rate_ends_with_every_cell_answered(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    rows = [{"id": str(i), "q": f"item {i}"} for i in range(80)]
    with ScriptedServer() as server:
        target = workbench.resolve(f"openai/rps-20@{server.url}", locality="cloud", price=workbench.Price(1.0, 1.0))
        result = sweep(rows, "{q}", id_column="id", targets=[target], name="paced", store=store, concurrency=8,
                       max_tokens=8)  # fmt: skip
        refused = server.refused["rps-20"]
    records = sweep_records(store, "paced")
    assert result.errors == 0 and len(result.cells) == 80 and all(r.ok for r in result.cells.values())
    assert refused > 0 and len(server.received) == 80 + refused  # the server refused some; each was sent again
    failed = [r for r in records if not r.ok]
    assert len(failed) == refused and {r.error_type for r in failed} == {"RateLimitError"}
    assert all(r.attempts == 1 for r in failed)  # not retried inside the call: the sweep re-sent the cell
    assert sum(r.ok for r in records) == 80 and result.sent == 80 + refused


def test_the_pace_starts_at_half_the_sending_rate_and_holds_through_a_cooldown() -> None:
    throttle = Throttle()
    assert throttle.rate is None
    for _ in range(10):
        throttle._sent.append(0.0)  # ten sends long ago: a slow sending rate
    throttle.answered(ServerError("500"))
    assert throttle.rate is None  # only a 429 sets a pace
    throttle.answered(RateLimitError("429", retry_after=1.0))
    first = throttle.rate
    assert first is not None and first >= 0.5
    throttle.answered(RateLimitError("429", retry_after=1.0))  # within the cooldown: the calls in flight
    assert throttle.rate == first and throttle.refused == 2
    ticket = throttle.ticket()
    ticket.answered(RateLimitError("429", retry_after=2.0))
    assert ticket.refused and ticket.retry_after == 2.0


def test_a_sweep_holds_no_answers_while_it_runs_and_reads_them_back(tmp_path: Path, scripted: ScriptedServer) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    rows = [{"id": str(i), "q": f"item {i}", "answer": "Hello"} for i in range(30)]
    target = workbench.resolve(f"openai/ok@{scripted.url}", locality="cloud", price=workbench.Price(1.0, 1.0))
    kwargs = dict(id_column="id", targets=[target], graders=["contains:answer"], name="held", store=store)
    result = sweep(rows[:20], "{q}", **kwargs)
    cells = result.cells
    assert isinstance(cells, RecordedCells) and not cells._held and cells._loaded is None  # call ids only
    assert len(cells) == 20 and cells.errors == 0
    by_id = {r.call_id: r for r in sweep_records(store, "held")}
    assert {c: r.call_id for c, r in cells.items()} == {c: row.call_id for c, row in cells.rows.items()}
    assert all(r == by_id[r.call_id] for r in cells.values())  # read back whole from the run log
    assert result.scores().loc[target.spec, "score"] == 1.0
    resumed = sweep(rows, "{q}", **kwargs)  # the 20 done cells are read as rows, the 10 new ones sent
    assert resumed.sent == 10 and len(resumed.cells) == 30 and resumed.to_pandas()["answer"].notna().all()
    unlogged = sweep(rows[:3], "{q}", **{**kwargs, "store": False, "name": "memory"})
    assert len(unlogged.cells) == 3 and all(r.ok for r in unlogged.cells.values())  # no run log: records held


def test_a_rerun_grades_the_done_cells_that_have_no_grade_reading_only_those(
    tmp_path: Path, scripted: ScriptedServer
) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    rows = [{"id": str(i), "q": f"item {i}", "answer": "Hello" if i % 2 else "Bye"} for i in range(6)]
    target = workbench.resolve(f"openai/ok@{scripted.url}", locality="cloud", price=workbench.Price(1.0, 1.0))
    kwargs = dict(id_column="id", targets=[target], name="later", store=store)
    assert sweep(rows, "{q}", **kwargs).sent == 6  # no grader yet
    graded = sweep(rows, "{q}", graders=["contains:answer"], **kwargs)  # nothing sent; the six answers graded
    assert graded.sent == 0 and len(read_grades(store)) == 6
    assert graded.scores().loc[target.spec, "score"] == 0.5
