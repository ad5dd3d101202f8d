"""The routing explorer and a notebook sweep in a real JupyterLab, driven by Debian's headless Chromium.

One JupyterLab serves both tests. The explorer test moves the slider (with the keyboard, as a user
can) and sees the figures on the page change, switches the slider to a dollar budget, then saves:
the saved file holds no widget output, and the page reloaded on a fresh kernel shows the explorer's
last state as static HTML with no "Error displaying widget". The sweep test runs a
``%%hybrid --dataset`` cell on the real SmolLM2 and sees its progress bar end at done/total and the
cost-against-quality frontier drawn by plotly. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ARTIFACTS
from tests.support.browser import chromium, lab_page
from tests.support.jupyter import LAB_SETTINGS, JupyterProcess, running_jupyter

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "browser"
IDLE = "Python 3 (ipykernel) | Idle"
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}
WIDGET = "application/vnd.jupyter.widget-view+json"
EXPLORE_CELLS = [
    "%load_ext workbench",
    "from workbench.routing import default_routellm_dir, load_routellm\n"
    "outcomes = load_routellm(default_routellm_dir() / 'gsm8k_responses.csv')",
    "%hybrid explore outcomes",
]
SWEEP_CELLS = [
    "%load_ext workbench\nimport pandas as pd\n"
    "questions = pd.DataFrame({'id': ['a', 'b', 'c'], 'question': ['2 + 2?', '3 + 4?', '10 - 3?'],"
    " 'answer': ['4', '7', '7']})",
    "%%hybrid --dataset questions --id-column id --grade numeric:answer --name browser -t local/smollm2"
    " -t 'local/smollm2[temperature=0.7]' --temperature 0 --seed 0 --max-tokens 6 -o arith\n"
    "Question: {question}\nAnswer with the number only.",
    "from workbench.ui.frontier import frontier_figure\nfrontier_figure(arith.scores())",
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterProcess]:
    """One JupyterLab on loopback (with the workbench's server extension) over an empty folder."""
    chromium()
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {"WORKBENCH_STORE": str(tmp / "runs.sqlite"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    settings = {**LAB_SETTINGS, "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"}}
    with running_jupyter("lab", root, tmp / "jupyter", SHOTS / "jupyterlab-routing.log", env=env,
                         lab_settings=settings) as server:  # fmt: skip
        yield server


def notebook(lab: JupyterProcess, name: str, cells: list[str]) -> str:
    """Write a notebook of ``cells`` into the lab's folder; its URL."""
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata=KERNEL),
                   lab.root / name)  # fmt: skip
    # reset: a fresh workspace, so the notebook of an earlier test is not open (and counted) beside this one
    return f"{lab.url.rstrip('/')}/lab/tree/{name}?token={lab.token}&reset"


def menu(page: object, top: str, item: str) -> None:
    """Click ``item`` in the menu bar's ``top`` menu."""
    page.locator(f".lm-MenuBar-itemLabel:text-is('{top}')").click()  # type: ignore[attr-defined]
    page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()  # type: ignore[attr-defined]


def run_all(page: object) -> None:
    """Run every cell once the kernel is ready, and wait until each has run."""
    status = page.locator("#jp-main-statusbar")  # type: ignore[attr-defined]
    status.get_by_text(IDLE).wait_for(timeout=120_000)
    menu(page, "Run", "Run All Cells")
    count = page.locator(".jp-Notebook .jp-CodeCell").count()  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """n => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
                 return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
        arg=count,
        timeout=300_000,
    )
    status.get_by_text(IDLE).wait_for(timeout=60_000)


def no_errors(page: object, stage: str) -> str:
    """The notebook's text, after checking no cell failed and no widget failed to render."""
    text: str = page.locator(".jp-Notebook").inner_text()  # type: ignore[attr-defined]
    for bad in ("Traceback", "Error displaying widget", "Loading widget...", "UsageError"):
        assert bad not in text, f"{stage}: {bad!r} on the page"
    return text


def figures_text(page: object) -> str:
    return str(page.locator(".workbench-explore-live-figures").inner_text())  # type: ignore[attr-defined]


def settled(page: object, quiet_s: float = 1.0, timeout_s: float = 60.0) -> str:
    """The live figures once they have not changed for ``quiet_s`` (the kernel has handled every slider event)."""
    deadline = time.monotonic() + timeout_s
    text = figures_text(page)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        now = figures_text(page)
        if now == text:
            return text
        text = now
    raise AssertionError(f"the explorer's figures kept changing for {timeout_s:g} s")


