"""Debian's headless Chromium for the real-browser tests: where it is and the flags it runs with.

Chromium comes from Debian (`apt-get install chromium chromium-driver`, which `make test` runs where
it can), never from `playwright install`. A missing Chromium fails the test with that command.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

__all__ = ["FLAGS", "INSTALL", "chromium"]

INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-dev-shm-usage"]  # fmt: skip


def chromium() -> Path:
    """Debian's chromium on PATH; the test fails, naming the install command, when there is none."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            f"the browser tests need Debian's chromium: run `sudo sh -c '{INSTALL}'` "
            "(`make test` does it when run as root), or `make test-fast` to leave them out",
            pytrace=False,
        )
    return Path(found)
