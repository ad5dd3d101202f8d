"""The hardware a target runs on, in words: the CPU model and core count, the GPU's name."""

from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess
from pathlib import Path

__all__ = ["cpu_model", "cpu_name", "gpu_name"]


@functools.cache
def cpu_model() -> str:
    """The CPU model, e.g. ``AMD EPYC 7B13`` (from /proc/cpuinfo where there is one)."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name


def cpu_name() -> str:
    """The CPU model and core count, e.g. ``AMD EPYC 7B13 (2 cores)``."""
    return f"{cpu_model()} ({os.cpu_count()} cores)"


@functools.cache
def gpu_name() -> str | None:
    """The first NVIDIA GPU's name from ``nvidia-smi``, or ``None`` where there is none."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        out = subprocess.run(
            [smi, "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=5, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().splitlines()[0] if out.strip() else None
