"""The quickstart in a real JupyterLab, driven by Debian's headless Chromium through Playwright.

Proves what no kernel-side test can: the panel's columns stream text and show their figures, the
dashboard draws every call, and the Hybrid runs sidebar lists the quickstart's calls with the
status bar's totals equal to the run log's; a saved notebook reopened in a fresh kernel still
shows its answers and figures, and Kernel > Interrupt during an answer leaves a column that says
so, no traceback, and the call in the run log. Screenshots go to test-artifacts/browser/. Chromium
comes from Debian (tests/support/browser.py), never from `playwright install`.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ARTIFACTS
from tests.support.browser import chromium, lab_page
from tests.support.jupyter import LAB_SETTINGS, running_jupyter
from workbench.records import CallRecord
from workbench.runlog.store import Store
from workbench.ui.panel import call_status
from workbench.ui.plots import cost_figure, latency_figure
from workbench.ui.table import figure_rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PLAIN_RUN = "Name a prime number."  # the quickstart's workbench.run(...) prompt: recorded, not in a panel
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


def words(text: str) -> str:
    """Text with its whitespace runs made single spaces (the page wraps and indents; the records do not)."""
    return " ".join(text.split())


def recorded(log: Path) -> list[CallRecord]:
    """The run log's records, oldest first (the order the plots number them)."""
    return Store(log).records()[::-1]


def panel_runs(log: Path) -> list[list[CallRecord]]:
    """Each %%hybrid cell's records, in cell order; the quickstart's workbench.run call has no panel."""
    runs: dict[str, list[CallRecord]] = {}
    for record in recorded(log):
        if PLAIN_RUN not in str(record.prompt):
            runs.setdefault(record.run_id, []).append(record)
    return list(runs.values())


def points(figure: object) -> int:
    """The markers a figure draws: one per x value of each trace."""
    return sum(len(trace.x) for trace in figure.data)  # type: ignore[attr-defined]


def check_sidebar(page: object, log: Path) -> None:
    """The Hybrid runs sidebar lists the quickstart's calls, and the status bar's totals are the run log's."""
    from playwright.sync_api import expect

    from tests.test_lab_extension import expected_status

    expect(page.locator("#jp-main-statusbar .jp-HybridStatus")).to_have_text(  # type: ignore[attr-defined]
        expected_status(log), timeout=30_000
    )
    page.locator(".lm-MenuBar-itemLabel:text-is('View')").click()  # type: ignore[attr-defined]
    page.locator(".lm-Menu-itemLabel:text-is('Activate Command Palette')").click()  # type: ignore[attr-defined]
    page.locator(".lm-CommandPalette-input").fill("Open Hybrid runs")  # type: ignore[attr-defined]
    page.locator(".lm-CommandPalette-item:has-text('Open Hybrid runs')").first.click()  # type: ignore[attr-defined]
    recorded = Store(log).records()
    rows = page.locator("#hybrid-runs .jp-HybridRuns-row")  # type: ignore[attr-defined]
    expect(rows).to_have_count(len(recorded), timeout=30_000)
    assert [row.get_attribute("data-call-id") for row in rows.all()] == [r.call_id for r in recorded]
    page.screenshot(path=str(SHOTS / "sidebar-after-quickstart.png"))  # type: ignore[attr-defined]


def test_quickstart_streams_panels_and_draws_plots(lab: Lab) -> None:
    with lab_page(f"{lab.url}/lab/tree/01_quickstart.ipynb?token={lab.token}") as page:
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
            arg=count,
            timeout=240_000,
        )
        status.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "lab.png"))
        check_outputs(page)
        check_panels(page, lab.log)
        check_plots(page, lab.log)
        check_sidebar(page, lab.log)


def check_outputs(page: object) -> None:
    """No cell failed, and no widget failed to render."""
    text = page.locator(".jp-Notebook").inner_text()  # type: ignore[attr-defined]
    for bad in ("Traceback", "Error displaying widget", "Loading widget...", "UsageError"):
        assert bad not in text, f"{bad!r} on the page"


