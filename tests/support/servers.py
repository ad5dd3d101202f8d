"""Waiting for a server the tests started as a subprocess, and stopping it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

__all__ = ["stop", "wait_until_answers"]


def wait_until_answers(process: subprocess.Popen[bytes], url: str, *, what: str, log: Path, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; a ``RuntimeError`` naming ``log`` if the process dies or is too slow."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}; see {log}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer within {timeout_s:g} s; see {log}")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    """Terminate ``process``, and kill it if it has not ended within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
