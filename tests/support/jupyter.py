"""A real Jupyter server (or JupyterLab) on loopback for tests, with test-only Jupyter directories.

It is started with subprocess.Popen (so the PID is the server's own), on a free port with
``port_retries=0`` and a random token, and polled on ``/api/status`` until it answers. The Hybrid
Workbench server extension is enabled through a test-only config file, so the endpoints are
served whether or not the package's own config file is installed.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["LAB_SETTINGS", "JupyterProcess", "running_jupyter"]

# Quiet JupyterLab for tests: no news pop-up over the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")


@dataclass(frozen=True)
class JupyterProcess:
    """A started server: its base URL (ending in ``/``), token, root directory and log file."""

    url: str
    token: str
    root: Path
    log: Path

    def get(self, path: str, *, token: bool = True, **params: str) -> httpx.Response:
        """GET ``path`` (relative to the base URL), with the token in the Authorization header."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        return httpx.get(self.url + path, params=params, headers=headers, timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_jupyter(
    app: str,
    root: Path,
    home: Path,
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    lab_settings: Mapping[str, object] = LAB_SETTINGS,
) -> Iterator[JupyterProcess]:
    """Run ``jupyter server`` or ``jupyter lab`` over ``root``; test-only Jupyter dirs live under ``home``."""
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTERLAB_SETTINGS_DIR": home / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "workspaces",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"workbench.server": True}}})
    )
    for name, value in lab_settings.items():
        target = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value))
    full_env = {k: v for k, v in os.environ.items() if k not in _KEYS}
    full_env.update({k: str(v) for k, v in dirs.items()})
    full_env.update(env or {})
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyter", app, "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        *args,
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=full_env, cwd=root, stdout=out, stderr=subprocess.STDOUT)
        server = JupyterProcess(f"http://127.0.0.1:{port}/", token, root, log)
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"jupyter {app} exited ({process.returncode}); see {log}")
                try:
                    if server.get("api/status").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter {app} did not answer in 90 s; see {log}")
                time.sleep(0.3)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