def check_panels(page: object, log: Path) -> None:
    """One panel per %%hybrid cell, one column per call: each local column streamed its recorded answer and
    shows the record's figures and status; the keyless cloud column failed, saying which variable to set.
    The finished panels are static HTML, so this reads what a saved notebook keeps."""
    panels = page.locator(".workbench-panel")  # type: ignore[attr-defined]
    runs = panel_runs(log)
    assert [len(run) for run in runs] == [2, 1, 3, 2]
    assert panels.count() == len(runs)
    lengths = page.evaluate("window.__wbLengths")  # type: ignore[attr-defined]
    for i, run in enumerate(runs):
        panel = panels.nth(i)
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(SHOTS / f"panel-{i + 1}.png"))
        columns = panel.locator(".workbench-column")
        assert columns.count() == len(run)
        unmatched = list(run)
        for j in range(columns.count()):
            column = columns.nth(j)
            header = words(column.locator(".workbench-header").inner_text())
            answer = words(column.locator(".workbench-answer").inner_text())
            footer = words(column.locator(".workbench-footer").inner_text())
            # the record this column shows: its target, and every one of its figures as the record has it
            record = next(
                (
                    r
                    for r in unmatched
                    if r.target in header
                    and all(words(f"{label} {value}") in footer for label, value in figure_rows(r))
                ),
                None,
            )
            assert record is not None, f"panel {i + 1} column {j + 1} shows no recorded call: {header} | {footer}"
            unmatched.remove(record)
            if not record.ok:
                assert record.locality.value == "cloud" and header.endswith("failed"), header
                assert record.error_type == "MissingKeyError" and "OPENAI_API_KEY" in answer, answer
                continue
            assert header.endswith(call_status(record)) and "on device" in header, header
            assert answer == words(record.response) != "", (i, j, answer, record.response)
            grew = sorted(n for n in lengths[i][j] if n > 0)
            assert len(grew) >= 2, f"panel {i + 1} column {j + 1} never showed partial text: {grew}"


def check_plots(page: object, log: Path) -> None:
    """The dashboard's two static plots draw a marker for every figure of every recorded call, the
    workbench.run one included, exactly as the static plot from the run log at the end does."""
    calls = recorded(log)
    assert any(PLAIN_RUN in str(r.prompt) for r in calls)  # a call made without the magic
    plots = page.locator(".jp-Notebook .js-plotly-plot")  # type: ignore[attr-defined]
    assert plots.count() == 3  # the dashboard's two, then the static plot at the end
    for k, expected in enumerate(
        (points(latency_figure(calls)), points(cost_figure(calls)), points(latency_figure(calls)))
    ):
        assert expected > 0
        page.wait_for_function(  # type: ignore[attr-defined]
            "([k, n]) => document.querySelectorAll('.jp-Notebook .js-plotly-plot')[k]"
            ".querySelectorAll('.scatterlayer .point').length === n",
            arg=[k, expected],
            timeout=30_000,
        )
    dashboard = plots.first.locator("xpath=ancestor::div[contains(@class, 'jp-Cell-outputArea')]")
    dashboard.scroll_into_view_if_needed()
    dashboard.screenshot(path=str(SHOTS / "dashboard.png"))
    plots.last.scroll_into_view_if_needed()
    plots.last.screenshot(path=str(SHOTS / "static-plot.png"))


SAVED = "saved.ipynb"
LONG = "Write a very long story about a lighthouse keeper, at least 1000 words."
SAVED_CELLS = [
    "%load_ext workbench",
    "%hybrid dashboard",
    "%%hybrid -t local/smollm2 -t local/smollm2[temperature=0.9] --max-tokens 8 --temperature 0 --seed 1\n"
    "Name a prime number.",
    f"%%hybrid -t local/smollm2 --max-tokens 400 --temperature 0\n{LONG}",
    "print('the kernel goes on')",
]
IDLE = "Python 3 (ipykernel) | Idle"


def menu(page: object, top: str, item: str) -> None:
    """Click ``item`` in the menu bar's ``top`` menu."""
    page.locator(f".lm-MenuBar-itemLabel:text-is('{top}')").click()  # type: ignore[attr-defined]
    page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()  # type: ignore[attr-defined]


