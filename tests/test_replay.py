"""Replay: recorded calls answered from the run log, marked replayed; strict fails clearly; look-ups are indexed."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import workbench
from workbench.errors import ConfigError
from workbench.records import CallRecord, CallStart, Locality, Request, TextDelta, Usage
from workbench.runner.sinks import BaseSink
from workbench.targets import BaseTarget


class Counter(BaseTarget):
    """A target that answers ``answer N`` on its Nth call, so a replay is told apart from a live call."""

    provider = "test"
    model = "counter"
    locality = Locality.DEVICE

    def __init__(self, spec: str = "test/counter") -> None:
        self.spec = spec
        self.calls = 0
        self.prepared = 0

    async def prepare(self) -> None:
        self.prepared += 1

    async def stream(self, request: Request) -> AsyncIterator[TextDelta | Usage]:
        self.calls += 1
        yield TextDelta(f"answer {self.calls}")
        yield Usage(input_tokens=5, output_tokens=2)


class Events(BaseSink):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_call_start(self, start: CallStart) -> None:
        self.events.append(("start", start.call_id))

    def on_delta(self, call_id: str, text: str) -> None:
        self.events.append(("delta", text))

    def on_record(self, record: CallRecord) -> None:
        self.events.append(("record", record.call_id))


def test_on_answers_a_recorded_call_from_the_log(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    target = Counter()
    [live] = workbench.run("Hi", [target], store=store, max_tokens=8)
    sink = Events()
    [again] = workbench.run("Hi", [target], store=store, max_tokens=8, replay="on", sinks=[sink])
    assert target.calls == 1 and target.prepared == 1  # neither called nor loaded the second time
    assert again.replayed and not live.replayed
    assert again.response == live.response == "answer 1"
    assert (again.latency_s, again.ttft_s, again.output_tokens, again.cost_usd, again.started_at) == (
        live.latency_s,
        live.ttft_s,
        live.output_tokens,
        live.cost_usd,
        live.started_at,
    )
    assert again.call_id != live.call_id and again.run_id != live.run_id
    assert again.provenance["replay"] == {"of": live.call_id, "mode": "on"}
    assert again.provenance["request_hash"] == live.provenance["request_hash"]
    assert sink.events == [("start", again.call_id), ("delta", "answer 1"), ("record", again.call_id)]
    assert [r.replayed for r in store.records()] == [True, False]  # the replay is logged, marked


def test_on_runs_a_call_never_recorded_live(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    target = Counter()
    workbench.run("Hi", [target], store=store, max_tokens=8)
    [other] = workbench.run("Hi", [target], store=store, max_tokens=9, replay="on")  # other params: not the same
    [guarded] = workbench.run("Hi", [target], store=store, max_tokens=8, replay="on", guard="redact")
    assert target.calls == 3 and not other.replayed and not guarded.replayed


def test_strict_records_a_clear_error_and_sends_nothing(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    target = Counter()
    [record] = workbench.run("Never asked", [target], store=store, replay="strict")
    assert target.calls == 0 and target.prepared == 0
    assert record.error_type == "ReplayMissing" and not record.replayed
    assert "test/counter was never recorded" in (record.error_message or "")
    assert "replay='on'" in (record.error_message or "")
    assert (record.cost_usd, record.cost_basis) == (0.0, "not sent")
    assert store.records()[0].error_type == "ReplayMissing"


def test_repeated_recordings_come_back_in_order_then_the_newest(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    target = Counter()
    for _ in range(2):
        workbench.run("Hi", [target], store=store)
    answers = [workbench.run("Hi", [target], store=store, replay="strict")[0].response for _ in range(3)]
    assert answers == ["answer 1", "answer 2", "answer 2"] and target.calls == 2


def test_default_mode_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    monkeypatch.setenv("WORKBENCH_REPLAY", "strict")
    [record] = workbench.run("Hi", [Counter()], store=store)
    assert record.error_type == "ReplayMissing"
    [live] = workbench.run("Hi", [Counter()], store=store, replay="off")
    assert live.ok
    monkeypatch.setenv("WORKBENCH_REPLAY", "sometimes")
    with pytest.raises(ConfigError, match="WORKBENCH_REPLAY"):
        workbench.RunOptions()


def test_a_bad_mode_names_the_choices() -> None:
    with pytest.raises(ConfigError, match="off, on, strict"):
        workbench.run("Hi", [Counter()], store=False, replay="yes")


def test_store_false_replays_from_the_default_log_without_writing(isolated_store: Path) -> None:
    target = Counter()
    workbench.run("Hi", [target])  # recorded in the default log (WORKBENCH_STORE)
    [again] = workbench.run("Hi", [target], store=False, replay="on")
    assert again.replayed and workbench.Store(isolated_store).count() == 1


def test_lookup_uses_the_request_index(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    plan = sqlite3.connect(store.path).execute(
        "EXPLAIN QUERY PLAN SELECT * FROM calls WHERE request_hash = ? AND target = ? AND replayed = 0 "
        "ORDER BY started_at, rowid",
        ("x", "y"),
    )
    assert "calls_request" in " ".join(str(row) for row in plan)


@pytest.mark.slow
def test_real_local_model_replays_exactly(tmp_path: Path) -> None:
    store = workbench.Store(tmp_path / "log.sqlite")
    asked = {"store": store, "max_tokens": 8, "temperature": 0}
    [live] = workbench.run("Name a colour.", ["local/smollm2"], **asked)
    [again] = workbench.run("Name a colour.", ["local/smollm2"], **asked, replay="strict")
    assert live.ok and live.response.strip() and not live.replayed
    assert again.replayed and again.response == live.response and again.decode_tps == live.decode_tps


def test_a_replay_carries_the_tags_of_the_call_it_answers_never_the_recordings() -> None:
    from tests.support.records import make_record
    from workbench.runlog.replay import replayed_copy

    recorded = make_record(provenance={"request_hash": "h", "sweep": {"name": "old", "item": "a", "repeat": 0}})
    mine = {"sweep": {"name": "new", "item": "a", "repeat": 0}}
    copy = replayed_copy(recorded, call_id="c2", run_id="r2", mode="on", cell=None, tags=mine)
    assert copy.provenance["sweep"] == mine["sweep"] and copy.provenance["replay"]["of"] == recorded.call_id
    plain = replayed_copy(recorded, call_id="c3", run_id="r3", mode="on", cell=None)
    assert "sweep" not in plain.provenance  # a plain replay of a sweep's answer is no sweep cell
