"""OpenTelemetry export figure: what exporting every call as a span adds on the caller's path (goal <= 0.5 ms per call).

Two views, in one run, export on and off interleaved so load from other processes falls on both:

- whole calls: ``workbench.run`` of a target with no model (:mod:`bench.null_engine`, one token,
  no run log), export switched per call with ``WORKBENCH_OTEL``; added cost = median on - median off;
- the sink alone: a finished record through the runner's sink hand-over with the export sink
  attached, per call, over batches.

Each with a collector that answers (a loopback OTLP/HTTP stand-in that reads the body and answers
200), with prompt and answer text exported too, and with a collector that is down (a closed
port). Spans delivered to the stand-in are counted, so export is shown to have happened.

Run: ``.venv/bin/python bench/bench_otel.py``  (writes bench/results/otel.json)
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import figure, write  # noqa: E402

GOAL_MS = 0.5
CALLS = 400
BATCHES, BATCH = 30, 100


class _Collector(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def collector() -> Iterator[str]:
    """A loopback OTLP/HTTP stand-in that accepts every batch; yields its traces URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    finally:
        server.shutdown()


def closed_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1/traces"


def whole_calls(modes: dict[str, dict[str, str]]) -> dict[str, list[float]]:
    """Seconds per ``workbench.run`` call in each mode (environment changes), interleaved call by call."""
    import workbench
    from bench.null_engine import PROMPT, ReadyTokens

    target = ReadyTokens(1)
    times: dict[str, list[float]] = {m: [] for m in modes}
    for i in range(CALLS):
        for mode, env in modes.items():
            os.environ.update(env)
            start = time.perf_counter()
            workbench.run(PROMPT.format(i=i), [target], store=False)
            times[mode].append(time.perf_counter() - start)
    return times


def sink_alone(modes: dict[str, dict[str, str]]) -> dict[str, list[float]]:
    """Seconds per record through the runner's hand-over to the run's sinks (export sink when on), per batch."""
    from bench.null_engine import NAME
    from workbench.records import CallRecord, Locality, Privacy, new_id
    from workbench.runner.call import notify
    from workbench.telemetry import with_export

    def record(i: int) -> CallRecord:
        return CallRecord(
            call_id=new_id(), run_id=new_id(), target="openai/gpt-4o-mini", provider="openai", model=NAME,
            locality=Locality.CLOUD, started_at=time.time(), ttft_s=0.2, latency_s=1.1, input_tokens=40,
            output_tokens=120, tokens_estimated=False, decode_tps=100.0, cost_usd=0.0001, cost_basis="price map",
            params={"temperature": 0.0, "max_tokens": 256, "seed": 1, "stop": []}, response="An answer. " * 40,
            prompt=({"role": "user", "content": f"Mail ada@example.com about item {i}. " * 5},),
            privacy=Privacy({"email": 1}, "cloud", "flag"),
            provenance={"request_hash": "h", "sweep": {"name": "bench", "item": str(i), "repeat": 0}},
        )  # fmt: skip

    records = [record(i) for i in range(BATCH)]
    times: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(BATCHES):
        for mode, env in modes.items():
            os.environ.update(env)
            sinks = with_export([])
            start = time.perf_counter()
            for r in records:
                notify(sinks, "on_record", r)
            times[mode].append((time.perf_counter() - start) / BATCH)
    return times


def main() -> None:
    from workbench import telemetry

    os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    off = {"WORKBENCH_OTEL": "0", "WORKBENCH_OTEL_CONTENT": "0"}
    figures = []
    with collector() as url:
        modes = {
            "off": off,
            "on": {"WORKBENCH_OTEL": "1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": url, "WORKBENCH_OTEL_CONTENT": "0"},
            "on, with text": {"WORKBENCH_OTEL": "1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": url,
                              "WORKBENCH_OTEL_CONTENT": "1"},
            "on, collector down": {"WORKBENCH_OTEL": "1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": closed_port(),
                                   "WORKBENCH_OTEL_CONTENT": "0"},
        }  # fmt: skip
        whole_calls({m: modes[m] for m in ("off", "on")})  # warm: imports, the sinks, the first batches
        calls = whole_calls(modes)
        alone = sink_alone(modes)
        delivered = telemetry.flush(timeout_s=10.0)
        received = _Collector.received
    base = statistics.median(calls["off"])
    figures.append(figure("workbench.run per call, export off (no model, no run log)", base * 1e3, "ms",
                          values=[t * 1e3 for t in calls["off"]]))  # fmt: skip
    for mode in ("on", "on, with text", "on, collector down"):
        added = (statistics.median(calls[mode]) - base) * 1e3
        figures.append(figure(f"export {mode}: added per call (whole call)", added, "ms",
                              goal=f"<= {GOAL_MS} ms", passed=added <= GOAL_MS,
                              values=[t * 1e3 for t in calls[mode]]))  # fmt: skip
    sink_off = statistics.median(alone["off"])
    for mode in ("on", "on, with text", "on, collector down"):
        added = (statistics.median(alone[mode]) - sink_off) * 1e3
        figures.append(figure(f"export {mode}: added per record (sink hand-over)", added, "ms",
                              goal=f"<= {GOAL_MS} ms", passed=added <= GOAL_MS,
                              values=[t * 1e3 for t in alone[mode]]))  # fmt: skip
    figures.append(figure("OTLP bytes the stand-in collector received", received, "bytes"))
    print(f"all spans flushed within 10 s: {delivered} (the collector that is down never takes them)")
    print(f"wrote {write('otel', figures, calls=CALLS, batches=BATCHES, batch=BATCH)}")


if __name__ == "__main__":
    main()