def changed(page: object, before: str) -> str:
    """Wait until the live figures differ from ``before``; the new text."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "t => { const f = document.querySelector('.workbench-explore-live-figures');"
        " return f && f.innerText !== t; }",
        arg=before,
        timeout=30_000,
    )
    return figures_text(page)


def test_explorer_slider_moves_the_figures_and_a_saved_notebook_keeps_its_last_state(lab: JupyterProcess) -> None:
    url = notebook(lab, "explore.ipynb", EXPLORE_CELLS)
    with lab_page(url, failure_shot=SHOTS / "explore-failure.png") as page:
        run_all(page)
        explorer = page.locator(".jp-Cell-outputArea:has(.workbench-explore-slider)")
        explorer.scroll_into_view_if_needed()
        first = figures_text(page)
        assert "top 30.0% of the ranking" in first, first
        handle = page.locator(".workbench-explore-slider .noUi-handle")
        handle.focus()
        for _ in range(20):  # 20 steps of 0.5 points: 30% -> 40%
            page.keyboard.press("ArrowRight")
        moved = changed(page, first)
        page.wait_for_function("() => document.querySelector('.workbench-explore-live-figures')"
                               ".innerText.includes('top 40.0% of the ranking')", timeout=30_000)  # fmt: skip
        moved = figures_text(page)
        quality = [line for line in moved.splitlines() if line.startswith("quality")]
        assert quality and quality != [line for line in first.splitlines() if line.startswith("quality")]
        # the operating point (the one marker trace) sits on the curve in the live plotly figure
        page.wait_for_function("() => document.querySelectorAll('.workbench-explore-slider').length === 1 &&"
                               " document.querySelectorAll('.js-plotly-plot .scatterlayer .point').length >= 1",
                               timeout=30_000)  # fmt: skip
        explorer.screenshot(path=str(SHOTS / "explore-live.png"))

        page.locator(".jp-Cell-outputArea select").nth(1).select_option("dollar budget")
        budget = changed(page, moved)
        assert budget.startswith("dollar budget $"), budget
        box = handle.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] - 25, box["y"] + box["height"] / 2, steps=8)  # drag toward a smaller budget
        page.mouse.up()
        last = changed(page, budget)
        assert last.startswith("dollar budget $") and last != budget
        last = settled(page)  # the drag's last steps may land after the first change was seen
        snapshot = page.locator(".workbench-explore.workbench-static .workbench-explore-figures")
        page.wait_for_function(
            "t => { const s = document.querySelector('.workbench-explore.workbench-static .workbench-explore-figures');"
            " return s && s.textContent.replace(/\\s+/g, ' ').trim() === t; }",
            arg=" ".join(str(page.locator(".workbench-explore-live-figures").text_content()).split()),
            timeout=30_000,
        )
        assert not snapshot.is_visible()  # hidden while the live widget is on the page
        explorer.screenshot(path=str(SHOTS / "explore-budget.png"))

        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Control+s")
        deadline = time.monotonic() + 30
        while not any(c.outputs for c in nbformat.read(lab.root / "explore.ipynb", as_version=4).cells):
            assert time.monotonic() < deadline, "Ctrl+S did not save the notebook"
            time.sleep(0.2)
        outputs = [o for c in nbformat.read(lab.root / "explore.ipynb", as_version=4).cells for o in c.outputs]
        assert not [o for o in outputs if WIDGET in o.get("data", {})], "a widget output was saved"
        assert any(last.splitlines()[0] in o.get("data", {}).get("text/plain", "") for o in outputs)

        menu(page, "Kernel", "Restart Kernel…")
        page.locator(".jp-Dialog-button:has-text('Restart')").click()
        page.locator("#jp-main-statusbar").get_by_text(IDLE).wait_for(timeout=120_000)
        page.reload()
        page.locator("#jp-main-statusbar").get_by_text(IDLE).wait_for(timeout=120_000)
        static = page.locator(".workbench-explore.workbench-static")
        static.wait_for(timeout=60_000)
        no_errors(page, "reopened")
        assert " ".join(static.locator(".workbench-explore-figures").inner_text().split()) == " ".join(last.split())
        assert static.locator("svg .workbench-explore-point").count() == 1
        assert static.locator("svg polyline").count() >= 2
        static.scroll_into_view_if_needed()
        static.screenshot(path=str(SHOTS / "explore-reopened.png"))


def test_a_dataset_cell_shows_its_progress_bar_and_the_frontier_plot(lab: JupyterProcess) -> None:
    url = notebook(lab, "sweep.ipynb", SWEEP_CELLS)
    with lab_page(url, failure_shot=SHOTS / "sweep-failure.png") as page:
        run_all(page)
        no_errors(page, "after the sweep")
        bar = page.locator(".workbench-progress")
        assert bar.count() == 1
        assert "sweep browser: 6/6 done, 0 errors" in " ".join(bar.inner_text().split())
        bar.scroll_into_view_if_needed()
        bar.screenshot(path=str(SHOTS / "sweep-progress.png"))
        # the frontier: one marker per target (two), drawn by plotly in the page
        page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')].some("
            "p => p.querySelectorAll('.scatterlayer .point').length >= 2)",
            timeout=60_000,
        )
        plot = page.locator(".jp-Notebook .js-plotly-plot").last
        assert plot.locator(".scatterlayer .point").count() >= 2
        plot.scroll_into_view_if_needed()
        plot.screenshot(path=str(SHOTS / "sweep-frontier.png"))
