"""The quickstart in a real JupyterLab, driven by Debian's headless Chromium through Playwright.

Proves what no kernel-side test can: the panel's columns stream text and show their figures, the
live plots draw data (not a blank widget, plotly.py#4998), and the Hybrid runs sidebar lists the
quickstart's calls with the status bar's totals equal to the run log's. Screenshots go to
test-artifacts/browser/. Chromium comes from Debian (tests/support/browser.py), never from
`playwright install`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS
from tests.support.browser import FLAGS, chromium
from tests.support.jupyter import LAB_SETTINGS, running_jupyter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SHOTS = ARTIFACTS / "browser"
SETTINGS = {
    # every cell stays in the DOM, so off-screen widgets render and can be inspected
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# Records, for each panel (document order) and column, every distinct length its answer text had.
OBSERVER = """() => {
  window.__wbLengths = [];
  const record = () => {
    document.querySelectorAll('.workbench-panel').forEach((panel, i) => {
      window.__wbLengths[i] = window.__wbLengths[i] || [];
      panel.querySelectorAll('.workbench-column').forEach((column, j) => {
        const seen = window.__wbLengths[i][j] = window.__wbLengths[i][j] || [];
        const answer = column.querySelector('.workbench-answer');
        const n = answer ? answer.innerText.trim().length : 0;
        if (!seen.includes(n)) seen.push(n);
      });
    });
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab on loopback over a copy of notebooks/, with test-only Jupyter dirs and run log."""
    chromium()  # fails before JupyterLab starts when Chromium is missing
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root)
    store = tmp_path / "runs.sqlite"
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {"WORKBENCH_STORE": str(store), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    settings = {**LAB_SETTINGS, **SETTINGS}
    log = SHOTS / "jupyterlab.log"
    with running_jupyter("lab", root, tmp_path / "jupyter", log, env=env, lab_settings=settings) as server:
        yield Lab(server.url.rstrip("/"), server.token, root, store)


def expected_dashboard_points(log: Path) -> int:
    """Points the latency plot must draw: every call the magics made (the workbench.run call is not fed)."""
    from workbench.plots import latency_figure
    from workbench.store import Store

    records = [r for r in Store(log).records()[::-1] if "Name a prime number." not in str(r.prompt)]
    return sum(len(trace.x) for trace in latency_figure(records).data)


def check_sidebar(page: object, log: Path) -> None:
    """The Hybrid runs sidebar lists the quickstart's calls, and the status bar's totals are the run log's."""
    from playwright.sync_api import expect

    from tests.test_lab_extension import expected_status
    from workbench.store import Store

    expect(page.locator("#jp-main-statusbar .jp-HybridStatus")).to_have_text(  # type: ignore[attr-defined]
        expected_status(log), timeout=30_000
    )
    page.locator(".lm-MenuBar-itemLabel:text-is('View')").click()  # type: ignore[attr-defined]
    page.locator(".lm-Menu-itemLabel:text-is('Activate Command Palette')").click()  # type: ignore[attr-defined]
    page.locator(".lm-CommandPalette-input").fill("Open Hybrid runs")  # type: ignore[attr-defined]
    page.locator(".lm-CommandPalette-item:has-text('Open Hybrid runs')").first.click()  # type: ignore[attr-defined]
    recorded = Store(log).records()
    rows = page.locator("#hybrid-runs .jp-HybridRuns-table tbody tr")  # type: ignore[attr-defined]
    expect(rows).to_have_count(len(recorded), timeout=30_000)
    assert [row.get_attribute("data-call-id") for row in rows.all()] == [r.call_id for r in recorded]
    page.screenshot(path=str(SHOTS / "sidebar-after-quickstart.png"))  # type: ignore[attr-defined]


def test_quickstart_streams_panels_and_draws_plots(lab: Lab) -> None:
    from playwright.sync_api import sync_playwright

    page_errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium()), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(f"{lab.url}/lab/tree/01_quickstart.ipynb?token={lab.token}")
            status = page.locator("#jp-main-statusbar")
            status.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
            page.evaluate(OBSERVER)
            page.locator(".lm-MenuBar-itemLabel:text-is('Run')").click()
            page.locator(".lm-Menu-itemLabel:text-is('Run All Cells')").click()
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            count = cells.count()
            page.wait_for_function(
                """n => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                         return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
                arg=count, timeout=240_000,
            )
            status.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
            page.screenshot(path=str(SHOTS / "lab.png"))
            check_outputs(page)
            check_panels(page)
            check_plots(page, expected_dashboard_points(lab.log))
            check_sidebar(page, lab.log)
        finally:
            browser.close()
    assert not page_errors, page_errors


def check_outputs(page: object) -> None:
    """No cell failed, and no widget failed to render."""
    text = page.locator(".jp-Notebook").inner_text()  # type: ignore[attr-defined]
    for bad in ("Traceback", "Error displaying widget", "Loading widget...", "UsageError"):
        assert bad not in text, f"{bad!r} on the page"


def check_panels(page: object) -> None:
    """Four panels: every local column streamed text and shows figures; the keyless cloud column says why."""
    panels = page.locator(".workbench-panel")  # type: ignore[attr-defined]
    assert panels.count() == 4
    lengths = page.evaluate("window.__wbLengths")  # type: ignore[attr-defined]
    columns_seen = []
    for i in range(panels.count()):
        panel = panels.nth(i)
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(SHOTS / f"panel-{i + 1}.png"))
        columns = panel.locator(".workbench-column")
        columns_seen.append(columns.count())
        for j in range(columns.count()):
            column = columns.nth(j)
            header = column.locator(".widget-html").first.inner_text()
            answer = column.locator(".workbench-answer").inner_text().strip()
            footer = column.locator(".workbench-footer").inner_text()
            assert "done" in header or "failed" in header, header
            for label in ("time to first token", "latency", "tokens/s", "tokens", "cost", "privacy"):
                assert label in footer, (i, j, footer)
            if "cloud" in header:
                assert "failed" in header and "MissingKeyError" in answer and "OPENAI_API_KEY" in answer, answer
                continue
            assert "on device" in header and answer, (i, j, header, answer)
            grew = sorted(n for n in lengths[i][j] if n > 0)
            assert len(grew) >= 2, f"panel {i + 1} column {j + 1} never showed partial text: {grew}"
    assert columns_seen == [2, 1, 3, 2]


def check_plots(page: object, expected_points: int) -> None:
    """The dashboard's two plots drew data, the latency plot every call's points; the static plot drew too."""
    dashboard = page.locator(".workbench-plots")  # type: ignore[attr-defined]
    assert dashboard.count() == 1
    plots = dashboard.locator(".js-plotly-plot")
    assert plots.count() == 2
    latency = plots.nth(0).locator(".scatterlayer .point")
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelectorAll('.workbench-plots .js-plotly-plot')[0]"
        ".querySelectorAll('.scatterlayer .point').length === n",
        arg=expected_points, timeout=30_000,
    )
    assert latency.count() == expected_points > 0
    assert plots.nth(1).locator(".scatterlayer .point").count() > 0
    dashboard.scroll_into_view_if_needed()
    dashboard.screenshot(path=str(SHOTS / "dashboard.png"))
    static = page.locator(".jp-Notebook .js-plotly-plot").last  # type: ignore[attr-defined]
    assert static.locator(".scatterlayer .point").count() > 0
    static.scroll_into_view_if_needed()
    static.screenshot(path=str(SHOTS / "static-plot.png"))
