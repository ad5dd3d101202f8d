"""Debian's headless Chromium for the real-browser tests: where it is and the flags it runs with.

Chromium comes from Debian (`apt-get install chromium chromium-driver`, which `make test` runs where
it can), never from `playwright install`. A missing Chromium fails the test with that command.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["FLAGS", "INSTALL", "chromium", "lab_page"]

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


@contextlib.contextmanager
def lab_page(url: str, *, width: int = 1500, height: int = 1100, failure_shot: Path | None = None) -> Iterator[Any]:
    """A Playwright page open at ``url`` in Debian's headless Chromium; any error the page raised fails the test.

    ``failure_shot``: where to save a screenshot when the test fails inside the block.
    """
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url)
            try:
                yield page
            except Exception:
                if failure_shot is not None:
                    page.screenshot(path=str(failure_shot))
                raise
        finally:
            browser.close()
    assert not errors, errors
