"""Every call record reaches a real OTLP receiver (MLflow's tracking server on loopback) as a span, no secret with it.

The receiver is installed by ``make otel-receiver`` (build/mlflow/venv); without it these tests
fail with one line naming that target. Calls go to the scripted OpenAI-compatible server, declared
``cloud`` so the privacy guard inspects them; an API key sits in the environment and on the
target, a card number and an email in the prompt. Everything MLflow wrote to disk is searched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import workbench
from tests.conftest import free_port
from tests.support.mlflow_receiver import MLFLOW, MlflowReceiver
from tests.support.scripted_server import ScriptedServer
from workbench import telemetry

pytestmark = pytest.mark.slow

KEY = "sk-team-Qm7Rt2Xv9Lp4Hs8Kd1Wz6Nb3"
CARD = "4111 1111 1111 1111"
EMAIL = "grace.hopper@example.com"
PROMPT = f"Charge my card {CARD} and send the receipt to {EMAIL}."
FORBIDDEN = (KEY, KEY[-12:], CARD, CARD.replace(" ", ""), EMAIL)


@pytest.fixture(scope="module")
def mlflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowReceiver]:
    """MLflow 3.17.2's tracking server on a free loopback port, its store in a temporary folder."""
    if not MLFLOW.exists():
        pytest.fail(f"the OTLP receiver is not installed at {MLFLOW}: run `make otel-receiver`", pytrace=False)
    receiver = MlflowReceiver(tmp_path_factory.mktemp("mlflow"), free_port())
    try:
        receiver.wait_ready()
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def exporting(mlflow: MlflowReceiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Export switched on by the standard variables into a fresh experiment; yields its id."""
    experiment = mlflow.experiment(f"t{time.monotonic_ns()}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", mlflow.url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"x-mlflow-experiment-id={experiment}")
    monkeypatch.setenv("TEAM_API_KEY", KEY)
    yield experiment


def _targets(server: ScriptedServer) -> list[workbench.Target]:
    return [workbench.resolve(f"openai/{name}@{server.url}", api_key=KEY, locality="cloud") for name in ("ok", "auth")]


@pytest.mark.parametrize("content", [False, True], ids=["text-off", "text-on"])
def test_each_call_arrives_as_a_genai_span_with_the_hybrid_figures_and_no_secret(
    content: bool, mlflow: MlflowReceiver, exporting: str, scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_OTEL_CONTENT", "1" if content else "0")
    result = workbench.run(PROMPT, _targets(scripted), temperature=0, max_tokens=32, seed=3, retries=0)
    assert telemetry.flush(30)
    spans = {s["attributes"]["hybrid.call_id"]: s for s in mlflow.spans(exporting, count=2)}
    assert set(spans) == {r.call_id for r in result.records}
    ok, failed = (spans[r.call_id] for r in result.records)
    for record in result.records:
        span = spans[record.call_id]
        a = span["attributes"]
        assert span["name"] == f"chat {record.model}"
        assert int(span["start_time_unix_nano"]) == int(record.started_at * 1e9)
        assert int(span["end_time_unix_nano"]) == int(record.started_at * 1e9) + int(record.e2e_s * 1e9)
        assert (a["gen_ai.operation.name"], a["gen_ai.provider.name"]) == ("chat", "openai")
        assert a["gen_ai.request.model"] == record.model
        assert (a["gen_ai.request.temperature"], a["gen_ai.request.max_tokens"]) == (0.0, 32)
        assert a["gen_ai.request.seed"] == 3
        assert (a["server.address"], a["server.port"]) == ("127.0.0.1", urlsplit(scripted.url).port)
        assert (a["hybrid.run_id"], a["hybrid.locality"], a["hybrid.egress"]) == (result.run_id, "cloud", "sent")
        assert a["hybrid.cost.basis"] == record.cost_basis
        assert a["hybrid.privacy.types"] == ("email", "payment_card")
        assert (a["hybrid.privacy.count.email"], a["hybrid.privacy.count.payment_card"]) == (1, 1)
    a = ok["attributes"]
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (
        result.records[0].input_tokens, result.records[0].output_tokens)  # fmt: skip
    assert a["gen_ai.response.time_to_first_chunk"] == pytest.approx(result.records[0].ttft_s)
    assert "error.type" not in a
    assert failed["attributes"]["error.type"] == "AuthError"
    assert failed["status"]["code"] == "STATUS_CODE_ERROR"
    stored = mlflow.stored()
    assert result.records[0].call_id.encode() in stored  # the search below reads what MLflow kept
    for value in FORBIDDEN:
        assert value.encode() not in stored, value
    if content:
        said, answered = str(a["gen_ai.input.messages"]), str(a["gen_ai.output.messages"])
        assert "[CARD_1]" in said and "[EMAIL_1]" in said, said
        assert "Hello from the scripted server." in answered, answered
    else:
        assert not any(k.startswith(("gen_ai.input", "gen_ai.output")) for k in a)


def test_hybrid_run_and_hybrid_sweep_deliver_their_spans_before_they_exit(
    mlflow: MlflowReceiver, exporting: str, scripted: ScriptedServer, tmp_path: Path
) -> None:
    env = {**os.environ, "WORKBENCH_STORE": str(tmp_path / "runs.sqlite")}
    target = f"openai/ok@{scripted.url}"
    cli = [sys.executable, "-m", "workbench.cli"]
    done = subprocess.run([*cli, "run", "-t", target, "--max-tokens", "16", "Say hi."],
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = tmp_path / "items.jsonl"
    data.write_text('{"id": "a", "q": "One?"}\n{"id": "b", "q": "Two?"}\n')
    done = subprocess.run([*cli, "sweep", str(data), "--prompt", "{q}", "-t", target, "--name", "otel-sweep",
                           "--id-column", "id"],
                          capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "OpenTelemetry" not in done.stderr
    spans = mlflow.spans(exporting, count=3)
    swept = sorted(s["attributes"].get("hybrid.sweep.item", "") for s in spans)
    assert swept == ["", "a", "b"]
    assert {s["attributes"].get("hybrid.sweep.name") for s in spans} == {None, "otel-sweep"}
