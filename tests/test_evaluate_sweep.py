"""Sweeps on real components: the real local model (SmolLM2 on llama.cpp) on the edge, and the scripted
OpenAI-compatible server on loopback as the cloud stand-in (tests/support/scripted_server.py, resolved
with locality="cloud" and a price), through the real runner into a real SQLite run log.

The stand-in always answers "Hello from the scripted server." (12 tokens in, 6 out), so a
``contains:answer`` grader scores it 1 on items whose reference is "Hello" and 0 on the others.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

import workbench
from tests.support.records import make_record
from tests.support.scripted_server import ScriptedServer
from workbench import Price
from workbench.errors import ConfigError
from workbench.evaluate import Sweep, grade, load_dataset, sweep
from workbench.routing.simulation import simulate
from workbench.runlog.sweeps import _NAME, read_grades, sweep_names, sweep_records

ROWS = [{"id": f"q{i}", "q": f"Say hello to number {i}.", "answer": "Hello" if i % 2 else "Goodbye"} for i in range(4)]
PRICE = Price(1000.0, 2000.0)  # dollars per million tokens: 12 in + 6 out = $0.024 per stand-in call


def cloud(server: ScriptedServer, model: str = "delay-0.05", price: Price | None = PRICE) -> workbench.Target:
    """The cloud stand-in: the scripted server on loopback, counted as the cloud."""
    return workbench.resolve(f"openai/{model}@{server.url}", locality="cloud", price=price)


def _requests(server: ScriptedServer, model: str) -> list[dict[str, object]]:
    return [r["body"] for r in server.received if r["body"]["model"] == model]  # type: ignore[index]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, scripted: ScriptedServer) -> tuple[workbench.Store, Sweep]:
    """4 items x (local/smollm2, the cloud stand-in) x 2 repeats, seed 5, graded by contains:answer."""
    store = workbench.Store(tmp_path_factory.mktemp("sweep") / "runs.sqlite")
    result = sweep(
        ROWS, "{q}", id_column="id", targets=["local/smollm2", cloud(scripted)], graders=["contains:answer"],
        name="mixed", repeats=2, seed=5, temperature=0, max_tokens=8, store=store,
    )  # fmt: skip
    return store, result


def test_every_cell_is_a_tagged_record_with_its_own_seed(mixed: tuple[workbench.Store, Sweep]) -> None:
    store, result = mixed
    records = sweep_records(store, "mixed")
    assert len(records) == 4 * 2 * 2 == store.count() and all(r.ok for r in records)
    cells = {(r.provenance["sweep"]["item"], r.target, r.provenance["sweep"]["repeat"]) for r in records}
    assert len(cells) == 16
    for record in records:
        tag = record.provenance["sweep"]
        assert tag["name"] == "mixed"
        assert record.params["seed"] == 5 + tag["repeat"] == record.provenance["seed"]
    frame = result.to_pandas()
    assert len(frame) == 16 and list(frame["item_id"].iloc[:4]) == ["q0"] * 4
    wanted = {"answer", "ok", "cost_usd", "latency_s", "ttft_s", "score contains:answer", "reason contains:answer"}
    assert wanted <= set(frame.columns)


def test_grades_are_recorded_beside_each_call(mixed: tuple[workbench.Store, Sweep]) -> None:
    store, _ = mixed
    rows = read_grades(store)
    assert len(rows) == 16 and {r.grader for r in rows} == {"contains:answer"}
    by_call = {r.call_id: r for r in rows}
    for record in sweep_records(store, "mixed"):
        reference = ROWS[int(record.provenance["sweep"]["item"][1:])]["answer"]
        assert by_call[record.call_id].score == (1.0 if reference in record.response else 0.0)
        assert by_call[record.call_id].version


def test_scores_per_target_match_the_records(mixed: tuple[workbench.Store, Sweep]) -> None:
    store, result = mixed
    scores = result.scores()
    stand_in = next(t for t in scores.index if t != "local/smollm2")
    row = scores.loc[stand_in]
    assert (row["n"], row["errors"], row["correct"], row["score"]) == (8, 0, 4, 0.5)
    assert row["ci_low"] == pytest.approx(0.2152, abs=1e-3) and row["ci_high"] == pytest.approx(0.7848, abs=1e-3)
    assert row["cost_usd"] == pytest.approx(8 * 0.024) and row["cost_per_correct_usd"] == pytest.approx(0.048)
    latencies = [r.latency_s for r in sweep_records(store, "mixed") if r.target == stand_in]
    assert row["latency_p50_s"] == pytest.approx(np.percentile(latencies, 50))
    assert row["latency_p90_s"] == pytest.approx(np.percentile(latencies, 90))
    local = scores.loc["local/smollm2"]
    assert local["n"] == 8 and local["cost_usd"] == 0.0 and local["ttft_p50_s"] > 0


def test_outcomes_pair_edge_and_cloud_for_routing(mixed: tuple[workbench.Store, Sweep]) -> None:
    _, result = mixed
    stand_in = result.targets[1]
    outcomes = result.outcomes(edge="local/smollm2", cloud=stand_in, grader="contains:answer")
    frame = outcomes.frame
    assert len(outcomes) == 8 and outcomes.edge_model == "local/smollm2" and outcomes.cloud_model == stand_in
    assert list(frame["cloud_score"]) == [0.0, 0.0, 1.0, 1.0] * 2  # q0 r0, q0 r1, q1 r0, ...
    assert frame["prompt"].iloc[0] == "Say hello to number 0." and (frame["cloud_cost_usd"] == 0.024).all()
    all_cloud = simulate(outcomes, np.ones(len(outcomes), dtype=bool))
    assert all_cloud.quality == 0.5 and all_cloud.cost_usd == pytest.approx(8 * 0.024)


def test_a_rerun_sends_nothing_finished_and_regrading_calls_no_model(
    mixed: tuple[workbench.Store, Sweep], scripted: ScriptedServer
) -> None:
    store, first = mixed
    before, count = len(scripted.received), store.count()
    again = sweep(
        ROWS, "{q}", id_column="id", targets=["local/smollm2", cloud(scripted)], graders=["contains:answer"],
        name="mixed", repeats=2, seed=5, temperature=0, max_tokens=8, store=store,
    )  # fmt: skip
    assert again.sent == 0 and store.count() == count and len(scripted.received) == before
    assert again.to_pandas()["call_id"].tolist() == first.to_pandas()["call_id"].tolist()
    regraded = grade("mixed", "regex:(?i)hello", data=load_dataset(ROWS, "{q}", id_column="id"), store=store)
    assert len(scripted.received) == before and store.count() == count
    frame = regraded.to_pandas()
    assert (frame["score regex:(?i)hello"] == frame["answer"].str.contains("(?i)hello").astype(float)).all()
    assert len([r for r in read_grades(store) if r.grader == "regex:(?i)hello"]) == 16


def test_failed_cells_are_resent_only_with_retry_errors(tmp_path: Path, scripted: ScriptedServer) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    failing = cloud(scripted, "error500")
    kwargs = dict(id_column="id", targets=[failing], name="errs", store=store, retries=0, max_tokens=8)
    first = sweep(ROWS, "{q}", **kwargs)
    sent = len(_requests(scripted, "error500"))
    assert first.errors == 4 and first.scores().loc[failing.spec, "errors"] == 4
    assert sweep(ROWS, "{q}", **kwargs).sent == 0 and len(_requests(scripted, "error500")) == sent
    retried = sweep(ROWS, "{q}", retry_errors=True, **kwargs)
    assert retried.sent == 4 and len(_requests(scripted, "error500")) == sent + 4


def test_a_rate_limited_cell_never_fails_the_sweep(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    with ScriptedServer() as server:  # its own server: the 429 count is per server
        limited = cloud(server, "ratelimit-3")
        kwargs = dict(id_column="id", targets=[limited], name="429", store=store, retries=0, concurrency=1)
        first = sweep(ROWS[:2], "{q}", **kwargs)  # item 1: 429; item 2: 429; item 1: 429; item 2, item 1 answered
        assert first.errors == 0 and first.to_pandas()["error_type"].isna().all() and len(server.received) == 5
        refused = [r for r in sweep_records(store, "429") if not r.ok]
        assert [(r.error_type, r.attempts) for r in refused] == [("RateLimitError", 1)] * 3  # re-sent by the sweep
        second = sweep(ROWS[:2], "{q}", retry_errors=True, **kwargs)
        assert second.sent == 0 and second.errors == 0 and len(server.received) == 5


def test_per_target_concurrency_is_respected(tmp_path: Path, scripted: ScriptedServer) -> None:
    rows = [{"id": str(i), "q": f"item {i}"} for i in range(9)]
    result = sweep(
        rows, "{q}", id_column="id", targets=[cloud(scripted, "delay-0.3"), "local/smollm2"], concurrency=3,
        max_tokens=4, store=workbench.Store(tmp_path / "runs.sqlite"), name="conc",
    )  # fmt: skip

    def most_at_once(target: str) -> int:
        spans = [(r.started_at, r.started_at + r.e2e_s) for r in result.cells.values() if r.target == target]
        return max(sum(s <= start < e for s, e in spans) for start, _ in spans)

    assert most_at_once(result.targets[0]) == 3
    assert most_at_once("local/smollm2") == 1  # the in-process engine gets local_concurrency (1)


def test_the_budget_stops_before_the_cap_never_after(tmp_path: Path, scripted: ScriptedServer) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    rows = [{"id": str(i), "q": f"item {i}"} for i in range(12)]
    kwargs = dict(id_column="id", targets=[cloud(scripted, "delay-0.1")], name="cap", store=store, concurrency=4)
    result = sweep(rows, "{q}", budget_usd=0.1, max_tokens=8, **kwargs)
    spent = sum(r.cost_usd for r in sweep_records(store, "cap"))
    assert result.stopped == "budget" and 0.1 - 0.05 < spent <= 0.1
    assert 0 < result.sent < 12 and len(result.cells) == result.sent and result.spent_usd == pytest.approx(spent)
    again = sweep(rows, "{q}", budget_usd=0.1, max_tokens=8, **kwargs)  # the cap covers the named sweep's earlier runs
    assert again.sent == 0 and again.stopped == "budget"


def test_an_unknown_cloud_price_is_refused_under_a_budget(tmp_path: Path, scripted: ScriptedServer) -> None:
    unpriced = cloud(scripted, "no-such-model", price=None)
    store = workbench.Store(tmp_path / "runs.sqlite")
    with pytest.raises(ConfigError, match=r"no known price.*--price"):
        sweep(ROWS, "{q}", targets=[unpriced], budget_usd=1.0, store=store)
    assert store.count() == 0 and not _requests(scripted, "no-such-model")
    priced = sweep(ROWS[:1], "{q}", targets=[unpriced], budget_usd=1.0, store=store, prices={unpriced.spec: PRICE})
    assert priced.sent == 1 and priced.spent_usd == pytest.approx(0.024)


def test_bad_sweeps_fail_before_any_call(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    with pytest.raises(ConfigError, match="given twice"):
        sweep(ROWS, "{q}", targets=["local/smollm2", "local/smollm2"], store=store)
    with pytest.raises(ConfigError, match="reads column 'missing'"):
        sweep(ROWS, "{q}", targets=["local/smollm2"], graders=["exact:missing"], store=store)
    with pytest.raises(ConfigError, match="repeats=0"):
        sweep(ROWS, "{q}", targets=["local/smollm2"], repeats=0, store=store)
    assert store.count() == 0


def test_the_sweep_index_serves_the_resume_query_and_takes_any_provenance(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "runs.sqlite")
    nan = make_record(call_id="nan", provenance={"threshold": float("nan")})  # routing writes NaN: not JSON to SQLite
    tagged = make_record(call_id="tagged", provenance={"sweep": {"name": "x", "item": "a", "repeat": 0}})
    store.append_many([nan, tagged])
    assert [r.call_id for r in sweep_records(store, "x")] == ["tagged"] and sweep_names(store) == ["x"]
    conn = sqlite3.connect(tmp_path / "runs.sqlite")
    plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM calls WHERE {_NAME} = 'x'").fetchall()
    assert any("calls_sweep" in str(row) for row in plan)


def test_the_explore_line_form_opens_the_explorer_on_a_sweeps_two_sides(
    mixed: tuple[workbench.Store, Sweep], ip: object
) -> None:
    from IPython.core.error import UsageError

    _, result = mixed
    ip.user_ns["sw"] = result  # type: ignore[attr-defined]
    stand_in = result.targets[1]
    explorer = ip.run_line_magic("hybrid", f"explore sw edge=local/smollm2 cloud={stand_in}")  # type: ignore[attr-defined]
    chosen = explorer.data
    assert (chosen.edge_model, chosen.cloud_model, len(chosen)) == ("local/smollm2", stand_in, 8)
    # SmolLM2 never says the answer here: a learned router has nothing to learn from, so another policy is
    # shown, and choosing "learned" says why it cannot run instead of breaking the widget.
    assert explorer.policy.value != "learned" and "learned" in explorer.policy.options
    shown = explorer.policy.value
    explorer.policy.value = "learned"
    assert explorer.policy.value == shown and "single edge_score class" in explorer.figures.value
    with pytest.raises(UsageError, match="name its two sides"):
        ip.run_line_magic("hybrid", "explore sw edge=local/smollm2")  # type: ignore[attr-defined]


def test_a_secret_from_the_environment_never_reaches_the_log_through_a_sweep(
    tmp_path: Path, scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "zq81-team-internal-9c3f5e"  # no known key pattern: only the environment says it is a secret
    monkeypatch.setenv("ACME_SERVICE_TOKEN", secret)
    log = tmp_path / "runs.sqlite"
    rows = [{"id": "a", "q": f"Is {secret} a token?", "answer": "Hello"}]
    result = sweep(rows, "{q}", id_column="id", targets=[cloud(scripted)], graders=["contains:answer"],
                   name="secret", store=workbench.Store(log))  # fmt: skip
    (record,) = sweep_records(workbench.Store(log), "secret")
    assert result.errors == 0 and "[REDACTED]" in record.prompt[0]["content"]  # type: ignore[index]
    assert secret.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
