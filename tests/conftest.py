"""Shared fixtures: an isolated run log, the scripted fault server, and a real llama.cpp server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell

from tests.support.postgres import PostgresServer
from tests.support.scripted_server import ScriptedServer
from workbench.magic import register

# Never touch a real provider: tests only reach loopback.
for _name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
    os.environ.pop(_name, None)
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _skip_is_a_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{report.nodeid} skipped ({reason}); the suite has no skips: run it, or fail with the fix"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """A skip is a failure: the suite has no silent skips (`make test-fast` deselects by marker instead)."""
    report: pytest.TestReport = yield
    _skip_is_a_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[pytest.CollectReport]:
    """A module that skips itself while being collected fails the same way."""
    report: pytest.CollectReport = yield
    _skip_is_a_failure(report)
    return report


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes its run log under its own temporary directory."""
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("WORKBENCH_STORE", str(path))
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server from Debian's packages on loopback for the session (tests/support/postgres.py)."""
    server = PostgresServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on :func:`pg_server`."""
    return pg_server.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def log_at(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a new run log goes, once per backend: a SQLite file, then a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "log.sqlite"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def scripted() -> Iterator[ScriptedServer]:
    """The scripted OpenAI-compatible server (see tests/support/scripted_server.py)."""
    with ScriptedServer() as server:
        yield server


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2 on loopback; yields its /v1 URL."""
    from workbench.targets.llamacpp import smollm2_path

    port = free_port()
    log = ARTIFACTS / "llama_server.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(smollm2_path()),
                "--model_alias",
                "smollm2",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--chat_format",
                "chat_template.default",
                "--n_ctx",
                "4096",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}; see {log}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail(f"llama_cpp.server did not start within 60 s; see {log}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def ip() -> Iterator[InteractiveShell]:
    """IPython's shell with freshly registered magics and settings (no kernel: no widget panel)."""
    shell = InteractiveShell.instance()
    shell.config.pop("Hybrid", None)
    magics = register(shell)
    yield shell
    shell.events.unregister("post_run_cell", magics.after_cell)
    shell.configurables.remove(magics.settings)
    shell.config.pop("Hybrid", None)  # %config lands in the shell's config, which outlives a test
    for name in ("r", "word", "doc", "router"):
        shell.user_ns.pop(name, None)
