"""Reads proportional to what is asked, on both databases: filters and columns in the SQL, text only when named."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.support.postgres import execute
from tests.support.records import make_record
from workbench.errors import ConfigError
from workbench.records import COLUMNS, Locality
from workbench.records.frame import FRAME_COLUMNS
from workbench.routing.runlog import from_run_log
from workbench.runlog import sweeps
from workbench.runlog.query import DEFAULT_COLUMNS, SWEEP_NAME
from workbench.runlog.store import Store

T0 = 1_760_000_000.0


def _tag(sweep: str | None) -> dict[str, object]:
    return {"request_hash": "h"} | ({"sweep": {"name": sweep, "item": "i", "repeat": 0}} if sweep else {})


def _log(where: Path | str) -> Store:
    """Six calls: three runs, two targets, two sweeps and none, one a minute apart (c0 oldest)."""
    store = Store(where)
    plan = [  # run, target, sweep
        ("r1", "local/smollm2", "s1"), ("r1", "openai/gpt-4o-mini", "s1"), ("r2", "local/smollm2", "s2"),
        ("r2", "openai/gpt-4o-mini", "s2"), ("r3", "local/smollm2", None), ("r3", "openai/gpt-4o-mini", None),
    ]  # fmt: skip
    records = [
        make_record(
            call_id=f"c{i}", run_id=run, target=target, started_at=T0 + 60 * i, provenance=_tag(sweep),
            locality=Locality.CLOUD if target.startswith("openai") else Locality.DEVICE, response=f"answer {i}",
            prompt=({"role": "user", "content": f"question {i}"},),
        )
        for i, (run, target, sweep) in enumerate(plan)
    ]
    store.append_many(records)
    return store


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["call_id"])


def test_each_filter_is_applied_and_they_combine(log_at: Path | str) -> None:
    store = _log(log_at)
    assert ids(store.to_pandas()) == ["c5", "c4", "c3", "c2", "c1", "c0"]  # newest first
    assert ids(store.to_pandas(run_id="r2")) == ["c3", "c2"]
    assert ids(store.to_pandas(run_id=["r1", "r3"])) == ["c5", "c4", "c1", "c0"]
    assert ids(store.to_pandas(run_id=[])) == []
    assert ids(store.to_pandas(sweep="s1")) == ["c1", "c0"]
    assert ids(store.to_pandas(sweep="nothing")) == []
    assert ids(store.to_pandas(target="local/smollm2")) == ["c4", "c2", "c0"]
    assert ids(store.to_pandas(target=["local/smollm2", "openai/gpt-4o-mini"])) == ids(store.to_pandas())
    assert ids(store.to_pandas(since=T0 + 120)) == ["c5", "c4", "c3", "c2"]  # since is inclusive
    assert ids(store.to_pandas(until=T0 + 120)) == ["c1", "c0"]  # until is exclusive
    window = {"since": dt.datetime.fromtimestamp(T0 + 60, dt.UTC), "until": dt.datetime.fromtimestamp(T0 + 180, dt.UTC)}
    assert ids(store.to_pandas(**window)) == ["c2", "c1"]
    naive = dt.datetime.fromtimestamp(T0 + 240, dt.UTC).replace(tzinfo=None)  # naive means UTC
    assert ids(store.to_pandas(since=naive.isoformat())) == ["c5", "c4"]
    assert ids(store.to_pandas(sweep="s2", target="openai/gpt-4o-mini")) == ["c3"]
    assert ids(store.to_pandas(run_id="r1", since=T0 + 60, limit=5)) == ["c1"]
    assert ids(store.to_pandas(limit=2)) == ["c5", "c4"]
    # records() takes the same filters and gives whole records.
    assert [r.call_id for r in store.records(sweep="s2", until=T0 + 180)] == ["c2"]
    assert [r.call_id for r in store.records(run_id=["r3"], target="local/smollm2")] == ["c4"]
    [whole] = store.records(run_id="r1", target="openai/gpt-4o-mini")
    assert (whole.response, whole.prompt) == ("answer 1", ({"role": "user", "content": "question 1"},))


def test_columns_are_selected_and_text_is_read_only_when_named(log_at: Path | str) -> None:
    store = _log(log_at)
    default = store.to_pandas(run_id="r1")
    assert tuple(default.columns) == DEFAULT_COLUMNS and "prompt" not in default and "response" not in default
    assert default.loc[0, "provenance"] == _tag("s1") and default.loc[0, "params"]["max_tokens"] == 64
    picked = store.to_pandas(run_id="r1", columns=["target", "response", "call_id"])
    assert list(picked.columns) == ["target", "response", "call_id"]  # the order asked for
    assert picked.to_dict("records") == [
        {"target": "openai/gpt-4o-mini", "response": "answer 1", "call_id": "c1"},
        {"target": "local/smollm2", "response": "answer 0", "call_id": "c0"},
    ]
    prompts = store.to_pandas(sweep="s2", columns=["prompt", "started_at", "replayed"])
    assert list(prompts["prompt"]) == [[{"role": "user", "content": "question 3"}],
                                       [{"role": "user", "content": "question 2"}]]  # fmt: skip
    assert str(prompts["started_at"].dt.tz) == "UTC" and prompts["replayed"].dtype == bool
    everything = store.to_pandas(columns="all")
    assert tuple(everything.columns) == FRAME_COLUMNS and sorted(FRAME_COLUMNS) == sorted(COLUMNS)
    assert store.to_pandas(columns=["call_id"], run_id="none").columns.tolist() == ["call_id"]
    with pytest.raises(ConfigError, match="no column 'answer' \\(the answer is 'response'\\)"):
        store.to_pandas(columns=["answer"])
    with pytest.raises(ConfigError, match="is not a time"):
        store.to_pandas(since="yesterday")


def test_json_is_decoded_only_for_the_columns_read(log_at: Path | str) -> None:
    store = _log(log_at)
    execute(log_at, "UPDATE calls SET prompt = 'damaged {' WHERE call_id = 'c0'")
    assert ids(store.to_pandas()) == ["c5", "c4", "c3", "c2", "c1", "c0"]  # the prompt is neither read nor decoded
    with pytest.raises(ValueError):
        store.to_pandas(columns=["call_id", "prompt"])
    execute(log_at, "UPDATE calls SET privacy = 'damaged {' WHERE call_id = 'c0'")
    assert store.to_pandas(columns=["call_id", "target"]).shape == (6, 2)  # privacy is not decoded
    with pytest.raises(ValueError):
        store.to_pandas()


def _plan(where: Path | str, query: str) -> str:
    if isinstance(where, Path):
        return str(sqlite3.connect(where).execute(f"EXPLAIN QUERY PLAN {query}").fetchall())
    import psycopg

    with psycopg.connect(where, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")  # six rows: show the index the planner can use
        return str(conn.execute(f"EXPLAIN {query}").fetchall())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("where", "index"),
    [
        ("run_id = 'r1'", "calls_run"),
        (f"{SWEEP_NAME} = 's1'", "calls_sweep"),
        # any index that leads with the target: the rollup's TTFT indexes do too (migration 009_rollup)
        ("target = 'local/smollm2'", ("calls_target_started", "calls_ttft_value", "calls_ttft_flagged")),
        (f"started_at >= {T0}", "calls_started"),
        (f"{sweeps._JUDGED} = 's1'", "calls_judged"),
    ],
)
def test_each_filter_is_answered_by_an_index(log_at: Path | str, where: str, index: str | tuple[str, ...]) -> None:
    _log(log_at).close()
    plan = _plan(log_at, f"SELECT call_id FROM calls WHERE {where}")
    assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan


def test_a_sweep_and_its_judges_are_read_through_their_indexes(log_at: Path | str) -> None:
    store = _log(log_at)
    judge = make_record(call_id="j", provenance={"judge": {"of": "c0", "grader": "g", "version": "1", "sweep": "s1"}})
    store.append(judge)
    assert [r.call_id for r in sweeps.sweep_records(store, "s1")] == ["c0", "c1"]
    assert [r.call_id for r in sweeps.judge_records(store, "s1")] == ["j"]
    assert "008_judged_sweep_index" in store.migrations()


def test_routing_outcomes_read_one_sweeps_graded_calls_from_the_log(log_at: Path | str) -> None:
    store = _log(log_at)  # runs r1 (sweep s1) and r2 (sweep s2): an edge and a cloud call each
    sweeps.write_grades(store, [sweeps.GradeRow(f"c{i}", "g", "1", float(i % 2), "") for i in range(6)])
    sweeps.write_grades(store, [sweeps.GradeRow("c2", "other", "1", 0.5, "")])
    data = from_run_log(store, grader="g", sweep="s2")
    assert data.frame["source"].tolist() == ["r2"] and data.prompts == ["question 2"]
    assert data.frame[["edge_score", "cloud_score", "edge_response"]].values.tolist() == [[0.0, 1.0, "answer 2"]]
    every = from_run_log(store, grader="g", edge_target="local/smollm2", cloud_target="openai/gpt-4o-mini")
    assert every.frame["source"].tolist() == ["r1", "r2", "r3"]
    assert from_run_log(store, grader="g", since=T0 + 240).frame["source"].tolist() == ["r3"]
    with pytest.raises(ConfigError, match="grader="):
        from_run_log(store, sweep="s2")
