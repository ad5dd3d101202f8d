"""A notebook executed in a real kernel, saved and rendered by nbconvert shows its answers, not widget views.

JupyterLab prefers a widget view over any fallback, and a saved widget view has no model once the
kernel is gone ("Error displaying widget: model not found"). So what a finished run leaves in the
saved file must carry no widget view at all: the panels are HTML and text, the dashboard plotly JSON.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
import plotly.io as pio
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from workbench.runlog.store import Store
from workbench.ui.panel import call_status
from workbench.ui.plots import latency_figure

pytestmark = pytest.mark.slow

WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
CELLS = [
    "%load_ext workbench",
    "%hybrid dashboard",
    "%%hybrid -t local/smollm2 -t local/smollm2[temperature=0.9] --max-tokens 8 --temperature 0 --seed 1\n"
    "Name a prime number.",
    "%%hybrid -t local/smollm2 -t openai/gpt-4o-mini --max-tokens 40 --temperature 0 --seed 2\nSay hello.",
    "from workbench.routing import make_policy\n"
    "from workbench.notebook import route_with_panel, run_with_panel\n"
    "run_with_panel('Name a colour.', ['local/smollm2'], max_tokens=5, temperature=0, seed=3, plots=None)\n"
    "routed = route_with_panel('Name a fruit.', make_policy('always-edge'), ['local/smollm2', 'openai/gpt-4o-mini'],\n"
    "                          max_tokens=5, temperature=0, seed=4)",
]


def test_saved_notebook_renders_every_answer_without_widget_views(
    tmp_path: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    nb = nbformat.read(saved, as_version=4)

    outputs = [o for cell in nb.cells for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], outputs
    assert not [sorted(o.data) for o in outputs if WIDGET in o.get("data", {})]
    panels = [o.data for o in outputs if "workbench-panel" in o.get("data", {}).get("text/html", "")]
    assert len(panels) == 4 and all(set(p) == {"text/html", "text/plain"} for p in panels)

    page, _ = HTMLExporter().from_notebook_node(nb)
    records = Store(isolated_store).records()[::-1]
    assert len(records) == 6
    for record in records:
        assert record.ok == (record.target != "openai/gpt-4o-mini")
        if record.ok:
            assert record.response and html.escape(record.response) in page, record.response
        assert f"<b>{html.escape(record.target)}</b>" in page
        assert f"<small>{call_status(record)}</small>" in page
    assert "MissingKeyError" in page and "OPENAI_API_KEY" in page  # the failed column says what to set
    assert "stopped at max tokens" in page and "Error displaying widget" not in page

    figures = [o.data for o in outputs if PLOTLY in o.get("data", {})]
    assert len(figures) == 2 and all(set(f) == {PLOTLY, "text/html", "text/plain"} for f in figures)
    latency = pio.from_json(json.dumps(figures[0][PLOTLY]))
    # Every call of the run log is on the dashboard, the Python calls' too, redrawn after their cells.
    expected = latency_figure(records)
    assert {t.name: list(t.x) for t in latency.data} == {t.name: list(t.x) for t in expected.data}
    assert sum(len(t.x) for t in latency.data) > 0
    assert figures[1]["text/plain"].endswith(f": {len(records)} calls")