def check_saved_page(page: object, log: Path, stage: str) -> None:
    """Both panels and the dashboard show what the run log holds: answers, statuses, plotted points."""
    text = page.locator(".jp-Notebook").inner_text()  # type: ignore[attr-defined]
    for bad in ("Error displaying widget", "Traceback", "KeyboardInterrupt", "Loading widget..."):
        assert bad not in text, f"{stage}: {bad!r} on the page"
    records = recorded(log)
    panels = page.locator(".workbench-panel")  # type: ignore[attr-defined]
    assert panels.count() == 2, stage
    headers = [words(h) for h in page.locator(".workbench-header").all_inner_texts()]  # type: ignore[attr-defined]
    assert len(headers) == len(records) == 3, (stage, headers)
    for record in records:
        assert words(record.response) in words(text), (stage, record.target, record.response)
        wanted = f"{record.locality.label} {call_status(record)}"
        assert any(h.startswith(record.target) and h.endswith(wanted) for h in headers), (stage, wanted, headers)
    plots = page.locator(".jp-Notebook .jp-RenderedPlotly")  # type: ignore[attr-defined]
    assert plots.count() == 2, stage
    plots.first.hover()  # a reopened plot is the PNG plotly saved with it until the pointer enters it
    page.wait_for_function(  # type: ignore[attr-defined]
        "n => document.querySelector('.jp-Notebook .js-plotly-plot').querySelectorAll('.scatterlayer .point')"
        ".length === n",
        arg=points(latency_figure(records)),
        timeout=30_000,
    )


def test_interrupted_cell_and_saved_notebook_reopened_in_a_fresh_kernel(lab: Lab) -> None:
    from playwright.sync_api import expect

    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}
    cells = [nbformat.v4.new_code_cell(c) for c in SAVED_CELLS]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), lab.root / SAVED)
    with lab_page(f"{lab.url}/lab/tree/{SAVED}?token={lab.token}", failure_shot=SHOTS / "saved-failure.png") as page:
        status = page.locator("#jp-main-statusbar")
        status.get_by_text(IDLE).wait_for(timeout=120_000)
        menu(page, "Run", "Run All Cells")
        long_answer = page.locator(".workbench-panel").nth(1).locator(".workbench-answer")
        page.wait_for_function(  # the long answer is streaming: interrupt it
            "() => { const p = document.querySelectorAll('.workbench-panel')[1];"
            " const a = p && p.querySelector('.workbench-answer'); return a && a.innerText.length > 80; }",
            timeout=120_000,
        )
        menu(page, "Kernel", "Interrupt Kernel")
        expect(page.get_by_text("the kernel goes on")).to_be_visible(timeout=60_000)
        status.get_by_text(IDLE).wait_for(timeout=60_000)
        cancelled = [r for r in recorded(lab.log) if r.error_type == "CallCancelled"]
        assert len(cancelled) == 1 and LONG in str(cancelled[0].prompt)
        (record,) = cancelled
        assert record.response and 0 < (record.output_tokens or 0) < 400
        header = words(page.locator(".workbench-panel").nth(1).locator(".workbench-header").inner_text())
        assert header.endswith(f"interrupted after {record.output_tokens} tokens"), header
        assert words(long_answer.inner_text()) == words(record.response)
        stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert [words(t) for t in stderr.all_inner_texts()] == [
            "Interrupted: the calls in flight are recorded as cancelled, answers so far kept."
        ]
        check_saved_page(page, lab.log, "after the interrupt")
        page.locator(".workbench-panel").nth(1).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "interrupted.png"))

        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + 30
        while not (outputs := [o for c in nbformat.read(lab.root / SAVED, as_version=4).cells for o in c.outputs]):
            assert time.monotonic() < deadline, "Ctrl+S did not save the notebook"
            time.sleep(0.2)
        widget = "application/vnd.jupyter.widget-view+json"
        assert outputs and not [o for o in outputs if widget in o.get("data", {})]
        menu(page, "Kernel", "Restart Kernel…")
        page.locator(".jp-Dialog-button:has-text('Restart')").click()
        status.get_by_text(IDLE).wait_for(timeout=120_000)
        page.reload()
        status.get_by_text(IDLE).wait_for(timeout=120_000)
        page.locator(".jp-Notebook .jp-RenderedPlotly").first.wait_for(timeout=60_000)
        check_saved_page(page, lab.log, "reopened")
        page.screenshot(path=str(SHOTS / "reopened.png"))
