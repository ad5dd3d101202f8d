"""The JupyterLab extension in a real JupyterLab, driven by Debian's headless Chromium through Playwright.

The run log is seeded by real calls to the embedded local model, with WORKBENCH_STORE pointing at
a temporary log that the server reads too. The test opens the "Hybrid runs" sidebar from the
command palette, checks that it lists those calls and that the status bar's totals equal the run
log's, opens a call's detail, then makes another call and waits for both to update while the page
stays open. Screenshots go to test-artifacts/lab_extension/ (docs/img/sidebar.png is a copy of
sidebar.png, refreshed by hand).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench
from tests.conftest import ARTIFACTS
from tests.support.browser import FLAGS, chromium
from tests.support.jupyter import JupyterProcess, running_jupyter
from workbench.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "lab_extension"


def usd(value: float) -> str:
    """The front end's dollar format (extensions/jupyterlab-hybrid/src/api.ts ``usd``)."""
    return f"${value:.5f}" if 0 < value < 0.01 else f"${value:.4f}"


@pytest.fixture
def lab(tmp_path: Path, isolated_store: Path) -> Iterator[JupyterProcess]:
    """JupyterLab over an empty folder, reading the test's run log."""
    chromium()  # fails before JupyterLab starts when Chromium is missing
    root = tmp_path / "root"
    root.mkdir()
    env = {"WORKBENCH_STORE": str(isolated_store)}
    with running_jupyter("lab", root, tmp_path / "jupyter", SHOTS / "jupyterlab.log", env=env) as server:
        yield server


def expected_status(store_path: Path) -> str:
    """The status bar's text, from the run log's records."""
    records = Store(store_path).records()
    edge = [r for r in records if r.locality.value != "cloud"]
    cloud = [r for r in records if r.locality.value == "cloud"]

    def spend(rs: list) -> str:
        unknown = sum(r.cost_usd is None for r in rs)
        return usd(sum(r.cost_usd or 0.0 for r in rs)) + (f" (+{unknown} unknown)" if unknown else "")

    flagged = sum(bool(r.privacy and r.privacy.left_device) for r in records)
    return f"Hybrid: {len(records)} calls · edge {spend(edge)} · cloud {spend(cloud)} · ⚑ {flagged} flagged off device"


def test_sidebar_lists_the_calls_and_the_status_bar_shows_the_run_log_totals(
    lab: JupyterProcess, isolated_store: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    first = workbench.run("Hi", ["local/smollm2"], max_tokens=8)
    second = workbench.run("Say hello to ann@example.com", ["local/smollm2"], max_tokens=8)
    assert first[0].ok and second[0].ok and second[0].response.strip()  # the detail view must show a real answer
    assert Store(isolated_store).count() == 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{lab.url}lab?token={lab.token}")
            status = page.locator("#jp-main-statusbar .jp-HybridStatus")
            expect(status).to_have_text(expected_status(isolated_store), timeout=120_000)

            # The View menu opens the palette whatever has the keyboard focus (a shortcut may be dropped).
            page.locator(".lm-MenuBar-itemLabel:text-is('View')").click()
            page.locator(".lm-Menu-itemLabel:text-is('Activate Command Palette')").click()
            page.locator(".lm-CommandPalette-input").fill("Open Hybrid runs")
            page.locator(".lm-CommandPalette-item:has-text('Open Hybrid runs')").first.click()
            panel = page.locator("#hybrid-runs")
            expect(panel).to_be_visible()
            # widen the left sidebar (drag the main split handle) so the table fits the screenshot
            handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
            box = handle.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
            page.mouse.down()
            page.mouse.move(box["x"] + 420, box["y"] + 200, steps=5)
            page.mouse.up()
            rows = panel.locator(".jp-HybridRuns-table tbody tr")
            expect(rows).to_have_count(2, timeout=30_000)
            newest_first = [second[0], first[0]]
            for row, record in zip(rows.all(), newest_first, strict=True):
                assert row.get_attribute("data-call-id") == record.call_id
                cells = row.locator("td").all_inner_texts()
                assert cells[1] == "local/smollm2" and cells[2] == "on device"
                assert cells[6] == (usd(record.cost_usd) if record.cost_usd is not None else "unknown")
            assert "Say hello to" in rows.first.inner_text()
            expect(panel.locator(".jp-HybridRuns-count")).to_have_text("1\u20132 of 2")
            expect(panel.locator(".jp-HybridRuns-ttft tr")).to_have_count(2)  # header + local/smollm2

            # The privacy finding is shown (an email, kept on the device), and the filter narrows the list.
            assert "1 found" in rows.first.locator("td").nth(7).inner_text()
            panel.locator(".jp-HybridRuns-flagged").check()
            expect(panel.locator(".jp-HybridRuns-count")).to_have_text("no calls match")
            panel.locator(".jp-HybridRuns-flagged").uncheck()
            expect(rows).to_have_count(2)

            rows.first.click()
            answer = panel.locator(".jp-HybridRuns-answer")
            expect(answer).to_have_text(second[0].response.strip(), timeout=10_000)
            panel.screenshot(path=str(SHOTS / "sidebar.png"))
            page.locator("#jp-main-statusbar").screenshot(path=str(SHOTS / "statusbar.png"))

            # A call made while the page is open reaches the status bar and the sidebar by polling.
            workbench.run("One more", ["local/smollm2"], max_tokens=8)
            expect(status).to_have_text(expected_status(isolated_store), timeout=20_000)
            expect(rows).to_have_count(3, timeout=20_000)
            page.screenshot(path=str(SHOTS / "lab.png"))
        finally:
            browser.close()
    assert not page_errors, page_errors
