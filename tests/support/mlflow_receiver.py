"""MLflow's tracking server on loopback as the OTLP receiver a team would run: started, queried, searched, stopped.

``make otel-receiver`` installs it into build/mlflow/venv (its own venv, never the workbench's).
The server starts in its own process group (it forks job-consumer workers) and the whole group
is stopped. Spans are read back through MLflow's REST API; :meth:`MlflowReceiver.stored` is every
byte it wrote (its SQLite files and artifact folder), for searching for what must not be there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import wait_until_answers

__all__ = ["MLFLOW", "MlflowReceiver"]

ROOT = Path(__file__).resolve().parents[2]
MLFLOW = ROOT / "build" / "mlflow" / "venv" / "bin" / "mlflow"


def _value(value: dict[str, Any]) -> Any:
    """An OTLP AnyValue as MLflow's JSON gives it, as a Python value."""
    if "array_value" in value:
        return tuple(_value(v) for v in value["array_value"].get("values", []))
    if "kvlist_value" in value:  # MLflow hands back a JSON attribute (the messages) as a structure
        return {kv["key"]: _value(kv["value"]) for kv in value["kvlist_value"].get("values", [])}
    for kind in ("string_value", "bool_value", "double_value"):
        if kind in value:
            return value[kind]
    return int(value["int_value"]) if "int_value" in value else None


class MlflowReceiver:
    """One MLflow tracking server with its store under ``folder``, listening on ``port``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.url = f"http://127.0.0.1:{port}"
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "mlflow.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(MLFLOW), "server", "--host", "127.0.0.1", "--port", str(port),
                 "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
                 "--default-artifact-root", str(folder / "artifacts"), "--workers", "1"],
                cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Until /health answers; raises RuntimeError naming the log when the server dies or is slow."""
        wait_until_answers(self.process, f"{self.url}/health", what="mlflow server", log=self.log, timeout_s=timeout_s)

    def experiment(self, name: str) -> str:
        """A new experiment's id; spans sent with header ``x-mlflow-experiment-id: ID`` land in it."""
        response = httpx.post(f"{self.url}/api/2.0/mlflow/experiments/create", json={"name": name}, timeout=30)
        response.raise_for_status()
        return str(response.json()["experiment_id"])

    def spans(self, experiment_id: str, count: int, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """The spans of the experiment's traces (name, times, status, attributes) once ``count`` have arrived."""
        deadline = time.monotonic() + timeout_s
        while True:
            listed = httpx.get(f"{self.url}/api/2.0/mlflow/traces", params={"experiment_ids": experiment_id,
                               "max_results": 500}, timeout=30).json().get("traces", [])  # fmt: skip
            if len(listed) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        found = []
        for trace in listed:
            got = httpx.get(f"{self.url}/api/3.0/mlflow/traces/get", params={"trace_id": trace["request_id"]},
                            timeout=30).json()["trace"]  # fmt: skip
            for span in got["spans"]:
                attributes = {a["key"]: _value(a["value"]) for a in span.get("attributes", [])}
                found.append({**span, "attributes": attributes})
        return found

    def stored(self) -> bytes:
        """Every byte MLflow keeps on disk: its SQLite files (with any write-ahead log) and artifacts."""
        files = [p for p in self.folder.rglob("*") if p.is_file() and p != self.log]
        return b"".join(p.read_bytes() for p in sorted(files))

    def stop(self) -> None:
        """Stop the server and every worker it started (the whole process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers still running, or a server slow to stop
        self.process.wait(timeout=10)
