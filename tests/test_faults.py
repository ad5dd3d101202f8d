"""Fault isolation over real HTTP: each failure lands on its own record; the others are complete and on time.

The scripted server (tests/support/scripted_server.py) stands in for a cloud provider's
failures, which cannot be reached from here; the client path is the real LiteLLM one.
"""

from __future__ import annotations

import socket
import time

import pytest

import workbench
from tests.support.scripted_server import ScriptedServer

PLANTED_KEY = "sk-plantedTESTkey-0123456789abcdefXYZ"
_timing: dict[str, object] = {}


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> workbench.RunResult:
    store = workbench.Store(tmp_path_factory.mktemp("faults") / "runs.sqlite")
    with ScriptedServer() as server:
        targets = [
            workbench.resolve(f"openai/delay-0.2@{server.url}"),
            workbench.resolve(f"openai/auth@{server.url}", api_key=PLANTED_KEY),
            workbench.resolve(f"openai/ratelimit-1@{server.url}"),
            workbench.resolve(f"openai/error500@{server.url}"),
            workbench.resolve(f"openai/hang@{server.url}"),
            workbench.resolve(f"openai/drop@{server.url}"),
            workbench.resolve(f"openai/refused@{_closed_port_url()}"),
            "local/smollm2",
        ]
        workbench.run("warm", [targets[0], "local/smollm2"], store=False)  # load the model and LiteLLM first
        started = time.perf_counter()
        result = workbench.run(
            "Hello?", targets, store=store, timeout=4, retries=1, backoff=0.1, max_tokens=16, temperature=0, seed=1
        )
        _timing["elapsed"] = time.perf_counter() - started
        _timing["store"] = store
        return result


def _by_model(result: workbench.RunResult, model: str) -> workbench.CallRecord:
    return next(r for r in result if r.model == model)


def test_healthy_targets_are_complete_and_not_slowed(faults: workbench.RunResult) -> None:
    ok = _by_model(faults, "openai/delay-0.2")
    assert ok.ok and ok.response == "Hello from the scripted server."
    assert (ok.input_tokens, ok.output_tokens, ok.tokens_estimated) == (12, 6, False)
    assert 0.2 <= ok.latency_s < 1.5
    local = faults["local/smollm2"]
    assert local.ok and local.response and local.latency_s < 3.5


def test_auth_failure_names_the_fix_and_never_the_key(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/auth")
    assert record.error_type == "AuthError" and record.attempts == 1
    assert "api_key" in record.error_message or "OPENAI_API_KEY" in record.error_message
    for part in (PLANTED_KEY, PLANTED_KEY[3:20], PLANTED_KEY[-16:]):
        assert part not in record.error_message
        assert part not in record.to_json()


def test_rate_limit_is_retried_after_retry_after(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/ratelimit-1")
    assert record.ok and record.attempts == 2
    assert record.latency_s >= 1.0  # the server asked for 1 s


def test_server_error_is_retried_then_recorded(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/error500")
    assert record.error_type == "ServerError" and record.attempts == 2


def test_hang_times_out(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/hang")
    assert record.error_type == "CallTimeout"
    assert 3.9 <= record.latency_s < 5


def test_dropped_stream_keeps_the_partial_answer_once(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/drop")
    assert record.error_type == "StreamDropped" and record.attempts == 1
    assert record.response == "Hello from"


def test_refused_connection_is_an_error_on_its_own_record(faults: workbench.RunResult) -> None:
    record = _by_model(faults, "openai/refused")
    assert record.error_type == "ConnectError" and record.response == "" and record.output_tokens is None
    assert record.latency_s < 2  # refused at once (one retry after 0.1 s), not waited out to the timeout


def test_whole_run_is_bounded_by_the_timeout(faults: workbench.RunResult) -> None:
    assert _timing["elapsed"] < 6  # type: ignore[operator]
    stored = _timing["store"].records(run_id=faults.run_id)  # type: ignore[attr-defined]
    assert {r.call_id for r in stored} == {r.call_id for r in faults}


def test_missing_key_names_the_variable() -> None:
    record = workbench.run("Hi", ["openai/gpt-4o-mini"])[0]
    assert record.error_type == "MissingKeyError"
    assert "OPENAI_API_KEY" in record.error_message
    assert record.cost_usd == 0.0 and record.cost_basis == "not sent"
