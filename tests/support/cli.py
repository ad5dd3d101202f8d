"""The real ``hybrid`` command in a subprocess, for tests that go through the CLI as a user does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["run_hybrid"]


def run_hybrid(
    *args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``hybrid ARGS`` run in ``cwd`` with exactly ``env``; its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
