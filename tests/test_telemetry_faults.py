"""A collector that is down or hangs never slows or fails a call, and says so in one line at most."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

import workbench
from tests.conftest import free_port
from tests.support.scripted_server import ScriptedServer
from workbench import telemetry
from workbench.telemetry.exporter import FLUSH_TIMEOUT_S

RUNS = 12


@pytest.fixture(params=["closed-port", "hanging-server"])
def collector(request: pytest.FixtureRequest) -> Iterator[str]:
    """The traces URL of a collector that is not there, or that takes requests and never answers."""
    if request.param == "closed-port":
        yield f"http://127.0.0.1:{free_port()}/v1/traces"
        return
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1/traces"
    finally:
        stop.set()
        thread.join()
        for connection in [*held, listener]:
            connection.close()


def _runs(server: ScriptedServer) -> tuple[float, list[str]]:
    started = time.perf_counter()
    answers = []
    for _ in range(RUNS):
        result = workbench.run("Say hi.", [f"openai/ok@{server.url}", f"openai/delay-0.01@{server.url}"], retries=0)
        answers += [r.response if r.ok else f"error {r.error_type}" for r in result.records]
    return time.perf_counter() - started, answers


def _otel_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if (r.levelno >= logging.WARNING and "OpenTelemetry" in r.getMessage()) or r.name.startswith("opentelemetry")
    ]


def test_calls_take_the_same_time_and_give_the_same_answers_with_a_dead_collector(
    collector: str, scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")  # export attempts (and their failures) during the runs
    monkeypatch.setenv("WORKBENCH_OTEL", "0")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", collector)
    _runs(scripted)  # warm: clients, LiteLLM's first import
    off_s, off = _runs(scripted)
    monkeypatch.setenv("WORKBENCH_OTEL", "1")
    with caplog.at_level(logging.WARNING):
        on_s, on = _runs(scripted)
        assert on == off and all(not a.startswith("error") for a in on)
        assert on_s < off_s * 1.5 + 1.0, (on_s, off_s)
        assert telemetry.export_sink() is not None
        assert not telemetry.flush(timeout_s=0.5)
    assert len(_otel_lines(caplog)) == 1, _otel_lines(caplog)


def test_hybrid_run_exits_promptly_with_one_line_when_the_collector_is_down(
    collector: str, scripted: ScriptedServer
) -> None:
    cli = [sys.executable, "-m", "workbench.cli", "run", "-t", f"openai/ok@{scripted.url}", "Say hi."]
    timings, outputs = [], []
    for switch in ("0", "1"):
        env = {**os.environ, "WORKBENCH_OTEL": switch, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": collector}
        started = time.perf_counter()
        done = subprocess.run(cli, capture_output=True, text=True, timeout=120, env=env)
        timings.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stderr
        outputs.append(done)
    off, on = outputs
    answer = "Hello from the scripted server."
    assert on.stdout.count(answer) == off.stdout.count(answer) == 1
    otel = [line for line in on.stderr.splitlines() if "opentelemetry" in line.lower()]
    assert len(otel) == 1 and "Traceback" not in on.stderr, on.stderr
    assert timings[1] < timings[0] + FLUSH_TIMEOUT_S + 2.0, timings
